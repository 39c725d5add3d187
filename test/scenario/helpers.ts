import { ScenarioError } from '../../src/scenario/load.js'

/**
 * A small tiering scenario on the default preset: 64 MiB first placed on CXL node 1,
 * four threads on node 0, about 2.7 s of simulated work at CXL latency.
 */
export function smallScenario(writes: Array<{ path: string; value: string | number }>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'small',
    machine: { preset: 'default', seed: 7 },
    duration: 10000,
    cgroups: ['/bench'],
    writes,
    tasks: [{ name: 'bench', cpu: 0, cgroup: '/bench' }],
    workloads: [{
      name: 'w', task: 'bench', bytes: 64 * 1024 * 1024, placement: { mode: 'bind', nodes: [1] },
      threads: 4, cpus: '0-3', pattern: { kind: 'uniform' }, accessesPerThread: 10_000_000, loadFraction: 0.5, mlp: 1,
    }],
    report: {
      vmstat: ['pgpromote_success', 'numa_hint_faults', 'pghot_recorded_accesses', 'pghot_recorded_hintfaults', 'pghot_recorded_hwhints', 'hwhint_total_events', 'hwhint_dram_accesses', 'hwhint_extmem_accesses'],
      nodeVmstat: [{ node: 0, items: ['pgpromote_success'] }],
      memcg: [{ cgroup: '/bench', file: 'memory.numa_stat', keys: ['anon:N0', 'anon:N1'] }, { cgroup: '/bench', file: 'memory.current' }],
    },
    ...over,
  }
}

export const NUMAB0 = [{ path: '/proc/sys/kernel/numa_balancing', value: 0 }]
export const NUMAB2 = [
  { path: '/proc/sys/kernel/numa_balancing', value: 2 },
  { path: '/sys/kernel/debug/pghot/enabled_sources', value: 1 },
  { path: '/sys/kernel/debug/pghot/freq_threshold', value: 1 },
]
export const HWHINTS = [
  { path: '/proc/sys/kernel/numa_balancing', value: 0 },
  { path: '/sys/kernel/debug/pghot/enabled_sources', value: 2 },
  { path: '/sys/kernel/debug/pghot/freq_threshold', value: 1 },
]

/** The problems a call throws as a ScenarioError (fails the test on anything else). */
export function problemsOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn()
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems
    throw err
  }
  return []
}
