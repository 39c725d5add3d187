/**
 * Shared helpers of the memory-model tests (mempolicy, memcg, percpu, page metadata,
 * private nodes): reading the emulated files into numbers, snapshots, building
 * machines from configs, and filling a node to its min watermark.
 * Not a test file itself (tap only picks up *.test.ts).
 */
import { resolveConfig } from '../../src/config/load.js'
import { createMachine } from '../../src/engine/index.js'
import type { Machine, Result } from '../../src/engine/machine.js'
import type { PolicyFlag, PolicyMode } from '../../src/engine/mempolicy.js'
import type { Task } from '../../src/engine/tasks.js'
import { KernFs } from '../../src/kernfs/registry.js'
import { kv, read } from '../helpers.js'

export const CG = '/sys/fs/cgroup'
export const NODE = '/sys/devices/system/node'
export const WI = '/sys/kernel/mm/mempolicy/weighted_interleave'
export const PAGE = 4096

export const MPOL_MODES = ['local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave'] as const
export type CountedMode = (typeof MPOL_MODES)[number]
export const MPOL_ITEMS = MPOL_MODES.flatMap((m) => (['hit', 'miss', 'foreign'] as const).map((k) => `numa_mpol_${m}_${k}`))

/** A machine built from a config the way the daemon builds it. */
export function machine(config: unknown): { m: Machine; fs: KernFs } {
  const m = createMachine(resolveConfig(config))
  return { m, fs: new KernFs(m) }
}

export function must<T>(r: Result<T>, what = 'operation'): T {
  if (!r.ok) throw new Error(`${what} failed: ${r.errno} ${r.reason}`)
  return r.value
}

/** write(2) as root from CPU 0; returns 'ok' or the errno. */
export function write(fs: KernFs, path: string, data: string, cpu = 0): string {
  const r = fs.write(path, data, { cpu })
  return r.ok ? 'ok' : r.errno
}

export function mustWrite(fs: KernFs, path: string, data: string): void {
  const r = fs.write(path, data, { cpu: 0 })
  if (!r.ok) throw new Error(`write ${JSON.stringify(data)} to ${path}: ${r.errno} ${r.reason ?? ''}`)
}

/** mkdir -p of cgroups below /sys/fs/cgroup, enabling memory in every parent on the way. */
export function memcg(fs: KernFs, path: string): void {
  const parts = path.split('/').filter(Boolean)
  let cur = ''
  for (const p of parts) {
    mustWrite(fs, `${CG}${cur}/cgroup.subtree_control`, '+memory')
    cur += `/${p}`
    if (!fs.isDir(`${CG}${cur}`)) {
      const r = fs.mkdir(`${CG}${cur}`)
      if (!r.ok) throw new Error(`mkdir ${CG}${cur}: ${r.errno}`)
    }
  }
}

export function spawn(m: Machine, cpu: number, cgroup = '', policy?: [PolicyMode, number[], PolicyFlag[]?]): Task {
  const t = must(m.tasks.create({ cgroup, cpu }), `create task on cpu ${cpu} in ${cgroup || '/'}`)
  if (policy) must(m.tasks.setPolicy(t, policy[0], policy[1], policy[2] ?? []), `set_mempolicy ${policy[0]}`)
  return t
}

/** memory.numa_stat as name → nid → value. */
export function numaStat(fs: KernFs, cg = ''): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>()
  for (const line of read(fs, `${CG}${cg}/memory.numa_stat`).split('\n')) {
    if (!line) continue
    const [name, ...cols] = line.split(' ')
    const row = new Map<number, number>()
    for (const c of cols) {
      const m = /^N(\d+)=(\d+)$/.exec(c)
      if (!m) throw new Error(`bad numa_stat column "${c}" in "${line}"`)
      row.set(Number(m[1]), Number(m[2]))
    }
    out.set(name, row)
  }
  return out
}

export const memStat = (fs: KernFs, cg = ''): Map<string, number> => kv(read(fs, `${CG}${cg}/memory.stat`))
export const memEvents = (fs: KernFs, cg: string, local = false): Map<string, number> => kv(read(fs, `${CG}${cg}/memory.events${local ? '.local' : ''}`))
export const current = (fs: KernFs, cg: string): number => Number(read(fs, `${CG}${cg}/memory.current`))
export const vmstat = (fs: KernFs): Map<string, number> => kv(read(fs, '/proc/vmstat'))
export const nodeVmstat = (fs: KernFs, nid: number): Map<string, number> => kv(read(fs, `${NODE}/node${nid}/vmstat`))
export const numastat = (fs: KernFs, nid: number): Map<string, number> => kv(read(fs, `${NODE}/node${nid}/numastat`))
export const procs = (fs: KernFs, cg: string): number[] => read(fs, `${CG}${cg}/cgroup.procs`).split('\n').filter(Boolean).map(Number)

/** Every readable file's text, rendered by a fresh KernFs so that no cache can hide a change. */
export function snapshot(m: Machine): Map<string, string> {
  const fs = new KernFs(m)
  const out = new Map<string, string>()
  for (const e of fs.entries()) {
    const r = fs.read(e.path)
    if (r.ok && r.type === 'file') out.set(e.path, r.text)
  }
  return out
}

/** Paths whose text differs between two snapshots (or exists in only one). */
export function changedFiles(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = []
  for (const [p, v] of a) if (b.get(p) !== v) out.push(p)
  for (const p of b.keys()) if (!a.has(p)) out.push(p)
  return out.sort()
}

/**
 * The numa_mpol_* counters everywhere they show: /proc/vmstat, each node's vmstat,
 * and (when given a cgroup) its memory.numa_stat and memory.stat. Keys are
 * `vmstat:<item>`, `node<N>:<item>`, `numa_stat:<item>:N<N>`, `stat:<item>`.
 */
export function mpolView(fs: KernFs, nids: readonly number[], cg?: string): Map<string, number> {
  const out = new Map<string, number>()
  const vm = vmstat(fs)
  for (const it of MPOL_ITEMS) out.set(`vmstat:${it}`, vm.get(it)!)
  for (const nid of nids) {
    const nv = nodeVmstat(fs, nid)
    for (const it of MPOL_ITEMS) out.set(`node${nid}:${it}`, nv.get(it)!)
  }
  if (cg !== undefined) {
    const ns = numaStat(fs, cg)
    const st = memStat(fs, cg)
    for (const it of MPOL_ITEMS) {
      for (const nid of nids) if (ns.get(it)?.has(nid)) out.set(`numa_stat:${it}:N${nid}`, ns.get(it)!.get(nid)!)
      out.set(`stat:${it}`, st.get(it)!)
    }
  }
  return out
}

/** after − before, keeping only keys that moved. */
export function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0)
    if (d !== 0) out[k] = d
  }
  for (const k of before.keys()) if (!after.has(k)) out[k] = Number.NaN
  return out
}

/** What mpolView should move by for a list of (mode, hit/miss/foreign, node, pages). */
export function expectMpol(counts: ReadonlyArray<[CountedMode, 'hit' | 'miss' | 'foreign', number, number]>, withMemcg: boolean): Record<string, number> {
  const out: Record<string, number> = {}
  const add = (k: string, n: number) => { out[k] = (out[k] ?? 0) + n; if (out[k] === 0) delete out[k] }
  for (const [mode, what, nid, n] of counts) {
    const it = `numa_mpol_${mode}_${what}`
    add(`vmstat:${it}`, n)
    add(`node${nid}:${it}`, n)
    if (withMemcg) { add(`numa_stat:${it}:N${nid}`, n); add(`stat:${it}`, n) }
  }
  return out
}

/**
 * Fill node `nid` down to its min watermark with page cache of a filler task in the
 * root cgroup bound to the node, leaving `leave` pages that a movable allocation
 * (anon, file) on that node could still take. Returns the filler.
 */
export function fillNode(m: Machine, nid: number, leave = 0): Task {
  const cpu = m.onlineCpus()[0]
  const filler = spawn(m, cpu, '', ['bind', [nid], []])
  const probe = () => m.allocatable({ kind: 'file', pages: 1, cpu, nid, nodemask: [nid] })
  must(m.tasks.allocate(filler, 'file', probe() - leave), `fill node ${nid}`)
  const left = probe()
  if (left !== leave) throw new Error(`node ${nid}: ${left} movable pages left, wanted ${leave}`)
  return filler
}

/** Σ over an array. */
export const sum = (xs: Iterable<number>): number => { let s = 0; for (const x of xs) s += x; return s }

/**
 * Independent model of (weighted) interleave, page by page as the kernel's
 * weighted_interleave_nodes() does it: when the current node's weight is used up,
 * move to the next node of the (sorted) mask after il_prev, wrapping around.
 * Returns the pages per node of `pages` pages; `st` carries il_prev/il_weight on.
 */
export function interleaveSeq(nodes: readonly number[], weight: (nid: number) => number, st: { prev: number; left: number }, pages: number): Map<number, number> {
  const out = new Map<number, number>()
  for (let i = 0; i < pages; i++) {
    if (st.left === 0 || !nodes.includes(st.prev)) {
      st.prev = nodes.find((n) => n > st.prev) ?? nodes[0]
      st.left = weight(st.prev)
    }
    st.left--
    out.set(st.prev, (out.get(st.prev) ?? 0) + 1)
  }
  return out
}
