/**
 * The simulation as a function of (preset, seed, inputs): the same steps give the
 * same bytes in every counter file, another seed gives others. And the NUMA
 * balancing hint-fault source of pghot against the series' do_numa_page(): only
 * VMAs whose policy has MPOL_F_MOF are scanned (task_numa_work), and a fault is
 * recorded with the node mpol_misplaced() picks, else with the folio's own node
 * (which pghot_record_access() then ignores).
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { PolicyFlag } from '../../src/engine/mempolicy.js'
import { boot, kv, read, write } from '../helpers.js'
import { checkInvariants } from '../invariants.js'

const FILES = ['/proc/vmstat', '/sys/devices/system/node/node0/vmstat', '/sys/devices/system/node/node1/vmstat']

/** A task bound to the CXL node running two workloads, both sources on, tiering mode. */
function scenario(seed: number) {
  const { m, fs } = boot('default', seed)
  write(fs, '/sys/kernel/debug/pghot/enabled_sources', '0x3')
  write(fs, '/proc/sys/kernel/numa_balancing', '2')
  const task = m.tasks.create({ cpu: 2 })
  if (!task.ok) throw new Error(task.reason)
  m.tasks.setPolicy(task.value, 'bind', [1], [])
  const a = m.regions.create(task.value, 8192)
  const b = m.regions.create(task.value, 8192)
  if (!a.ok || !b.ok) throw new Error('region')
  m.sim.start({ name: 'hot', threads: 4, cpus: [0, 1, 2, 3], pattern: { kind: 'hotset', hotFraction: 0.1, hotShare: 0.9 }, accessesPerThread: null, loadFraction: 0.5, mlp: 2 }, a.value)
  m.sim.start({ name: 'uni', threads: 2, cpus: [4, 5], pattern: { kind: 'uniform' }, accessesPerThread: 5e6, loadFraction: 0.5, mlp: 1 }, b.value)
  return { m, fs }
}

function run(seed: number, steps: number[]): string[][] {
  const { m, fs } = scenario(seed)
  const out: string[][] = []
  for (const ms of steps) {
    m.sim.step(ms)
    out.push(FILES.map((p) => read(fs, p)))
  }
  void (m as Machine)
  return out
}

const STEPS = [250, 750, 1000, 1330]

t.test('exact replay: same preset, seed and steps give byte-identical vmstat files', async (t) => {
  const a = run(7, STEPS)
  const b = run(7, STEPS)
  t.equal(a.length, STEPS.length)
  for (let i = 0; i < STEPS.length; i++) {
    FILES.forEach((p, k) => t.equal(b[i][k], a[i][k], `after step ${i + 1} (${STEPS[i]} ms): ${p}`))
  }
  const last = kv(a[a.length - 1][0])
  t.ok(last.get('pghot_recorded_accesses')! > 0 && last.get('pgpromote_success')! > 0, 'the run did record and promote something')

  const c = run(8, STEPS)
  t.not(c[c.length - 1][0], a[a.length - 1][0], 'another seed: /proc/vmstat differs')
  const pghot = (s: string) => s.split('\n').filter((l) => /^(pghot_|pgpromote_|numa_hint|hwhint)/.test(l)).join('\n')
  t.not(pghot(c[c.length - 1][0]), pghot(a[a.length - 1][0]), 'and so do its pghot, promotion and hint-fault counters')
})

t.test('steps are made of 10 ms quanta: one 1000 ms step = two 500 ms steps', async (t) => {
  const one = run(11, [1000, 1000])
  const two = run(11, [500, 500, 500, 500])
  t.same([one[0], one[1]], [two[1], two[3]], 'identical files at 1 s and 2 s')
})

t.test('the scenario keeps the cross-file invariants', async (t) => {
  const { m, fs } = scenario(3)
  m.sim.step(2500)
  t.same(checkInvariants(fs), [])
})

/** A task on `cpu` with `pages` of memory on the CXL node under a policy, a workload, numa_balancing = 2. */
function hintFaultScenario(policy: 'default' | 'bind', flags: PolicyFlag[]) {
  const { m, fs } = boot('default')
  write(fs, '/sys/kernel/debug/pghot/enabled_sources', '1') // hint faults only
  write(fs, '/proc/sys/kernel/numa_balancing', '2')
  const task = m.tasks.create({ cpu: 0 })
  if (!task.ok) throw new Error(task.reason)
  if (policy === 'bind') {
    const p = m.tasks.setPolicy(task.value, 'bind', [1], flags)
    if (!p.ok) throw new Error(p.reason)
  } else {
    // Node 0 full down to its min watermarks: the default (local) policy falls back to node 1.
    const filler = m.tasks.create({ cpu: 0 })
    if (!filler.ok) throw new Error(filler.reason)
    m.tasks.setPolicy(filler.value, 'bind', [0], [])
    const room = m.allocatable({ kind: 'anon', pages: 1, cpu: 0, nid: 0, nodemask: [0] })
    const f = m.tasks.allocate(filler.value, 'anon', room - Math.ceil(room / 512) - 32) // and its page tables
    if (!f.ok) throw new Error(f.reason)
  }
  const r = m.regions.create(task.value, 4096)
  if (!r.ok) throw new Error(r.reason)
  m.sim.start({ name: 'w', threads: 2, cpus: [0, 1], pattern: { kind: 'uniform' }, accessesPerThread: null, loadFraction: 0.5, mlp: 1 }, r.value)
  return { m, fs, region: r.value }
}

t.test('default policy: CXL pages take hint faults that pghot records (target = the faulting CPU\'s node)', async (t) => {
  const { m, fs, region } = hintFaultScenario('default', [])
  t.equal(region.perNode.get(1), 4096, 'the pages fell back to node 1')
  m.sim.step(3000)
  const vm = kv(read(fs, '/proc/vmstat'))
  t.ok(vm.get('numa_pte_updates')! > 0, 'scanned')
  t.ok(vm.get('numa_hint_faults')! > 0, 'hint faults')
  t.equal(vm.get('pghot_recorded_hintfaults'), vm.get('numa_hint_faults'), 'every lower-tier hint fault goes to pghot')
  t.equal(vm.get('pghot_recorded_accesses'), vm.get('pghot_recorded_hintfaults'), 'and is recorded (nid 0 != node 1)')
  t.equal(vm.get('numa_hint_faults_local'), 0, 'none local: the CPUs are on node 0')
})

t.test('a plain MPOL_BIND policy is not scanned by NUMA balancing', async (t) => {
  const { m, fs } = hintFaultScenario('bind', [])
  m.sim.step(3000)
  const vm = kv(read(fs, '/proc/vmstat'))
  t.equal(vm.get('numa_pte_updates'), 0, 'numa_pte_updates')
  t.equal(vm.get('numa_hint_faults'), 0, 'numa_hint_faults')
  t.equal(vm.get('pghot_recorded_hintfaults'), 0, 'pghot_recorded_hintfaults')
  t.equal(vm.get('pgpromote_success'), 0, 'pgpromote_success')
})

t.test('MPOL_BIND|MPOL_F_NUMA_BALANCING on node 1, CPUs on node 0: faults are counted, not recorded', async (t) => {
  const { m, fs } = hintFaultScenario('bind', ['numa_balancing'])
  m.sim.step(3000)
  const vm = kv(read(fs, '/proc/vmstat'))
  t.ok(vm.get('numa_hint_faults')! > 0, 'scanned and faulting (MPOL_F_MOF is set)')
  t.equal(vm.get('pghot_recorded_hintfaults'), vm.get('numa_hint_faults'), 'counted for the source')
  t.equal(vm.get('pghot_recorded_accesses'), 0, 'pghot_recorded_accesses')
  t.equal(vm.get('pgpromote_success'), 0, 'pgpromote_success')
})
