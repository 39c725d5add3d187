import { NUMA_ITEMS, ZONE_ITEMS, type ZoneTypeName } from '../counters/vmstat-items.js'
import type { PageKind } from './page-kinds.js'

export interface Watermarks { min: number; low: number; high: number; promo: number }

export interface Pageset { count: number; high: number; batch: number; highMin: number; highMax: number }

/** One zone of one node: its physical span, reservations, watermarks and counters. */
export class Zone {
  readonly stats = new Float64Array(ZONE_ITEMS.length)
  readonly numa = new Float64Array(NUMA_ITEMS.length)
  wmark: Watermarks = { min: 0, low: 0, high: 0, promo: 0 }
  boost = 0
  /** lowmem_reserve[j]: pages kept back from allocations whose highest zone index is j. */
  lowmemReserve: number[] = []
  /** Pages of each use currently allocated from this zone. */
  readonly used = new Map<PageKind, number>()
  /** Pages this zone has on the anon and file LRU lists (the active/inactive split is per node). */
  readonly lru = { anon: 0, file: 0 }
  pageset: Pageset = { count: 0, high: 0, batch: 1, highMin: 0, highMax: 0 }
  statThreshold = 0
  /** Order-0..10 free block counts; recomputed from NR_FREE_PAGES (see buddy.ts). */
  freeArea: number[] = []
  /** Seed for this zone's free-block layout so that it is stable between reads. */
  fragSeed = 0

  constructor(
    readonly nid: number,
    /** Index among the zone types this kernel has (zone_idx). */
    readonly idx: number,
    readonly type: ZoneTypeName,
    readonly startPfn: number,
    readonly spanned: number,
    readonly present: number,
    /** Pages memblock kept at boot (memmap, kernel image, firmware). */
    public reserved: number,
  ) {}

  get managed(): number { return this.present - this.reserved }
  get populated(): boolean { return this.present > 0 }
  get free(): number { return this.stats[0] }
  usedOf(kind: PageKind): number { return this.used.get(kind) ?? 0 }
}
