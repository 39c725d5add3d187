/**
 * Simulated time in motion: workloads advance, the NUMA balancing scanner marks
 * pages and their next access hint-faults, the IBS memory profiler samples, pghot
 * records and kmigrated promotes, kswapd reclaims and demotes. The clock moves only
 * here, in quanta, so a run replays exactly from its seed and inputs.
 */
import type { Machine } from './machine.js'
import { PGHOT_HINTFAULTS, PGHOT_HWHINTS } from './pghot.js'
import type { Region } from './region.js'
import { NUMA_BALANCING_MEMORY_TIERING, NUMA_BALANCING_NORMAL } from './tunables.js'
import { Workload, type WorkloadSpec } from './workload.js'

/** IBS memory profiler: one sample per this many L3-miss ops on a CPU. */
export const IBS_SAMPLE_PERIOD = 10000
/** Per-CPU sample ring (IBS_NR_SAMPLES); one slot stays empty. */
export const IBS_RING = 150
/** Time a NUMA hint fault costs the faulting thread. */
export const HINT_FAULT_NS = 1500

export interface NumaBalancingKnobs { scanDelayMs: number; scanPeriodMinMs: number; scanPeriodMaxMs: number; scanSizeMb: number }

export class Simulation {
  readonly workloads: Workload[] = []
  quantumMs = 10
  readonly numab: NumaBalancingKnobs = { scanDelayMs: 1000, scanPeriodMinMs: 1000, scanPeriodMaxMs: 60000, scanSizeMb: 256 }
  /** sysctl_numa_balancing_hot_threshold of kernels without the pghot series. */
  hotThresholdMs = 1000
  private nextId = 1
  private faultDebtNs = new Map<Workload, number>()

  constructor(private readonly m: Machine) {}

  /** Start a workload on a region. */
  start(spec: WorkloadSpec, region: Region): Workload {
    const w = new Workload(this.nextId++, spec, region, this.m.rng.fork(), this.m.clock.nowMs())
    w.scan.nextAtMs = this.m.clock.nowMs() + this.numab.scanDelayMs
    this.workloads.push(w)
    this.m.touch()
    return w
  }

  stop(w: Workload): void {
    const i = this.workloads.indexOf(w)
    if (i >= 0) this.workloads.splice(i, 1)
  }

  /** Advance simulated time by `ms`, in quanta. */
  step(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot step by ${ms} ms`)
    let left = ms
    while (left > 0) {
      const dt = Math.min(this.quantumMs, left)
      this.quantum(dt)
      left -= dt
    }
  }

  /** Step until `done()` holds or `maxMs` pass; returns the simulated ms spent. */
  runUntil(done: () => boolean, maxMs: number): number {
    const start = this.m.clock.nowMs()
    while (!done() && this.m.clock.nowMs() - start < maxMs) this.quantum(this.quantumMs)
    return this.m.clock.nowMs() - start
  }

  private quantum(dt: number): void {
    const m = this.m
    const t0 = m.clock.nowMs()
    for (const w of this.workloads) if (!w.finished && m.tasks.table.has(w.region.task.pid)) this.advance(w, t0, dt)
    m.clock.advance(dt)
    const now = m.clock.nowMs()
    for (const w of this.workloads) if (m.tasks.table.has(w.region.task.pid)) this.scan(w, now)
    m.pghot.runDue(now)
    m.kswapd.runPending()
    m.touch()
  }

  /** Share of a workload's accesses that land on each node right now. */
  shares(w: Workload): Map<number, number> {
    const r = w.region
    const out = new Map<number, number>()
    const p = w.spec.pattern
    if (p.kind === 'hotset') {
      const hot = r.hotPages, cold = Math.max(1, r.pages - hot)
      for (const [nid, n] of r.perNode) {
        const h = r.hotPerNode.get(nid) ?? 0
        out.set(nid, (h / hot) * p.hotShare + ((n - h) / cold) * (1 - p.hotShare))
      }
    } else {
      for (const [nid, n] of r.perNode) out.set(nid, n / r.pages)
    }
    return out
  }

  private advance(w: Workload, t0: number, dt: number): void {
    const m = this.m
    const shares = this.shares(w)
    let latency = 0
    for (const [nid, s] of shares) latency += s * m.node(nid)!.spec.latencyNs
    if (latency <= 0) return
    const threads = w.spec.threads
    const debt = (this.faultDebtNs.get(w) ?? 0) / threads
    this.faultDebtNs.set(w, 0)
    let total = 0
    let finishedAt = t0
    let allDone = true
    const perCpu = new Map<number, number>()
    for (let i = 0; i < threads; i++) {
      const budgetNs = Math.max(0, dt * 1e6 - debt) * w.spec.mlp
      let acc = budgetNs / latency
      if (w.spec.accessesPerThread !== null) {
        const left = w.spec.accessesPerThread - w.done[i]
        if (acc >= left) {
          finishedAt = Math.max(finishedAt, t0 + (left / acc) * dt)
          acc = left
        } else {
          allDone = false
        }
      } else {
        allDone = false
      }
      w.done[i] += acc
      total += acc
      const cpu = w.spec.cpus[i % w.spec.cpus.length]
      perCpu.set(cpu, (perCpu.get(cpu) ?? 0) + acc)
    }
    w.busyNs += (total * latency) / w.spec.mlp
    for (const [nid, s] of shares) w.accessesByNode.set(nid, (w.accessesByNode.get(nid) ?? 0) + total * s)
    if (allDone) w.finishedAtMs = finishedAt
    if (m.kconfig.PGHOT && m.kconfig.HWMEM_PROFILER) this.ibs(w, perCpu, t0 + dt)
    this.hintFaults(w, total, t0 + dt)
  }

  /** IBS memory profiler: samples per CPU, the per-CPU ring, and the deferred drain into pghot. */
  private ibs(w: Workload, perCpu: Map<number, number>, nowMs: number): void {
    const m = this.m
    const now = m.clock.jiffies() + (nowMs - m.clock.nowMs())
    for (const [cpu, ops] of perCpu) {
      const before = w.opsSinceSample.get(cpu) ?? 0
      const samples = Math.floor((before + ops) / IBS_SAMPLE_PERIOD)
      w.opsSinceSample.set(cpu, (before + ops) % IBS_SAMPLE_PERIOD)
      const cpuNid = m.nodeOfCpu(cpu).id
      const ring: Array<[number, number]> = []
      for (let s = 0; s < samples; s++) {
        const v = w.pickPage(w.done[0] + s)
        const nid = w.region.nid[v]
        m.addEvent('hwhint_total_events', 1)
        m.addEvent(m.node(nid)!.spec.kind === 'dram' ? 'hwhint_dram_accesses' : 'hwhint_extmem_accesses', 1)
        if (ring.length >= IBS_RING - 1) continue
        ring.push([w.region.pfn[v], nid])
        m.addEvent('hwhint_useful_events', 1)
      }
      for (const [pfn, nid] of ring) m.pghot.recordAccess(pfn, nid, cpuNid, PGHOT_HWHINTS, now, true)
    }
  }

  /** task_numa_work(): mark the next scan_size_mb of the region PROT_NONE. */
  private scan(w: Workload, nowMs: number): void {
    const m = this.m
    const mode = m.numaBalancing
    if (!m.kconfig.NUMA_BALANCING || mode === 0 || w.finished || nowMs < w.scan.nextAtMs) return
    w.scan.nextAtMs = nowMs + this.numab.scanPeriodMinMs
    // vma_policy_mof(): only the default policy and policies set with MPOL_F_NUMA_BALANCING are scanned.
    const pol = w.region.task.policy
    if (pol.mode !== 'default' && !pol.flags.includes('numa_balancing')) return
    const r = w.region
    const want = Math.floor((this.numab.scanSizeMb * 1024 * 1024) / 4096)
    let marked = 0
    for (let k = 0; k < Math.min(want, r.pages); k++) {
      const v = (w.scan.cursor + k) % r.pages
      if (r.protNone[v]) continue
      // In memory-tiering-only mode top-tier pages are left alone.
      if (!(mode & NUMA_BALANCING_NORMAL) && m.tiers.toptier.has(r.nid[v])) continue
      r.protNone[v] = 1
      w.scan.marked.push(v)
      marked++
    }
    w.scan.cursor = (w.scan.cursor + Math.min(want, r.pages)) % r.pages
    m.addEvent('numa_pte_updates', marked)
  }

  /** Marked pages touched in this quantum take a hint fault; lower-tier ones go to pghot in tiering mode. */
  private hintFaults(w: Workload, accesses: number, nowMs: number): void {
    const m = this.m
    if (w.scan.marked.length === 0 || accesses <= 0) return
    const r = w.region
    const now = m.clock.jiffies() + (nowMs - m.clock.nowMs())
    const tiering = (m.numaBalancing & NUMA_BALANCING_MEMORY_TIERING) !== 0 && (!m.kconfig.PATCH_PGHOT || m.kconfig.NUMA_BALANCING_TIERING)
    const keep: number[] = []
    let faults = 0
    let local = 0
    for (const v of w.scan.marked) {
      if (!r.protNone[v]) continue
      const p = 1 - Math.exp(-accesses * w.pageProbability(v))
      if (w.rng.float() >= p) { keep.push(v); continue }
      r.protNone[v] = 0
      faults++
      const cpu = w.spec.cpus[Math.floor(w.rng.float() * w.spec.cpus.length)]
      const cpuNid = m.nodeOfCpu(cpu).id
      if (r.nid[v] === cpuNid) local++
      // mpol_misplaced(): with MPOL_F_MORON a CPU node outside the policy's nodes is no target, so the page's own node is passed.
      const pol = r.task.policy
      const target = pol.flags.includes('numa_balancing') && !pol.nodes.includes(cpuNid) ? r.nid[v] : cpuNid
      if (tiering && !m.tiers.toptier.has(r.nid[v])) m.pghot.recordAccess(r.pfn[v], r.nid[v], target, PGHOT_HINTFAULTS, now, true)
    }
    w.scan.marked = keep
    if (faults === 0) return
    m.addEvent('numa_hint_faults', faults)
    m.addEvent('numa_hint_faults_local', local)
    const memcg = r.memcg
    if (memcg) memcg.events[m.eventIndex('numa_hint_faults')] += faults
    w.hintFaults += faults
    this.faultDebtNs.set(w, (this.faultDebtNs.get(w) ?? 0) + faults * HINT_FAULT_NS)
  }
}
