/**
 * Runs replay: the same scenario and seed give the same counters, page placements and
 * times. The sampling, hint-fault and promotion paths are written for speed (batched
 * counters, read-ahead passes, a per-region page bitset), so these runs pin them to
 * fixed results: Scenario 1 (NUMAB2 and HWHINTS), and smaller machines with hot sets,
 * sequential and interleaved workloads, both pghot sources, precision-mode records, an
 * MPOL_F_NUMA_BALANCING policy, and kswapd demoting while pghot promotes. A change to
 * any expected value is a change of behaviour.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadScenario, parseScenario } from '../../src/scenario/load.js'
import { runScenario, type ScenarioResult } from '../../src/scenario/run.js'
import type { Region } from '../../src/engine/region.js'
import { boot } from '../helpers.js'

const scenariosDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios')

interface Expected {
  simulatedMs: number
  workloads: Array<{ name: string; completionMs: number | null; accesses: number; hintFaults: number; end: Record<string, number> }>
  /** Counters that moved, by key. */
  counters: Record<string, number>
}

function summary(r: ScenarioResult): Expected {
  return {
    simulatedMs: r.simulatedMs,
    workloads: r.workloads.map((w) => ({ name: w.name, completionMs: w.completionMs, accesses: w.accesses, hintFaults: w.hintFaults, end: w.pagesByNode.end })),
    counters: Object.fromEntries(r.counters.filter((c) => c.delta).map((c) => [c.key, c.delta])),
  }
}

const PRECISE = {
  name: 'precise',
  machine: { preset: 'default', kernelConfig: { PGHOT_PRECISE: true } },
  duration: 15000,
  cgroups: ['/p'],
  writes: [
    { path: '/proc/sys/kernel/numa_balancing', value: 3 },
    { path: '/sys/kernel/debug/pghot/enabled_sources', value: 3 },
    { path: '/sys/kernel/debug/pghot/freq_threshold', value: 2 },
  ],
  tasks: [
    { name: 't', cpu: 0, cgroup: '/p' },
  ],
  workloads: [
    { name: 'hot', task: 't', bytes: 2147483648, placement: { mode: 'bind', nodes: [1] }, policy: { mode: 'bind', nodes: [0, 1], flags: ['numa_balancing'] }, threads: 8, cpus: '0-7', pattern: { kind: 'hotset', hotFraction: 0.2, hotShare: 0.8 }, accessesPerThread: 200000000, loadFraction: 0.5, mlp: 8 },
  ],
  report: {},
}

const DEMOTE = {
  name: 'demote',
  machine: { preset: 'default' },
  duration: 20000,
  cgroups: ['/x'],
  writes: [
    { path: '/proc/sys/kernel/numa_balancing', value: 2 },
    { path: '/sys/kernel/debug/pghot/enabled_sources', value: 3 },
    { path: '/sys/kernel/debug/pghot/freq_threshold', value: 1 },
    { path: '/sys/kernel/mm/numa/demotion_enabled', value: 1 },
  ],
  tasks: [
    { name: 'a', cpu: 0, cgroup: '/x' },
    { name: 'b', cpu: 4, cgroup: '/x' },
  ],
  workloads: [
    { name: 'big', task: 'a', bytes: 16106127360, placement: { mode: 'default' }, policy: { mode: 'default' }, threads: 4, cpus: '0-3', pattern: { kind: 'hotset', hotFraction: 0.05, hotShare: 0.95 }, accessesPerThread: null, loadFraction: 0.5, mlp: 6 },
    { name: 'far', task: 'b', bytes: 6442450944, placement: { mode: 'bind', nodes: [1] }, policy: { mode: 'default' }, threads: 4, cpus: '4-7', pattern: { kind: 'uniform' }, accessesPerThread: null, loadFraction: 0.5, mlp: 6 },
  ],
  report: {},
}

const MIX4 = {
  name: 'mix4',
  machine: { preset: 'four-node' },
  duration: 20000,
  cgroups: ['/a', '/b'],
  writes: [
    { path: '/proc/sys/kernel/numa_balancing', value: 2 },
    { path: '/sys/kernel/debug/pghot/enabled_sources', value: 3 },
    { path: '/sys/kernel/debug/pghot/freq_threshold', value: 2 },
    { path: '/sys/kernel/mm/numa/demotion_enabled', value: 1 },
  ],
  tasks: [
    { name: 't1', cpu: 0, cgroup: '/a' },
    { name: 't2', cpu: 16, cgroup: '/b' },
    { name: 't3', cpu: 2, cgroup: '/a' },
  ],
  workloads: [
    { name: 'hot', task: 't1', bytes: 1073741824, placement: { mode: 'bind', nodes: [2] }, policy: { mode: 'default' }, threads: 16, cpus: '0-15', pattern: { kind: 'hotset', hotFraction: 0.1, hotShare: 0.9 }, accessesPerThread: null, loadFraction: 0.5, mlp: 4 },
    { name: 'uni', task: 't2', bytes: 536870912, placement: { mode: 'interleave', nodes: [0, 2] }, policy: { mode: 'default' }, threads: 8, cpus: '16-23', pattern: { kind: 'uniform' }, accessesPerThread: null, loadFraction: 0.5, mlp: 4 },
    { name: 'seq', task: 't3', bytes: 268435456, placement: { mode: 'bind', nodes: [1] }, policy: { mode: 'default' }, threads: 4, cpus: '0-3', pattern: { kind: 'sequential' }, accessesPerThread: null, loadFraction: 0.5, mlp: 4 },
  ],
  report: {},
}

const EXPECTED: Record<string, Expected> = {
  'scenario1-numab2': {
    simulatedMs: 5000,
    workloads: [
      { name: 'scenario1', completionMs: null, accesses: 3076860911, hintFaults: 262144, end: { node0: 262144, node1: 1835008 } },
    ],
    counters: { pgpromote_success: 262144, pgmigrate_success: 262144, numa_pte_updates: 327680, numa_hint_faults: 262144, numa_pages_migrated: 262144, pghot_recorded_accesses: 262144, pghot_recorded_hintfaults: 262144, 'node0.nr_anon_pages': 262144, 'node1.nr_anon_pages': -262144, '/scenario1:memory.numa_stat:anon:N0': 1073741824, '/scenario1:memory.numa_stat:anon:N1': -1073741824 },
  },
  'scenario1-hwhints': {
    simulatedMs: 5000,
    workloads: [
      { name: 'scenario1', completionMs: null, accesses: 3101715496, hintFaults: 0, end: { node0: 288114, node1: 1809038 } },
    ],
    counters: { pgpromote_success: 288114, pgmigrate_success: 288114, numa_pages_migrated: 288114, pghot_recorded_accesses: 288532, pghot_recorded_hwhints: 310144, hwhint_total_events: 310144, hwhint_dram_accesses: 21612, hwhint_extmem_accesses: 288532, hwhint_useful_events: 310144, 'node0.nr_anon_pages': 288114, 'node1.nr_anon_pages': -288114, '/scenario1:memory.numa_stat:anon:N0': 1180114944, '/scenario1:memory.numa_stat:anon:N1': -1180114944 },
  },
  precise: {
    simulatedMs: 5550,
    workloads: [
      { name: 'hot', completionMs: 5547.532759020583, accesses: 1600000000, hintFaults: 327271, end: { node0: 90218, node1: 434070 } },
    ],
    counters: { pgpromote_success: 90218, pgmigrate_success: 90218, numa_pte_updates: 327680, numa_hint_faults: 327271, numa_hint_faults_local: 3002, numa_pages_migrated: 90218, pghot_recorded_accesses: 433740, pghot_recorded_hintfaults: 324269, pghot_recorded_hwhints: 159992, hwhint_total_events: 159992, hwhint_dram_accesses: 50521, hwhint_extmem_accesses: 109471, hwhint_useful_events: 159992 },
  },
  demote: {
    simulatedMs: 10000,
    workloads: [
      { name: 'big', completionMs: null, accesses: 2180415551, hintFaults: 0, end: { node0: 3899165, node1: 32995 } },
      { name: 'far', completionMs: null, accesses: 885989487, hintFaults: 575024, end: { node0: 81873, node1: 1490991 } },
    ],
    counters: { pgpromote_success: 98872, pgpromote_candidate: 660708, pgmigrate_success: 115783, pgdemote_kswapd: 16911, numa_pte_updates: 637664, numa_hint_faults: 575024, numa_pages_migrated: 98872, pghot_recorded_accesses: 660998, pghot_recorded_hintfaults: 575024, pghot_recorded_hwhints: 306636, hwhint_total_events: 306636, hwhint_dram_accesses: 220662, hwhint_extmem_accesses: 85974, hwhint_useful_events: 306636 },
  },
  mix4: {
    simulatedMs: 6000,
    workloads: [
      { name: 'hot', completionMs: null, accesses: 2621725047, hintFaults: 293115, end: { node0: 49450, node2: 212694 } },
      { name: 'uni', completionMs: null, accesses: 1296435448, hintFaults: 101598, end: { node0: 131072 } },
      { name: 'seq', completionMs: null, accesses: 872727273, hintFaults: 0, end: { node1: 65536 } },
    ],
    counters: { pgpromote_success: 114986, pgmigrate_success: 114986, numa_pte_updates: 456320, numa_hint_faults: 394713, numa_pages_migrated: 114986, pghot_recorded_accesses: 483884, pghot_recorded_hintfaults: 394713, pghot_recorded_hwhints: 479072, hwhint_total_events: 479072, hwhint_dram_accesses: 389901, hwhint_extmem_accesses: 89171, hwhint_useful_events: 479072 },
  },
}

t.test('Scenario 1 NUMAB2 and HWHINTS replay their first 5 s', async (t) => {
  for (const v of ['numab2', 'hwhints']) {
    const file = join(scenariosDir, `scenario1-${v}.json`)
    const r = runScenario(parseScenario(readFileSync(file, 'utf8'), file), { maxMs: 5000 })
    t.strictSame(summary(r), EXPECTED[`scenario1-${v}`], v)
  }
})

t.test('a hot set under precision-mode records and an MPOL_F_NUMA_BALANCING policy replays to completion', async (t) => {
  t.strictSame(summary(runScenario(loadScenario(PRECISE, 'precise'))), EXPECTED.precise)
})

t.test('promotion into a full node, with kswapd demoting, replays', async (t) => {
  const r = runScenario(loadScenario(DEMOTE, 'demote'), { maxMs: 10000 })
  t.ok((r.counters.find((c) => c.key === 'pgdemote_kswapd')?.delta ?? 0) > 0, 'pages were demoted')
  t.strictSame(summary(r), EXPECTED.demote)
})

t.test('hot set, uniform and sequential workloads on a four-node machine replay', async (t) => {
  t.strictSame(summary(runScenario(loadScenario(MIX4, 'mix4'), { maxMs: 6000 })), EXPECTED.mix4)
})

/** Every bit of a region's page bitset against the node table it was built for. */
function maskMatches(reg: Region, flags: Uint8Array): boolean {
  const mask = reg.nodeMask(flags)
  for (let v = 0; v < reg.pages; v++) if (((mask[v >>> 5] >>> (v & 31)) & 1) !== (flags[reg.nid[v]] ?? 0)) return false
  return true
}

t.test('a region\'s page bitset follows its pages across nodes', async (t) => {
  const { m } = boot('default')
  const task = m.tasks.create({ cpu: 0, cgroup: '' })
  if (!task.ok) throw new Error(task.reason)
  const p = m.tasks.setPolicy(task.value, 'bind', [1], [])
  if (!p.ok) throw new Error(p.reason)
  const r = m.regions.create(task.value, 1000)
  if (!r.ok) throw new Error(r.reason)
  const reg = r.value
  const onZero = new Uint8Array([1, 0])
  t.ok(maskMatches(reg, onZero), 'built on first use')
  const pages = Array.from({ length: 300 }, (_, i) => 3 * i + 1)
  t.equal(m.regions.movePages(reg, pages, 0, 'migrate'), 300)
  t.ok(maskMatches(reg, onZero), 'after pages moved to node 0')
  t.equal(m.regions.movePages(reg, pages.slice(0, 100), 1, 'demote'), 100)
  t.ok(maskMatches(reg, onZero), 'after some moved back')
  t.ok(maskMatches(reg, new Uint8Array([0, 1])), 'rebuilt for another node table')
  t.equal(m.regions.movePages(reg, [0, 1, 2], 0, 'migrate'), 3)
  t.ok(maskMatches(reg, new Uint8Array([0, 1])), 'kept in step for that table')
})

t.test('a region reuses freed PFNs newest first, then takes fresh ones, and every PFN finds its page', async (t) => {
  const { m } = boot('default')
  const mk = (pages: number) => {
    const task = m.tasks.create({ cpu: 0, cgroup: '' })
    if (!task.ok) throw new Error(task.reason)
    const p = m.tasks.setPolicy(task.value, 'bind', [1], [])
    if (!p.ok) throw new Error(p.reason)
    const r = m.regions.create(task.value, pages)
    if (!r.ok) throw new Error(r.reason)
    return r.value
  }
  const a = mk(64)
  const b = mk(64)
  const freed = Array.from(a.pfn.slice(0, 10))
  t.equal(m.regions.movePages(a, Array.from({ length: 10 }, (_, i) => i), 0, 'migrate'), 10)
  const c = mk(20)
  t.strictSame(Array.from(c.pfn.slice(0, 10)), freed.reverse(), 'freed PFNs first, the last freed first')
  t.strictSame(Array.from(c.pfn.slice(10)), Array.from({ length: 10 }, (_, i) => b.pfn[63] + 1 + i), 'then fresh ones in order')
  for (const reg of [a, b, c]) {
    for (let v = 0; v < reg.pages; v++) {
      const hit = m.regions.lookup(reg.nid[v], reg.pfn[v])
      if (!hit || hit.region !== reg || hit.page !== v) { t.fail(`page ${v} of region ${reg.id} not found by its PFN`); return }
    }
  }
  t.pass('every page found by its PFN')
})
