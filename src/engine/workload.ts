/**
 * Access workloads: threads of a task touching a memory region with a pattern
 * (uniform at 4 KiB granularity, a skewed hot set, or sequential) until a fixed amount
 * of work is done or for ever, optionally in phases that change the pattern, the
 * rate or the memory-level parallelism as time goes on. Accesses are not iterated one
 * by one: each quantum, every thread advances by the accesses its time allows at the
 * latency of where its pages are, and only what the kernel would see is generated —
 * IBS samples (one per 10,000 L3-miss ops per CPU) and the NUMA hint faults of pages
 * the scanner marked.
 */
import type { Rng } from './rng.js'
import type { Region } from './region.js'

export type Pattern =
  | { kind: 'uniform' }
  /** hotOffset: where the hot set starts, as a share of the region (default 0). */
  | { kind: 'hotset'; hotFraction: number; hotShare: number; hotOffset?: number }
  | { kind: 'sequential' }

/** How the threads access memory during one stretch of time. */
export interface Phase {
  name: string
  /** Simulated ms the phase lasts; null: no time limit. */
  durationMs: number | null
  /** Accesses each thread makes in the phase; null: no work limit. */
  accessesPerThread: number | null
  pattern: Pattern
  /** Accesses per second per thread at most; null: as fast as memory answers. */
  rate: number | null
  /** Share of accesses that are loads (the rest are stores). */
  loadFraction: number
  /** Outstanding misses per thread (memory-level parallelism). */
  mlp: number
}

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
  /** Accesses per second per thread at most; null or absent: as fast as memory answers. */
  rate?: number | null
  /**
   * Phases run in order (see resolvePhases()); without them the workload is one phase
   * made of the fields above.
   */
  phases?: Phase[]
}

/** A phase as written: what it leaves out it keeps from the phase before (the first, from the workload). */
export interface PhaseInput {
  name?: string
  durationMs?: number
  accessesPerThread?: number
  pattern?: Pattern
  rate?: number | null
  loadFraction?: number
  mlp?: number
}

export interface PhaseProblem { path: string; message: string }

/**
 * Complete the phases of a workload: each inherits what it leaves out from the one
 * before it. Every phase but the last must end (a duration, a work amount or both);
 * with phases the work is theirs, so the workload's own accessesPerThread must be
 * unset. Problems name the field (relative to the workload).
 */
export function resolvePhases(
  base: { pattern: Pattern; rate?: number | null; loadFraction: number; mlp: number; accessesPerThread: number | null },
  phases: readonly PhaseInput[],
): { ok: true; value: Phase[] } | { ok: false; problems: PhaseProblem[] } {
  const problems: PhaseProblem[] = []
  if (base.accessesPerThread !== null && phases.length) {
    problems.push({ path: '/accessesPerThread', message: 'goes with no phases: with phases, each phase sets its own accessesPerThread or durationMs' })
  }
  const out: Phase[] = []
  let prev: Omit<Phase, 'name' | 'durationMs' | 'accessesPerThread'> = { pattern: base.pattern, rate: base.rate ?? null, loadFraction: base.loadFraction, mlp: base.mlp }
  const names = new Set<string>()
  phases.forEach((p, i) => {
    const name = p.name ?? `p${i + 1}`
    if (names.has(name)) problems.push({ path: `/phases/${i}/name`, message: `phase name "${name}" is used twice` })
    names.add(name)
    const ph: Phase = {
      name,
      durationMs: p.durationMs ?? null,
      accessesPerThread: p.accessesPerThread ?? null,
      pattern: p.pattern ?? prev.pattern,
      rate: p.rate !== undefined ? p.rate : prev.rate,
      loadFraction: p.loadFraction ?? prev.loadFraction,
      mlp: p.mlp ?? prev.mlp,
    }
    if (ph.durationMs === null && ph.accessesPerThread === null && i < phases.length - 1) {
      problems.push({ path: `/phases/${i}`, message: 'never ends (no durationMs and no accessesPerThread), so the phases after it would never run; only the last phase may be open-ended' })
    }
    out.push(ph)
    prev = ph
  })
  return problems.length ? { ok: false, problems } : { ok: true, value: out }
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
  /** Accesses done per thread in the current phase. */
  readonly phaseDone: Float64Array
  /** L3-miss ops seen per CPU since the last IBS sample. */
  readonly opsSinceSample = new Map<number, number>()
  /** Simulated ms at which every thread had finished. */
  finishedAtMs: number | null = null
  startedAtMs: number
  /** Access time spent by the threads, ns (for the cost model report). */
  busyNs = 0
  hintFaults = 0
  accessesByNode = new Map<number, number>()
  /**
   * NUMA balancing scanner state. `seq` counts full passes over the region
   * (mm->numa_scan_seq). Marked pages wait for their hint fault in one list per
   * access class (0 cold, 1 hot set), since all pages of a class fault with the same
   * probability; `listed` says which pages have an entry, so that a page migrated
   * (unmarked) and marked again is not listed twice.
   */
  readonly scan = { nextAtMs: 0, cursor: 0, seq: 0, lists: [new PageList(), new PageList()] as const, listed: null as Uint8Array | null }
  /** The phases; a workload without phases has one, made of its own fields. */
  readonly phases: readonly Phase[]
  phaseIndex = 0
  phaseStartMs: number
  /** When each phase began (ms), in order; the current one last. */
  readonly phaseStarts: number[] = []

  constructor(readonly id: number, readonly spec: WorkloadSpec, readonly region: Region, readonly rng: Rng, nowMs: number) {
    this.done = new Float64Array(spec.threads)
    this.phaseDone = new Float64Array(spec.threads)
    this.startedAtMs = nowMs
    this.phaseStartMs = nowMs
    this.phases = spec.phases?.length ? spec.phases : [{
      name: 'main', durationMs: null, accessesPerThread: spec.accessesPerThread, pattern: spec.pattern,
      rate: spec.rate ?? null, loadFraction: spec.loadFraction, mlp: spec.mlp,
    }]
    this.enterPhase(0, nowMs)
  }

  /** last_cpupid of each region page (see numa-misplaced.ts), made when NORMAL-mode faults first need it. */
  private cpupids: Int32Array | null = null

  lastCpupid(): Int32Array { return (this.cpupids ??= new Int32Array(this.region.pages)) }

  get finished(): boolean { return this.finishedAtMs !== null }

  /** Whether the workload ends by itself (its last phase has a duration or an amount of work). */
  get finite(): boolean {
    const last = this.phases[this.phases.length - 1]
    return last.durationMs !== null || last.accessesPerThread !== null
  }

  get phase(): Phase { return this.phases[this.phaseIndex] }

  /** The access pattern in force now. */
  get pattern(): Pattern { return this.phase.pattern }

  totalAccesses(): number { let s = 0; for (const d of this.done) s += d; return s }

  /** Share of the work done, 0..1: phases done plus the larger of the time and work shares of the current one. */
  progress(): number {
    if (this.finished) return 1
    const ph = this.phase
    let f = 0
    if (ph.accessesPerThread !== null) { let d = Infinity; for (const x of this.phaseDone) d = Math.min(d, x); f = Math.max(f, d / ph.accessesPerThread) }
    return (this.phaseIndex + Math.min(1, f)) / this.phases.length
  }

  /** progress() for a phase with a duration, given the time now. */
  progressAt(nowMs: number): number {
    const ph = this.phase
    const base = this.progress()
    if (this.finished || ph.durationMs === null) return base
    const inPhase = Math.min(1, (nowMs - this.phaseStartMs) / ph.durationMs)
    return Math.max(base, (this.phaseIndex + inPhase) / this.phases.length)
  }

  /** End the current phase at `atMs`: the next one starts, or the workload finishes after the last. */
  endPhase(atMs: number): void {
    if (this.phaseIndex + 1 >= this.phases.length) { this.finishedAtMs = atMs; return }
    this.enterPhase(this.phaseIndex + 1, atMs)
  }

  private enterPhase(i: number, atMs: number): void {
    this.phaseIndex = i
    this.phaseStartMs = atMs
    this.phaseStarts.push(atMs)
    this.phaseDone.fill(0)
    const p = this.phases[i].pattern
    const r = this.region
    const wasHot = i > 0 && this.phases[i - 1].pattern.kind === 'hotset'
    const before = [r.hotStart, r.hotPages]
    if (p.kind === 'hotset') {
      const hot = Math.max(1, Math.floor(r.pages * p.hotFraction))
      const start = Math.min(r.pages - hot, Math.floor(r.pages * (p.hotOffset ?? 0)))
      if (i === 0 || hot !== r.hotPages || start !== r.hotStart) r.setHotSet(start, hot)
    } else if (r.hotPages) {
      r.setHotSet(0, 0)
    }
    if (wasHot !== (p.kind === 'hotset') || before[0] !== r.hotStart || before[1] !== r.hotPages) this.reclassifyMarked()
  }

  /** Access class of page `v` under the current pattern: 1 in a hot set, else 0. */
  accessClass(v: number): number { return this.pattern.kind === 'hotset' && this.region.isHot(v) ? 1 : 0 }

  /** Put marked pages back in the lists of their classes after the hot set changed. */
  private reclassifyMarked(): void {
    const [cold, hot] = this.scan.lists
    const all = [...cold.items.subarray(0, cold.length), ...hot.items.subarray(0, hot.length)]
    cold.length = 0
    hot.length = 0
    for (const v of all) this.scan.lists[this.accessClass(v)].push(v)
  }

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
