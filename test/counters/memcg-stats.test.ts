/**
 * memory.stat / memory.numa_stat / memory.events line tables (src/counters/memcg-stats.ts)
 * against the order verified in Linux 6.18 mm/memcontrol.c plus the seed series.
 */
import t from 'tap'
import { resolveKconfig, PLAIN_618 } from '../../src/kernel/kconfig.js'
import {
  MEMORY_EVENTS,
  MEMORY_STAT_ROWS,
  memoryNumaStatRows,
  memoryStatRows,
} from '../../src/counters/memcg-stats.js'
import { EVENT_ITEMS, NODE_ITEMS } from '../../src/counters/vmstat-items.js'

const defaults = resolveKconfig().config
const names = (rows: { name: string }[]) => rows.map((r) => r.name)

const MPOL = ['local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave']
  .flatMap((m) => ['hit', 'miss', 'foreign'].map((x) => `numa_mpol_${m}_${x}`))

t.test('memory.stat head order (6.18)', async (t) => {
  const list = names(memoryStatRows(defaults))
  t.same(list.slice(0, 10), [
    'anon', 'file', 'kernel', 'kernel_stack', 'pagetables', 'sec_pagetables',
    'percpu', 'sock', 'vmalloc', 'shmem',
  ])
  t.same(list.slice(10, 12), ['zswap', 'zswapped'])
})

t.test('slab follows slab_unreclaimable; hugetlb only with memory_hugetlb_accounting', async (t) => {
  const list = names(memoryStatRows(defaults))
  const i = list.indexOf('slab_unreclaimable')
  t.equal(list[i - 1], 'slab_reclaimable')
  t.equal(list[i + 1], 'slab')
  t.notOk(list.includes('hugetlb'), 'hidden by default')
  const acc = names(memoryStatRows(defaults, { memoryHugetlbAccounting: true }))
  t.equal(acc[acc.indexOf('slab') + 1], 'hugetlb')
  t.equal(acc.length, list.length + 1)
  t.ok(names(memoryNumaStatRows(defaults)).includes('hugetlb'), 'numa_stat prints hugetlb regardless')
  const noHugetlb = resolveKconfig({ HUGETLB_PAGE: false }).config
  t.notOk(names(memoryStatRows(noHugetlb, { memoryHugetlbAccounting: true })).includes('hugetlb'))
})

t.test('numa_mpol rows follow pgpromote_success; PATCH_MPOL_STATS off removes exactly them', async (t) => {
  const list = names(memoryStatRows(defaults))
  const p = list.indexOf('pgpromote_success')
  t.equal(list[p - 1], 'pgdemote_proactive')
  t.same(list.slice(p + 1, p + 1 + MPOL.length), MPOL)
  t.equal(list[p + 1 + MPOL.length], 'pgscan')

  const off = resolveKconfig({ PATCH_MPOL_STATS: false }).config
  const offList = names(memoryStatRows(off))
  t.same(offList, list.filter((n) => !MPOL.includes(n)))
  t.same(names(memoryNumaStatRows(off)), names(memoryNumaStatRows(defaults)).filter((n) => !MPOL.includes(n)))
  for (const r of MEMORY_STAT_ROWS.filter((r) => MPOL.includes(r.name))) {
    t.equal(r.outputUnit, 1, `${r.name} is a count`)
    t.ok(r.numa, `${r.name} is in numa_stat`)
  }
  // Without pgpromote_success (pghot series on, CONFIG_PGHOT off) they follow pgdemote_proactive.
  const noPghot = resolveKconfig({ PGHOT: false, NUMA_BALANCING_TIERING: false, HWMEM_PROFILER: false }).config
  const np = names(memoryStatRows(noPghot))
  t.notOk(np.includes('pgpromote_success'))
  t.equal(np[np.indexOf('pgdemote_proactive') + 1], MPOL[0])
})

t.test('pgpromote_success condition follows the pghot series', async (t) => {
  const has = (o: Record<string, boolean>) => names(memoryStatRows(resolveKconfig(o).config)).includes('pgpromote_success')
  t.ok(has({}))
  t.notOk(has({ PGHOT: false }), 'PATCH_PGHOT: needs CONFIG_PGHOT')
  t.ok(has({ PGHOT: false, PATCH_PGHOT: false }), 'plain: needs NUMA_BALANCING')
  t.notOk(has({ PATCH_PGHOT: false, PGHOT: false, NUMA_BALANCING: false }))
  t.ok(has({ NUMA_BALANCING: false }), 'PATCH_PGHOT: NUMA_BALANCING no longer matters')
})

t.test('percpu: memcg-only without the percpu series, a per-node byte item with it', async (t) => {
  const on = memoryStatRows(defaults).filter((r) => r.name === 'percpu')
  t.equal(on.length, 1)
  t.same(on[0].source, { kind: 'node', item: 'nr_percpu' })
  t.equal(on[0].outputUnit, 1)
  const offK = resolveKconfig({ PATCH_PERCPU_NODE_STAT: false }).config
  const off = memoryStatRows(offK).filter((r) => r.name === 'percpu')
  t.equal(off.length, 1)
  t.same(off[0].source, { kind: 'memcg', item: 'percpu' })
  t.equal(off[0].outputUnit, 1)
  t.same(names(memoryStatRows(offK)), names(memoryStatRows(defaults)), 'same place in memory.stat')
  t.ok(names(memoryNumaStatRows(defaults)).includes('percpu'))
  t.notOk(names(memoryNumaStatRows(offK)).includes('percpu'))
})

t.test('plain 6.18 (all seed patches off): exact memory.stat and memory.numa_stat', async (t) => {
  const k = resolveKconfig(PLAIN_618).config
  t.same(names(memoryStatRows(k)), [
    'anon', 'file', 'kernel', 'kernel_stack', 'pagetables', 'sec_pagetables', 'percpu', 'sock', 'vmalloc',
    'shmem', 'zswap', 'zswapped', 'file_mapped', 'file_dirty', 'file_writeback', 'swapcached', 'anon_thp',
    'file_thp', 'shmem_thp', 'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable',
    'slab_reclaimable', 'slab_unreclaimable', 'slab',
    'workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon', 'workingset_activate_file',
    'workingset_restore_anon', 'workingset_restore_file', 'workingset_nodereclaim',
    'pgdemote_kswapd', 'pgdemote_direct', 'pgdemote_khugepaged', 'pgdemote_proactive', 'pgpromote_success',
    'pgscan', 'pgsteal', 'pswpin', 'pswpout',
    'pgscan_kswapd', 'pgscan_direct', 'pgscan_khugepaged', 'pgscan_proactive',
    'pgsteal_kswapd', 'pgsteal_direct', 'pgsteal_khugepaged', 'pgsteal_proactive',
    'pgfault', 'pgmajfault', 'pgrefill', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed',
    'swpin_zero', 'swpout_zero', 'zswpin', 'zswpout', 'zswpwb',
    'thp_fault_alloc', 'thp_collapse_alloc', 'thp_swpout', 'thp_swpout_fallback',
    'numa_pages_migrated', 'numa_pte_updates', 'numa_hint_faults',
  ])
  t.same(names(memoryNumaStatRows(k)), [
    'anon', 'file', 'kernel_stack', 'pagetables', 'sec_pagetables', 'shmem', 'file_mapped', 'file_dirty',
    'file_writeback', 'swapcached', 'anon_thp', 'file_thp', 'shmem_thp', 'inactive_anon', 'active_anon',
    'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable', 'hugetlb',
    'workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon', 'workingset_activate_file',
    'workingset_restore_anon', 'workingset_restore_file', 'workingset_nodereclaim',
    'pgdemote_kswapd', 'pgdemote_direct', 'pgdemote_khugepaged', 'pgdemote_proactive', 'pgpromote_success',
  ])
})

t.test('numa_stat is exactly the numa rows, in memory.stat order', async (t) => {
  for (const o of [{}, PLAIN_618, { ZSWAP: false, SWAP: false, TRANSPARENT_HUGEPAGE: false }]) {
    const k = resolveKconfig(o).config
    const numa = memoryNumaStatRows(k)
    t.same(numa, MEMORY_STAT_ROWS.filter((r) => r.numa && r.when(k)))
    for (const r of numa) t.equal(r.source.kind, 'node', `${r.name} is a node item`)
    const stat = names(memoryStatRows(k, { memoryHugetlbAccounting: true }))
    t.same(names(numa), stat.filter((n) => names(numa).includes(n)), 'same relative order')
    t.equal(new Set(stat).size, stat.length, 'no duplicate lines')
  }
})

t.test('sources exist in the vmstat name tables; units', async (t) => {
  const nodeNames = new Set<string>(NODE_ITEMS.map((i) => i.name))
  const eventNames = new Set(EVENT_ITEMS.map((i) => i.name))
  for (const r of MEMORY_STAT_ROWS) {
    if (r.source.kind === 'node') t.ok(nodeNames.has(r.source.item), `${r.name}: node item ${r.source.item}`)
    if (r.source.kind === 'event') t.ok(eventNames.has(r.source.item), `${r.name}: event ${r.source.item}`)
    if (r.source.kind === 'event' || r.source.kind === 'memcg') t.notOk(r.numa)
  }
  const byName = (n: string) => MEMORY_STAT_ROWS.find((r) => r.name === n)!
  t.equal(byName('kernel_stack').outputUnit, 1024)
  t.equal(byName('zswap').outputUnit, 1)
  t.equal(byName('zswapped').outputUnit, 4096)
  t.equal(byName('anon_thp').outputUnit, 4096)
  t.equal(byName('hugetlb').outputUnit, 4096)
  t.equal(byName('workingset_nodereclaim').outputUnit, 1)
  t.same(byName('pgscan').source, { kind: 'sum', of: ['pgscan_kswapd', 'pgscan_direct', 'pgscan_proactive', 'pgscan_khugepaged'] })
  t.same(byName('slab').source, { kind: 'sum', of: ['slab_reclaimable', 'slab_unreclaimable'] })
})

t.test('memory.events (6.18)', async (t) => {
  t.same([...MEMORY_EVENTS], ['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill'])
})
