/**
 * Kernel build options that decide which files, lines and counters exist.
 *
 * Names follow Kconfig without the CONFIG_ prefix. The seed patch series are
 * modelled as options too (their Kconfig symbol where they add one, otherwise a
 * PATCH_* pseudo-symbol) so a plain 6.18 kernel can be emulated by turning them off.
 */
export const KCONFIG_OPTIONS = {
  NUMA: { default: true, doc: 'NUMA support' },
  ZONE_DMA: { default: true, doc: 'ZONE_DMA (first 16 MiB)' },
  ZONE_DMA32: { default: true, doc: 'ZONE_DMA32 (below 4 GiB)' },
  ZONE_DEVICE: { default: true, doc: 'ZONE_DEVICE (pmem/HMM pages)' },
  HIGHMEM: { default: false, doc: '32-bit highmem (never on x86_64)' },
  ZSMALLOC: { default: true, doc: 'zsmalloc allocator (nr_zspages)' },
  UNACCEPTED_MEMORY: { default: false, doc: 'confidential-VM unaccepted memory' },
  CMA: { default: false, doc: 'contiguous memory allocator' },
  SWAP: { default: true, doc: 'swap support' },
  ZSWAP: { default: true, doc: 'compressed swap cache' },
  MEMCG: { default: true, doc: 'memory cgroups' },
  PSI: { default: true, doc: 'pressure stall information (memory.pressure)' },
  IOMMU_SUPPORT: { default: true, doc: 'IOMMU page-table accounting (nr_iommu_pages)' },
  NUMA_BALANCING: { default: true, doc: 'automatic NUMA balancing' },
  NUMA_BALANCING_TIERING: { default: true, doc: 'memory-tiering mode of NUMA balancing (pghot series)' },
  MIGRATION: { default: true, doc: 'page migration' },
  COMPACTION: { default: true, doc: 'memory compaction' },
  HUGETLB_PAGE: { default: true, doc: 'hugetlbfs' },
  TRANSPARENT_HUGEPAGE: { default: true, doc: 'transparent huge pages' },
  HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD: { default: true, doc: 'PUD-sized THP (x86_64)' },
  MEMORY_BALLOON: { default: true, doc: 'balloon drivers' },
  BALLOON_COMPACTION: { default: true, doc: 'balloon page migration' },
  KSM: { default: true, doc: 'kernel samepage merging' },
  MEMORY_FAILURE: { default: false, doc: 'hwpoison handling (HardwareCorrupted)' },
  VM_EVENT_COUNTERS: { default: true, doc: 'vm event counters in /proc/vmstat' },
  DEBUG_TLBFLUSH: { default: false, doc: 'TLB flush counters' },
  PER_VMA_LOCK_STATS: { default: false, doc: 'per-VMA lock statistics' },
  DEBUG_STACK_USAGE: { default: false, doc: 'kernel stack usage histogram' },
  SHADOW_CALL_STACK: { default: false, doc: 'arm64 shadow call stack' },
  PATCH_PGHOT: { default: true, doc: 'the pghot series is applied (moves promotion under CONFIG_PGHOT)' },
  PGHOT: { default: true, doc: 'hot page tracking and promotion (pghot series)' },
  PGHOT_PRECISE: { default: false, doc: 'pghot precision mode: 4-byte records' },
  HWMEM_PROFILER: { default: true, doc: 'hardware memory-access hints (AMD IBS) for pghot' },
  PATCH_MPOL_STATS: { default: true, doc: 'per-mempolicy numa_mpol_* node stats (mempolicy series)' },
  PATCH_PERCPU_NODE_STAT: { default: true, doc: 'per-node nr_percpu and memcg split (percpu series)' },
  PATCH_PAGE_METADATA: { default: true, doc: 'PageMetadata meminfo lines and nr_page_metadata (page metadata series)' },
  PATCH_PRIVATE_NODES: { default: true, doc: 'N_MEMORY_PRIVATE nodes (private memory nodes RFC)' },
} as const satisfies Record<string, { default: boolean; doc: string }>

export type KconfigName = keyof typeof KCONFIG_OPTIONS
export type Kconfig = Readonly<Record<KconfigName, boolean>>

export const KCONFIG_NAMES = Object.keys(KCONFIG_OPTIONS) as KconfigName[]

/** Every seed patch switched off: the option set of the real 6.18 sample host. */
export const PLAIN_618: Partial<Record<KconfigName, boolean>> = {
  PATCH_PGHOT: false,
  NUMA_BALANCING_TIERING: false,
  PGHOT: false,
  PGHOT_PRECISE: false,
  HWMEM_PROFILER: false,
  PATCH_MPOL_STATS: false,
  PATCH_PERCPU_NODE_STAT: false,
  PATCH_PAGE_METADATA: false,
  PATCH_PRIVATE_NODES: false,
}

export type KconfigProblem = { option: KconfigName; reason: string }

/** Kconfig `depends on` rules that the seed patches and mainline declare. */
const DEPENDS: Array<[KconfigName, KconfigName[]]> = [
  ['ZSWAP', ['SWAP']],
  ['NUMA_BALANCING', ['NUMA', 'MIGRATION']],
  ['NUMA_BALANCING_TIERING', ['NUMA_BALANCING', 'PGHOT', 'PATCH_PGHOT']],
  ['PGHOT', ['NUMA', 'MIGRATION', 'PATCH_PGHOT']],
  ['PGHOT_PRECISE', ['PGHOT']],
  ['HWMEM_PROFILER', ['PGHOT']],
  ['BALLOON_COMPACTION', ['MEMORY_BALLOON', 'MIGRATION']],
  ['HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD', ['TRANSPARENT_HUGEPAGE']],
  ['PATCH_MPOL_STATS', ['NUMA']],
  ['PATCH_PRIVATE_NODES', ['NUMA']],
]

export function resolveKconfig(overrides: Partial<Record<string, boolean>> = {}): { config: Kconfig; problems: KconfigProblem[] } {
  const config = {} as Record<KconfigName, boolean>
  for (const name of KCONFIG_NAMES) config[name] = overrides[name] ?? KCONFIG_OPTIONS[name].default
  const problems: KconfigProblem[] = []
  for (const [opt, deps] of DEPENDS) {
    if (!config[opt]) continue
    const missing = deps.filter((d) => !config[d])
    if (missing.length) problems.push({ option: opt, reason: `depends on ${missing.join(' && ')}` })
  }
  if (config.HIGHMEM) problems.push({ option: 'HIGHMEM', reason: 'not available on x86_64' })
  return { config, problems }
}
