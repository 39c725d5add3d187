/**
 * kswapd and demotion: workload memory pushed below the DRAM node's low watermark
 * wakes kswapd there; with /sys/kernel/mm/numa/demotion_enabled it demotes the
 * coldest workload pages to the next tier (node 1) once clean page cache is gone,
 * counted as pgdemote_kswapd on the node it reclaims; without it nothing moves.
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { Region } from '../../src/engine/region.js'
import type { KernFs } from '../../src/kernfs/registry.js'
import { boot, kv, meminfo, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0] // the last overload: test(cb)

const nodeVm = (fs: KernFs, nid: number) => kv(read(fs, `/sys/devices/system/node/node${nid}/vmstat`))

/**
 * Give a node-0-bound task workload regions until kswapd demotes (or 40 rounds):
 * each region takes node 0 down to its min watermark (below low, which wakes
 * kswapd), and a 10 ms step lets kswapd run.
 */
function pressure(t: Test, m: Machine, fs: KernFs): { regions: Region[]; rounds: number } {
  const task = m.tasks.create({ cpu: 0 })
  if (!task.ok) throw new Error(task.reason)
  m.tasks.setPolicy(task.value, 'bind', [0], [])
  const regions: Region[] = []
  let rounds = 0
  for (; rounds < 40; rounds++) {
    const room = m.allocatable({ kind: 'anon', pages: 1, cpu: 0, nid: 0, nodemask: [0] })
    const r = m.regions.create(task.value, Math.max(1, room - Math.ceil(room / 512) - 32))
    if (!r.ok) throw new Error(r.reason)
    regions.push(r.value)
    if (rounds === 0) {
      // The first region (most of the node) runs a workload: the cold tail of the newest regions goes first.
      m.sim.start({ name: 'big', threads: 2, cpus: [0, 1], pattern: { kind: 'hotset', hotFraction: 0.2, hotShare: 0.9 }, accessesPerThread: null, loadFraction: 0.5, mlp: 1 }, r.value)
      const normal = m.node(0)!.zones.find((z) => z.type === 'Normal')!
      t.ok(normal.free < normal.wmark.low, `node 0 Normal below its low watermark (${normal.free} < ${normal.wmark.low})`)
      t.ok(m.kswapd.pending.has(0), 'kswapd woken on node 0')
    }
    m.sim.step(10)
    if (nodeVm(fs, 0).get('pgdemote_kswapd')! > 0) break
  }
  return { regions, rounds }
}

t.test('demotion enabled: kswapd demotes workload pages from node 0 to node 1', async (t) => {
  const { m, fs } = boot('default')
  t.ok(fs.write('/sys/kernel/mm/numa/demotion_enabled', 'true', { cpu: 0 }).ok)
  t.equal(read(fs, '/sys/kernel/mm/numa/demotion_enabled'), 'true\n')
  const anon1 = meminfo(read(fs, '/sys/devices/system/node/node1/meminfo')).get('AnonPages')!
  const before = kv(read(fs, '/proc/vmstat'))
  const { regions, rounds } = pressure(t, m, fs)
  const n0 = nodeVm(fs, 0)
  const demoted = n0.get('pgdemote_kswapd')!
  t.ok(demoted > 0, `pgdemote_kswapd on node 0 = ${demoted} after ${rounds + 1} rounds`)
  t.equal(nodeVm(fs, 1).get('pgdemote_kswapd'), 0, 'counted on the node kswapd reclaims, not the target')
  t.equal(n0.get('pgdemote_direct'), 0, 'no direct reclaim')
  const onNode1 = regions.reduce((s, r) => s + (r.perNode.get(1) ?? 0), 0)
  t.equal(onNode1, demoted, 'exactly the demoted pages of the regions are on node 1 now')
  const anon1After = meminfo(read(fs, '/sys/devices/system/node/node1/meminfo')).get('AnonPages')!
  t.equal(anon1After - anon1, demoted * 4, 'node 1 AnonPages grew by the demoted pages (kB)')
  const vm = kv(read(fs, '/proc/vmstat'))
  t.ok(vm.get('pgsteal_kswapd')! - before.get('pgsteal_kswapd')! >= demoted, 'pgsteal_kswapd covers the demotion')
  t.ok(vm.get('pgmigrate_success')! - before.get('pgmigrate_success')! >= demoted, 'demotion migrates')
  t.equal(vm.get('pgdemote_kswapd'), demoted, '/proc/vmstat sums the nodes')
  const big = regions[0]
  t.equal(big.perNode.get(1) ?? 0, 0, 'the oldest region (with the running workload) was not touched first')
  t.same(checkInvariants(fs), [], 'cross-file invariants hold')
})

t.test('demotion disabled: the same pressure demotes nothing', async (t) => {
  const { m, fs } = boot('default')
  t.equal(read(fs, '/sys/kernel/mm/numa/demotion_enabled'), 'false\n', 'off by default')
  const anon1 = meminfo(read(fs, '/sys/devices/system/node/node1/meminfo')).get('AnonPages')!
  const { regions, rounds } = pressure(t, m, fs)
  t.equal(rounds, 40, 'kswapd ran every round without demoting')
  t.equal(nodeVm(fs, 0).get('pgdemote_kswapd'), 0, 'pgdemote_kswapd 0')
  t.equal(kv(read(fs, '/proc/vmstat')).get('pgdemote_kswapd'), 0)
  t.equal(regions.reduce((s, r) => s + (r.perNode.get(1) ?? 0), 0), 0, 'every region page still on node 0')
  t.equal(meminfo(read(fs, '/sys/devices/system/node/node1/meminfo')).get('AnonPages'), anon1, 'node 1 AnonPages unchanged')
  t.ok(kv(read(fs, '/proc/vmstat')).get('pgsteal_kswapd')! > 0, 'kswapd reclaimed page cache instead')
  t.same(checkInvariants(fs), [], 'cross-file invariants hold')
})
