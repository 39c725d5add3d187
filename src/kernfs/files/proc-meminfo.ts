/** /proc/meminfo (fs/proc/meminfo.c), its rows in kernel order. */
import type { Machine } from '../../engine/machine.js'
import type { Kconfig } from '../../kernel/kconfig.js'
import { HPAGE_KB, HPAGE_PAGES } from '../../engine/hugetlb.js'
import { hugeCountLine, kbLine } from '../format.js'
import type { KFile } from '../types.js'

type Row = readonly [label: string, when: ((k: Kconfig) => boolean) | null, kb: (m: Machine) => number]

const p = (pages: number) => pages * 4
const g = (m: Machine, item: Parameters<Machine['globalNodeStat']>[0]) => m.globalNodeStat(item)
const VMALLOC_TOTAL_KB = 34359738367

export function hugetlbTotalPages(m: Machine): number { return m.hugetlb.nr * HPAGE_PAGES }

function directMap(m: Machine): [number, number, number] {
  const totalKb = m.nodes.reduce((s, n) => s + n.spec.memoryMiB * 1024, 0)
  // The first 2 MiB and firmware holes are mapped with 4k pages, the rest as large as alignment allows.
  const k4 = 20480
  const g1 = Math.max(0, Math.floor((totalKb - 1048576) / 1048576)) * 1048576
  const m2 = Math.max(0, Math.ceil((totalKb - k4 - g1) / 2048) * 2048)
  return [k4, m2, g1]
}

export const MEMINFO_ROWS: readonly Row[] = [
  ['MemTotal:', null, (m) => p(m.totalramPages())],
  ['MemFree:', null, (m) => p(m.globalZoneStat('nr_free_pages'))],
  ['MemAvailable:', null, (m) => p(m.memAvailablePages())],
  ['Buffers:', null, (m) => p(m.buffersPages())],
  ['Cached:', null, (m) => p(Math.max(0, g(m, 'nr_file_pages') - g(m, 'nr_swapcached') - m.buffersPages()))],
  ['SwapCached:', null, (m) => p(g(m, 'nr_swapcached'))],
  ['Active:', null, (m) => p(g(m, 'nr_active_anon') + g(m, 'nr_active_file'))],
  ['Inactive:', null, (m) => p(g(m, 'nr_inactive_anon') + g(m, 'nr_inactive_file'))],
  ['Active(anon):', null, (m) => p(g(m, 'nr_active_anon'))],
  ['Inactive(anon):', null, (m) => p(g(m, 'nr_inactive_anon'))],
  ['Active(file):', null, (m) => p(g(m, 'nr_active_file'))],
  ['Inactive(file):', null, (m) => p(g(m, 'nr_inactive_file'))],
  ['Unevictable:', null, (m) => p(g(m, 'nr_unevictable'))],
  ['Mlocked:', null, (m) => p(m.globalZoneStat('nr_mlock'))],
  ['SwapTotal:', null, (m) => p(m.swapTotalPages)],
  ['SwapFree:', null, (m) => p(m.swapFreePages)],
  ['Zswap:', (k) => k.ZSWAP, () => 0],
  ['Zswapped:', (k) => k.ZSWAP, () => 0],
  ['Dirty:', null, (m) => p(g(m, 'nr_dirty'))],
  ['Writeback:', null, (m) => p(g(m, 'nr_writeback'))],
  ['AnonPages:', null, (m) => p(g(m, 'nr_anon_pages'))],
  ['Mapped:', null, (m) => p(g(m, 'nr_mapped'))],
  ['Shmem:', null, (m) => p(g(m, 'nr_shmem'))],
  ['PageMetadata:', (k) => k.PATCH_PAGE_METADATA, (m) => p(g(m, 'nr_page_metadata'))],
  ['KReclaimable:', null, (m) => p(g(m, 'nr_slab_reclaimable') + g(m, 'nr_kernel_misc_reclaimable'))],
  ['Slab:', null, (m) => p(g(m, 'nr_slab_reclaimable') + g(m, 'nr_slab_unreclaimable'))],
  ['SReclaimable:', null, (m) => p(g(m, 'nr_slab_reclaimable'))],
  ['SUnreclaim:', null, (m) => p(g(m, 'nr_slab_unreclaimable'))],
  ['KernelStack:', null, (m) => g(m, 'nr_kernel_stack')],
  ['ShadowCallStack:', (k) => k.SHADOW_CALL_STACK, (m) => g(m, 'nr_shadow_call_stack')],
  ['PageTables:', null, (m) => p(g(m, 'nr_page_table_pages'))],
  ['SecPageTables:', null, (m) => p(g(m, 'nr_sec_page_table_pages'))],
  ['NFS_Unstable:', null, () => 0],
  ['Bounce:', null, () => 0],
  ['WritebackTmp:', null, () => 0],
  ['CommitLimit:', null, (m) => p(Math.floor(((m.totalramPages() - hugetlbTotalPages(m)) * m.overcommitRatio) / 100) + m.swapTotalPages)],
  ['Committed_AS:', null, (m) => p(m.committedAsPages)],
  ['VmallocTotal:', null, () => VMALLOC_TOTAL_KB],
  ['VmallocUsed:', null, (m) => p(m.vmallocPages)],
  ['VmallocChunk:', null, () => 0],
  ['Percpu:', null, (m) => p(m.percpuPages())],
  ['HardwareCorrupted:', (k) => k.MEMORY_FAILURE, () => 0],
  ['AnonHugePages:', (k) => k.TRANSPARENT_HUGEPAGE, (m) => p(g(m, 'nr_anon_transparent_hugepages'))],
  ['ShmemHugePages:', (k) => k.TRANSPARENT_HUGEPAGE, (m) => p(g(m, 'nr_shmem_hugepages'))],
  ['ShmemPmdMapped:', (k) => k.TRANSPARENT_HUGEPAGE, (m) => p(g(m, 'nr_shmem_pmdmapped'))],
  ['FileHugePages:', (k) => k.TRANSPARENT_HUGEPAGE, (m) => p(g(m, 'nr_file_hugepages'))],
  ['FilePmdMapped:', (k) => k.TRANSPARENT_HUGEPAGE, (m) => p(g(m, 'nr_file_pmdmapped'))],
  ['CmaTotal:', (k) => k.CMA, () => 0],
  ['CmaFree:', (k) => k.CMA, (m) => p(m.globalZoneStat('nr_free_cma'))],
  ['Unaccepted:', (k) => k.UNACCEPTED_MEMORY, (m) => p(m.globalZoneStat('nr_unaccepted'))],
  ['Balloon:', null, (m) => p(g(m, 'nr_balloon_pages'))],
]

/** Lines whose value is not in kB and whose width differs (hugetlb block, memory-failure). */
function renderRow(label: string, kb: number): string {
  if (label === 'HardwareCorrupted:') return `HardwareCorrupted: ${String(kb).padStart(5)} kB\n`
  return kbLine(label, kb)
}

export function showMeminfo(m: Machine): string {
  const k = m.kconfig
  let out = ''
  for (const [label, when, kb] of MEMINFO_ROWS) if (!when || when(k)) out += renderRow(label, kb(m))
  if (k.HUGETLB_PAGE) {
    out += hugeCountLine('HugePages_Total:', m.hugetlb.nr)
    out += hugeCountLine('HugePages_Free:', m.hugetlb.free)
    out += hugeCountLine('HugePages_Rsvd:', m.hugetlb.resv)
    out += hugeCountLine('HugePages_Surp:', m.hugetlb.surplus)
    out += kbLine('Hugepagesize:', HPAGE_KB)
    out += kbLine('Hugetlb:', m.hugetlb.nr * HPAGE_KB)
  }
  const [k4, m2, g1] = directMap(m)
  out += kbLine('DirectMap4k:', k4) + kbLine('DirectMap2M:', m2) + kbLine('DirectMap1G:', g1)
  return out
}

export const files: KFile[] = [
  { path: '/proc/meminfo', fs: 'procfs', mode: 0o444, doc: 'Documentation/filesystems/proc.rst (meminfo)', show: showMeminfo },
]
