/**
 * What a frame says about its files, from what the client was last sent. Snapshots
 * are immutable and shared by every subscription, so "unchanged" is usually an
 * identity test, and a client that skipped frames is diffed against the snapshot
 * it really holds, which keeps deltas exact across gaps. Each snapshot has an id
 * unique in its hub, so (base ids, current ids) names a diff.
 */
import type { StreamFormat } from '../../schemas/stream.js'
import { parseKernelText, type ParsedKv } from './parse-text.js'

/**
 * One read of one file; `kv` is parsed on first need (undefined = not yet, null = not
 * parseable). `keysHint` is the key list of the file's previous read: reusing it when
 * the keys did not change turns the layout check of every later diff into `===`.
 */
export interface Snap { readonly id: number; readonly text: string; kv?: ParsedKv | null; keysHint?: readonly string[] }

export function kvOf(s: Snap): ParsedKv | null {
  if (s.kv === undefined) {
    const kv = parseKernelText(s.text)
    s.kv = kv && s.keysHint && sameList(kv.keys, s.keysHint) ? { keys: s.keysHint, values: kv.values } : kv
    s.keysHint = undefined
  }
  return s.kv
}

export type FileValue = string | Record<string, number>

/** What the client holds after a frame: the files in order, as read. */
export interface Sent {
  readonly paths: readonly string[]
  readonly snaps: readonly Snap[]
  readonly simMs: number
  readonly wallMs: number
}

/** The `keys` of a subscription; "anon" keeps "anon" and every "anon.<column>". */
export class KeyFilter {
  private readonly want: ReadonlySet<string>
  private readonly cache = new WeakMap<readonly string[], number[]>()

  constructor(keys: readonly string[]) { this.want = new Set(keys) }

  keeps(key: string): boolean {
    if (this.want.has(key)) return true
    const dot = key.indexOf('.')
    return dot > 0 && this.want.has(key.slice(0, dot))
  }

  /** Indices of kept keys; key arrays are shared between snapshots, so this is computed once per file layout. */
  indices(keys: readonly string[]): number[] {
    let idx = this.cache.get(keys)
    if (!idx) {
      idx = []
      for (let i = 0; i < keys.length; i++) if (this.keeps(keys[i])) idx.push(i)
      this.cache.set(keys, idx)
    }
    return idx
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** a − b; counters are integers and subtract exactly, fractional values (pressure averages) are rounded to hide binary noise. */
function minus(a: number, b: number): number {
  const d = a - b
  return Number.isInteger(a) && Number.isInteger(b) ? d : Number(d.toPrecision(12))
}

function absolute(kv: ParsedKv, filter: KeyFilter | null): Record<string, number> {
  const out: Record<string, number> = Object.create(null)
  if (filter) for (const i of filter.indices(kv.keys)) out[kv.keys[i]] = kv.values[i]
  else for (let i = 0; i < kv.keys.length; i++) out[kv.keys[i]] = kv.values[i]
  return out
}

export function fullFiles(format: StreamFormat, filter: KeyFilter | null, paths: readonly string[], snaps: readonly Snap[]): Record<string, FileValue> {
  const files: Record<string, FileValue> = Object.create(null)
  for (let i = 0; i < paths.length; i++) {
    const kv = format === 'text' ? null : kvOf(snaps[i])
    files[paths[i]] = kv ? absolute(kv, filter) : snaps[i].text
  }
  return files
}

/**
 * Files of a frame. Text and kv frames are always full. Delta and rate frames hold
 * only what changed since `prev`; they fall back to a full frame when there is no
 * `prev`, or the file list, a file's keys, or a file's parseability changed.
 */
export function frameFiles(
  format: StreamFormat, filter: KeyFilter | null, prev: Sent | null,
  paths: readonly string[], snaps: readonly Snap[], elapsedMs: number,
): { full: boolean; files: Record<string, FileValue> } {
  const full = () => ({ full: true, files: fullFiles(format, filter, paths, snaps) })
  if (format === 'text' || format === 'kv' || !prev || !sameList(prev.paths, paths)) return full()
  if (format === 'rate' && !(elapsedMs > 0)) return full()
  const perSecond = format === 'rate' ? 1000 / elapsedMs : 1
  const files: Record<string, FileValue> = Object.create(null)
  for (let f = 0; f < paths.length; f++) {
    const p = prev.snaps[f], c = snaps[f]
    if (p === c) continue
    const pk = kvOf(p), ck = kvOf(c)
    if (!pk && !ck) {
      if (p.text !== c.text) files[paths[f]] = c.text
      continue
    }
    if (!pk || !ck || !sameList(pk.keys, ck.keys)) return full()
    let out: Record<string, number> | null = null
    const visit = (i: number) => {
      if (ck.values[i] === pk.values[i]) return
      out ??= Object.create(null) as Record<string, number>
      const d = minus(ck.values[i], pk.values[i])
      out[ck.keys[i]] = perSecond === 1 ? d : d * perSecond
    }
    if (filter) for (const i of filter.indices(ck.keys)) visit(i)
    else for (let i = 0; i < ck.keys.length; i++) visit(i)
    if (out) files[paths[f]] = out
  }
  return { full: false, files }
}
