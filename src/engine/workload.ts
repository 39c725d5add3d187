/**
 * Access workloads: threads of a task touching a memory region with a pattern
 * (uniform at 4 KiB granularity, a skewed hot set, or sequential) until a fixed amount
 * of work is done or for ever. Accesses are not iterated one by one: each quantum,
 * every thread advances by the accesses its time allows at the latency of where its
 * pages are, and only what the kernel would see is generated — IBS samples (one per
 * 10,000 L3-miss ops per CPU) and the NUMA hint faults of pages the scanner marked.
 */
import type { Rng } from './rng.js'
import type { Region } from './region.js'

export type Pattern =
  | { kind: 'uniform' }
  | { kind: 'hotset'; hotFraction: number; hotShare: number }
  | { kind: 'sequential' }

export interface WorkloadSpec {
  name: string
  threads: number
  /** CPUs the threads run on, round robin. */
  cpus: number[]
  pattern: Pattern
  /** Accesses each thread makes before it is done; null = run until stopped. */
  accessesPerThread: number | null
  /** Share of accesses that are loads (the rest are stores). */
  loadFraction: number
  /** Outstanding misses per thread (memory-level parallelism). */
  mlp: number
}

/** A growable list of page indices in a typed array (the scanner marks tens of thousands at a time). */
export class PageList {
  items = new Uint32Array(1024)
  length = 0

  push(v: number): void {
    if (this.length === this.items.length) { const a = new Uint32Array(this.items.length * 2); a.set(this.items); this.items = a }
    this.items[this.length++] = v
  }
}

export class Workload {
  /** Accesses done per thread. */
  readonly done: Float64Array
  /** L3-miss ops seen per CPU since the last IBS sample. */
  readonly opsSinceSample = new Map<number, number>()
  /** Simulated ms at which every thread had finished. */
  finishedAtMs: number | null = null
  startedAtMs: number
  /** Access time spent by the threads, ns (for the cost model report). */
  busyNs = 0
  hintFaults = 0
  accessesByNode = new Map<number, number>()
  /** NUMA balancing scanner state. */
  scan = { nextAtMs: 0, cursor: 0, marked: new PageList() }

  constructor(readonly id: number, readonly spec: WorkloadSpec, readonly region: Region, readonly rng: Rng, nowMs: number) {
    this.done = new Float64Array(spec.threads)
    this.startedAtMs = nowMs
    if (spec.pattern.kind === 'hotset') region.hotPages = Math.max(1, Math.floor(region.pages * spec.pattern.hotFraction))
  }

  get finished(): boolean { return this.finishedAtMs !== null }

  totalAccesses(): number { let s = 0; for (const d of this.done) s += d; return s }

  /** The access pattern in force now. */
  get pattern(): Pattern { return this.spec.pattern }

  /** Probability that one access touches page `v`. */
  pageProbability(v: number): number {
    const p = this.pattern
    const n = this.region.pages
    if (p.kind !== 'hotset') return 1 / n
    const hot = this.region.hotPages
    return this.region.isHot(v) ? p.hotShare / hot : (1 - p.hotShare) / Math.max(1, n - hot)
  }

  /** Draw the page one access touches. */
  pickPage(seqPos: number): number {
    const p = this.pattern
    const n = this.region.pages
    if (p.kind === 'sequential') return Math.floor(seqPos) % n
    if (p.kind === 'hotset') {
      const r = this.region
      const hot = r.hotPages, start = r.hotStart
      if (this.rng.float() < p.hotShare) return start + Math.floor(this.rng.float() * hot)
      // The cold pages are the ones before and after the hot set.
      const u = Math.floor(this.rng.float() * Math.max(1, n - hot))
      return u < start ? u : u + hot
    }
    return Math.floor(this.rng.float() * n)
  }
}
