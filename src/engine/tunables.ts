/**
 * Every kernel tunable the machine has: default and accepted range. The sysctl and
 * debugfs file entries read their bounds from here, so each fact is written once.
 */
export interface IntTunable { readonly min?: number; readonly max?: number; readonly default: number; readonly doc: string }

export const TUNABLES = {
  'vm.min_free_kbytes': { min: 0, default: -1, doc: 'free memory floor in KiB; default computed at boot (-1 here means "computed")' },
  'vm.watermark_scale_factor': { min: 1, max: 3000, default: 10, doc: 'distance between watermarks in 1/10000 of zone memory' },
  'vm.numa_stat': { min: 0, max: 1, default: 1, doc: 'count numa_* events; 0 zeroes and freezes them' },
  'vm.hugetlb_optimize_vmemmap': { min: 0, max: 1, default: 0, doc: 'free the tail vmemmap pages of hugetlb pages' },
  'vm.overcommit_ratio': { default: 50, doc: 'percent of RAM counted in CommitLimit' },
  'vm.dirty_ratio': { min: 0, max: 100, default: 20, doc: 'dirty page limit, percent of dirtyable memory' },
  'vm.dirty_background_ratio': { min: 0, max: 100, default: 10, doc: 'background writeback threshold, percent' },
  'kernel.numa_balancing': { min: 0, max: 4, default: -1, doc: 'NUMA balancing mode bits (1 normal, 2 memory tiering); default 1 on NUMA machines' },
} as const satisfies Record<string, IntTunable>

export type TunableName = keyof typeof TUNABLES

export const NUMA_BALANCING_NORMAL = 0x1
export const NUMA_BALANCING_MEMORY_TIERING = 0x2
