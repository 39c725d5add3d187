/**
 * The kernel's vmstat name table (mm/vmstat.c vmstat_text[]), in enum order, one
 * ordered list per section. Every file that prints these counters (/proc/vmstat,
 * nodeN/vmstat, /proc/zoneinfo, memory.stat, memory.numa_stat, streams) iterates
 * these lists, so adding a counter here adds it everywhere the kernel would.
 *
 * `when` mirrors the #ifdef around the item; items whose condition is false do not
 * exist at all (no placeholder line), exactly as in the kernel.
 */
import type { Kconfig } from '../kernel/kconfig.js'

type When = (k: Kconfig) => boolean
export type NodeUnit = 'pages' | 'kb' | 'thp' | 'events' | 'count'

const always: When = () => true

export interface ZoneTypeDef { readonly name: string; readonly suffix: string; readonly when: When }
/** Zone types in zone_type order (DMA, DMA32, Normal, HighMem, Movable, Device). */
export const ZONE_TYPES = [
  { name: 'DMA', suffix: 'dma', when: (k) => k.ZONE_DMA },
  { name: 'DMA32', suffix: 'dma32', when: (k) => k.ZONE_DMA32 },
  { name: 'Normal', suffix: 'normal', when: always },
  { name: 'HighMem', suffix: 'high', when: (k) => k.HIGHMEM },
  { name: 'Movable', suffix: 'movable', when: always },
  { name: 'Device', suffix: 'device', when: (k) => k.ZONE_DEVICE },
] as const satisfies readonly ZoneTypeDef[]
export type ZoneTypeName = (typeof ZONE_TYPES)[number]['name']

export const ZONE_ITEMS = [
  { name: 'nr_free_pages', when: always },
  { name: 'nr_free_pages_blocks', when: always },
  { name: 'nr_zone_inactive_anon', when: always },
  { name: 'nr_zone_active_anon', when: always },
  { name: 'nr_zone_inactive_file', when: always },
  { name: 'nr_zone_active_file', when: always },
  { name: 'nr_zone_unevictable', when: always },
  { name: 'nr_zone_write_pending', when: always },
  { name: 'nr_mlock', when: always },
  { name: 'nr_zspages', when: (k) => k.ZSMALLOC },
  { name: 'nr_free_cma', when: always },
  { name: 'nr_unaccepted', when: (k) => k.UNACCEPTED_MEMORY },
] as const satisfies readonly { name: string; when: When }[]
export type ZoneItem = (typeof ZONE_ITEMS)[number]['name']

export const NUMA_ITEMS = [
  { name: 'numa_hit', numastat: 'numa_hit', when: always },
  { name: 'numa_miss', numastat: 'numa_miss', when: always },
  { name: 'numa_foreign', numastat: 'numa_foreign', when: always },
  { name: 'numa_interleave', numastat: 'interleave_hit', when: always },
  { name: 'numa_local', numastat: 'local_node', when: always },
  { name: 'numa_other', numastat: 'other_node', when: always },
] as const satisfies readonly { name: string; numastat: string; when: When }[]
export type NumaItem = (typeof NUMA_ITEMS)[number]['name']

const pgpromote: When = (k) => (k.PATCH_PGHOT ? k.PGHOT : k.NUMA_BALANCING)
const mpol: When = (k) => k.PATCH_MPOL_STATS && k.NUMA

export const MPOL_MODES = ['local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave'] as const
export type MpolMode = (typeof MPOL_MODES)[number]

export const NODE_ITEMS = [
  { name: 'nr_inactive_anon', unit: 'pages', when: always },
  { name: 'nr_active_anon', unit: 'pages', when: always },
  { name: 'nr_inactive_file', unit: 'pages', when: always },
  { name: 'nr_active_file', unit: 'pages', when: always },
  { name: 'nr_unevictable', unit: 'pages', when: always },
  { name: 'nr_slab_reclaimable', unit: 'pages', when: always },
  { name: 'nr_slab_unreclaimable', unit: 'pages', when: always },
  { name: 'nr_isolated_anon', unit: 'pages', when: always },
  { name: 'nr_isolated_file', unit: 'pages', when: always },
  { name: 'workingset_nodes', unit: 'count', when: always },
  { name: 'workingset_refault_anon', unit: 'events', when: always },
  { name: 'workingset_refault_file', unit: 'events', when: always },
  { name: 'workingset_activate_anon', unit: 'events', when: always },
  { name: 'workingset_activate_file', unit: 'events', when: always },
  { name: 'workingset_restore_anon', unit: 'events', when: always },
  { name: 'workingset_restore_file', unit: 'events', when: always },
  { name: 'workingset_nodereclaim', unit: 'events', when: always },
  { name: 'nr_anon_pages', unit: 'pages', when: always },
  { name: 'nr_mapped', unit: 'pages', when: always },
  { name: 'nr_file_pages', unit: 'pages', when: always },
  { name: 'nr_dirty', unit: 'pages', when: always },
  { name: 'nr_writeback', unit: 'pages', when: always },
  { name: 'nr_shmem', unit: 'pages', when: always },
  { name: 'nr_shmem_hugepages', unit: 'thp', when: always },
  { name: 'nr_shmem_pmdmapped', unit: 'thp', when: always },
  { name: 'nr_file_hugepages', unit: 'thp', when: always },
  { name: 'nr_file_pmdmapped', unit: 'thp', when: always },
  { name: 'nr_anon_transparent_hugepages', unit: 'thp', when: always },
  { name: 'nr_vmscan_write', unit: 'events', when: always },
  { name: 'nr_vmscan_immediate_reclaim', unit: 'events', when: always },
  { name: 'nr_dirtied', unit: 'events', when: always },
  { name: 'nr_written', unit: 'events', when: always },
  { name: 'nr_throttled_written', unit: 'events', when: always },
  { name: 'nr_kernel_misc_reclaimable', unit: 'pages', when: always },
  { name: 'nr_foll_pin_acquired', unit: 'events', when: always },
  { name: 'nr_foll_pin_released', unit: 'events', when: always },
  { name: 'nr_kernel_stack', unit: 'kb', when: always },
  { name: 'nr_shadow_call_stack', unit: 'kb', when: (k) => k.SHADOW_CALL_STACK },
  { name: 'nr_page_table_pages', unit: 'pages', when: always },
  { name: 'nr_sec_page_table_pages', unit: 'pages', when: always },
  { name: 'nr_iommu_pages', unit: 'pages', when: (k) => k.IOMMU_SUPPORT },
  { name: 'nr_swapcached', unit: 'pages', when: (k) => k.SWAP },
  { name: 'pgpromote_success', unit: 'events', when: pgpromote },
  { name: 'pgpromote_candidate', unit: 'events', when: pgpromote },
  { name: 'pgpromote_candidate_nrl', unit: 'events', when: pgpromote },
  { name: 'pgdemote_kswapd', unit: 'events', when: always },
  { name: 'pgdemote_direct', unit: 'events', when: always },
  { name: 'pgdemote_khugepaged', unit: 'events', when: always },
  { name: 'pgdemote_proactive', unit: 'events', when: always },
  // The mempolicy series puts its triplets after the reclaim items, before NR_HUGETLB.
  { name: 'numa_mpol_local_hit', unit: 'events', when: mpol },
  { name: 'numa_mpol_local_miss', unit: 'events', when: mpol },
  { name: 'numa_mpol_local_foreign', unit: 'events', when: mpol },
  { name: 'numa_mpol_preferred_hit', unit: 'events', when: mpol },
  { name: 'numa_mpol_preferred_miss', unit: 'events', when: mpol },
  { name: 'numa_mpol_preferred_foreign', unit: 'events', when: mpol },
  { name: 'numa_mpol_preferred_many_hit', unit: 'events', when: mpol },
  { name: 'numa_mpol_preferred_many_miss', unit: 'events', when: mpol },
  { name: 'numa_mpol_preferred_many_foreign', unit: 'events', when: mpol },
  { name: 'numa_mpol_bind_hit', unit: 'events', when: mpol },
  { name: 'numa_mpol_bind_miss', unit: 'events', when: mpol },
  { name: 'numa_mpol_bind_foreign', unit: 'events', when: mpol },
  { name: 'numa_mpol_interleave_hit', unit: 'events', when: mpol },
  { name: 'numa_mpol_interleave_miss', unit: 'events', when: mpol },
  { name: 'numa_mpol_interleave_foreign', unit: 'events', when: mpol },
  { name: 'numa_mpol_weighted_interleave_hit', unit: 'events', when: mpol },
  { name: 'numa_mpol_weighted_interleave_miss', unit: 'events', when: mpol },
  { name: 'numa_mpol_weighted_interleave_foreign', unit: 'events', when: mpol },
  { name: 'nr_hugetlb', unit: 'pages', when: (k) => k.HUGETLB_PAGE },
  { name: 'nr_balloon_pages', unit: 'pages', when: always },
  { name: 'nr_kernel_file_pages', unit: 'pages', when: always },
  // The percpu series appends NR_PERCPU_B; like the slab _B items it is byte-precise
  // only per memcg, the node counter is kept in pages.
  { name: 'nr_percpu', unit: 'pages', when: (k) => k.PATCH_PERCPU_NODE_STAT },
  // The page-metadata series adds its item as the last node stat.
  { name: 'nr_page_metadata', unit: 'pages', when: (k) => k.PATCH_PAGE_METADATA },
] as const satisfies readonly { name: string; unit: NodeUnit; when: When }[]
export type NodeItem = (typeof NODE_ITEMS)[number]['name']

export const VM_ITEMS = [
  { name: 'nr_dirty_threshold', when: always },
  { name: 'nr_dirty_background_threshold', when: always },
  { name: 'nr_memmap_pages', when: always },
  { name: 'nr_memmap_boot_pages', when: always },
] as const satisfies readonly { name: string; when: When }[]
export type VmItem = (typeof VM_ITEMS)[number]['name']

function perZone(prefix: string): { name: string; when: When }[] {
  return ZONE_TYPES.map((z) => ({ name: `${prefix}_${z.suffix}`, when: z.when }))
}
const ev = (names: string, when: When = always) => names.trim().split(/\s+/).map((name) => ({ name, when }))
const thp: When = (k) => k.TRANSPARENT_HUGEPAGE

export const EVENT_ITEMS: readonly { name: string; when: When }[] = [
  ...ev('pgpgin pgpgout pswpin pswpout'),
  ...perZone('pgalloc'),
  ...perZone('allocstall'),
  ...perZone('pgskip'),
  ...ev('pgfree pgactivate pgdeactivate pglazyfree pgfault pgmajfault pglazyfreed pgrefill pgreuse'),
  ...ev('pgsteal_kswapd pgsteal_direct pgsteal_khugepaged pgsteal_proactive'),
  ...ev('pgscan_kswapd pgscan_direct pgscan_khugepaged pgscan_proactive pgscan_direct_throttle'),
  ...ev('pgscan_anon pgscan_file pgsteal_anon pgsteal_file'),
  ...ev('zone_reclaim_success zone_reclaim_failed', (k) => k.NUMA),
  ...ev('pginodesteal slabs_scanned kswapd_inodesteal kswapd_low_wmark_hit_quickly kswapd_high_wmark_hit_quickly'),
  ...ev('pageoutrun pgrotated drop_pagecache drop_slab oom_kill'),
  ...ev('numa_pte_updates numa_huge_pte_updates numa_hint_faults numa_hint_faults_local numa_pages_migrated', (k) => k.NUMA_BALANCING),
  ...ev('pgmigrate_success pgmigrate_fail thp_migration_success thp_migration_fail thp_migration_split', (k) => k.MIGRATION),
  ...ev(`compact_migrate_scanned compact_free_scanned compact_isolated compact_stall compact_fail compact_success
    compact_daemon_wake compact_daemon_migrate_scanned compact_daemon_free_scanned`, (k) => k.COMPACTION),
  ...ev('htlb_buddy_alloc_success htlb_buddy_alloc_fail', (k) => k.HUGETLB_PAGE),
  ...ev('cma_alloc_success cma_alloc_fail', (k) => k.CMA),
  ...ev(`unevictable_pgs_culled unevictable_pgs_scanned unevictable_pgs_rescued unevictable_pgs_mlocked
    unevictable_pgs_munlocked unevictable_pgs_cleared unevictable_pgs_stranded`),
  ...ev(`thp_fault_alloc thp_fault_fallback thp_fault_fallback_charge thp_collapse_alloc thp_collapse_alloc_failed
    thp_file_alloc thp_file_fallback thp_file_fallback_charge thp_file_mapped thp_split_page thp_split_page_failed
    thp_deferred_split_page thp_underused_split_page thp_split_pmd thp_scan_exceed_none_pte thp_scan_exceed_swap_pte
    thp_scan_exceed_share_pte`, thp),
  ...ev('thp_split_pud', (k) => k.TRANSPARENT_HUGEPAGE && k.HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD),
  ...ev('thp_zero_page_alloc thp_zero_page_alloc_failed thp_swpout thp_swpout_fallback', thp),
  ...ev('balloon_inflate balloon_deflate', (k) => k.MEMORY_BALLOON),
  ...ev('balloon_migrate', (k) => k.MEMORY_BALLOON && k.BALLOON_COMPACTION),
  ...ev('nr_tlb_remote_flush nr_tlb_remote_flush_received nr_tlb_local_flush_all nr_tlb_local_flush_one', (k) => k.DEBUG_TLBFLUSH),
  ...ev('swap_ra swap_ra_hit swpin_zero swpout_zero', (k) => k.SWAP),
  ...ev('ksm_swpin_copy', (k) => k.SWAP && k.KSM),
  ...ev('cow_ksm', (k) => k.KSM),
  ...ev('zswpin zswpout zswpwb', (k) => k.ZSWAP),
  ...ev('direct_map_level2_splits direct_map_level3_splits direct_map_level2_collapses direct_map_level3_collapses'),
  ...ev('vma_lock_success vma_lock_abort vma_lock_retry vma_lock_miss', (k) => k.PER_VMA_LOCK_STATS),
  // x86_64 THREAD_SIZE is 16 KiB, so the histogram stops at kstack_16k.
  ...ev('kstack_1k kstack_2k kstack_4k kstack_8k kstack_16k', (k) => k.DEBUG_STACK_USAGE),
  ...ev('pghot_recorded_accesses pghot_recorded_hintfaults pghot_recorded_hwhints', (k) => k.PGHOT),
  ...ev('hwhint_total_events hwhint_dram_accesses hwhint_extmem_accesses hwhint_useful_events', (k) => k.PGHOT && k.HWMEM_PROFILER),
]

export type EventItem = string

function indexOf<T extends { name: string }>(items: readonly T[]): Record<string, number> {
  const idx: Record<string, number> = Object.create(null)
  items.forEach((it, i) => { idx[it.name] = i })
  return idx
}
export const ZONE_IDX = indexOf(ZONE_ITEMS) as Record<ZoneItem, number>
export const NUMA_IDX = indexOf(NUMA_ITEMS) as Record<NumaItem, number>
export const NODE_IDX = indexOf(NODE_ITEMS) as Record<NodeItem, number>
export const VM_IDX = indexOf(VM_ITEMS) as Record<VmItem, number>
export const EVENT_IDX = indexOf(EVENT_ITEMS)

/** How many base pages one printed THP item stands for (HPAGE_PMD_NR). */
export const HPAGE_PMD_NR = 512

/** The value a node item prints in vmstat-style files (vmstat, node vmstat, zoneinfo). */
export function nodeItemPrinted(unit: NodeUnit, raw: number, k: Kconfig): number {
  return unit === 'thp' && k.TRANSPARENT_HUGEPAGE ? Math.floor(raw / HPAGE_PMD_NR) : raw
}

const enabledCache = new WeakMap<object, WeakMap<Kconfig, unknown>>()

/**
 * The items of a section that exist under a kernel config, with their storage index.
 * A machine's options never change, so the answer is computed once per (table, config).
 */
export function enabled<T extends { name: string; when: When }>(items: readonly T[], k: Kconfig): ReadonlyArray<T & { index: number }> {
  let perTable = enabledCache.get(items)
  if (!perTable) { perTable = new WeakMap(); enabledCache.set(items, perTable) }
  let out = perTable.get(k) as Array<T & { index: number }> | undefined
  if (!out) {
    out = []
    items.forEach((it, index) => { if (it.when(k)) out!.push({ ...it, index }) })
    perTable.set(k, out)
  }
  return out
}
