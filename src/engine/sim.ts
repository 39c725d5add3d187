/**
 * Simulated time in motion: workloads advance, the NUMA balancing scanner marks
 * pages and their next access hint-faults, the IBS memory profiler samples, pghot
 * records and kmigrated promotes, kswapd reclaims and demotes. The clock moves only
 * here, in quanta, so a run replays exactly from its seed and inputs.
 */
import type { Machine } from './machine.js'
import type { NumaNode } from './node.js'
import { PGHOT_HINTFAULTS, PGHOT_HWHINTS } from './pghot.js'
import type { Region } from './region.js'
import { migrateBalanced, shouldNumaMigrate } from './numa-misplaced.js'
import { NUMA_BALANCING_MEMORY_TIERING, NUMA_BALANCING_NORMAL } from './tunables.js'
import { Workload, type WorkloadSpec } from './workload.js'

/** IBS memory profiler: one sample per this many L3-miss ops on a CPU. */
export const IBS_SAMPLE_PERIOD = 10000
/** Per-CPU sample ring (IBS_NR_SAMPLES); one slot stays empty. */
export const IBS_RING = 150
/** Time a NUMA hint fault costs the faulting thread. */
export const HINT_FAULT_NS = 1500
/**
 * Time a misplaced-page migration in the fault path costs the faulting thread (unmap,
 * TLB flush, 4 KiB copy, remap). Promotions by kmigrated cost the workload nothing:
 * they run on kmigrated's CPU.
 */
export const MIGRATE_PAGE_NS = 10000

/** What one access to a node costs with this share of loads (stores cost storeLatencyNs, by default the same). */
export function accessCost(node: NumaNode, loadFraction: number): number {
  const load = node.spec.latencyNs
  const store = node.spec.storeLatencyNs
  return store === null || store === load ? load : loadFraction * load + (1 - loadFraction) * store
}

export interface NumaBalancingKnobs { scanDelayMs: number; scanPeriodMinMs: number; scanPeriodMaxMs: number; scanSizeMb: number }

export class Simulation {
  readonly workloads: Workload[] = []
  quantumMs = 10
  readonly numab: NumaBalancingKnobs = { scanDelayMs: 1000, scanPeriodMinMs: 1000, scanPeriodMaxMs: 60000, scanSizeMb: 256 }
  /** sysctl_numa_balancing_hot_threshold of kernels without the pghot series. */
  hotThresholdMs = 1000
  private nextId = 1
  private faultDebtNs = new Map<Workload, number>()
  private readonly scratch = new SampleScratch()

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
    const p = w.pattern
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

  /** Advance a workload through `dt` ms from `t0`, phase by phase. */
  private advance(w: Workload, t0: number, dt: number): void {
    let t = t0
    let left = dt
    // Each pass ends a phase or uses up the quantum; a phase boundary inside the
    // quantum splits it, so every phase gets exactly its time.
    for (let guard = 0; left > 0 && !w.finished && guard <= w.phases.length; guard++) {
      const ph = w.phase
      const timeLeft = ph.durationMs === null ? Infinity : w.phaseStartMs + ph.durationMs - t
      const span = Math.min(left, Math.max(0, timeLeft))
      const workEnd = span > 0 ? this.advancePhase(w, t, span) : null
      if (workEnd === undefined) return
      if (workEnd !== null) {
        left -= workEnd - t
        t = workEnd
        w.endPhase(workEnd)
        continue
      }
      t += span
      left -= span
      if (span >= timeLeft) w.endPhase(w.phaseStartMs + ph.durationMs!)
      else break
    }
  }

  /**
   * Advance a workload's current phase through `dt` ms from `t0`. Returns when the
   * phase's work ran out (ms), null when it did not, undefined when nothing can run.
   */
  private advancePhase(w: Workload, t0: number, dt: number): number | null | undefined {
    const m = this.m
    const ph = w.phase
    const shares = this.shares(w)
    let latency = 0
    for (const [nid, s] of shares) latency += s * accessCost(m.node(nid)!, ph.loadFraction)
    if (latency <= 0) return undefined
    const threads = w.spec.threads
    const debt = (this.faultDebtNs.get(w) ?? 0) / threads
    this.faultDebtNs.set(w, 0)
    const limit = ph.accessesPerThread
    const cap = ph.rate === null ? Infinity : (ph.rate * dt) / 1000
    let total = 0
    let finishedAt = t0
    let allDone = true
    const perCpu = new Map<number, number>()
    for (let i = 0; i < threads; i++) {
      const budgetNs = Math.max(0, dt * 1e6 - debt) * ph.mlp
      let acc = budgetNs / latency
      if (acc > cap) acc = cap
      if (limit !== null) {
        const left = limit - w.phaseDone[i]
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
      w.phaseDone[i] += acc
      total += acc
      const cpu = w.spec.cpus[i % w.spec.cpus.length]
      perCpu.set(cpu, (perCpu.get(cpu) ?? 0) + acc)
    }
    w.busyNs += (total * latency) / ph.mlp
    for (const [nid, s] of shares) w.accessesByNode.set(nid, (w.accessesByNode.get(nid) ?? 0) + total * s)
    if (m.kconfig.PGHOT && m.kconfig.HWMEM_PROFILER) this.ibs(w, perCpu, t0 + dt)
    this.hintFaults(w, total, t0 + dt)
    return allDone ? finishedAt : null
  }

  /** IBS memory profiler: samples per CPU, the per-CPU ring, and the deferred drain into pghot. */
  private ibs(w: Workload, perCpu: Map<number, number>, nowMs: number): void {
    const m = this.m
    const pg = m.pghot
    const now = m.clock.jiffies() + (nowMs - m.clock.nowMs())
    const r = w.region
    const uniform = w.pattern.kind === 'uniform'
    const pages = r.pages
    const rng = w.rng
    // How many samples each CPU takes, and how many of them its ring keeps.
    const cpuNids: number[] = [], counts: number[] = [], keptCounts: number[] = [], accepting: boolean[] = []
    let total = 0
    for (const [cpu, ops] of perCpu) {
      const before = w.opsSinceSample.get(cpu) ?? 0
      const samples = Math.floor((before + ops) / IBS_SAMPLE_PERIOD)
      w.opsSinceSample.set(cpu, (before + ops) % IBS_SAMPLE_PERIOD)
      const cpuNid = m.nodeOfCpu(cpu).id
      if (samples <= 0) continue
      cpuNids.push(cpuNid)
      counts.push(samples)
      keptCounts.push(Math.min(samples, IBS_RING - 1))
      accepting.push(pg.accepts(cpuNid, PGHOT_HWHINTS))
      total += samples
    }
    if (total === 0) return
    // Per node: DRAM or not (the hwhint_*_accesses split), and whether pghot keeps
    // records for its pages (only then is the page's PFN needed). A sample of a page on
    // a DRAM node without records is only counted, and the region's bitset of such pages
    // tells it without a read of `nid`.
    const dram = this.nodeFlags((n) => n.spec.kind === 'dram')
    const tracked = this.nodeFlags((n) => pg.tracks(n.id))
    const plain = this.nodeFlags((n) => n.spec.kind === 'dram' && !pg.tracks(n.id))
    const mask = r.nodeMask(plain)
    // Pages are only ever on existing nodes: with a single node outside the bitset, that
    // is the node of every page the bitset leaves out, and `nid` need not be read at all.
    let only = -1
    for (const node of m.nodes) if (!plain[node.id]) only = only === -1 ? node.id : -2
    const regionNid = r.nid
    // The ring keeps the first IBS_RING - 1 samples of each CPU; the drain records them
    // in order. Recording reads neither the region nor the random stream, so the samples
    // of all CPUs are taken first and recorded after, and the PFNs they need are read in
    // a pass of their own where the cache misses do not wait on one another.
    const rec = this.scratch.records(total)
    const recPage = rec.page, recNid = rec.nid, recTarget = rec.target, recPfn = rec.pfn
    let n = 0, useful = 0, accepted = 0, dramHits = 0
    for (let c = 0; c < counts.length; c++) {
      const kept = keptCounts[c]
      useful += kept
      const record = accepting[c]
      if (record) accepted += kept
      const cpuNid = cpuNids[c]
      const count = counts[c]
      if (uniform && only >= 0) {
        // Every page outside the bitset is on `only`: whether a sample is recorded is
        // then the same for all of them, and only the first `kept` can be.
        const onlyDram = dram[only]
        let s = 0
        if (record && only !== cpuNid && tracked[only]) {
          for (; s < kept; s++) {
            const v = Math.floor(rng.float() * pages)
            if ((mask[v >>> 5] >>> (v & 31)) & 1) { dramHits++; continue }
            dramHits += onlyDram
            recPage[n] = v; recNid[n] = only; recTarget[n] = cpuNid; n++
          }
        }
        for (; s < count; s++) {
          const v = Math.floor(rng.float() * pages)
          if ((mask[v >>> 5] >>> (v & 31)) & 1) dramHits++
          else dramHits += onlyDram
        }
        continue
      }
      const seq = w.done[0]
      for (let s = 0; s < count; s++) {
        const v = uniform ? Math.floor(rng.float() * pages) : w.pickPage(seq + s)
        if ((mask[v >>> 5] >>> (v & 31)) & 1) { dramHits++; continue }
        const nid = only >= 0 ? only : regionNid[v]
        dramHits += dram[nid]
        if (record && s < kept && nid !== cpuNid && tracked[nid]) { recPage[n] = v; recNid[n] = nid; recTarget[n] = cpuNid; n++ }
      }
    }
    const regionPfn = r.pfn
    for (let j = 0; j < n; j++) recPfn[j] = regionPfn[recPage[j]]
    pg.recordAcceptedMany(recPfn, recNid, recTarget, n, now)
    // Counted as addEvent()/recordAccess() would, one touch per event raised.
    const ev = m.events
    ev[m.eventIndex('hwhint_total_events')] += total
    ev[m.eventIndex('hwhint_dram_accesses')] += dramHits
    ev[m.eventIndex('hwhint_extmem_accesses')] += total - dramHits
    ev[m.eventIndex('hwhint_useful_events')] += useful
    m.generation += 2 * total + useful
    if (accepted) pg.countSource(PGHOT_HWHINTS, accepted)
  }

  /** A per-node-id 0/1 table of a node property, for lookups by the nids of region pages. */
  private nodeFlags(f: (n: NumaNode) => boolean): Uint8Array {
    const nodes = this.m.nodes
    let max = 0
    for (const n of nodes) max = Math.max(max, n.id)
    const out = new Uint8Array(max + 1)
    for (const n of nodes) out[n.id] = f(n) ? 1 : 0
    return out
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
    const n = Math.min(want, r.pages)
    // In memory-tiering-only mode top-tier pages are left alone.
    const skipTop = !(mode & NUMA_BALANCING_NORMAL)
    const top = this.nodeFlags((node) => m.tiers.toptier.has(node.id))
    const protNone = r.protNone, nids = r.nid, lists = w.scan.lists
    const listed = (w.scan.listed ??= new Uint8Array(r.pages))
    const hotset = w.pattern.kind === 'hotset'
    let updates = 0
    for (let k = 0, v = w.scan.cursor % r.pages; k < n; k++, v = v + 1 === r.pages ? 0 : v + 1) {
      if (protNone[v]) continue
      if (skipTop && top[nids[v]]) continue
      protNone[v] = 1
      updates++
      if (listed[v]) continue
      listed[v] = 1
      lists[hotset && r.isHot(v) ? 1 : 0].push(v)
    }
    // A pass that reaches the end of the region starts the next one (reset_ptenuma_scan()).
    if ((w.scan.cursor % r.pages) + n >= r.pages) w.scan.seq++
    w.scan.cursor = (w.scan.cursor + n) % r.pages
    m.addEvent('numa_pte_updates', updates)
  }

  /**
   * Marked pages touched in this quantum take a hint fault. In tiering mode a
   * lower-tier page's fault goes to pghot; any other page is a candidate for
   * misplaced migration in NORMAL mode, done in the fault like the kernel does.
   */
  private hintFaults(w: Workload, accesses: number, nowMs: number): void {
    const m = this.m
    const lists = w.scan.lists
    if (lists[0].length + lists[1].length === 0 || accesses <= 0) return
    const r = w.region
    const now = m.clock.jiffies() + (nowMs - m.clock.nowMs())
    const tiering = (m.numaBalancing & NUMA_BALANCING_MEMORY_TIERING) !== 0 && (!m.kconfig.PATCH_PGHOT || m.kconfig.NUMA_BALANCING_TIERING)
    const normal = (m.numaBalancing & NUMA_BALANCING_NORMAL) !== 0
    const rng = w.rng
    // Every page of a class is touched at least once in this quantum with the same
    // probability 1 - exp(-λ), λ = accesses × its access probability. When that is
    // small, which marked pages fault is drawn by geometric skips over the class's
    // list, so the pages that do not fault cost nothing.
    const hot = w.pattern.kind === 'hotset' ? r.hotPages : 0
    const hotStart = r.hotStart
    const lambdas = [accesses * w.pageProbability(hotStart === 0 ? hot : 0), hot > 0 ? accesses * w.pageProbability(hotStart) : 0]
    const listed = w.scan.listed!
    const sel = this.scratch.selected(lists[0].length + lists[1].length)
    const at = this.scratch.positions(lists[0].length + lists[1].length)
    let nSel = 0
    for (let c = 0; c < 2; c++) {
      const list = lists[c]
      const lambda = lambdas[c]
      if (!(lambda > 0) || list.length === 0) continue
      const items = list.items
      const p = -Math.expm1(-lambda)
      if (p >= 0.25) {
        // Most entries fault: one draw each, and the rest stay in order.
        let kept = 0
        for (let i = 0; i < list.length; i++) {
          const v = items[i]
          if (rng.float() < p) sel[nSel++] = v
          else items[kept++] = v
        }
        list.length = kept
        continue
      }
      const first = nSel
      for (let pos = Math.floor(-Math.log(1 - rng.float()) / lambda); pos < list.length; pos += 1 + Math.floor(-Math.log(1 - rng.float()) / lambda)) {
        at[nSel] = pos
        sel[nSel++] = items[pos]
      }
      // Drop the drawn entries, last first, each replaced by the list's last entry
      // (never one drawn, as those below it are all that remain).
      for (let k = nSel - 1; k >= first; k--) items[at[k]] = items[--list.length]
    }
    const top = this.nodeFlags((node) => m.tiers.toptier.has(node.id))
    // Whether pghot takes hint faults towards each node (1/0), asked when first needed.
    const accepts = new Int8Array(top.length).fill(-1)
    const pol = r.task.policy
    const moron = pol.flags.includes('numa_balancing')
    const cpus = w.spec.cpus
    const threads = w.spec.threads
    // Node of each CPU of the workload, looked up when first drawn.
    const cpuNids = new Int32Array(cpus.length).fill(-1)
    const pg = m.pghot
    const protNone = r.protNone, nids = r.nid
    // Pages to migrate in NORMAL mode, per target node.
    let misplaced: Map<number, number[]> | null = null
    let faults = 0
    let local = 0
    let recorded = 0
    for (let i = 0; i < nSel; i++) {
      const v = sel[i]
      listed[v] = 0
      // A page migrated since it was marked lost its mark with its old PTE.
      if (!protNone[v]) continue
      protNone[v] = 0
      faults++
      // The faulting thread; thread k runs on cpus[k % cpus.length].
      const thread = Math.floor(rng.float() * threads)
      const c = thread % cpus.length
      const cpuNid = cpuNids[c] >= 0 ? cpuNids[c] : (cpuNids[c] = m.nodeOfCpu(cpus[c]).id)
      const nid = nids[v]
      if (nid === cpuNid) local++
      // mpol_misplaced(): with MPOL_F_MORON a CPU node outside the policy's nodes is no target, so the page's own node is passed.
      const target = moron && !pol.nodes.includes(cpuNid) ? nid : cpuNid
      if (tiering && !top[nid]) {
        // recordAccess(), with the source events counted once at the end.
        let ok = accepts[target]
        if (ok === undefined || ok < 0) { ok = pg.accepts(target, PGHOT_HINTFAULTS) ? 1 : 0; accepts[target] = ok }
        if (ok) {
          recorded++
          pg.recordAccepted(r.pfn[v], nid, target, now, true)
        }
        continue
      }
      if (!normal) continue
      // The default task policy (preferred_node_policy of the CPU's node) leaves a page
      // already on that node alone before the filter; a MORON bind policy stops at a CPU
      // node outside its nodes.
      if (moron ? !pol.nodes.includes(cpuNid) : nid === cpuNid) continue
      if (!shouldNumaMigrate(w.lastCpupid(), v, cpuNid, r.task.pid + thread, w.scan.seq)) continue
      if (nid === cpuNid) continue
      misplaced ??= new Map()
      let list = misplaced.get(cpuNid)
      if (!list) { list = []; misplaced.set(cpuNid, list) }
      list.push(v)
    }
    if (recorded) pg.countSource(PGHOT_HINTFAULTS, recorded)
    if (faults === 0) return
    m.addEvent('numa_hint_faults', faults)
    m.addEvent('numa_hint_faults_local', local)
    const memcg = r.memcg
    if (memcg) memcg.events[m.eventIndex('numa_hint_faults')] += faults
    w.hintFaults += faults
    let migrated = 0
    if (misplaced) for (const [to, pages] of misplaced) migrated += this.migrateMisplaced(w, pages, to, top)
    this.faultDebtNs.set(w, (this.faultDebtNs.get(w) ?? 0) + faults * HINT_FAULT_NS + migrated * MIGRATE_PAGE_NS)
  }

  /**
   * migrate_misplaced_folio_prepare() and migrate_misplaced_folio() for the pages a
   * quantum's faults found misplaced towards `to`: each needs the target balanced
   * (above its high watermark with room for it and the ones before it); a page from a
   * lower tier that does not fit wakes kswapd on the target (with the pghot series,
   * and in tiering mode without it). Returns the pages moved.
   */
  private migrateMisplaced(w: Workload, pages: number[], to: number, top: Uint8Array): number {
    const m = this.m
    const node = m.node(to)
    if (!node) return 0
    const r = w.region
    const take: number[] = []
    let woke = false
    for (const v of pages) {
      if (migrateBalanced(node, take.length + 1)) { take.push(v); continue }
      const lower = !top[r.nid[v]]
      if (!woke && lower && (m.kconfig.PATCH_PGHOT || (m.numaBalancing & NUMA_BALANCING_MEMORY_TIERING))) { m.wakeKswapd(to); woke = true }
    }
    if (!take.length) return 0
    const moved = m.regions.movePages(r, take, to, 'migrate')
    if (moved > 0) {
      m.addEvent('numa_pages_migrated', moved)
      if (r.memcg) r.memcg.events[m.eventIndex('numa_pages_migrated')] += moved
    }
    return moved
  }
}

/** Reusable per-quantum sample buffers (grown, never shrunk), so sampling allocates nothing per sample. */
class SampleScratch {
  private rec = { page: new Int32Array(1024), pfn: new Uint32Array(1024), nid: new Uint16Array(1024), target: new Int32Array(1024) }
  private sel = new Uint32Array(1024)
  private at = new Uint32Array(1024)

  /** Room for the marked pages a quantum's hint faults draw. */
  selected(n: number): Uint32Array {
    if (this.sel.length < n) this.sel = new Uint32Array(grow(n))
    return this.sel
  }

  /** Room for their positions in the lists. */
  positions(n: number): Uint32Array {
    if (this.at.length < n) this.at = new Uint32Array(grow(n))
    return this.at
  }

  /** Samples to record: the region page, its PFN and node, and the target node. */
  records(n: number): { page: Int32Array; pfn: Uint32Array; nid: Uint16Array; target: Int32Array } {
    if (this.rec.page.length < n) {
      const len = grow(n)
      this.rec = { page: new Int32Array(len), pfn: new Uint32Array(len), nid: new Uint16Array(len), target: new Int32Array(len) }
    }
    return this.rec
  }
}

function grow(n: number): number { let len = 1024; while (len < n) len *= 2; return len }
