/**
 * NUMA balancing in NORMAL mode: misplaced pages move towards the CPU that faults on
 * them in the fault path, through should_numa_migrate_memory()'s two-stage filter and
 * migrate_misplaced_folio_prepare()'s balance check, counted as numa_pages_migrated
 * and pgmigrate_success and never as promotions; with tiering on as well, lower-tier
 * faults still go to pghot.
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { PolicyFlag, PolicyMode } from '../../src/engine/mempolicy.js'
import { cpupidNid, migrateBalanced, packCpupid, shouldNumaMigrate } from '../../src/engine/numa-misplaced.js'
import type { KernFs } from '../../src/kernfs/registry.js'
import { boot, kv, read, write } from '../helpers.js'
import { checkInvariants } from '../invariants.js'

t.test('should_numa_migrate_memory(): the two-stage filter on last_cpupid', async (t) => {
  const UNSET = 0
  // [last_cpupid before, destination node, faulting pid, numa_scan_seq, migrates?]
  const rows: Array<[number, number, number, number, boolean, string]> = [
    [UNSET, 0, 100, 0, true, 'first fault early in the task\'s life'],
    [UNSET, 0, 100, 5, true, 'first fault later: no previous node to disagree with'],
    [packCpupid(1, 100), 0, 100, 3, true, 'private fault early: migrates at once'],
    [packCpupid(1, 100), 0, 100, 5, false, 'private fault later from another node: waits for a second fault'],
    [packCpupid(0, 100), 0, 100, 5, true, 'second fault in a row from the destination node'],
    [packCpupid(0, 7), 0, 100, 9, true, 'shared fault from the same node (no numa group)'],
    [packCpupid(1, 7), 0, 100, 2, false, 'shared fault early from another node'],
    [packCpupid(1, 100 + 256), 0, 100, 2, true, 'pids equal in their low 8 bits count as the same task'],
  ]
  for (const [before, dst, pid, seq, want, why] of rows) {
    const last = new Int32Array(4)
    last[2] = before
    t.equal(shouldNumaMigrate(last, 2, dst, pid, seq), want, why)
    t.equal(cpupidNid(last[2]), dst, `${why}: the fault is recorded`)
    t.equal(last[2] & 0xff, pid & 0xff)
  }
})

t.test('migrate_balanced_pgdat(): above high watermark + nr in some managed zone', async (t) => {
  const { m } = boot('four-node')
  const node = m.node(0)!
  const z = node.zones.filter((x) => x.managed > 0).at(-1)!
  const room = z.free - z.wmark.high - (z.lowmemReserve[node.zones.findIndex((x) => x.type === 'Movable')] ?? 0)
  t.ok(room > 10)
  t.equal(migrateBalanced(node, room - 1), true, 'one page below the line')
  const others = node.zones.some((x) => x !== z && x.managed > 0 && x.free > x.wmark.high + room)
  t.equal(migrateBalanced(node, room), others, 'at the line only another zone can take it')
})

/** four-node: DRAM nodes 0 and 1, CXL node 2. A task on CPU 0 with `pages` placed on `placeNid`, then `policy`. */
function setup(mode: number, placeNid: number, policy: { mode: PolicyMode; nodes: number[]; flags: PolicyFlag[] } = { mode: 'default', nodes: [], flags: [] }, pages = 8192) {
  const { m, fs } = boot('four-node', 3)
  write(fs, '/sys/kernel/debug/pghot/enabled_sources', '1')
  write(fs, '/proc/sys/kernel/numa_balancing', String(mode))
  fs.mkdir('/sys/fs/cgroup/job')
  write(fs, '/sys/fs/cgroup/cgroup.subtree_control', '+memory')
  const task = m.tasks.create({ cpu: 0, cgroup: '/job' })
  if (!task.ok) throw new Error(task.reason)
  m.tasks.setPolicy(task.value, 'bind', [placeNid], [])
  const r = m.regions.create(task.value, pages)
  if (!r.ok) throw new Error(r.reason)
  const p = m.tasks.setPolicy(task.value, policy.mode, policy.nodes, policy.flags)
  if (!p.ok) throw new Error(p.reason)
  const cpus = m.node(0)!.cpus
  const w = m.sim.start({ name: 'w', threads: cpus.length, cpus, pattern: { kind: 'uniform' }, accessesPerThread: null, loadFraction: 0.5, mlp: 4 }, r.value)
  return { m, fs, region: r.value, w }
}

const vm = (fs: KernFs) => kv(read(fs, '/proc/vmstat'))

t.test('mode 1: remote DRAM pages migrate to the faulting CPU\'s node; counted as migrations, not promotions', async (t) => {
  const { m, fs, region } = setup(1, 1)
  const memStat0 = kv(read(fs, '/sys/fs/cgroup/job/memory.stat'))
  m.sim.step(6000)
  const v = vm(fs)
  t.equal(region.perNode.get(0), 8192, 'every page moved to node 0')
  t.equal(region.perNode.get(1) ?? 0, 0)
  t.equal(v.get('numa_pages_migrated'), 8192)
  t.equal(v.get('pgmigrate_success'), 8192)
  t.equal(v.get('pgpromote_success'), 0, 'DRAM to DRAM is no promotion')
  t.ok(v.get('numa_hint_faults')! >= 8192, 'every page faulted at least once')
  t.ok(v.get('numa_hint_faults_local')! > 0, 'faults after the move are local')
  const memStat = kv(read(fs, '/sys/fs/cgroup/job/memory.stat'))
  t.equal(memStat.get('numa_pages_migrated')! - (memStat0.get('numa_pages_migrated') ?? 0), 8192, 'the memcg counts them too')
  t.match(read(fs, '/sys/fs/cgroup/job/memory.numa_stat'), /^anon N0=33554432 N1=0 N2=0\n/m, 'and its anon is on node 0 (8192 pages)')
  t.same(checkInvariants(fs), [])
})

t.test('mode 1 with the pghot series: a lower-tier page is migrated in the fault path too, without pgpromote_success', async (t) => {
  const { m, fs, region } = setup(1, 2)
  m.sim.step(6000)
  const v = vm(fs)
  t.equal(region.perNode.get(0), 8192)
  t.equal(v.get('numa_pages_migrated'), 8192)
  t.equal(v.get('pgpromote_success'), 0, 'promotions are counted only in tiering mode')
  t.equal(v.get('pghot_recorded_hintfaults'), 0, 'not a promotion candidate: pghot sees nothing')
})

t.test('mode 2: top-tier pages are not scanned, so remote DRAM pages stay', async (t) => {
  const { m, fs, region } = setup(2, 1)
  m.sim.step(6000)
  const v = vm(fs)
  t.equal(v.get('numa_pte_updates'), 0)
  t.equal(v.get('numa_pages_migrated'), 0)
  t.equal(region.perNode.get(1), 8192)
})

t.test('mode 3: DRAM pages migrate in the fault path, CXL pages go to pghot and kmigrated promotes them', async (t) => {
  const { m, fs } = boot('four-node', 3)
  write(fs, '/sys/kernel/debug/pghot/enabled_sources', '1')
  write(fs, '/sys/kernel/debug/pghot/freq_threshold', '1')
  write(fs, '/proc/sys/kernel/numa_balancing', '3')
  const task = m.tasks.create({ cpu: 0 })
  if (!task.ok) throw new Error(task.reason)
  m.tasks.setPolicy(task.value, 'bind', [1], [])
  const remote = m.regions.create(task.value, 4096)
  m.tasks.setPolicy(task.value, 'bind', [2], [])
  const cxl = m.regions.create(task.value, 4096)
  if (!remote.ok || !cxl.ok) throw new Error('regions')
  m.tasks.setPolicy(task.value, 'default', [], [])
  const cpus = m.node(0)!.cpus
  for (const r of [remote.value, cxl.value]) m.sim.start({ name: 'w', threads: cpus.length, cpus, pattern: { kind: 'uniform' }, accessesPerThread: null, loadFraction: 0.5, mlp: 4 }, r)
  m.sim.step(8000)
  const v = vm(fs)
  t.equal(remote.value.perNode.get(0), 4096, 'remote DRAM pages moved')
  t.equal(cxl.value.perNode.get(0), 4096, 'CXL pages promoted')
  t.equal(v.get('pgpromote_success'), 4096, 'only the CXL pages count as promotions')
  t.equal(v.get('numa_pages_migrated'), 8192, 'both count as NUMA migrations')
  t.ok(v.get('pghot_recorded_hintfaults')! >= 4096, 'CXL faults went to pghot')
  t.same(checkInvariants(fs), [])
})

t.test('policies: plain bind is not scanned; MPOL_F_NUMA_BALANCING bind moves only to CPU nodes inside its nodes', async (t) => {
  {
    const { m, fs, region } = setup(1, 1, { mode: 'bind', nodes: [1], flags: [] })
    m.sim.step(4000)
    t.equal(vm(fs).get('numa_hint_faults'), 0, 'plain bind: no scanning')
    t.equal(region.perNode.get(1), 8192)
  }
  {
    const { m, fs, region } = setup(1, 1, { mode: 'bind', nodes: [1], flags: ['numa_balancing'] })
    m.sim.step(4000)
    const v = vm(fs)
    t.ok(v.get('numa_hint_faults')! > 0, 'MORON bind is scanned')
    t.equal(v.get('numa_pages_migrated'), 0, 'the CPU\'s node 0 is outside the policy: no target')
    t.equal(region.perNode.get(1), 8192)
  }
  {
    const { m, fs, region } = setup(1, 1, { mode: 'bind', nodes: [0, 1], flags: ['numa_balancing'] })
    m.sim.step(6000)
    t.equal(vm(fs).get('numa_pages_migrated'), 8192, 'node 0 in the policy: pages move there')
    t.equal(region.perNode.get(0), 8192)
  }
})

/** Fill node 0 down to its min watermarks with another task's memory (and its page tables). */
function fillNode0(m: Machine): void {
  const filler = m.tasks.create({ cpu: 0 })
  if (!filler.ok) throw new Error(filler.reason)
  m.tasks.setPolicy(filler.value, 'bind', [0], [])
  const room = m.allocatable({ kind: 'anon', pages: 1, cpu: 0, nid: 0, nodemask: [0] })
  const f = m.tasks.allocate(filler.value, 'anon', room - Math.ceil(room / 512) - 32)
  if (!f.ok) throw new Error(f.reason)
}

t.test('a target without headroom refuses the migration; only a lower-tier source wakes its kswapd', async (t) => {
  for (const [placeNid, wakes] of [[1, false], [2, true]] as const) {
    const { m, fs } = boot('four-node', 3)
    write(fs, '/proc/sys/kernel/numa_balancing', '1')
    const task = m.tasks.create({ cpu: 0 })
    if (!task.ok) throw new Error(task.reason)
    m.tasks.setPolicy(task.value, 'bind', [placeNid], [])
    const r = m.regions.create(task.value, 2048)
    if (!r.ok) throw new Error(r.reason)
    m.tasks.setPolicy(task.value, 'default', [], [])
    fillNode0(m)
    t.equal(migrateBalanced(m.node(0)!, 1), false, 'node 0 has no headroom')
    const woken: number[] = []
    const wake = m.kswapd.wake.bind(m.kswapd)
    m.kswapd.wake = (nid: number) => { woken.push(nid); wake(nid) }
    const cpus = m.node(0)!.cpus
    m.sim.start({ name: 'w', threads: cpus.length, cpus, pattern: { kind: 'uniform' }, accessesPerThread: null, loadFraction: 0.5, mlp: 4 }, r.value)
    m.sim.step(3000)
    const v = vm(fs)
    t.ok(v.get('numa_hint_faults')! > 0, `node ${placeNid}: faults happen`)
    t.equal(woken.includes(0), wakes, `node ${placeNid}: kswapd on node 0 ${wakes ? 'woken' : 'not woken'}`)
    if (!wakes) t.equal(v.get('numa_pages_migrated'), 0, 'a DRAM source just fails (-EAGAIN)')
  }
})
