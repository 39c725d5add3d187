/**
 * pghot (the hot page tracking and promotion series): per-PFN hotness records for
 * lower-tier nodes, pghot_record_access() with its source and node checks, and one
 * kmigrated per lower-tier node that wakes every kmigrated_sleep_ms, walks the hot
 * sections, consumes ready records and promotes in batches through the checks moved
 * out of NUMA balancing (free-space shortcut, dynamic threshold, rate limit,
 * target watermark).
 */
import type { Machine } from './machine.js'
import type { NumaNode } from './node.js'
import {
  DEFAULT_LAYOUT, PRECISE_LAYOUT, accessLatency, decode, isReady, nidMax, recordUpdater, type RecordLayout,
} from './pghot-record.js'
import { SECTION_PAGES } from './spec.js'

export const PGHOT_HINTFAULTS = 0
export const PGHOT_HWHINTS = 1
export const PGHOT_SRC_ENABLED_MASK = 0x3
export const PGHOT_DEFAULT_FREQ_THRESHOLD = 2
export const KMIGRATED_DEFAULT_SLEEP_MS = 100
export const KMIGRATED_DEFAULT_BATCH_NR = 512
export const PGHOT_DEFAULT_RATE_LIMIT_MBPS = 65536
const PROMOTION_THRESHOLD_WINDOW_MS = 60000
const MIGRATION_ADJUST_STEPS = 16
const MSEC_PER_SEC = 1000

/** Where a PFN's page is, for the code that owns pages (workload regions). */
export interface PageOwner {
  /** The page at `pfn` on `nid` if an LRU page of this owner is there. */
  pageAt(nid: number, pfn: number): { memcgKey: unknown } | null
  /** Promote these pages (all on `from`, same memcg) to `to`; returns how many moved. */
  promote(from: number, to: number, pfns: readonly number[]): number
}

/** Hotness records of one lower-tier node. */
class NodeMap {
  readonly records: Uint8Array | Uint32Array
  /** PGHOT_SECTION_HOT_BIT per section. */
  readonly sectionHot: Uint8Array
  /**
   * Records that became ready since kmigrated last ran. Walking them in PFN order
   * visits exactly the ready records a walk of the hot sections would, without
   * reading the rest of each 128 MiB section.
   */
  readyList: number[] = []

  constructor(readonly nid: number, readonly basePfn: number, readonly pages: number, layout: RecordLayout) {
    this.records = layout.bytes === 1 ? new Uint8Array(pages) : new Uint32Array(pages)
    this.sectionHot = new Uint8Array(Math.ceil(pages / SECTION_PAGES))
  }
}

/** Promotion state of a target node (pgdat->nbp_*). */
interface TargetState { rlStart: number; rlNrCand: number; thStart: number; thNrCand: number; threshold: number }

export class Pghot {
  readonly layout: RecordLayout
  // Tunables (debugfs /sys/kernel/debug/pghot and vm.pghot_* sysctls).
  targetNid = 0
  srcEnabled = 0
  freqThreshold = PGHOT_DEFAULT_FREQ_THRESHOLD
  kmigratedSleepMs = KMIGRATED_DEFAULT_SLEEP_MS
  kmigratedBatchNr = KMIGRATED_DEFAULT_BATCH_NR
  freqWindowMs: number
  promoteRateLimitMBps = PGHOT_DEFAULT_RATE_LIMIT_MBPS

  readonly maps = new Map<number, NodeMap>()
  /** PGDAT_KMIGRATED_ACTIVATE per lower-tier node. */
  readonly activate = new Set<number>()
  /** Next time (ms) each kmigrated wakes up. */
  readonly nextWake = new Map<number, number>()
  readonly targets = new Map<number, TargetState>()
  owners: PageOwner[] = []
  // Event indices resolved once: record_access is the hottest path of the simulation.
  private readonly evHintfaults: number
  private readonly evHwhints: number
  private readonly evAccesses: number
  private readonly update: ReturnType<typeof recordUpdater>
  /** Lower-tier node maps and top-tier flags indexed by node id, for the record path. */
  private mapByNid: Array<NodeMap | undefined> = []
  private toptierByNid: boolean[] = []

  constructor(private readonly m: Machine) {
    this.layout = m.kconfig.PGHOT_PRECISE ? PRECISE_LAYOUT : DEFAULT_LAYOUT
    this.freqWindowMs = this.layout.defaultFreqWindowMs
    const ev = (name: string) => (m.kconfig.PGHOT ? m.eventIndex(name) : -1)
    this.evHintfaults = ev('pghot_recorded_hintfaults')
    this.evHwhints = ev('pghot_recorded_hwhints')
    this.evAccesses = ev('pghot_recorded_accesses')
    this.update = recordUpdater(this.layout)
    this.rebuild()
  }

  get enabled(): boolean { return this.m.kconfig.PGHOT }

  /** Allocate the hot maps of every lower-tier node and start its kmigrated. */
  rebuild(): void {
    this.maps.clear()
    if (!this.enabled) return
    for (const n of this.m.memoryNodes()) {
      if (this.m.tiers.toptier.has(n.id)) continue
      const first = n.zones.find((z) => z.populated)!
      const last = [...n.zones].reverse().find((z) => z.populated)!
      const base = Math.floor(first.startPfn / SECTION_PAGES) * SECTION_PAGES
      this.maps.set(n.id, new NodeMap(n.id, base, last.startPfn + last.spanned - base, this.layout))
      this.nextWake.set(n.id, this.m.clock.nowMs() + this.kmigratedSleepMs)
    }
    this.mapByNid = []
    this.toptierByNid = []
    for (const [nid, map] of this.maps) this.mapByNid[nid] = map
    for (const nid of this.m.tiers.toptier) this.toptierByNid[nid] = true
  }

  /** Bytes the hotness metadata takes (the kernel's cost: 1 or 4 bytes per lower-tier page). */
  metadataBytes(): number {
    let s = 0
    for (const map of this.maps.values()) s += map.records.byteLength + map.sectionHot.byteLength
    return s
  }

  /** The record of a PFN (for inspection and tests); undefined off the lower-tier nodes. */
  record(pfn: number): number | undefined {
    const map = this.nodeOfPfn(pfn)
    return map ? map.records[pfn - map.basePfn] : undefined
  }

  nodeOfPfn(pfn: number): NodeMap | undefined {
    for (const map of this.maps.values()) if (pfn >= map.basePfn && pfn < map.basePfn + map.pages) return map
    return undefined
  }

  srcOn(src: number): boolean { return (this.srcEnabled & (1 << src)) !== 0 }

  /** pghot_nid_valid(): any nid in default mode; an online top-tier node (or none) in precision mode. */
  nidValid(nid: number): boolean {
    if (!this.layout.precise || nid < 0) return true
    if (nid > 1023) return false
    return nid <= nidMax(this.layout) && !!this.m.node(nid) && this.m.tiers.toptier.has(nid)
  }

  /**
   * pghot_record_access(pfn, nid, src, now): count the source, then record the
   * access if the page is on a lower-tier node other than `nid` and is an LRU page.
   * `srcNid` is the node the page is on (pfn_to_nid).
   */
  recordAccess(pfn: number, srcNid: number, nid: number, src: number, now: number, isLru: boolean): void {
    if (!this.enabled) return
    if (!this.nidValid(nid)) return
    const events = this.m.events
    if (src === PGHOT_HINTFAULTS) {
      if (!this.srcOn(PGHOT_HINTFAULTS)) return
      events[this.evHintfaults]++
    } else if (src === PGHOT_HWHINTS) {
      if (!this.srcOn(PGHOT_HWHINTS)) return
      events[this.evHwhints]++
    } else {
      return
    }
    this.m.touch()
    if (srcNid === nid) return
    if (this.toptierByNid[srcNid]) return
    if (!isLru) return
    const map = this.mapByNid[srcNid]
    if (!map) return
    const idx = pfn - map.basePfn
    if (idx < 0 || idx >= map.pages) return
    events[this.evAccesses]++
    const target = this.layout.precise ? (nid < 0 ? this.targetNid : nid) : 0
    const old = map.records[idx]
    const v = this.update(old, target, now, this.freqWindowMs, this.freqThreshold)
    map.records[idx] = v
    if (isReady(this.layout, v)) {
      if (!isReady(this.layout, old)) map.readyList.push(idx)
      map.sectionHot[Math.floor(idx / SECTION_PAGES)] = 1
      this.activate.add(srcNid)
    }
  }

  /** Run every kmigrated whose sleep has ended by `nowMs`. */
  runDue(nowMs: number): void {
    if (!this.enabled) return
    for (const [nid, wake] of this.nextWake) {
      if (wake > nowMs) continue
      // wait_event_timeout: the flag is only looked at when the sleep ends.
      if (this.activate.has(nid)) this.doWork(nid)
      this.nextWake.set(nid, nowMs + Math.max(1, this.kmigratedSleepMs))
    }
  }

  /** kmigrated_do_work(): walk the hot sections of a node and promote ready pages in batches. */
  doWork(nid: number): void {
    const map = this.maps.get(nid)
    if (!map) return
    this.activate.delete(nid)
    const ready = map.readyList.sort((a, b) => a - b)
    map.readyList = []
    let i = 0
    while (i < ready.length) {
      const section = Math.floor(ready[i] / SECTION_PAGES)
      let j = i
      while (j < ready.length && Math.floor(ready[j] / SECTION_PAGES) === section) j++
      if (map.sectionHot[section]) {
        map.sectionHot[section] = 0
        this.walkSection(map, ready.slice(i, j))
      }
      i = j
    }
  }

  /** kmigrated_walk_zone() over one hot section, visiting its ready records in PFN order. */
  private walkSection(map: NodeMap, indices: readonly number[]): void {
    let batch: number[] = []
    let curNid = -1
    let curKey: unknown = null
    let curOwner: PageOwner | null = null
    const flush = () => {
      if (batch.length && curOwner) this.promoteBatch(curOwner, map.nid, curNid, batch)
      batch = []
    }
    for (const i of indices) {
      const v = map.records[i]
      if (!v) continue
      const pfn = map.basePfn + i
      let owner: PageOwner | null = null
      let page: { memcgKey: unknown } | null = null
      for (const o of this.owners) { page = o.pageAt(map.nid, pfn); if (page) { owner = o; break } }
      if (!page || !owner) continue
      // pghot_get_record(): only ready records are consumed, and consuming clears them.
      if (!isReady(this.layout, v)) continue
      map.records[i] = 0
      const rec = decode(this.layout, v)
      let target = this.layout.precise ? rec.nid : this.targetNid
      if (target < 0) target = this.targetNid
      if (target === map.nid) continue
      if (!this.shouldMigrate(1, target, rec.time)) continue
      if (!this.prepare(target, 1)) continue
      if (curNid === -1) { curNid = target; curKey = page.memcgKey; curOwner = owner }
      if (curNid !== target || curKey !== page.memcgKey || curOwner !== owner) {
        flush()
        curNid = target; curKey = page.memcgKey; curOwner = owner
      }
      batch.push(pfn)
      if (batch.length > this.kmigratedBatchNr) flush()
    }
    flush()
  }

  private promoteBatch(owner: PageOwner, from: number, to: number, pfns: number[]): void {
    owner.promote(from, to, pfns)
  }

  private target(nid: number): TargetState {
    let t = this.targets.get(nid)
    if (!t) { t = { rlStart: 0, rlNrCand: 0, thStart: 0, thNrCand: 0, threshold: 0 }; this.targets.set(nid, t) }
    return t
  }

  /** pgdat_free_space_enough(): a zone of the target has promo watermark + max(1 GiB, present/16) free. */
  freeSpaceEnough(node: NumaNode): boolean {
    const enough = Math.max((1024 * 1024 * 1024) >> 12, Math.floor(node.present / 16))
    const movableIdx = node.zones.findIndex((z) => z.type === 'Movable')
    for (const z of [...node.zones].reverse()) {
      if (!z.populated) continue
      const reserve = movableIdx >= 0 ? (z.lowmemReserve[movableIdx] ?? 0) : 0
      if (z.free > z.wmark.promo + enough + reserve) return true
    }
    return false
  }

  /** reset_memory_tiering(): switching the tiering bit on restarts every node's threshold window. */
  resetTiering(): void {
    const nowMs = this.m.clock.jiffies() >>> 0
    for (const n of this.m.nodes) {
      const st = this.target(n.id)
      st.threshold = 0
      st.thNrCand = this.m.nodeStat(n, 'pgpromote_candidate')
      st.thStart = nowMs
    }
  }

  /** kmigrated_should_migrate_memory(). */
  shouldMigrate(nrPages: number, nid: number, time: number): boolean {
    const node = this.m.node(nid)
    if (!node) return false
    const st = this.target(nid)
    if (this.freeSpaceEnough(node)) {
      st.threshold = 0
      this.m.addNodeStat(nid, 'pgpromote_candidate_nrl', nrPages)
      return true
    }
    // jiffies_to_msecs(jiffies) as an unsigned int: jiffies start at INITIAL_JIFFIES, HZ is 1000.
    const nowMs = this.m.clock.jiffies() >>> 0
    const defTh = this.freqWindowMs
    // MB_TO_PAGES() shifts the unsigned int sysctl, so it wraps at 2^24 MB/s.
    const rateLimit = (this.promoteRateLimitMBps << 8) >>> 0
    this.adjustThreshold(nid, st, rateLimit, defTh, nowMs)
    const th = st.threshold || defTh
    if (accessLatency(this.layout, time, this.m.clock.jiffies()) >= th) return false
    return !this.rateLimited(nid, st, rateLimit, nrPages, nowMs)
  }

  private rateLimited(nid: number, st: TargetState, rateLimit: number, nr: number, nowMs: number): boolean {
    this.m.addNodeStat(nid, 'pgpromote_candidate', nr)
    const nrCand = this.m.nodeStat(this.m.node(nid)!, 'pgpromote_candidate')
    if (((nowMs - st.rlStart) >>> 0) > MSEC_PER_SEC) {
      st.rlStart = nowMs
      st.rlNrCand = nrCand
    }
    return nrCand - st.rlNrCand >= rateLimit
  }

  private adjustThreshold(nid: number, st: TargetState, rateLimit: number, refTh: number, nowMs: number): void {
    if (((nowMs - st.thStart) >>> 0) <= PROMOTION_THRESHOLD_WINDOW_MS) return
    st.thStart = nowMs
    const refCand = Math.floor((rateLimit * PROMOTION_THRESHOLD_WINDOW_MS) / MSEC_PER_SEC)
    const nrCand = this.m.nodeStat(this.m.node(nid)!, 'pgpromote_candidate')
    const diff = nrCand - st.thNrCand
    const unit = Math.floor((refTh * 2) / MIGRATION_ADJUST_STEPS)
    let th = st.threshold || refTh
    // unsigned int arithmetic: th - unit wraps when the window grew past the threshold.
    if (diff > Math.floor((refCand * 11) / 10)) th = Math.max((th - unit) >>> 0, unit)
    else if (diff < Math.floor((refCand * 9) / 10)) th = Math.min((th + unit) >>> 0, (refTh * 2) >>> 0)
    st.thNrCand = nrCand
    st.threshold = th
  }

  /**
   * migrate_misplaced_folio_prepare(): the target must stay above its high watermark
   * after taking the pages; if not, kswapd is woken on it for headroom.
   */
  prepare(nid: number, nr: number): boolean {
    const node = this.m.node(nid)
    if (!node) return false
    const movableIdx = node.zones.findIndex((z) => z.type === 'Movable')
    for (const z of [...node.zones].reverse()) {
      if (z.managed === 0) continue
      const reserve = movableIdx >= 0 ? (z.lowmemReserve[movableIdx] ?? 0) : 0
      if (z.free > z.wmark.high + nr + reserve) return true
    }
    this.m.wakeKswapd(nid)
    return false
  }
}
