/** Sysctls under /proc/sys (kernel/sysctl.c, mm/page_alloc.c, mm/hugetlb.c, kernel/sched/core.c). */
import { procDointvec, procDoulongvec } from '../parse.js'
import { sysctlInt } from '../kinds.js'
import { fail, ok, type KFile } from '../types.js'
import { clampCount } from './base-node.js'

const VM_DOC = 'Documentation/admin-guide/sysctl/vm.rst'

export const files: KFile[] = [
  sysctlInt({
    path: '/proc/sys/vm/min_free_kbytes', tunable: 'vm.min_free_kbytes', doc: VM_DOC,
    get: (m) => m.minFreeKbytes, set: (m, v) => m.setMinFreeKbytes(v),
  }),
  sysctlInt({
    path: '/proc/sys/vm/watermark_scale_factor', tunable: 'vm.watermark_scale_factor', doc: VM_DOC,
    get: (m) => m.watermarkScaleFactor, set: (m, v) => m.setWatermarkScaleFactor(v),
  }),
  sysctlInt({
    path: '/proc/sys/vm/numa_stat', tunable: 'vm.numa_stat', doc: VM_DOC, when: (m) => m.kconfig.NUMA,
    get: (m) => m.numaStat, set: (m, v) => m.setNumaStat(v),
  }),
  {
    // proc_dobool: parsed as an int, stored as a bool.
    path: '/proc/sys/vm/hugetlb_optimize_vmemmap', fs: 'sysctl', mode: 0o644, doc: VM_DOC,
    when: (m) => m.kconfig.HUGETLB_PAGE, writeRule: 'proc_dobool (an int, stored as 0/1)',
    show: (m) => `${m.hugetlbOptimizeVmemmap}\n`,
    store: (m, _p, data) => {
      const r = procDointvec(data)
      if (!r.ok) return fail(r.errno)
      if (r.values.length) { m.hugetlbOptimizeVmemmap = r.values[0] !== 0 ? 1 : 0; m.touch() }
      return ok(r.consumed)
    },
  },
  {
    // Reads max_huge_pages (persistent pages after the last resize), writes a pool target.
    path: '/proc/sys/vm/nr_hugepages', fs: 'sysctl', mode: 0o644, doc: VM_DOC, when: (m) => m.kconfig.HUGETLB_PAGE,
    writeRule: 'proc_doulongvec_minmax; grows/shrinks the default hugetlb pool',
    show: (m) => `${m.hugetlb.maxHugePages}\n`,
    store: (m, _p, data, ctx) => {
      const r = procDoulongvec(data)
      if (!r.ok) return fail(r.errno)
      if (r.values.length) m.hugetlb.setPoolSize(clampCount(r.values[0]), null, ctx.cpu)
      return ok(r.consumed)
    },
  },
  sysctlInt({
    path: '/proc/sys/kernel/numa_balancing', tunable: 'kernel.numa_balancing',
    doc: 'Documentation/admin-guide/sysctl/kernel.rst', when: (m) => m.kconfig.NUMA_BALANCING,
    get: (m) => m.numaBalancing,
    set: (m, v) => {
      const r = m.setNumaBalancing(v)
      return r.ok ? undefined : fail(r.errno, r.reason)
    },
  }),
]
