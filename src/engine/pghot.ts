/**
 * pghot (the hot page tracking and promotion series): per-PFN hotness records for
 * lower-tier nodes, pghot_record_access() with its source and node checks, and one
 * kmigrated per lower-tier node that wakes every kmigrated_sleep_ms, walks the hot
 * sections, consumes ready records and promotes in batches through the checks moved
 * out of NUMA balancing (free-space shortcut, dynamic threshold, rate limit,
 * target watermark).
 */
import { NODE_IDX } from '../counters/vmstat-items.js'
import type { Machine } from './machine.js'
import type { NumaNode } from './node.js'
import { migrateBalanced, movableIndex } from './numa-misplaced.js'
import {
  DEFAULT_LAYOUT, PRECISE_LAYOUT, accessLatency, nidMax, recordUpdater, type RecordLayout,
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
  /**
   * Promote these pages (all on `from`, same memcg) to `to`; returns how many moved.
   * `found`, when given, holds what find() returned for each of `pfns` during the same
   * walk (and their memcg key): the owner may use it instead of looking them up again.
   */
  promote(from: number, to: number, pfns: readonly number[], found?: FoundPages): number
  /**
   * Optionally, read ahead what pageAt() and promote() will read for `pfns[0..n)` on
   * `nid`. Only a hint for speed: the walk does the same whether or not it is called.
   */
  warm?(nid: number, pfns: Float64Array, n: number): void
  /**
   * Optionally, pageAt() without the object: a page handle (≥ 0) for promote(), or -1
   * when pageAt() would return null. The memcg key of the page found is then in
   * `foundKey`, the same key pageAt() would give.
   */
  find?(nid: number, pfn: number): number
  readonly foundKey?: unknown
}

/** Handles find() returned for the PFNs of a batch (pages[k] for pfns[k]), all with memcg key `key`. */
export interface FoundPages { key: unknown; pages: Int32Array }

const NRL_IDX = NODE_IDX.pgpromote_candidate_nrl

/**
 * log2(SECTION_PAGES): record indices are whole numbers in [0, 2^32), so a shift gives
 * the section Math.floor(idx / SECTION_PAGES) gives.
 */
const SECTION_SHIFT = Math.log2(SECTION_PAGES)
if (!Number.isInteger(SECTION_SHIFT)) throw new Error('SECTION_PAGES is not a power of two')

const RADIX_BITS = 11
const RADIX_BUCKETS = 1 << RADIX_BITS
const RADIX_MASK = RADIX_BUCKETS - 1

/** Ready records kmigrated reads ahead at a time. */
const WALK_CHUNK = 256

/** Hotness records of one lower-tier node. */
class NodeMap {
  readonly records: Uint8Array | Uint32Array
  /** PGHOT_SECTION_HOT_BIT per section. */
  readonly sectionHot: Uint8Array
  /**
   * Records that became ready since kmigrated last ran (the first `nrReady`). Walking
   * them in PFN order visits exactly the ready records a walk of the hot sections
   * would, without reading the rest of each 128 MiB section.
   */
  private ready = new Uint32Array(1024)
  private nrReady = 0
  /** The buffer the previous takeReady() returned, reused for the next list. */
  private spare = new Uint32Array(1024)

  constructor(readonly nid: number, readonly basePfn: number, readonly pages: number, layout: RecordLayout) {
    this.records = layout.bytes === 1 ? new Uint8Array(pages) : new Uint32Array(pages)
    this.sectionHot = new Uint8Array(Math.ceil(pages / SECTION_PAGES))
  }

  pushReady(idx: number): void {
    if (this.nrReady === this.ready.length) { const r = new Uint32Array(this.ready.length * 2); r.set(this.ready); this.ready = r }
    this.ready[this.nrReady++] = idx
  }

  /** Radix sort buffers for takeReady(). */
  private sorted = new Uint32Array(1024)
  private readonly counts = new Uint32Array(RADIX_BUCKETS)

  /** The ready list in ascending order, leaving an empty one. Valid until the next call. */
  takeReady(): Uint32Array {
    const n = this.nrReady
    let list = this.ready
    // An LSD radix sort, 11 bits a pass and only as many passes as the largest index
    // needs: the same ascending order as sort(), at a fraction of its cost.
    let max = 0
    for (let i = 0; i < n; i++) if (list[i] > max) max = list[i]
    if (this.sorted.length < list.length) this.sorted = new Uint32Array(list.length)
    let out = this.sorted
    const counts = this.counts
    for (let shift = 0; shift === 0 || (max >>> shift) !== 0; shift += RADIX_BITS) {
      if (n < 2) break
      counts.fill(0)
      for (let i = 0; i < n; i++) counts[(list[i] >>> shift) & RADIX_MASK]++
      let sum = 0
      for (let b = 0; b < RADIX_BUCKETS; b++) { const c = counts[b]; counts[b] = sum; sum += c }
      for (let i = 0; i < n; i++) { const x = list[i]; out[counts[(x >>> shift) & RADIX_MASK]++] = x }
      const t = list; list = out; out = t
      if (shift + RADIX_BITS >= 32) break
    }
    // `list` holds the sorted indices: it is handed out; the other buffer sorts next time,
    // and the spare collects the next ready list.
    if (list === this.ready) {
      this.ready = this.spare
      this.spare = list
    } else {
      this.sorted = this.ready
      this.ready = this.spare
      this.spare = list
    }
    this.nrReady = 0
    return list.subarray(0, n)
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
  readonly activate: Set<number> = new NodeIdSet()
  /** Next time (ms) each kmigrated wakes up. */
  readonly nextWake = new Map<number, number>()
  readonly targets = new Map<number, TargetState>()
  owners: PageOwner[] = []
  // Event indices resolved once: record_access is the hottest path of the simulation.
  private readonly evHintfaults: number
  private readonly evHwhints: number
  private readonly evAccesses: number
  private readonly update: ReturnType<typeof recordUpdater>
  /** The ready bit and the nid and time fields of a record in this layout. */
  private readonly readyMask: number
  private readonly recNidMask: number
  private readonly recTimeMask: number
  /** Lower-tier node maps and top-tier flags indexed by node id, for the record path. */
  private mapByNid: Array<NodeMap | undefined> = []
  private toptierByNid: boolean[] = []
  /** PFNs of the ready records kmigrated reads ahead. */
  private readonly walkAhead = new Float64Array(WALK_CHUNK)
  /** Where read-ahead reads go, so that they are not optimised away. */
  private sink = 0

  constructor(private readonly m: Machine) {
    this.layout = m.kconfig.PGHOT_PRECISE ? PRECISE_LAYOUT : DEFAULT_LAYOUT
    this.freqWindowMs = this.layout.defaultFreqWindowMs
    const ev = (name: string) => (m.kconfig.PGHOT ? m.eventIndex(name) : -1)
    this.evHintfaults = ev('pghot_recorded_hintfaults')
    this.evHwhints = ev('pghot_recorded_hwhints')
    this.evAccesses = ev('pghot_recorded_accesses')
    this.update = recordUpdater(this.layout)
    this.readyMask = (1 << this.layout.readyBit) >>> 0
    this.recNidMask = this.layout.nidWidth ? nidMax(this.layout) : 0
    this.recTimeMask = (2 ** this.layout.timeWidth - 1) >>> 0
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
    if (!this.accepts(nid, src)) return
    const m = this.m
    m.events[src === PGHOT_HINTFAULTS ? this.evHintfaults : this.evHwhints]++
    m.generation++ // m.touch()
    this.recordAccepted(pfn, srcNid, nid, now, isLru)
  }

  /**
   * Whether pghot_record_access() gets past its source and target-node checks, which
   * depend on neither the page nor the time: callers recording many accesses of one
   * source towards one node ask once and count the source event themselves.
   */
  accepts(nid: number, src: number): boolean {
    if (!this.m.kconfig.PGHOT) return false
    // nidValid() lets every nid through in default mode.
    if (this.layout.precise && !this.nidValid(nid)) return false
    return (src === PGHOT_HINTFAULTS || src === PGHOT_HWHINTS) && (this.srcEnabled & (1 << src)) !== 0
  }

  /** Count `n` accesses that accepts() let through, as recordAccess() counts each. */
  countSource(src: number, n: number): void {
    this.m.events[src === PGHOT_HINTFAULTS ? this.evHintfaults : this.evHwhints] += n
    this.m.generation += n
  }

  /**
   * Whether an accepted access of a page on `srcNid` can change a record (a lower-tier
   * node with a map); the others stop at the node checks, so their PFN need not be read.
   */
  tracks(srcNid: number): boolean { return !this.toptierByNid[srcNid] && this.mapByNid[srcNid] !== undefined }

  /**
   * Default layout only: the new record for every old record byte, for accesses at the
   * time bucket, window and threshold in `tableKey` (an update reads `now` only through
   * its time bucket). Rebuilt when one of them changes, about every 128 jiffies.
   */
  private readonly table = new Uint8Array(256)
  private tableBucket = -1
  private tableWindow = NaN
  private tableThreshold = NaN

  /** The update table of the default layout for accesses at `now` (jiffies). */
  private tableAt(now: number): Uint8Array {
    const bucket = ((now >>> 0) >>> DEFAULT_LAYOUT.timeBucketShift) & this.recTimeMask
    if (bucket !== this.tableBucket || this.freqWindowMs !== this.tableWindow || this.freqThreshold !== this.tableThreshold) this.fillTable(now, bucket)
    return this.table
  }

  private fillTable(now: number, bucket: number): void {
    const update = this.update, table = this.table
    for (let old = 0; old < 256; old++) table[old] = update(old, 0, now, this.freqWindowMs, this.freqThreshold)
    this.tableBucket = bucket
    this.tableWindow = this.freqWindowMs
    this.tableThreshold = this.freqThreshold
  }

  /** updateRecord() of the default layout, looked up in the table. */
  private updateDefault(old: number, now: number): number {
    const v = this.tableAt(now)[old]
    // A PFN that is no whole number reads no record byte: leave it to the plain update.
    return v === undefined ? this.update(old, 0, now, this.freqWindowMs, this.freqThreshold) : v
  }

  /**
   * recordAccepted() for `n` accesses in order. The records they touch are read once
   * up front, independently of one another, so that the cache misses overlap instead of
   * stalling the ordered updates one by one.
   */
  recordAcceptedMany(pfns: Uint32Array, srcNids: Uint16Array, nids: Int32Array, n: number, now: number): void {
    const mapByNid = this.mapByNid
    let sink = 0
    for (let j = 0; j < n; j++) {
      const map = mapByNid[srcNids[j]]
      if (!map) continue
      const idx = pfns[j] - map.basePfn
      if (idx >= 0 && idx < map.pages) sink ^= map.records[idx]
    }
    this.sink = sink
    if (this.layout.precise) {
      for (let j = 0; j < n; j++) this.recordAccepted(pfns[j], srcNids[j], nids[j], now, true)
      return
    }
    // recordAccepted() inlined for the default layout, with the update looked up in the
    // table and the access events counted once: the same records, lists and counts.
    const table = this.tableAt(now)
    const toptier = this.toptierByNid
    let accesses = 0
    let activated = -1
    for (let j = 0; j < n; j++) {
      const srcNid = srcNids[j]
      if (srcNid === nids[j] || toptier[srcNid]) continue
      const map = mapByNid[srcNid]
      if (!map) continue
      const idx = pfns[j] - map.basePfn
      if (idx < 0 || idx >= map.pages) continue
      accesses++
      const records = map.records
      const old = records[idx]
      const v = table[old]
      records[idx] = v
      if ((v & 0x80) !== 0) {
        if ((old & 0x80) === 0) map.pushReady(idx)
        map.sectionHot[idx >>> SECTION_SHIFT] = 1
        // Adding a member again changes nothing, so once per run of one node is enough.
        if (srcNid !== activated) { this.activate.add(srcNid); activated = srcNid }
      }
    }
    this.m.events[this.evAccesses] += accesses
  }

  /** The rest of pghot_record_access(), after accepts() and the source event. */
  recordAccepted(pfn: number, srcNid: number, nid: number, now: number, isLru: boolean): void {
    if (srcNid === nid || this.toptierByNid[srcNid] || !isLru) return
    const map = this.mapByNid[srcNid]
    if (!map) return
    const idx = pfn - map.basePfn
    if (idx < 0 || idx >= map.pages) return
    this.m.events[this.evAccesses]++
    const records = map.records
    const old = records[idx]
    const v = this.layout.precise
      ? this.update(old, nid < 0 ? this.targetNid : nid, now, this.freqWindowMs, this.freqThreshold)
      : this.updateDefault(old, now)
    records[idx] = v
    if ((v & this.readyMask) !== 0) this.becameReady(map, idx, old, srcNid)
  }

  /** What recordAccepted() does when the new record is ready. */
  private becameReady(map: NodeMap, idx: number, old: number, srcNid: number): void {
    if ((old & this.readyMask) === 0) map.pushReady(idx)
    // Math.floor rather than a shift: the PFN callers hand in need not be a whole number.
    map.sectionHot[Math.floor(idx / SECTION_PAGES)] = 1
    this.activate.add(srcNid)
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
    const ready = map.takeReady()
    let i = 0
    while (i < ready.length) {
      const section = ready[i] >>> SECTION_SHIFT
      let j = i
      while (j < ready.length && ready[j] >>> SECTION_SHIFT === section) j++
      if (map.sectionHot[section]) {
        map.sectionHot[section] = 0
        this.walkSection(map, ready, i, j)
      }
      i = j
    }
  }

  /** The batch walkSection() builds: PFNs and, from owners that find(), page handles. */
  private batchPfns = new Float64Array(1024)
  private batchPages = new Int32Array(1024)

  /** kmigrated_walk_zone() over one hot section, visiting its ready records (indices[from..to)) in PFN order. */
  private walkSection(map: NodeMap, indices: Uint32Array, from: number, to: number): void {
    let n = 0
    let curNid = -1
    let curKey: unknown = null
    let curOwner: PageOwner | null = null
    // The target's free-space and watermark checks read only its zones, which change
    // when a batch moves pages and not between batches: they are made once per target
    // and batch rather than once per page (a flush forgets them).
    let viewNid = -1
    let viewNode: NumaNode | null = null
    let viewSt: TargetState | null = null
    let viewFree = false
    let viewFits = false
    const owners = this.owners
    const records = map.records
    const mapNid = map.nid
    const basePfn = map.basePfn
    const readyMask = this.readyMask
    const precise = this.layout.precise
    const { nidShift, timeShift } = this.layout
    const nidMask = this.recNidMask, timeMask = this.recTimeMask
    const ahead = this.walkAhead
    let warmed = from
    for (let k = from; k < to; k++) {
      if (k === warmed) {
        // The ready records are scattered over the node: reading a chunk's records and
        // pages in tight loops first lets their cache misses overlap.
        const end = Math.min(to, k + WALK_CHUNK)
        let sink = 0, c = 0
        for (let j = k; j < end; j++) { sink ^= records[indices[j]]; ahead[c++] = basePfn + indices[j] }
        this.sink = sink
        for (let o = 0; o < owners.length; o++) owners[o].warm?.(mapNid, ahead, c)
        warmed = end
      }
      const i = indices[k]
      const v = records[i]
      if (!v) continue
      const pfn = basePfn + i
      let owner: PageOwner | null = null
      let key: unknown = null
      let handle = -1
      for (let o = 0; o < owners.length; o++) {
        const ow = owners[o]
        if (ow.find !== undefined) {
          handle = ow.find(mapNid, pfn)
          if (handle >= 0) { owner = ow; key = ow.foundKey; break }
        } else {
          const page = ow.pageAt(mapNid, pfn)
          if (page) { owner = ow; key = page.memcgKey; break }
        }
      }
      if (owner === null) continue
      // pghot_get_record(): only ready records are consumed, and consuming clears them.
      if ((v & readyMask) === 0) continue
      records[i] = 0
      // decode(): the target node (precision mode only) and the stored time.
      let target = precise ? (nidMask ? (v >>> nidShift) & nidMask : -1) : this.targetNid
      if (target < 0) target = this.targetNid
      if (target === mapNid) continue
      if (target !== viewNid) {
        viewNid = target
        viewNode = this.m.node(target) ?? null
        if (viewNode) {
          viewSt = this.target(target)
          viewFree = this.freeSpaceEnough(viewNode)
          viewFits = migrateBalanced(viewNode, 1)
        }
      }
      if (!viewNode) continue
      if (!this.migrateDecision(1, viewNode, viewSt!, viewFree, (v >>> timeShift) & timeMask)) continue
      // prepare()
      if (!viewFits) { this.m.wakeKswapd(target); continue }
      if (curNid === -1) { curNid = target; curKey = key; curOwner = owner }
      if (curNid !== target || curKey !== key || curOwner !== owner) {
        if (n) this.promoteBatch(curOwner!, mapNid, curNid, curKey, n)
        n = 0
        viewNid = -1
        curNid = target; curKey = key; curOwner = owner
      }
      if (n === this.batchPfns.length) this.growBatch()
      this.batchPfns[n] = pfn
      this.batchPages[n] = handle
      n++
      if (n > this.kmigratedBatchNr) {
        this.promoteBatch(curOwner!, mapNid, curNid, curKey, n)
        n = 0
        viewNid = -1
      }
    }
    if (n && curOwner) this.promoteBatch(curOwner, mapNid, curNid, curKey, n)
  }

  private growBatch(): void {
    const pfns = new Float64Array(this.batchPfns.length * 2)
    pfns.set(this.batchPfns)
    this.batchPfns = pfns
    const pages = new Int32Array(this.batchPages.length * 2)
    pages.set(this.batchPages)
    this.batchPages = pages
  }

  /** What promoteBatch() hands to owners that find(), reused. */
  private readonly found: FoundPages = { key: null, pages: this.batchPages }

  /** Promote the batch's `n` pages (all of `owner`, with memcg key `key`) from `from` to `to`. */
  private promoteBatch(owner: PageOwner, from: number, to: number, key: unknown, n: number): void {
    const pfns: number[] = new Array<number>(n)
    for (let k = 0; k < n; k++) pfns[k] = this.batchPfns[k]
    if (owner.find === undefined) { owner.promote(from, to, pfns); return }
    const found = this.found
    found.key = key
    found.pages = this.batchPages
    owner.promote(from, to, pfns, found)
    found.key = null
  }

  private target(nid: number): TargetState {
    let t = this.targets.get(nid)
    if (!t) { t = { rlStart: 0, rlNrCand: 0, thStart: 0, thNrCand: 0, threshold: 0 }; this.targets.set(nid, t) }
    return t
  }

  /** pgdat_free_space_enough(): a zone of the target has promo watermark + max(1 GiB, present/16) free. */
  freeSpaceEnough(node: NumaNode): boolean {
    const enough = Math.max((1024 * 1024 * 1024) >> 12, Math.floor(node.present / 16))
    const zones = node.zones
    const movableIdx = movableIndex(zones)
    // Highest zone first, without copying the zone list (this runs once per promoted page).
    for (let k = zones.length - 1; k >= 0; k--) {
      const z = zones[k]
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
    return this.migrateDecision(nrPages, node, this.target(nid), this.freeSpaceEnough(node), time)
  }

  /** shouldMigrate() once the target's node, state and pgdat_free_space_enough() are known. */
  private migrateDecision(nrPages: number, node: NumaNode, st: TargetState, freeEnough: boolean, time: number): boolean {
    const nid = node.id
    if (freeEnough) {
      st.threshold = 0
      // addNodeStat() without a memcg, minus its node lookup: this runs once per promoted page.
      node.stats[NRL_IDX] += nrPages
      this.m.touch()
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
    if (migrateBalanced(node, nr)) return true
    this.m.wakeKswapd(nid)
    return false
  }
}

/**
 * A set of node ids that answers add() of a member from a flag table, without hashing:
 * the record path sets PGDAT_KMIGRATED_ACTIVATE on every access to a ready record.
 */
class NodeIdSet extends Set<number> {
  private flags = new Uint8Array(64)
  override add(nid: number): this {
    if (nid >= 0 && nid < this.flags.length && this.flags[nid] === 1) return this
    super.add(nid)
    if (Number.isInteger(nid) && nid >= 0) {
      if (nid >= this.flags.length) { const f = new Uint8Array(Math.max(nid + 1, 2 * this.flags.length)); f.set(this.flags); this.flags = f }
      this.flags[nid] = 1
    }
    return this
  }
  override delete(nid: number): boolean {
    if (nid >= 0 && nid < this.flags.length) this.flags[nid] = 0
    return super.delete(nid)
  }
  override clear(): void {
    this.flags.fill(0)
    super.clear()
  }
}

