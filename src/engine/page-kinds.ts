/**
 * What a page is used for decides which zones may hold it and which counters it
 * moves. One row per kind; the allocator and free path apply the row, so every
 * counter that depends on page use is moved from this table only.
 */
import type { NodeItem, ZoneItem } from '../counters/vmstat-items.js'

export type Lru = 'anon' | 'file' | 'unevictable' | null

export interface PageKindDef {
  /** Movable allocations (GFP_HIGHUSER_MOVABLE) may use ZONE_MOVABLE; kernel ones may not. */
  movable: boolean
  /** LRU list the pages are put on (inactive first). */
  lru: Lru
  /** Node items raised by one page of this kind, with the amount per page. */
  nodeItems: ReadonlyArray<readonly [NodeItem, number]>
  /** Zone items raised by one page, besides NR_FREE_PAGES and the zone LRU items. */
  zoneItems?: ReadonlyArray<readonly [ZoneItem, number]>
  doc: string
}

export const PAGE_KINDS = {
  anon: { movable: true, lru: 'anon', nodeItems: [['nr_anon_pages', 1]], doc: 'private anonymous memory (heap, stacks)' },
  file: { movable: true, lru: 'file', nodeItems: [['nr_file_pages', 1]], doc: 'page cache of regular files, not mapped' },
  file_mapped: { movable: true, lru: 'file', nodeItems: [['nr_file_pages', 1], ['nr_mapped', 1]], doc: 'page cache mapped into processes' },
  buffers: { movable: false, lru: 'file', nodeItems: [['nr_file_pages', 1]], doc: 'block-device page cache (Buffers)' },
  shmem: { movable: true, lru: 'anon', nodeItems: [['nr_file_pages', 1], ['nr_shmem', 1]], doc: 'tmpfs and shared anonymous memory' },
  mlocked: { movable: true, lru: 'unevictable', nodeItems: [['nr_anon_pages', 1]], zoneItems: [['nr_mlock', 1]], doc: 'mlock()ed anonymous memory' },
  slab_reclaimable: { movable: false, lru: null, nodeItems: [['nr_slab_reclaimable', 1]], doc: 'reclaimable slab (dentries, inodes)' },
  slab_unreclaimable: { movable: false, lru: null, nodeItems: [['nr_slab_unreclaimable', 1]], doc: 'unreclaimable slab' },
  kernel_stack: { movable: false, lru: null, nodeItems: [['nr_kernel_stack', 4]], doc: 'kernel thread stacks (counted in KiB)' },
  pagetable: { movable: false, lru: null, nodeItems: [['nr_page_table_pages', 1]], doc: 'user page tables' },
  sec_pagetable: { movable: false, lru: null, nodeItems: [['nr_sec_page_table_pages', 1]], doc: 'KVM / IOMMU secondary page tables' },
  kernel_misc_reclaimable: { movable: false, lru: null, nodeItems: [['nr_kernel_misc_reclaimable', 1]], doc: 'other reclaimable kernel memory' },
  vmalloc: { movable: false, lru: null, nodeItems: [], doc: 'vmalloc() backing pages (VmallocUsed)' },
  // Percpu chunk pages populated after boot; the percpu series counts them per node.
  percpu: { movable: false, lru: null, nodeItems: [['nr_percpu', 1]], doc: 'percpu chunk pages (Percpu)' },
  memmap: { movable: false, lru: null, nodeItems: [], doc: 'struct page / page_ext allocated after boot' },
  kernel: { movable: false, lru: null, nodeItems: [], doc: 'kernel memory no counter names (drivers, DMA buffers)' },
  hugetlb: { movable: false, lru: null, nodeItems: [['nr_hugetlb', 1]], doc: 'hugetlb pool pages' },
} as const satisfies Record<string, PageKindDef>

export type PageKind = keyof typeof PAGE_KINDS
export const PAGE_KIND_NAMES = Object.keys(PAGE_KINDS) as PageKind[]
