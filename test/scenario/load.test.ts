import t from 'tap'
import { loadScenario, parseScenario } from '../../src/scenario/load.js'
import { NUMAB2, problemsOf, smallScenario } from './helpers.js'

const workload = (over: Record<string, unknown>) => {
  const s = smallScenario(NUMAB2)
  const w = (s.workloads as Array<Record<string, unknown>>)[0]
  return { ...s, workloads: [{ ...w, ...over }] }
}
const paths = (fn: () => unknown) => problemsOf(fn).map((p) => `${p.path}: ${p.message}`)

t.test('a valid scenario loads with defaults filled in and the input untouched', async (t) => {
  const input = smallScenario(NUMAB2, { quantumMs: undefined, report: undefined })
  delete input.quantumMs
  delete input.report
  const spec = loadScenario(input)
  t.equal(spec.quantumMs, 10)
  t.same(spec.report, {})
  t.equal(spec.workloads[0].mlp, 1)
  t.equal(spec.tasks![0].cgroup, '/bench')
  t.notOk('quantumMs' in input, 'defaults go to a copy')
})

t.test('schema errors name the JSON path and the reason', async (t) => {
  t.same(paths(() => loadScenario({ workloads: [] })), [': must have required property \'machine\''])
  t.match(paths(() => loadScenario({ ...smallScenario(NUMAB2), machine: { preset: 'nope' } })), [/^\/machine\/preset: must be one of "default", "seed-002"/])
  t.same(paths(() => loadScenario(workload({ foo: 1 }))), ['/workloads/0: unknown property "foo"'])
  t.same(paths(() => loadScenario(workload({ threads: 0 }))), ['/workloads/0/threads: must be >= 1'])
  t.same(paths(() => loadScenario(workload({ pattern: { kind: 'hotset', hotShare: 0.9 } }))), ['/workloads/0/pattern: must have required property \'hotFraction\''])
  // The pattern schema is shared with the HTTP API; either way it is written, the error names the kind.
  t.match(paths(() => loadScenario(workload({ pattern: { kind: 'zipf' } }))), [/^\/workloads\/0\/pattern(\/kind)?: (kind )?must be one of "uniform", "sequential", "hotset"$/])
  t.same(paths(() => loadScenario(workload({ cpus: 'zero' }))), ['/workloads/0/cpus: must match pattern "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$"'])
  t.same(paths(() => loadScenario(workload({ placement: { mode: 'bind', nodes: [-1] } }))), ['/workloads/0/placement/nodes/0: must be >= 0'])
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), writes: [{ path: 'proc/sys/vm/x', value: 1 }] })), ['/writes/0/path: must match pattern "^/"'])
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), report: { vmstat: 'pgpromote_success' } })), ['/report/vmstat: must be array'])
  const config = { nodes: [{ id: 0, kind: 'dram', memoryMiB: 1024, cpus: '0-1', extra: true }] }
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), machine: { config } })), ['/machine/config/nodes/0: unknown property "extra"'])
})

t.test('what the schema cannot say is checked with paths too', async (t) => {
  t.same(paths(() => loadScenario(workload({ pages: 16 }))), ['/workloads/0: needs exactly one of "bytes" and "pages"'])
  t.same(paths(() => loadScenario(workload({ task: 'nobody' }))), ['/workloads/0/task: no task named "nobody" in "tasks"'])
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), machine: { seed: 1 } })), ['/machine: needs exactly one of "preset" and "config"'])
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), tasks: [{ name: 'bench', cpu: 0, cgroup: '/elsewhere' }] })), ['/tasks/0/cgroup: /elsewhere is not "/" and not in "cgroups"'])
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), cgroups: ['/bench', '/bench/'] })), ['/cgroups/1: /bench is listed twice'])
  t.same(paths(() => loadScenario({ ...smallScenario(NUMAB2), report: { seriesMs: 5 } })), ['/report/seriesMs: must be at least quantumMs (10)'])
  t.same(paths(() => parseScenario('{ "machine": ', 'x.json')).map((p) => p.replace(/JSON: .*/, 'JSON')), [': is not valid JSON'])
  const err = problemsOf(() => loadScenario({ workloads: [] }))
  t.equal(err.length, 1)
})

t.test('the error message lists every problem, like a machine config error', async (t) => {
  try {
    loadScenario(workload({ threads: 0, foo: 1 }), 'bad.json')
    t.fail('should throw')
  } catch (err) {
    t.match((err as Error).message, /^invalid scenario \(bad\.json\):\n {2}\/workloads\/0: unknown property "foo"\n {2}\/workloads\/0\/threads: must be >= 1$/)
  }
})
