/**
 * Memory regions of workloads: the pages a task touches, each with the node and PFN
 * it sits on. Only these pages have identities (the rest of the machine is counted,
 * not tracked), kept in typed arrays so that an 8 GiB region costs 6 bytes a page
 * and no per-page objects. PFNs come from per-node pools so that pghot can find the
 * page behind a PFN.
 */
import { EVENT_IDX } from '../counters/vmstat-items.js'
import type { Cgroup } from './cgroup.js'
import type { Machine, Placement } from './machine.js'
import type { FoundPages, PageOwner } from './pghot.js'
import type { Task } from './tasks.js'
import type { Zone } from './zone.js'

const OWNED_BY_RUN = 0
const OWNED_IN_MAP = 1
const OWNED_BY_NOBODY = 2
void OWNED_BY_RUN

/**
 * PFNs of one node handed to region pages: a bump pointer, a stack of freed ones,
 * and the reverse map (pfn → region and page) over the PFNs handed out so far, in
 * typed arrays that grow with use rather than with the node's size.
 *
 * PFNs handed out in a run to consecutive pages of a region (a region's creation)
 * are not written to the reverse map: the run tells their owner, until the PFN is
 * set or given back one by one, which a two-bit state per PFN records (a PFN given
 * back is not written to the map either). Lookups of PFNs still owned through their
 * run (most of a large region that was never migrated) then read a small state array
 * that stays in cache rather than missing on a map of six bytes a PFN.
 */
class PfnPool {
  private next: number
  /** Stack of freed PFNs (the first `nrFreed`); a typed array, as it can hold millions. */
  private freed = new Uint32Array(1024)
  private nrFreed = 0
  /**
   * The reverse map, three 16-bit words per PFN: region index + 1 (0: nobody), then
   * the page index, low and high half. One array rather than one per field, so that a
   * lookup of a random PFN misses the cache (and the TLB) once, not twice. Valid for
   * the PFNs whose state is OWNED_IN_MAP.
   */
  private owner = new Uint16Array(3 * 1024)
  /**
   * Two bits per PFN: where its owner is. OWNED_BY_RUN: told by the run holding it
   * (nobody if none does); OWNED_IN_MAP: in `owner`; OWNED_BY_NOBODY: nobody has it
   * (a PFN given back), without a write to `owner`.
   */
  private state = new Uint32Array(64)
  /** Runs of setRun(), in ascending PFN order (PFNs of runs come fresh from the bump pointer). */
  private runStart: number[] = []
  private runEnd: number[] = []
  /** The region index and first page of each run, as the reverse map would have stored them. */
  private runRegion: number[] = []
  private runPage: number[] = []
  /** Whether the run's region index fitted the map's 16-bit word (else lookups verify the page). */
  private runExact: boolean[] = []
  /** The run lookup() found last: runs of lookups mostly stay in one. */
  private lastRun = -1
  /** The region index (-1: nobody) of the page lookup() found last. */
  foundRegion = -1
  /**
   * Whether lookup() found it through its run (and the run's region index was stored
   * whole). Such a PFN has not moved since its region was created, so its page still
   * holds it on this pool's node: Regions writes a page's `pfn` and `nid` only when it
   * creates the page (the run) and when it moves it, which gives the old PFN back.
   */
  foundByRun = false
  constructor(readonly start: number, readonly end: number) { this.next = start }
  take(): number {
    if (this.nrFreed) return this.freed[--this.nrFreed]
    if (this.next >= this.end) throw new RangeError('node PFN space exhausted')
    const pfn = this.next++
    const i = pfn - this.start
    if (3 * i >= this.owner.length) this.growTo(this.owner.length * 2)
    return pfn
  }
  /** Grow the reverse map to `len` words (and the bitset with it). */
  private growTo(len: number): void {
    const o = new Uint16Array(len); o.set(this.owner); this.owner = o
    const words = Math.ceil(len / 3 / 16)
    if (words > this.state.length) { const e = new Uint32Array(words); e.set(this.state); this.state = e }
  }
  /** Whether take() would hand out a freed PFN. */
  hasFreed(): boolean { return this.nrFreed > 0 }
  /**
   * take() `n` times when none of them comes from the freed stack and the pool does
   * not run out: the first of `n` consecutive PFNs, or -1 (then take() one by one).
   */
  takeRun(n: number): number {
    if (this.nrFreed || this.next + n > this.end) return -1
    const first = this.next
    this.next += n
    let len = this.owner.length
    while (3 * (this.next - 1 - this.start) >= len) len *= 2
    if (len !== this.owner.length) this.growTo(len)
    return first
  }
  /** set() for `n` consecutive PFNs from `pfn` (fresh from takeRun()), owned by consecutive pages from `page`. */
  setRun(pfn: number, regionIdx: number, page: number, n: number): void {
    if (n <= 0) return
    // Owners as the 16-bit words of the map would hold them.
    const region = ((regionIdx + 1) & 0xffff) - 1
    const runs = this.runStart.length
    const state = this.state
    for (let i = pfn - this.start, k = 0; k < n; k++, i++) state[i >>> 4] &= ~(3 << ((i & 15) << 1))
    // Extend the last run when this one continues it.
    if (runs && this.runEnd[runs - 1] === pfn && this.runRegion[runs - 1] === region &&
        this.runPage[runs - 1] + (pfn - this.runStart[runs - 1]) === page) {
      this.runEnd[runs - 1] = pfn + n
      return
    }
    if (runs && this.runEnd[runs - 1] > pfn) {
      // Not after the last run (not from takeRun()): written to the map instead.
      for (let k = 0; k < n; k++) this.set(pfn + k, regionIdx, page + k)
      return
    }
    this.runStart.push(pfn)
    this.runEnd.push(pfn + n)
    this.runRegion.push(region)
    this.runPage.push(page)
    this.runExact.push(region === regionIdx)
  }
  give(pfn: number): void {
    this.set(pfn, -1, 0)
    if (this.nrFreed === this.freed.length) { const f = new Uint32Array(this.freed.length * 2); f.set(this.freed); this.freed = f }
    this.freed[this.nrFreed++] = pfn
  }
  /** Record who has the page at `pfn` (regionIdx -1: nobody). */
  set(pfn: number, regionIdx: number, page: number): void {
    const i = pfn - this.start
    const w = i >>> 4, shift = (i & 15) << 1
    // What the map would read for this owner: the region index + 1 as a 16-bit word.
    if (((regionIdx + 1) & 0xffff) === 0) {
      this.state[w] = (this.state[w] & ~(3 << shift)) | (OWNED_BY_NOBODY << shift)
      return
    }
    const o = 3 * i
    this.owner[o] = regionIdx + 1
    this.owner[o + 1] = page & 0xffff
    this.owner[o + 2] = page >>> 16
    this.state[w] = (this.state[w] & ~(3 << shift)) | (OWNED_IN_MAP << shift)
  }
  get(pfn: number): { regionIdx: number; page: number } | null {
    const page = this.lookup(pfn)
    return page < 0 ? null : { regionIdx: this.foundRegion, page }
  }
  /**
   * The page index of the region page that has `pfn`, its region index in
   * `foundRegion`; -1 when no region page has it.
   */
  lookup(pfn: number): number {
    const i = pfn - this.start
    if (i < 0 || i >= this.next - this.start) return -1
    const st = (this.state[i >>> 4] >>> ((i & 15) << 1)) & 3
    if (st === OWNED_BY_NOBODY) return -1
    if (st === OWNED_IN_MAP) {
      const o = 3 * i
      const r = this.owner[o]
      if (r === 0) return -1
      this.foundRegion = r - 1
      this.foundByRun = false
      return this.owner[o + 1] + this.owner[o + 2] * 65536
    }
    const k = this.runOf(pfn)
    if (k < 0) return -1
    const region = this.runRegion[k]
    if (region === -1) return -1
    this.foundRegion = region
    this.foundByRun = this.runExact[k]
    const page = this.runPage[k] + (pfn - this.runStart[k])
    return (page & 0xffff) + ((page >>> 16) & 0xffff) * 65536
  }
  /** Index of the run holding `pfn`, or -1. */
  private runOf(pfn: number): number {
    const last = this.lastRun
    if (last >= 0 && pfn >= this.runStart[last] && pfn < this.runEnd[last]) return last
    const starts = this.runStart
    let lo = 0, hi = starts.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (starts[mid] <= pfn) lo = mid + 1
      else hi = mid - 1
    }
    // hi: the last run starting at or before pfn.
    if (hi < 0 || pfn >= this.runEnd[hi]) return -1
    this.lastRun = hi
    return hi
  }
  bytes(): number { return this.owner.byteLength + this.state.byteLength }

  /**
   * lookup() of the PFNs `pfns[0..n)` (all in this pool's range, ascending), the
   * region indices and pages of those it finds in the map (not through their run)
   * into `regions` and `pages`; returns how many.
   */
  readOwners(pfns: Float64Array, n: number, regions: Int32Array, pages: Int32Array): number {
    let found = 0
    for (let j = 0; j < n; j++) {
      const page = this.lookup(pfns[j])
      if (page < 0 || this.foundByRun) continue
      regions[found] = this.foundRegion
      pages[found++] = page
    }
    return found
  }
}

export class Region {
  readonly nid: Uint16Array
  readonly pfn: Uint32Array
  /** PROT_NONE marks left by the NUMA balancing scanner, one byte per page. */
  readonly protNone: Uint8Array
  /** Pages per node, kept in step with `nid`. */
  readonly perNode = new Map<number, number>()
  /** Pages [hotStart, hotStart + hotPages) are the hot set of the workload using the region (hotPages 0: none). */
  private hot = 0
  private hotFirst = 0
  /** Hot-set pages per node, kept in step with `nid`. */
  readonly hotPerNode = new Map<number, number>()

  get hotPages(): number { return this.hot }
  get hotStart(): number { return this.hotFirst }
  set hotPages(n: number) { this.setHotSet(0, n) }

  /** Make pages [start, start + n) the hot set (a workload phase may move it). */
  setHotSet(start: number, n: number): void {
    if (!(start >= 0 && n >= 0 && start + n <= this.pages)) throw new RangeError(`hot set [${start}, ${start + n}) outside a region of ${this.pages} pages`)
    this.hot = n
    this.hotFirst = start
    this.hotPerNode.clear()
    for (let v = start; v < start + n; v++) this.hotPerNode.set(this.nid[v], (this.hotPerNode.get(this.nid[v]) ?? 0) + 1)
  }

  /** Whether page `v` is in the hot set. */
  isHot(v: number): boolean { return ((v - this.hotFirst) >>> 0) < this.hot }

  /**
   * One bit per page, set when the page's node is flagged in `maskFlags`: a sixteenth
   * of the size of `nid`, so that random lookups stay in cache where reads of `nid`
   * miss. Built on first use; setNode() keeps it in step.
   */
  private mask: Uint32Array | null = null
  private maskFlags: Uint8Array | null = null

  constructor(readonly id: number, readonly task: Task, readonly memcg: Cgroup | null, readonly pages: number) {
    this.nid = new Uint16Array(pages)
    this.pfn = new Uint32Array(pages)
    this.protNone = new Uint8Array(pages)
  }

  /** Put page `v` on node `nid`. Every change of `nid` goes through here. */
  setNode(v: number, nid: number): void {
    this.nid[v] = nid
    const mask = this.mask
    if (!mask) return
    if (this.maskFlags![nid]) mask[v >>> 5] |= 1 << (v & 31)
    else mask[v >>> 5] &= ~(1 << (v & 31))
  }

  /** setNode() for pages [from, to). */
  setNodes(from: number, to: number, nid: number): void {
    this.nid.fill(nid, from, to)
    if (this.mask) for (let v = from; v < to; v++) this.setNode(v, nid)
  }

  /**
   * The page bitset for a per-node-id flag table (`flags[nid]` 1: the bits of pages on
   * `nid` are set), rebuilt from `nid` when the table differs from the last one asked for.
   */
  nodeMask(flags: Uint8Array): Uint32Array {
    const old = this.maskFlags
    let same = this.mask !== null && old !== null && old.length === flags.length
    for (let i = 0; same && i < flags.length; i++) same = old![i] === flags[i]
    if (same) return this.mask!
    this.maskFlags = Uint8Array.from(flags)
    const mask = new Uint32Array(Math.ceil(this.pages / 32))
    for (let v = 0; v < this.pages; v++) if (flags[this.nid[v]]) mask[v >>> 5] |= 1 << (v & 31)
    this.mask = mask
    return mask
  }
}

/** A populated zone's PFN range and the pool over it (null until a page is taken from it). */
class ZoneSpan {
  readonly start: number
  readonly end: number
  /** No other populated zone of the node overlaps this span (so a PFN in it is in this zone first). */
  alone = false
  constructor(readonly zone: Zone, public pool: PfnPool | null) {
    this.start = zone.startPfn
    this.end = zone.startPfn + zone.spanned
  }
}

export class Regions implements PageOwner {
  readonly list: Region[] = []
  /** One PFN pool per zone, over the zone's span, so a PFN tells its zone. */
  private pools = new Map<Zone, PfnPool>()
  private nextId = 1

  constructor(private readonly m: Machine) {}

  private pool(zone: Zone): PfnPool {
    let p = this.pools.get(zone)
    if (!p) {
      p = new PfnPool(zone.startPfn, zone.startPfn + zone.spanned)
      this.pools.set(zone, p)
      for (const spans of this.spans) for (const span of spans ?? []) if (span.zone === zone) span.pool = p
    }
    return p
  }

  /**
   * Populated zones per node id with their PFN ranges and pools, built on first use
   * (a machine's nodes and zones do not change): PFN lookups run once or twice per
   * page moved, and the node and zone searches were most of their cost.
   */
  private spans: Array<ZoneSpan[] | undefined> = []

  private spansOf(nid: number): ZoneSpan[] | undefined {
    let spans = this.spans[nid]
    if (spans === undefined) {
      const node = this.m.node(nid)
      if (!node) return undefined
      spans = node.zones.filter((z) => z.populated).map((z) => new ZoneSpan(z, this.pools.get(z) ?? null))
      for (const a of spans) a.alone = spans.every((b) => b === a || b.end <= a.start || b.start >= a.end)
      this.spans[nid] = spans
    }
    return spans
  }

  /** The span spanOf() found last: runs of lookups mostly stay in one zone. */
  private lastSpan: ZoneSpan | null = null

  /** The first populated zone of node `nid` whose span holds `pfn`. */
  private spanOf(nid: number, pfn: number): ZoneSpan | undefined {
    const last = this.lastSpan
    if (last !== null && last.alone && last.zone.nid === nid && pfn >= last.start && pfn < last.end) return last
    const spans = this.spansOf(nid)
    if (!spans) return undefined
    for (let k = 0; k < spans.length; k++) {
      if (pfn >= spans[k].start && pfn < spans[k].end) { this.lastSpan = spans[k]; return spans[k] }
    }
    return undefined
  }

  zoneOf(nid: number, pfn: number): Zone | undefined {
    return this.spanOf(nid, pfn)?.zone
  }

  /** The pool of the zone holding `pfn` on `nid`, made if it has none yet. */
  private poolOf(nid: number, pfn: number): PfnPool {
    const span = this.spanOf(nid, pfn)!
    return span.pool ?? this.pool(span.zone)
  }

  /** Bytes of the reverse maps (what page identities cost). */
  reverseMapBytes(): number { let s = 0; for (const p of this.pools.values()) s += p.bytes(); return s }

  /**
   * Allocate a region of `pages` anonymous pages for a task under its policy and
   * memcg (all or nothing), and give every page a PFN on the node it landed on.
   */
  create(task: Task, pages: number): { ok: true; value: Region } | { ok: false; errno: string; reason: string } {
    const r = this.m.tasks.allocate(task, 'anon', pages)
    if (!r.ok) return r
    const region = new Region(this.nextId++, task, this.m.tasks.memcgOf(task), pages)
    const regionIdx = this.list.length
    this.list.push(region)
    let v = 0
    for (const p of r.value) {
      const pool = this.pool(p.zone)
      const nid = p.zone.nid
      let i = 0
      // Freed PFNs go first, one by one as take() hands them out; the rest is usually
      // one run of fresh PFNs, written in bulk (regions run to millions of pages).
      for (; i < p.pages && pool.hasFreed(); i++, v++) this.place(region, regionIdx, v, nid, pool.take(), pool)
      const first = i < p.pages ? pool.takeRun(p.pages - i) : -1
      if (first >= 0) {
        const n = p.pages - i
        region.setNodes(v, v + n, nid)
        for (let k = 0; k < n; k++) region.pfn[v + k] = first + k
        pool.setRun(first, regionIdx, v, n)
        v += n
      } else {
        for (; i < p.pages; i++, v++) this.place(region, regionIdx, v, nid, pool.take(), pool)
      }
      region.perNode.set(nid, (region.perNode.get(nid) ?? 0) + p.pages)
    }
    return { ok: true, value: region }
  }

  private place(region: Region, regionIdx: number, v: number, nid: number, pfn: number, pool: PfnPool): void {
    region.setNode(v, nid)
    region.pfn[v] = pfn
    pool.set(pfn, regionIdx, v)
  }

  /** Forget a region whose task released its pages (the task's exit frees the memory). */
  drop(region: Region): void {
    const regionIdx = this.list.indexOf(region)
    if (regionIdx < 0) return
    for (let v = 0; v < region.pages; v++) this.poolOf(region.nid[v], region.pfn[v]).give(region.pfn[v])
    // Keep indices of later regions stable: leave a hole.
    region.perNode.clear()
  }

  /**
   * Up to `n` of the coldest region pages on a node, for reclaim: pages outside a
   * workload's hot set first, from the end of each region, newest region first.
   */
  coldPages(nid: number, n: number): Array<{ region: Region; pages: number[] }> {
    const out: Array<{ region: Region; pages: number[] }> = []
    let left = n
    for (const hotPass of [false, true]) {
      for (const region of [...this.list].reverse()) {
        if (left <= 0) break
        if (!this.m.tasks.table.has(region.task.pid) || !(region.perNode.get(nid) ?? 0)) continue
        const pages: number[] = []
        for (let v = region.pages - 1; v >= 0 && pages.length < left; v--) {
          if (region.isHot(v) === hotPass && region.nid[v] === nid) pages.push(v)
        }
        if (pages.length) { out.push({ region, pages }); left -= pages.length }
      }
    }
    return out
  }

  /** Region pages of a task per zone (the part of its anon holdings that has identities). */
  pagesPerZone(t: Task): Map<Zone, number> {
    const out = new Map<Zone, number>()
    for (const r of this.list) {
      if (r.task !== t) continue
      for (let v = 0; v < r.pages; v++) { const z = this.zoneOf(r.nid[v], r.pfn[v])!; out.set(z, (out.get(z) ?? 0) + 1) }
    }
    return out
  }

  /** migrate_pages() for a task's region pages: those off the target nodes move, round robin over the targets. */
  migrateTask(t: Task, to: readonly number[]): number {
    let moved = 0
    for (const r of this.list) {
      if (r.task !== t) continue
      const pages: number[] = []
      for (let v = 0; v < r.pages; v++) if (!to.includes(r.nid[v])) pages.push(v)
      const chunk = Math.ceil(pages.length / to.length)
      to.forEach((nid, i) => {
        const part = pages.slice(i * chunk, (i + 1) * chunk)
        if (part.length) moved += this.movePages(r, part, nid, 'migrate')
      })
    }
    return moved
  }

  lookup(nid: number, pfn: number): { region: Region; page: number } | null {
    const page = this.locate(nid, pfn)
    return page < 0 ? null : { region: this.found!, page }
  }

  /** Set by locate(): the region of the page it found. */
  private found: Region | null = null

  /** lookup() without the result object: the page index (its region in `found`), or -1. */
  private locate(nid: number, pfn: number): number {
    const pool = this.spanOf(nid, pfn)?.pool
    if (!pool) return -1
    const page = pool.lookup(pfn)
    if (page < 0) return -1
    const region = this.list[pool.foundRegion]
    if (!region) return -1
    // A page found through its run holds the PFN on this node (see PfnPool.foundByRun).
    if (!pool.foundByRun && (region.nid[page] !== nid || region.pfn[page] !== pfn)) return -1
    if (!this.m.tasks.table.has(region.task.pid)) return -1
    this.found = region
    return page
  }

  /** Pages warm() found, by region index, for its second pass. */
  private warmPages = new Int32Array(256)
  private warmRegions = new Int32Array(256)
  /** Where warm() puts what it reads, so that the reads are not optimised away. */
  private sink = 0

  warm(nid: number, pfns: Float64Array, n: number): void {
    if (n === 0) return
    if (this.warmPages.length < n) { this.warmPages = new Int32Array(n); this.warmRegions = new Int32Array(n) }
    const warmPages = this.warmPages, warmRegions = this.warmRegions
    let sink = 0, found = 0
    // The walk hands over PFNs in ascending order, mostly all in one zone: then one
    // pool answers for all of them and the reverse map is read in a tight loop.
    const first = this.spanOf(nid, pfns[0])
    const last = this.spanOf(nid, pfns[n - 1])
    if (first !== undefined && first === last && first.alone && first.pool !== null && pfns[0] <= pfns[n - 1]) {
      found = first.pool.readOwners(pfns, n, warmRegions, warmPages)
    } else {
      for (let j = 0; j < n; j++) {
        const pool = this.spanOf(nid, pfns[j])?.pool
        if (!pool) continue
        const page = pool.lookup(pfns[j])
        if (page < 0 || pool.foundByRun) continue
        warmRegions[found] = pool.foundRegion
        warmPages[found++] = page
      }
    }
    const list = this.list
    let ri = -1
    let nids: Uint16Array | null = null, regionPfns: Uint32Array | null = null, pages = 0
    for (let j = 0; j < found; j++) {
      if (warmRegions[j] !== ri) {
        ri = warmRegions[j]
        const region = list[ri]
        if (region) { nids = region.nid; regionPfns = region.pfn; pages = region.pages } else { nids = null; regionPfns = null }
      }
      if (nids === null) continue
      const v = warmPages[j]
      if (v < pages) sink ^= nids[v] ^ regionPfns![v]
    }
    this.sink = sink
  }

  /** What pageAt() hands out per region: one object each, as pghot only compares the keys. */
  private pageKeys = new Map<Region, { memcgKey: unknown }>()

  pageAt(nid: number, pfn: number): { memcgKey: unknown } | null {
    if (this.locate(nid, pfn) < 0) return null
    const region = this.found!
    let key = this.pageKeys.get(region)
    if (!key) { key = { memcgKey: region }; this.pageKeys.set(region, key) }
    return key
  }

  /**
   * Migrate pages (all on `from`, all of one region) to `to`: new pages on the target
   * node only, the old ones freed, counted as promotions. Returns pages moved.
   */
  promote(from: number, to: number, pfns: readonly number[], found?: FoundPages): number {
    // Pages pghot's walk found with find() just before: no need to look them up again.
    if (found !== undefined && found.key instanceof Region) {
      return this.promoted(found.key, to, this.moveRegionPages(found.key, found.pages, pfns.length, to, pfns, from))
    }
    const pages: number[] = []
    let region: Region | null = null
    for (const pfn of pfns) {
      const page = this.locate(from, pfn)
      if (page < 0) continue
      if (!region) region = this.found
      pages.push(page)
    }
    if (!region) return 0
    return this.promoted(region, to, this.moveRegionPages(region, pages, pages.length, to))
  }

  /** pageAt() for pghot's walk: the page index, or -1; its region (the memcg key) in foundKey. */
  find(nid: number, pfn: number): number { return this.locate(nid, pfn) }
  get foundKey(): unknown { return this.found }

  /** The counters of a promotion of `moved` pages of `region` to `to`. */
  private promoted(region: Region, to: number, moved: number): number {
    if (moved > 0) {
      const memcg = region.memcg
      this.m.addEvent('numa_pages_migrated', moved)
      if (memcg) memcg.events[eventIndex('numa_pages_migrated')] += moved
      this.m.addNodeStat(to, 'pgpromote_success', moved, memcg)
    }
    return moved
  }

  /**
   * Move region pages to node `to` (no fallback): allocate there first, then free the
   * old pages. Returns how many moved (0 when the target cannot take them).
   */
  movePages(region: Region, pages: readonly number[], to: number, why: 'promote' | 'demote' | 'migrate'): number {
    void why
    return this.moveRegionPages(region, pages, pages.length, to)
  }

  /** Zone spans of the pages moveRegionPages() moves, found once per page, and the PFNs and nodes they were found for. */
  private moveSpans: ZoneSpan[] = []
  private movePfns = new Float64Array(1024)
  private moveNids = new Int32Array(1024)

  /** movePages() of `pages[0..n)`. */
  private moveRegionPages(region: Region, pages: ArrayLike<number>, n: number, to: number, knownPfns: readonly number[] | null = null, knownNid = -1): number {
    const t = region.task
    const cpu = this.m.onlineCpus()[0]
    const req = { kind: 'anon' as const, pages: n, cpu, nid: to, thisNode: true, allowPrivate: true, memcg: region.memcg }
    const plan = this.m.planAlloc(req)
    if (!plan.ok) {
      this.m.addEvent('pgmigrate_fail', n)
      return 0
    }
    // Free the old pages zone by zone from what the task holds. Zones are few, so a
    // short list (in the order the pages first name them) replaces a map per page.
    // Each page's zone span is kept for the second pass, which frees its PFN there.
    const nids = region.nid, pfns = region.pfn, protNone = region.protNone
    const spans = this.moveSpans
    if (this.movePfns.length < n) { this.movePfns = new Float64Array(2 * n); this.moveNids = new Int32Array(2 * n) }
    const oldPfns = this.movePfns, oldNids = this.moveNids
    const zones: Zone[] = []
    const counts: number[] = []
    let lastSpan: ZoneSpan | null = null
    let lastZi = -1
    for (let k = 0; k < n; k++) {
      const v = pages[k]
      // Pages find() just found on `knownNid` at `knownPfns[k]` are there still.
      const nid = knownPfns !== null ? knownNid : nids[v], pfn = knownPfns !== null ? knownPfns[k] : pfns[v]
      const span = this.spanOf(nid, pfn)!
      spans[k] = span
      oldPfns[k] = pfn
      oldNids[k] = nid
      if (span !== lastSpan) {
        const z = span.zone
        lastZi = zones.indexOf(z)
        if (lastZi < 0) { lastZi = zones.length; zones.push(z); counts.push(0) }
        lastSpan = span
      }
      counts[lastZi]++
    }
    const held = t.holdings.get(region.memcg ?? this.m.root)?.get('anon')
    if (!held) return 0
    const freed: Placement[] = []
    let freedTotal = 0
    for (let zi = 0; zi < zones.length; zi++) {
      // The task's holdings are per zone; take what it has there.
      const have = held.get(zones[zi]) ?? 0
      const take = Math.min(counts[zi], have)
      if (take <= 0) continue
      freed.push({ zone: zones[zi], pages: take })
      freedTotal += take
    }
    if (freedTotal !== n) return 0
    this.m.commitAlloc(req, plan.value)
    this.m.free('anon', freed, region.memcg)
    for (const p of freed) { const left = held.get(p.zone)! - p.pages; if (left) held.set(p.zone, left); else held.delete(p.zone) }
    for (const p of plan.value) held.set(p.zone, (held.get(p.zone) ?? 0) + p.pages)
    const regionIdx = this.list.indexOf(region)
    // Page counts per node change by whole batches; the maps are written once per node,
    // in the order a page-by-page update would first have written each key, so their
    // iteration order (and with it the order of every sum over them) stays the same.
    const perNode = new NodeDeltas()
    const hotPerNode = new NodeDeltas()
    const hot = region.hotPages, hotStart = region.hotStart
    // New PFNs follow the zones the allocator chose, in plan order.
    let part = 0
    let partLeft = plan.value.length ? plan.value[0].pages : 0
    let toPool = plan.value.length ? this.pool(plan.value[0].zone) : null
    for (let k = 0; k < n; k++) {
      const v = pages[k]
      const from = knownPfns !== null ? knownNid : nids[v]
      const old = knownPfns !== null ? knownPfns[k] : pfns[v]
      // A page listed twice has moved by its second turn: its span is looked up again.
      const span = old === oldPfns[k] && from === oldNids[k] ? spans[k] : this.spanOf(from, old)!
      ;(span.pool ?? this.pool(span.zone)).give(old)
      perNode.add(from, -1)
      if (((v - hotStart) >>> 0) < hot) {
        hotPerNode.add(from, -1)
        hotPerNode.add(to, 1)
      }
      while (partLeft === 0) { part++; partLeft = plan.value[part].pages; toPool = this.pool(plan.value[part].zone) }
      partLeft--
      const pfn = toPool!.take()
      region.setNode(v, to)
      pfns[v] = pfn
      // Only write a mark that is there: without NUMA balancing the array is never
      // written, and its pages stay the kernel's shared zero page.
      if (protNone[v] !== 0) protNone[v] = 0
      toPool!.set(pfn, regionIdx, v)
      perNode.add(to, 1)
    }
    perNode.applyTo(region.perNode)
    hotPerNode.applyTo(region.hotPerNode)
    this.m.addEvent('pgmigrate_success', n)
    if (region.memcg) region.memcg.events[eventIndex('pgmigrate_success')] += n
    return n
  }
}

/** Per-node count changes, keyed in the order they were first made. */
class NodeDeltas {
  private readonly nids: number[] = []
  private readonly deltas: number[] = []
  add(nid: number, d: number): void {
    const nids = this.nids
    for (let i = 0; i < nids.length; i++) if (nids[i] === nid) { this.deltas[i] += d; return }
    nids.push(nid)
    this.deltas.push(d)
  }
  applyTo(map: Map<number, number>): void {
    for (let i = 0; i < this.nids.length; i++) map.set(this.nids[i], (map.get(this.nids[i]) ?? 0) + this.deltas[i])
  }
}

function eventIndex(name: string): number { return EVENT_IDX[name] }
