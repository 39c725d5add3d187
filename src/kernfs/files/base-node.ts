/** /sys/devices/system/node (drivers/base/node.c) and the per-node hugepages directory (mm/hugetlb.c). */
import type { Machine } from '../../engine/machine.js'
import type { NumaNode } from '../../engine/node.js'
import { HPAGE_KB } from '../../engine/hugetlb.js'
import { kstrtoul } from '../parse.js'
import { listFormat, maskFormat, nameValue, nodeHugeCountLine, nodeKbLine } from '../format.js'
import { fail, ok, type KFile, type Params } from '../types.js'
import { nodeItemRows, numaItemRows, zoneItemRows } from './mm-vmstat.js'

const DIR = '/sys/devices/system/node'
const NODE = `${DIR}/node{nid}`
const DOC = 'Documentation/ABI/stable/sysfs-devices-node'

const nodeOf = (m: Machine, p: Params): NumaNode => m.node(Number(p.nid))!

function nodeMeminfo(m: Machine, node: NumaNode): string {
  const k = m.kconfig
  const n = (item: Parameters<Machine['nodeStat']>[1]) => m.nodeStat(node, item)
  const z = (item: Parameters<Machine['nodeZoneStat']>[1]) => m.nodeZoneStat(node, item)
  const total = node.managed, free = node.free
  const rows: Array<[string, number] | null> = [
    ['MemTotal:', total * 4],
    ['MemFree:', free * 4],
    ['MemUsed:', (total - free) * 4],
    ['SwapCached:', n('nr_swapcached') * 4],
    ['Active:', (n('nr_active_anon') + n('nr_active_file')) * 4],
    ['Inactive:', (n('nr_inactive_anon') + n('nr_inactive_file')) * 4],
    ['Active(anon):', n('nr_active_anon') * 4],
    ['Inactive(anon):', n('nr_inactive_anon') * 4],
    ['Active(file):', n('nr_active_file') * 4],
    ['Inactive(file):', n('nr_inactive_file') * 4],
    ['Unevictable:', n('nr_unevictable') * 4],
    ['Mlocked:', z('nr_mlock') * 4],
    ['Dirty:', n('nr_dirty') * 4],
    ['Writeback:', n('nr_writeback') * 4],
    ['FilePages:', n('nr_file_pages') * 4],
    ['Mapped:', n('nr_mapped') * 4],
    ['AnonPages:', n('nr_anon_pages') * 4],
    ['Shmem:', n('nr_shmem') * 4],
    k.PATCH_PAGE_METADATA ? ['PageMetadata:', n('nr_page_metadata') * 4] : null,
    ['KernelStack:', n('nr_kernel_stack')],
    k.SHADOW_CALL_STACK ? ['ShadowCallStack:', n('nr_shadow_call_stack')] : null,
    ['PageTables:', n('nr_page_table_pages') * 4],
    ['SecPageTables:', n('nr_sec_page_table_pages') * 4],
    ['NFS_Unstable:', 0],
    ['Bounce:', 0],
    ['WritebackTmp:', 0],
    ['KReclaimable:', (n('nr_slab_reclaimable') + n('nr_kernel_misc_reclaimable')) * 4],
    ['Slab:', (n('nr_slab_reclaimable') + n('nr_slab_unreclaimable')) * 4],
    ['SReclaimable:', n('nr_slab_reclaimable') * 4],
    ['SUnreclaim:', n('nr_slab_unreclaimable') * 4],
  ]
  if (k.TRANSPARENT_HUGEPAGE) {
    rows.push(['AnonHugePages:', n('nr_anon_transparent_hugepages') * 4], ['ShmemHugePages:', n('nr_shmem_hugepages') * 4],
      ['ShmemPmdMapped:', n('nr_shmem_pmdmapped') * 4], ['FileHugePages:', n('nr_file_hugepages') * 4],
      ['FilePmdMapped:', n('nr_file_pmdmapped') * 4])
  }
  if (k.UNACCEPTED_MEMORY) rows.push(['Unaccepted:', z('nr_unaccepted') * 4])
  let out = ''
  for (const r of rows) if (r) out += nodeKbLine(node.id, r[0], r[1])
  if (k.HUGETLB_PAGE) {
    out += nodeHugeCountLine(node.id, 'HugePages_Total:', node.huge.nr)
    out += nodeHugeCountLine(node.id, 'HugePages_Free:', node.huge.free)
    out += nodeHugeCountLine(node.id, 'HugePages_Surp:', node.huge.surplus)
  }
  return out
}

function distanceLine(m: Machine, node: NumaNode): string {
  // The kernel puts the separator before every node id other than 0, not before every entry after the first.
  let s = ''
  for (const other of m.nodes) s += `${other.id !== 0 ? ' ' : ''}${m.distance(node.id, other.id)}`
  return s + '\n'
}

const state = (path: string, set: (m: Machine) => number[], when?: (m: Machine) => boolean): KFile => ({
  path: `${DIR}/${path}`, fs: 'sysfs', mode: 0o444, doc: DOC, when, show: (m) => listFormat(set(m)) + '\n',
})

export const files: KFile[] = [
  state('possible', (m) => m.nodes.map((n) => n.id)),
  state('online', (m) => m.nodes.map((n) => n.id)),
  state('has_normal_memory', (m) => m.memoryNodes().filter((n) => n.hasNormalMemory).map((n) => n.id)),
  state('has_memory', (m) => m.memoryNodes().map((n) => n.id)),
  state('has_private_memory', (m) => m.privateNodes().map((n) => n.id), (m) => m.kconfig.PATCH_PRIVATE_NODES),
  state('has_cpu', (m) => m.nodes.filter((n) => n.cpus.length > 0).map((n) => n.id)),
  state('has_generic_initiator', () => []),
  { path: `${NODE}/meminfo`, fs: 'sysfs', mode: 0o444, doc: DOC, show: (m, p) => nodeMeminfo(m, nodeOf(m, p)) },
  {
    path: `${NODE}/numastat`, fs: 'sysfs', mode: 0o444, doc: DOC,
    show: (m, p) => nameValue(numaItemRows(m, nodeOf(m, p).zones, 'numastat')),
  },
  {
    path: `${NODE}/vmstat`, fs: 'sysfs', mode: 0o444, doc: DOC,
    show: (m, p) => {
      const node = nodeOf(m, p)
      return nameValue([...zoneItemRows(m, node.zones), ...numaItemRows(m, node.zones, 'vmstat'), ...nodeItemRows(m, node)])
    },
  },
  { path: `${NODE}/distance`, fs: 'sysfs', mode: 0o444, doc: DOC, show: (m, p) => distanceLine(m, nodeOf(m, p)) },
  { path: `${NODE}/cpulist`, fs: 'sysfs', mode: 0o444, doc: DOC, show: (m, p) => listFormat(nodeOf(m, p).cpus) + '\n' },
  { path: `${NODE}/cpumap`, fs: 'sysfs', mode: 0o444, doc: DOC, show: (m, p) => maskFormat(nodeOf(m, p).cpus, m.nrCpuIds) + '\n' },
  {
    path: `${NODE}/hugepages/hugepages-${HPAGE_KB}kB/nr_hugepages`, fs: 'sysfs', mode: 0o644,
    doc: 'Documentation/admin-guide/mm/hugetlbpage.rst', when: (m) => m.kconfig.HUGETLB_PAGE,
    writeRule: 'kstrtoul base 10; target pool size on this node',
    show: (m, p) => `${nodeOf(m, p).huge.nr}\n`,
    store: (m, p, data, ctx) => {
      const r = kstrtoul(data, 10)
      if (!r.ok) return fail(r.errno)
      // Only nodes with memory can hold huge pages; the target is still accepted elsewhere.
      if (m.memoryNodes().some((n) => n.id === Number(p.nid))) m.hugetlb.setPoolSize(clampCount(r.value), Number(p.nid), ctx.cpu)
      return ok(data.length)
    },
  },
  {
    path: `${NODE}/hugepages/hugepages-${HPAGE_KB}kB/free_hugepages`, fs: 'sysfs', mode: 0o444,
    doc: 'Documentation/admin-guide/mm/hugetlbpage.rst', when: (m) => m.kconfig.HUGETLB_PAGE,
    show: (m, p) => `${nodeOf(m, p).huge.free}\n`,
  },
  {
    path: `${NODE}/hugepages/hugepages-${HPAGE_KB}kB/surplus_hugepages`, fs: 'sysfs', mode: 0o444,
    doc: 'Documentation/admin-guide/mm/hugetlbpage.rst', when: (m) => m.kconfig.HUGETLB_PAGE,
    show: (m, p) => `${nodeOf(m, p).huge.surplus}\n`,
  },
]

/** A requested pool size beyond what memory could ever hold only means "as many as possible". */
export function clampCount(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v)
}
