/**
 * Cross-file consistency of one machine, read only through its emulated files:
 * what node meminfo says must add up with /proc/meminfo, vmstat, numastat,
 * zoneinfo and buddyinfo. Returns the violations found (empty when consistent).
 */
import type { KernFs } from '../src/kernfs/registry.js'
import { kv, meminfo, read } from './helpers.js'

export function checkInvariants(fs: KernFs): string[] {
  const bad: string[] = []
  const eq = (what: string, a: number, b: number) => { if (a !== b) bad.push(`${what}: ${a} != ${b}`) }
  const nodes = read(fs, '/sys/devices/system/node/online').trim().split(',').flatMap((r) => {
    const [a, b] = r.split('-').map(Number)
    return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i)
  })
  const mi = meminfo(read(fs, '/proc/meminfo'))
  const vm = kv(read(fs, '/proc/vmstat'))
  const sum = new Map<string, number>()
  const add = (k: string, v: number) => sum.set(k, (sum.get(k) ?? 0) + v)
  const nodeVmSum = new Map<string, number>()

  for (const nid of nodes) {
    const nm = meminfo(read(fs, `/sys/devices/system/node/node${nid}/meminfo`))
    for (const [k, v] of nm) add(k, v)
    eq(`node${nid} MemUsed`, nm.get('MemUsed')!, nm.get('MemTotal')! - nm.get('MemFree')!)
    eq(`node${nid} Active`, nm.get('Active')!, nm.get('Active(anon)')! + nm.get('Active(file)')!)
    eq(`node${nid} Inactive`, nm.get('Inactive')!, nm.get('Inactive(anon)')! + nm.get('Inactive(file)')!)
    eq(`node${nid} Slab`, nm.get('Slab')!, nm.get('SReclaimable')! + nm.get('SUnreclaim')!)
    const ns = kv(read(fs, `/sys/devices/system/node/node${nid}/numastat`))
    eq(`node${nid} hit+miss = local+other`, ns.get('numa_hit')! + ns.get('numa_miss')!, ns.get('local_node')! + ns.get('other_node')!)
    const nv = kv(read(fs, `/sys/devices/system/node/node${nid}/vmstat`))
    eq(`node${nid} vmstat numa_hit = numastat`, nv.get('numa_hit')!, ns.get('numa_hit')!)
    eq(`node${nid} vmstat numa_local = numastat local_node`, nv.get('numa_local')!, ns.get('local_node')!)
    eq(`node${nid} nr_free_pages*4 = MemFree`, nv.get('nr_free_pages')! * 4, nm.get('MemFree')!)
    eq(`node${nid} nr_active_anon*4 = Active(anon)`, nv.get('nr_active_anon')! * 4, nm.get('Active(anon)')!)
    eq(`node${nid} nr_file_pages*4 = FilePages`, nv.get('nr_file_pages')! * 4, nm.get('FilePages')!)
    eq(`node${nid} nr_kernel_stack = KernelStack`, nv.get('nr_kernel_stack')!, nm.get('KernelStack')!)
    if (nm.has('PageMetadata')) eq(`node${nid} nr_page_metadata*4 = PageMetadata`, nv.get('nr_page_metadata')! * 4, nm.get('PageMetadata')!)
    for (const [k, v] of nv) nodeVmSum.set(k, (nodeVmSum.get(k) ?? 0) + v)
  }

  for (const k of ['MemTotal', 'MemFree', 'Active', 'Inactive', 'Active(anon)', 'Inactive(anon)', 'Active(file)', 'Inactive(file)',
    'Unevictable', 'Mlocked', 'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable', 'Slab', 'SReclaimable',
    'SUnreclaim', 'KernelStack', 'PageTables', 'SecPageTables', 'AnonHugePages', 'PageMetadata', 'SwapCached']) {
    if (mi.has(k)) eq(`Σ node ${k} = /proc/meminfo ${k}`, sum.get(k) ?? 0, mi.get(k)!)
  }
  eq('Σ FilePages = Cached + Buffers + SwapCached', sum.get('FilePages')!, mi.get('Cached')! + mi.get('Buffers')! + mi.get('SwapCached')!)
  if (mi.has('HugePages_Total')) eq('Σ node HugePages_Total', sum.get('HugePages_Total')!, mi.get('HugePages_Total')!)
  for (const [k, v] of nodeVmSum) eq(`Σ node vmstat ${k} = /proc/vmstat`, v, vm.get(k)!)
  eq('MemFree = nr_free_pages*4', mi.get('MemFree')!, vm.get('nr_free_pages')! * 4)
  if (mi.has('PageMetadata')) eq('PageMetadata = (nr_memmap_pages + nr_memmap_boot_pages)*4', mi.get('PageMetadata')!, (vm.get('nr_memmap_pages')! + vm.get('nr_memmap_boot_pages')!) * 4)
  if (mi.get('MemAvailable')! > mi.get('MemTotal')!) bad.push('MemAvailable > MemTotal')

  // zoneinfo: managed and free pages per node; buddyinfo blocks add up to each zone's free pages.
  const zi = read(fs, '/proc/zoneinfo')
  const zoneFree = new Map<string, number>()
  let managed = 0
  for (const block of zi.split(/^(?=Node \d+, zone)/m)) {
    const h = /^Node (\d+), zone\s+(\S+)/.exec(block)
    if (!h) continue
    const free = Number(/pages free\s+(\d+)/.exec(block)![1])
    managed += Number(/managed\s+(\d+)/.exec(block)![1])
    zoneFree.set(`${h[1]}/${h[2]}`, free)
  }
  eq('Σ zoneinfo managed * 4 = MemTotal', managed * 4, mi.get('MemTotal')!)
  for (const line of read(fs, '/proc/buddyinfo').split('\n')) {
    const h = /^Node (\d+), zone\s+(\S+)\s+(.*)$/.exec(line)
    if (!h) continue
    const counts = h[3].trim().split(/\s+/).map(Number)
    const pages = counts.reduce((s, c, o) => s + c * 2 ** o, 0)
    eq(`buddyinfo node ${h[1]} ${h[2]} = zoneinfo free`, pages, zoneFree.get(`${h[1]}/${h[2]}`)!)
  }
  return bad
}
