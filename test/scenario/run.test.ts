import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadScenario, parseScenario } from '../../src/scenario/load.js'
import { runScenario, type ScenarioResult } from '../../src/scenario/run.js'
import { HWHINTS, NUMAB0, NUMAB2, problemsOf, smallScenario } from './helpers.js'

const scenariosDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios')
const run = (input: unknown, opts = {}) => runScenario(loadScenario(input), opts)
const counter = (r: ScenarioResult, key: string) => {
  const c = r.counters.find((x) => x.key === key)
  if (!c) throw new Error(`no counter ${key}`)
  return c
}
/** Everything but the wall times, which are the only fields allowed to differ between runs. */
const replayable = (r: ScenarioResult) => ({ ...r, wall: null })

t.test('promotion happens with NUMAB2 settings and not with NUMAB0', async (t) => {
  const off = run(smallScenario(NUMAB0))
  const on = run(smallScenario(NUMAB2))
  const pages = 16384
  t.equal(off.endedBy, 'finished')
  t.equal(on.endedBy, 'finished')
  t.equal(counter(off, 'pgpromote_success').delta, 0)
  t.equal(counter(off, 'numa_hint_faults').delta, 0)
  t.equal(counter(on, 'pgpromote_success').delta, pages, 'every page of the region is promoted')
  t.equal(counter(on, 'node0.pgpromote_success').delta, pages, 'onto node 0')
  t.equal(counter(on, 'numa_hint_faults').delta, pages)
  t.equal(counter(on, 'pghot_recorded_hintfaults').delta, pages)
  t.equal(counter(on, '/bench:memory.numa_stat:anon:N0').final, pages * 4096, 'the memcg sees the pages move')
  t.equal(counter(on, '/bench:memory.numa_stat:anon:N1').final, 0)
  t.same(on.workloads[0].pagesByNode, { start: { node1: pages }, end: { node0: pages } })
  t.same(off.workloads[0].pagesByNode, { start: { node1: pages }, end: { node1: pages } })
  // 10M accesses per thread at 270 ns on CXL: 2.7 s without promotion, much less with it.
  t.ok(Math.abs(off.workloads[0].completionMs! - 2700) < 1e-6, `NUMAB0 takes 2.7 s (${off.workloads[0].completionMs})`)
  t.ok(on.workloads[0].completionMs! < 0.75 * off.workloads[0].completionMs!, `NUMAB2 is faster (${on.workloads[0].completionMs})`)
  t.equal(on.simulatedMs % 10, 0, 'the run stops at a step boundary')
  t.ok(on.pghotMetadataBytes > 0)
  t.ok(counter(on, '/bench:memory.current').final >= pages * 4096)
})

t.test('the same scenario and seed replay exactly; another seed differs', async (t) => {
  const input = smallScenario(HWHINTS, { report: { ...(smallScenario(HWHINTS).report as object), seriesMs: 250 } })
  const a = run(input)
  const b = run(input)
  t.same(replayable(a), replayable(b), 'identical results, series included')
  t.ok(counter(a, 'pgpromote_success').delta > 0, 'IBS samples promote pages')
  t.equal(counter(a, 'pghot_recorded_hwhints').delta, counter(a, 'hwhint_total_events').delta)
  t.ok(a.series!.rows.length >= 8)
  t.same(a.series!.columns.slice(0, 2), ['ms', 'pgpromote_success'])
  t.same(a.series!.columns.slice(-2), ['w.node0', 'w.node1'])
  t.same(a.series!.rows[0].slice(-2), [0, 16384], 'the first sample is the start')
  t.equal(a.series!.rows.at(-1)![0], a.simulatedMs, 'the last sample is the end')
  const other = structuredClone(input) as { machine: { seed: number } }
  other.machine.seed = 8
  const c = run(other)
  t.notSame(c.counters, a.counters, 'a different seed draws different samples')
})

t.test('knob writes go through the kernel files and their validation', async (t) => {
  const bad = [...NUMAB2.slice(0, 2), { path: '/sys/kernel/debug/pghot/freq_threshold', value: 9 }]
  const p = problemsOf(() => run(smallScenario(bad)))
  t.equal(p.length, 1)
  t.equal(p[0].path, '/writes/2')
  t.match(p[0].message, /^writing "9" to \/sys\/kernel\/debug\/pghot\/freq_threshold failed: EINVAL/)
  t.match(problemsOf(() => run(smallScenario([{ path: '/proc/sys/kernel/numa_balancing', value: 'two' }])))[0],
    { path: '/writes/0', message: /numa_balancing failed: EINVAL/ })
  t.match(problemsOf(() => run(smallScenario([{ path: '/sys/kernel/debug/pghot/no_such_knob', value: 1 }])))[0],
    { path: '/writes/0', message: /ENOENT/ })
  t.match(problemsOf(() => run(smallScenario([{ path: '/proc/vmstat', value: 1 }])))[0], { path: '/writes/0', message: /EIO/ })
  // A knob the kernel accepts is in force when the workloads run.
  const r = run(smallScenario([...NUMAB2, { path: '/sys/kernel/debug/sched/numa_balancing/scan_delay_ms', value: 5000 }]))
  t.equal(counter(r, 'numa_hint_faults').delta, 0, 'the scanner had not started before the work was done')
})

t.test('what depends on the machine is checked at setup, with paths', async (t) => {
  const w = (over: Record<string, unknown>) => {
    const s = smallScenario(NUMAB2)
    return { ...s, workloads: [{ ...(s.workloads as object[])[0], ...over }] }
  }
  t.match(problemsOf(() => run(w({ cpus: '0-99' })))[0], { path: '/workloads/0/cpus', message: 'cpu 8 is not online (this machine has 0-7)' })
  t.match(problemsOf(() => run(w({ bytes: 4 * 2 ** 40 })))[0], { path: '/workloads/0', message: /failed: ENOMEM/ })
  t.match(problemsOf(() => run(w({ placement: { mode: 'bind', nodes: [5] } })))[0], { path: '/workloads/0/placement', message: /set_mempolicy failed: EINVAL/ })
  t.match(problemsOf(() => run(w({ policy: { mode: 'interleave', nodes: '' } })))[0], { path: '/workloads/0/policy', message: /set_mempolicy failed: EINVAL/ })
  t.match(problemsOf(() => run({ ...smallScenario(NUMAB2), report: { vmstat: ['pgpromote_success', 'no_such_counter'] } }))[0],
    { path: '/report/vmstat/1', message: 'no "no_such_counter" in /proc/vmstat on this machine' })
  t.match(problemsOf(() => run({ ...smallScenario(NUMAB2), report: { nodeVmstat: [{ node: 3, items: ['nr_anon_pages'] }] } }))[0], { path: '/report/nodeVmstat/0/node' })
  t.match(problemsOf(() => run({ ...smallScenario(NUMAB2), tasks: [{ name: 'bench', cpu: 64, cgroup: '/bench' }] }))[0], { path: '/tasks/0', message: /EINVAL/ })
  t.match(problemsOf(() => run({ ...smallScenario(NUMAB2), machine: { preset: 'default', nodes: [{ id: 4, latencyNs: 5 }] } }))[0], { path: '/machine/nodes/0/id' })
})

t.test('placement applies at allocation only; the task keeps its own policy', async (t) => {
  const s = smallScenario(NUMAB0, { tasks: [{ name: 'bench', cpu: 0, cgroup: '/bench', mempolicy: { mode: 'preferred', nodes: '0' } }] })
  const r = run(s)
  t.same(r.workloads[0].pagesByNode.start, { node1: 16384 }, 'placed by the placement policy')
  const noPlacement = structuredClone(s) as { workloads: Array<Record<string, unknown>> }
  delete noPlacement.workloads[0].placement
  t.same(run(noPlacement).workloads[0].pagesByNode.start, { node0: 16384 }, 'without one, the task\'s policy places it')
})

t.test('duration, unbounded workloads and progress', async (t) => {
  const s = smallScenario(NUMAB0, { duration: 500 })
  ;(s.workloads as Array<Record<string, unknown>>)[0].accessesPerThread = null
  const seen: number[] = []
  const r = run(s, { onProgress: (p: { simMs: number; fraction: number }) => seen.push(p.fraction), progressEveryMs: 100 })
  t.equal(r.endedBy, 'duration')
  t.equal(r.simulatedMs, 500)
  t.equal(r.workloads[0].finished, false)
  t.equal(r.workloads[0].completionMs, null)
  t.same(seen, [0.2, 0.4, 0.6, 0.8, 1, 1], 'fractions of the duration, and once at the end')
  const capped = run(smallScenario(NUMAB0), { maxMs: 100 })
  t.equal(capped.simulatedMs, 100)
  t.equal(capped.endedBy, 'duration')
})

t.test('the shipped Scenario 1 files load and set up on seed-002', async (t) => {
  for (const v of ['numab0', 'numab2', 'hwhints']) {
    const file = join(scenariosDir, `scenario1-${v}.json`)
    const spec = parseScenario(readFileSync(file, 'utf8'), file)
    t.equal(spec.machine.preset, 'seed-002')
    const r = runScenario(spec, { maxMs: 20 })
    t.same(r.workloads[0].pagesByNode.start, { node1: 2097152 }, `${v}: 8 GiB placed on node 1`)
    t.equal(r.workloads[0].threads, 64)
    t.equal(r.workloads[0].cpus, '0-63')
  }
})

t.test('Scenario 1 NUMAB0 takes the series\' time', async (t) => {
  const file = join(scenariosDir, 'scenario1-numab0.json')
  const r = runScenario(parseScenario(readFileSync(file, 'utf8'), file))
  t.equal(r.endedBy, 'finished')
  t.ok(Math.abs(r.workloads[0].completionMs! - 181393.365) < 0.01, `${r.workloads[0].completionMs} ms`)
  t.equal(counter(r, 'pgpromote_success').delta, 0)
})
