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
import type { PageOwner } from './pghot.js'
import type { Task } from './tasks.js'
import type { Zone } from './zone.js'

/**
 * PFNs of one node handed to region pages: a bump pointer, a stack of freed ones,
 * and the reverse map (pfn → region and page) over the PFNs handed out so far, in
 * typed arrays that grow with use rather than with the node's size.
 */
class PfnPool {
  private next: number
  private readonly freed: number[] = []
  private ownerRegion = new Uint16Array(1024)
  private ownerPage = new Uint32Array(1024)
  constructor(readonly start: number, readonly end: number) { this.next = start }
  take(): number {
    if (this.freed.length) return this.freed.pop()!
    if (this.next >= this.end) throw new RangeError('node PFN space exhausted')
    const pfn = this.next++
    const i = pfn - this.start
    if (i >= this.ownerPage.length) {
      const r = new Uint16Array(this.ownerRegion.length * 2); r.set(this.ownerRegion); this.ownerRegion = r
      const q = new Uint32Array(this.ownerPage.length * 2); q.set(this.ownerPage); this.ownerPage = q
    }
    return pfn
  }
  give(pfn: number): void { this.set(pfn, -1, 0); this.freed.push(pfn) }
  /** Record who has the page at `pfn` (regionIdx -1: nobody). */
  set(pfn: number, regionIdx: number, page: number): void {
    const i = pfn - this.start
    this.ownerRegion[i] = regionIdx + 1
    this.ownerPage[i] = page
  }
  get(pfn: number): { regionIdx: number; page: number } | null {
    const i = pfn - this.start
    if (i < 0 || i >= this.next - this.start || this.ownerRegion[i] === 0) return null
    return { regionIdx: this.ownerRegion[i] - 1, page: this.ownerPage[i] }
  }
  bytes(): number { return this.ownerRegion.byteLength + this.ownerPage.byteLength }
}

export class Region {
  readonly nid: Uint16Array
  readonly pfn: Uint32Array
  /** PROT_NONE marks left by the NUMA balancing scanner, one byte per page. */
  readonly protNone: Uint8Array
  /** Pages per node, kept in step with `nid`. */
  readonly perNode = new Map<number, number>()
  /** The first `hotPages` pages are the hot set of the workload using the region (0: none). */
  private hot = 0
  /** Hot-set pages per node, kept in step with `nid`. */
  readonly hotPerNode = new Map<number, number>()

  get hotPages(): number { return this.hot }
  set hotPages(n: number) {
    this.hot = n
    this.hotPerNode.clear()
    for (let v = 0; v < n; v++) this.hotPerNode.set(this.nid[v], (this.hotPerNode.get(this.nid[v]) ?? 0) + 1)
  }

  constructor(readonly id: number, readonly task: Task, readonly memcg: Cgroup | null, readonly pages: number) {
    this.nid = new Uint16Array(pages)
    this.pfn = new Uint32Array(pages)
    this.protNone = new Uint8Array(pages)
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
    if (!p) { p = new PfnPool(zone.startPfn, zone.startPfn + zone.spanned); this.pools.set(zone, p) }
    return p
  }

  zoneOf(nid: number, pfn: number): Zone | undefined {
    return this.m.node(nid)?.zones.find((z) => z.populated && pfn >= z.startPfn && pfn < z.startPfn + z.spanned)
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
      for (let i = 0; i < p.pages; i++, v++) {
        const pfn = pool.take()
        region.nid[v] = p.zone.nid
        region.pfn[v] = pfn
        pool.set(pfn, regionIdx, v)
      }
      region.perNode.set(p.zone.nid, (region.perNode.get(p.zone.nid) ?? 0) + p.pages)
    }
    return { ok: true, value: region }
  }

  /** Forget a region whose task released its pages (the task's exit frees the memory). */
  drop(region: Region): void {
    const regionIdx = this.list.indexOf(region)
    if (regionIdx < 0) return
    for (let v = 0; v < region.pages; v++) this.pool(this.zoneOf(region.nid[v], region.pfn[v])!).give(region.pfn[v])
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
    for (const hotFirst of [false, true]) {
      for (const region of [...this.list].reverse()) {
        if (left <= 0) break
        if (!this.m.tasks.table.has(region.task.pid) || !(region.perNode.get(nid) ?? 0)) continue
        const pages: number[] = []
        const lo = hotFirst ? 0 : region.hotPages
        const hi = hotFirst ? region.hotPages : region.pages
        for (let v = hi - 1; v >= lo && pages.length < left; v--) if (region.nid[v] === nid) pages.push(v)
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
    const zone = this.zoneOf(nid, pfn)
    const hit = zone ? this.pools.get(zone)?.get(pfn) : null
    if (!hit) return null
    const region = this.list[hit.regionIdx]
    const page = hit.page
    if (!region || region.nid[page] !== nid || region.pfn[page] !== pfn || !this.m.tasks.table.has(region.task.pid)) return null
    return { region, page }
  }

  pageAt(nid: number, pfn: number): { memcgKey: unknown } | null {
    const hit = this.lookup(nid, pfn)
    return hit ? { memcgKey: hit.region } : null
  }

  /**
   * Migrate pages (all on `from`, all of one region) to `to`: new pages on the target
   * node only, the old ones freed, counted as promotions. Returns pages moved.
   */
  promote(from: number, to: number, pfns: readonly number[]): number {
    const hits = pfns.map((pfn) => this.lookup(from, pfn)).filter((h): h is { region: Region; page: number } => h !== null)
    if (hits.length === 0) return 0
    const region = hits[0].region
    const moved = this.movePages(region, hits.map((h) => h.page), to, 'promote')
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
    const t = region.task
    const cpu = this.m.onlineCpus()[0]
    const req = { kind: 'anon' as const, pages: pages.length, cpu, nid: to, thisNode: true, allowPrivate: true, memcg: region.memcg }
    const plan = this.m.planAlloc(req)
    if (!plan.ok) {
      this.m.addEvent('pgmigrate_fail', pages.length)
      return 0
    }
    // Free the old pages zone by zone from what the task holds.
    const byZone = new Map<Zone, number>()
    for (const v of pages) { const z = this.zoneOf(region.nid[v], region.pfn[v])!; byZone.set(z, (byZone.get(z) ?? 0) + 1) }
    const held = t.holdings.get(region.memcg ?? this.m.root)?.get('anon')
    if (!held) return 0
    const freed: Placement[] = []
    for (const [z, n] of byZone) {
      // The task's holdings are per zone; take what it has there.
      const have = held.get(z) ?? 0
      const take = Math.min(n, have)
      if (take <= 0) continue
      freed.push({ zone: z, pages: take })
    }
    const freedTotal = freed.reduce((s, p) => s + p.pages, 0)
    if (freedTotal !== pages.length) return 0
    this.m.commitAlloc(req, plan.value)
    this.m.free('anon', freed, region.memcg)
    for (const p of freed) { const n = held.get(p.zone)! - p.pages; if (n) held.set(p.zone, n); else held.delete(p.zone) }
    for (const p of plan.value) held.set(p.zone, (held.get(p.zone) ?? 0) + p.pages)
    const regionIdx = this.list.indexOf(region)
    // New PFNs follow the zones the allocator chose.
    const slots: Zone[] = []
    for (const p of plan.value) for (let i = 0; i < p.pages; i++) slots.push(p.zone)
    pages.forEach((v, k) => {
      const from = region.nid[v]
      this.pool(this.zoneOf(from, region.pfn[v])!).give(region.pfn[v])
      region.perNode.set(from, (region.perNode.get(from) ?? 0) - 1)
      if (v < region.hotPages) {
        region.hotPerNode.set(from, (region.hotPerNode.get(from) ?? 0) - 1)
        region.hotPerNode.set(to, (region.hotPerNode.get(to) ?? 0) + 1)
      }
      const toPool = this.pool(slots[k])
      const pfn = toPool.take()
      region.nid[v] = to
      region.pfn[v] = pfn
      region.protNone[v] = 0
      toPool.set(pfn, regionIdx, v)
      region.perNode.set(to, (region.perNode.get(to) ?? 0) + 1)
    })
    this.m.addEvent('pgmigrate_success', pages.length)
    if (region.memcg) region.memcg.events[eventIndex('pgmigrate_success')] += pages.length
    void why
    return pages.length
  }
}

function eventIndex(name: string): number { return EVENT_IDX[name] }
