/**
 * Key/value view of the kernel's text files, for the stream's kv, delta and rate
 * formats. A file is parsed only if every non-empty line has one of these shapes
 * and no key repeats; otherwise it stays text (zoneinfo, buddyinfo, cpulist and
 * cpumap, distance, cgroup.controllers, "max" limits).
 *
 *   name value               vmstat, numastat, memory.stat, memory.events    → name
 *   Label:   123 kB          /proc/meminfo (value in kB, as printed)         → Label
 *   Node 0 Label: 123 kB     nodeN/meminfo (the path already names the node) → Label
 *   HugePages_Total:   0     meminfo rows without a unit                     → HugePages_Total
 *   name N0=1 N1=2           memory.numa_stat                                → name.N0, name.N1
 *   some avg10=0.00 total=0  memory.pressure                                 → some.avg10, some.total
 *   67584                    single-value files (sysctls, memory.current)    → value
 *
 * Names must start with a letter or underscore, so "10 20" (distance) is not read
 * as a key "10". Lists, masks and distance vectors stay text by path (textOnlyPath):
 * on a one-node machine they print a single number ("10", cpumap "3"), which would
 * otherwise pass for a value, and a hex mask is not a decimal count.
 */
export interface ParsedKv {
  readonly keys: readonly string[]
  readonly values: readonly number[]
}

const NUM = String.raw`-?\d+(?:\.\d+)?`
const MEMINFO = new RegExp(String.raw`^(?:Node \d+ )?([A-Za-z_][\w()]*):\s+(${NUM})(?: kB)?$`)
const NAME_VALUE = new RegExp(String.raw`^([A-Za-z_][\w.\-]*)\s+(${NUM})$`)
const NAME_PAIRS = new RegExp(String.raw`^([A-Za-z_][\w.\-]*)((?:\s+[A-Za-z_]\w*=${NUM})+)$`)
const PAIR = new RegExp(String.raw`([A-Za-z_]\w*)=(${NUM})`, 'g')
const SINGLE = new RegExp(String.raw`^${NUM}$`)

/** The file's keys and values in file order, or null when the file is not one of the shapes above. */
export function parseKernelText(text: string): ParsedKv | null {
  const lines = text.split('\n')
  const body = lines.map((l) => l.trimEnd()).filter((l) => l !== '')
  if (body.length === 1 && SINGLE.test(body[0])) return { keys: ['value'], values: [Number(body[0])] }
  const keys: string[] = []
  const values: number[] = []
  const seen = new Set<string>()
  const add = (k: string, v: string): boolean => {
    if (seen.has(k)) return false
    seen.add(k)
    keys.push(k)
    values.push(Number(v))
    return true
  }
  for (const line of body) {
    let m = NAME_VALUE.exec(line) ?? MEMINFO.exec(line)
    if (m) {
      if (!add(m[1], m[2])) return null
      continue
    }
    m = NAME_PAIRS.exec(line)
    if (!m) return null
    for (const p of m[2].matchAll(PAIR)) if (!add(`${m[1]}.${p[1]}`, p[2])) return null
  }
  return keys.length ? { keys, values } : null
}

const LIST_OR_MASK = /\/(?:cpumap|cpulist|distance|nodelist|possible|online|has_\w+)$/

export function textOnlyPath(path: string): boolean {
  return LIST_OR_MASK.test(path)
}

/** Plain object of a parse, in key order. */
export function kvObject(p: ParsedKv): Record<string, number> {
  // No prototype: a key is whatever the file printed.
  const out: Record<string, number> = Object.create(null)
  for (let i = 0; i < p.keys.length; i++) out[p.keys[i]] = p.values[i]
  return out
}
