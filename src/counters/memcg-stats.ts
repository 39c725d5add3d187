/**
 * cgroup v2 `memory.stat`, `memory.numa_stat` and `memory.events` line tables of
 * Linux 6.18 (x86_64), plus the lines the seed patch series add.
 *
 * The kernel builds both stat files from one table (memory_stats[] in mm/memcontrol.c):
 * - memory.stat walks the table in order. Right after slab_unreclaimable it prints a
 *   synthesized `slab` line (reclaimable + unreclaimable). After the table come two
 *   synthesized event sums, `pgscan` and `pgsteal`. Then comes the memcg event table
 *   (memcg_vm_event_stat[]); its v1-only pgpgin/pgpgout entries are skipped on v2.
 * - memory.numa_stat walks the same table and keeps only entries whose item is a
 *   node_stat_item, i.e. kept per lruvec. Memcg-only counters, the synthesized lines and
 *   the events are left out. Values use the same output units as memory.stat.
 * - Output unit (memcg_page_state_output_unit): workingset_*, pgdemote_*,
 *   pgpromote_success (and the mempolicy counters) are plain counts (x1). The byte
 *   counters (percpu, zswap, slab_*) are x1. kernel_stack is kept in KiB (x1024).
 *   Everything else is kept in pages (x PAGE_SIZE).
 * - `hugetlb` is special: memory.stat prints it only when the cgroup2 hierarchy is
 *   mounted with `memory_hugetlb_accounting`. memory.numa_stat prints it regardless.
 *
 * What was read:
 * - Baseline v6.12.117 (Debian linux-source-6.12, mm/memcontrol.c), checked line by line.
 * - `torvalds/linux` mm/memcontrol.c @ 00c010e130e58301db2ea0cec1eadc931e1cb8cf. That is a
 *   v6.16-cycle tree (it has css_rstat_* and the multi-memcg percpu stock, and
 *   memory.reclaim is still open-coded, before 6.17's user_proactive_reclaim), so it is
 *   older than v6.18. It already has hugetlb, pgdemote_proactive, pswpin/pswpout,
 *   pg{scan,steal}_proactive and the proactive terms in the pgscan/pgsteal sums.
 * - `6952350/linux-6.18.y` mm/memcontrol.c @ 312d9602fe3e390cdd8ede332c3398de41972bf8, a
 *   fork based on 6.18.y. Its memory_stats[], memcg_node_stat_items[],
 *   memcg_vm_event_stat[], both unit switches, memcg_stat_format() and
 *   memory_numa_stat_show() match the tree above. It also carries a backport of
 *   "memcg: net: track network throttling due to memcg memory pressure"
 *   (`sock_throttled` in memory.events). Mainline got that patch only after 6.18: it was
 *   posted 2025-10-16, after v6.18-rc1. See MEMORY_EVENTS.
 * - The 6.18.44 sample /proc/vmstat confirms the event names used below.
 * Not in 6.18 (so not here): zswap_incomp (posted 2026-02), vmalloc as a node item, and
 * pgscan/pgsteal/pgrefill as per-node items (2026 postings).
 *
 * Patch series (seeds) applied on top:
 * - PATCH_MPOL_STATS (needs NUMA): 18 numa_mpol_* node items right after
 *   pgpromote_success. They are counts, so they also appear in memory.numa_stat.
 * - PATCH_PERCPU_NODE_STAT: `percpu` reads NR_PERCPU_B, a per-lruvec item kept in bytes,
 *   instead of the memcg-only MEMCG_PERCPU_B, so it also appears in memory.numa_stat.
 * - PATCH_PGHOT: pgpromote_success moves from CONFIG_NUMA_BALANCING to CONFIG_PGHOT.
 */
import type { Kconfig } from '../kernel/kconfig.js'
import type { NodeItem } from './vmstat-items.js'

export type MemcgSource =
  | { kind: 'node'; item: NodeItem }            // a node_stat_item kept per memcg per node (lruvec)
  | { kind: 'memcg'; item: 'kernel' | 'sock' | 'vmalloc' | 'percpu' | 'zswap' | 'zswapped' | 'swap' | 'hugetlb' | string } // memcg-only counters
  | { kind: 'sum'; of: string[] }               // synthesized from other lines (slab, pgscan, pgsteal)
  | { kind: 'event'; item: string }             // a vm event counted per memcg (names as in /proc/vmstat)

/** cgroup2 mount options that hide a row from memory.stat when absent. */
export type MemcgMountOption = 'memory_hugetlb_accounting'

export interface MemcgStatRow {
  name: string                  // exactly as printed in memory.stat
  source: MemcgSource
  /** multiply the internal value by this to get what is printed (PAGE_SIZE=4096 for pages, 1024 for kernel_stack KiB, 1 for bytes/counts) */
  outputUnit: number
  /** printed in memory.numa_stat too (node items whose memcg_page_state_output_unit row is eligible) */
  numa: boolean
  when: (k: Kconfig) => boolean
  /**
   * memory.stat prints the row only if the cgroup2 hierarchy is mounted with this
   * option. memory.numa_stat ignores it. Only `hugetlb` uses it.
   */
  statMountOption?: MemcgMountOption
}

type When = (k: Kconfig) => boolean

const PAGE_SIZE = 4096
const always: When = () => true
const thp: When = (k) => k.TRANSPARENT_HUGEPAGE
// The pghot series moves PGPROMOTE_SUCCESS (node item and memory_stats[] entry) under CONFIG_PGHOT.
const pgpromote: When = (k) => (k.PATCH_PGHOT ? k.PGHOT : k.NUMA_BALANCING)
const mpol: When = (k) => k.PATCH_MPOL_STATS && k.NUMA

/** A node_stat_item row: printed in memory.stat and memory.numa_stat. */
function node(name: string, item: NodeItem, outputUnit: number, when: When = always): MemcgStatRow {
  return { name, source: { kind: 'node', item }, outputUnit, numa: true, when }
}
/** A memcg_stat_item row: memory.stat only. */
function memcgOnly(name: string, item: string, outputUnit: number, when: When = always): MemcgStatRow {
  return { name, source: { kind: 'memcg', item }, outputUnit, numa: false, when }
}
function sum(name: string, of: string[], outputUnit: number, when: When = always): MemcgStatRow {
  return { name, source: { kind: 'sum', of }, outputUnit, numa: false, when }
}
/** Events are printed as raw counts (memcg_events()); never in memory.numa_stat. */
function events(names: string, when: When = always): MemcgStatRow[] {
  return names.trim().split(/\s+/).map((name) => ({ name, source: { kind: 'event', item: name }, outputUnit: 1, numa: false, when }))
}

const MPOL_ROWS: MemcgStatRow[] = ['local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave']
  .flatMap((mode) => ['hit', 'miss', 'foreign'].map((kind) => `numa_mpol_${mode}_${kind}`))
  .map((name) => node(name, name as NodeItem, 1, mpol))

/** memory.stat rows in print order; memory.numa_stat is the `numa` subset (see memoryNumaStatRows). */
export const MEMORY_STAT_ROWS: readonly MemcgStatRow[] = [
  // ---- memory_stats[]: current state
  node('anon', 'nr_anon_pages', PAGE_SIZE),
  node('file', 'nr_file_pages', PAGE_SIZE),
  memcgOnly('kernel', 'kernel', PAGE_SIZE), // MEMCG_KMEM, kept in pages
  node('kernel_stack', 'nr_kernel_stack', 1024), // NR_KERNEL_STACK_KB, kept in KiB
  node('pagetables', 'nr_page_table_pages', PAGE_SIZE),
  node('sec_pagetables', 'nr_sec_page_table_pages', PAGE_SIZE),
  // MEMCG_PERCPU_B: memcg-only, kept in bytes. With the percpu series it becomes
  // NR_PERCPU_B, a per-lruvec item. The lruvec value is in bytes, even though the node
  // counter is modelled in pages in vmstat-items. Same place, same unit (x1).
  memcgOnly('percpu', 'percpu', 1, (k) => !k.PATCH_PERCPU_NODE_STAT),
  node('percpu', 'nr_percpu', 1, (k) => k.PATCH_PERCPU_NODE_STAT),
  memcgOnly('sock', 'sock', PAGE_SIZE), // MEMCG_SOCK, kept in pages
  memcgOnly('vmalloc', 'vmalloc', PAGE_SIZE), // MEMCG_VMALLOC, kept in pages (still memcg-only in 6.18)
  node('shmem', 'nr_shmem', PAGE_SIZE),
  memcgOnly('zswap', 'zswap', 1, (k) => k.ZSWAP), // MEMCG_ZSWAP_B: compressed size, kept in bytes
  memcgOnly('zswapped', 'zswapped', PAGE_SIZE, (k) => k.ZSWAP), // MEMCG_ZSWAPPED: original size, kept in pages
  node('file_mapped', 'nr_mapped', PAGE_SIZE),
  node('file_dirty', 'nr_dirty', PAGE_SIZE),
  node('file_writeback', 'nr_writeback', PAGE_SIZE),
  node('swapcached', 'nr_swapcached', PAGE_SIZE, (k) => k.SWAP),
  // THP items are kept in base pages per memcg; memory.stat prints bytes (no /512).
  node('anon_thp', 'nr_anon_transparent_hugepages', PAGE_SIZE, thp),
  node('file_thp', 'nr_file_hugepages', PAGE_SIZE, thp),
  node('shmem_thp', 'nr_shmem_hugepages', PAGE_SIZE, thp),
  node('inactive_anon', 'nr_inactive_anon', PAGE_SIZE),
  node('active_anon', 'nr_active_anon', PAGE_SIZE),
  node('inactive_file', 'nr_inactive_file', PAGE_SIZE),
  node('active_file', 'nr_active_file', PAGE_SIZE),
  node('unevictable', 'nr_unevictable', PAGE_SIZE),
  // NR_SLAB_*_B are byte-precise per memcg/lruvec.
  node('slab_reclaimable', 'nr_slab_reclaimable', 1),
  node('slab_unreclaimable', 'nr_slab_unreclaimable', 1),
  // Synthesized by memcg_stat_format() right after slab_unreclaimable; not in numa_stat.
  sum('slab', ['slab_reclaimable', 'slab_unreclaimable'], 1),
  {
    ...node('hugetlb', 'nr_hugetlb', PAGE_SIZE, (k) => k.HUGETLB_PAGE),
    statMountOption: 'memory_hugetlb_accounting',
  },
  // ---- memory_stats[]: "the memory events" (node items exported as counts)
  node('workingset_refault_anon', 'workingset_refault_anon', 1),
  node('workingset_refault_file', 'workingset_refault_file', 1),
  node('workingset_activate_anon', 'workingset_activate_anon', 1),
  node('workingset_activate_file', 'workingset_activate_file', 1),
  node('workingset_restore_anon', 'workingset_restore_anon', 1),
  node('workingset_restore_file', 'workingset_restore_file', 1),
  node('workingset_nodereclaim', 'workingset_nodereclaim', 1),
  node('pgdemote_kswapd', 'pgdemote_kswapd', 1),
  node('pgdemote_direct', 'pgdemote_direct', 1),
  node('pgdemote_khugepaged', 'pgdemote_khugepaged', 1),
  node('pgdemote_proactive', 'pgdemote_proactive', 1),
  node('pgpromote_success', 'pgpromote_success', 1, pgpromote),
  // mempolicy series: appended after pgpromote_success (own #ifdef CONFIG_NUMA block)
  ...MPOL_ROWS,
  // ---- synthesized event sums (addition order in the kernel: kswapd, direct, proactive, khugepaged)
  sum('pgscan', ['pgscan_kswapd', 'pgscan_direct', 'pgscan_proactive', 'pgscan_khugepaged'], 1),
  sum('pgsteal', ['pgsteal_kswapd', 'pgsteal_direct', 'pgsteal_proactive', 'pgsteal_khugepaged'], 1),
  // ---- memcg_vm_event_stat[] (pgpgin/pgpgout are v1-only and skipped on v2)
  ...events('pswpin pswpout'),
  ...events('pgscan_kswapd pgscan_direct pgscan_khugepaged pgscan_proactive'),
  ...events('pgsteal_kswapd pgsteal_direct pgsteal_khugepaged pgsteal_proactive'),
  ...events('pgfault pgmajfault pgrefill pgactivate pgdeactivate pglazyfree pglazyfreed'),
  ...events('swpin_zero swpout_zero', (k) => k.SWAP),
  ...events('zswpin zswpout zswpwb', (k) => k.ZSWAP),
  ...events('thp_fault_alloc thp_collapse_alloc thp_swpout thp_swpout_fallback', thp),
  // NUMA_PAGE_MIGRATE is printed under its vmstat name numa_pages_migrated.
  ...events('numa_pages_migrated numa_pte_updates numa_hint_faults', (k) => k.NUMA_BALANCING),
]

export interface MemoryStatOptions {
  /** the cgroup2 hierarchy is mounted with `memory_hugetlb_accounting` (off by default) */
  memoryHugetlbAccounting?: boolean
}

/** The lines of memory.stat under a config, in print order. */
export function memoryStatRows(k: Kconfig, opts: MemoryStatOptions = {}): MemcgStatRow[] {
  return MEMORY_STAT_ROWS.filter((r) => {
    if (!r.when(k)) return false
    if (r.statMountOption === 'memory_hugetlb_accounting' && !opts.memoryHugetlbAccounting) return false
    return true
  })
}

/** The lines of memory.numa_stat under a config (CONFIG_NUMA only), in print order. */
export function memoryNumaStatRows(k: Kconfig): MemcgStatRow[] {
  return MEMORY_STAT_ROWS.filter((r) => r.numa && r.when(k))
}

/**
 * memory.events / memory.events.local lines, in print order (`<name> <count>\n`), for
 * Linux 6.18 (same six lines as 6.12). `sock_throttled` comes after oom_group_kill in
 * mainline only from 6.19 on ("memcg: net: track network throttling due to memcg memory
 * pressure", posted after v6.18-rc1). It is not part of 6.18 and not emulated.
 */
export const MEMORY_EVENTS = ['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill'] as const
export type MemoryEvent = (typeof MEMORY_EVENTS)[number]
