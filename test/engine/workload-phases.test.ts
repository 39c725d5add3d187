/**
 * Workload phases and the access rate: phases inherit what they leave out, end on
 * their duration or their work (whichever comes first, split inside a quantum at the
 * exact time), move the hot set, and a workload without phases is the same as one
 * with a single equivalent phase.
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { Region } from '../../src/engine/region.js'
import { resolvePhases, type PhaseInput, type WorkloadSpec } from '../../src/engine/workload.js'
import { loadScenario } from '../../src/scenario/load.js'
import { runScenario } from '../../src/scenario/run.js'
import { buildApp } from '../../src/server/app.js'
import { boot, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import { NUMAB2, problemsOf, smallScenario } from '../scenario/helpers.js'

const UNIFORM = { kind: 'uniform' } as const
const BASE = { pattern: UNIFORM, rate: null, loadFraction: 0.5, mlp: 2, accessesPerThread: null }

t.test('resolvePhases: inheritance from the phase before, default names', async (t) => {
  const hot = { kind: 'hotset', hotFraction: 0.1, hotShare: 0.9 } as const
  const r = resolvePhases(BASE, [
    { durationMs: 100 },
    { accessesPerThread: 1e6, pattern: hot, rate: 5e5 },
    { name: 'tail', mlp: 8 },
  ])
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.same(r.value, [
    { name: 'p1', durationMs: 100, accessesPerThread: null, pattern: UNIFORM, rate: null, loadFraction: 0.5, mlp: 2 },
    { name: 'p2', durationMs: null, accessesPerThread: 1e6, pattern: hot, rate: 5e5, loadFraction: 0.5, mlp: 2 },
    { name: 'tail', durationMs: null, accessesPerThread: null, pattern: hot, rate: 5e5, loadFraction: 0.5, mlp: 8 },
  ])
  const back = resolvePhases(BASE, [{ durationMs: 1, rate: 10 }, { rate: null }])
  t.equal(back.ok && back.value[1].rate, null, 'rate null lifts the cap again')
})

t.test('resolvePhases: refusals name the field', async (t) => {
  const cases: Array<[string, typeof BASE | Record<string, unknown>, PhaseInput[], string[]]> = [
    ['open-ended phase before the last', BASE, [{}, { durationMs: 5 }], ['/phases/0']],
    ['work on the workload and in phases', { ...BASE, accessesPerThread: 10 }, [{ durationMs: 5 }], ['/accessesPerThread']],
    ['a name used twice', BASE, [{ name: 'a', durationMs: 1 }, { name: 'a' }], ['/phases/1/name']],
    ['default name taken by an explicit one', BASE, [{ name: 'p2', durationMs: 1 }, {}], ['/phases/1/name']],
  ]
  for (const [what, base, phases, paths] of cases) {
    const r = resolvePhases(base as typeof BASE, phases)
    t.equal(r.ok, false, what)
    if (!r.ok) t.same(r.problems.map((p) => p.path), paths, what)
  }
})

/** A task on CPU 0 with a DRAM region and no NUMA balancing: accesses cost node 0's latency only. */
function dram(pages = 4096): { m: Machine; region: Region } {
  const { m } = boot('default', 5)
  const task = m.tasks.create({ cpu: 0 })
  if (!task.ok) throw new Error(task.reason)
  m.tasks.setPolicy(task.value, 'bind', [0], [])
  const r = m.regions.create(task.value, pages)
  if (!r.ok) throw new Error(r.reason)
  return { m, region: r.value }
}

const spec = (over: Partial<WorkloadSpec>): WorkloadSpec => ({
  name: 'w', threads: 2, cpus: [0, 1], pattern: UNIFORM, accessesPerThread: null, loadFraction: 0.5, mlp: 1, ...over,
})

t.test('time-bounded phases start and end at their exact times, inside quanta', async (t) => {
  const { m, region } = dram()
  const phases = resolvePhases(BASE, [{ durationMs: 25 }, { durationMs: 33, mlp: 4 }, { durationMs: 7 }])
  if (!phases.ok) throw new Error('phases')
  const t0 = m.clock.nowMs()
  const w = m.sim.start(spec({ phases: phases.value }), region)
  m.sim.step(50)
  t.equal(w.phaseIndex, 1, 'in the second phase at 50 ms')
  t.same(w.phaseStarts.map((x) => x - t0), [0, 25])
  m.sim.step(50)
  t.ok(w.finished, 'finished after 25 + 33 + 7 ms')
  t.same(w.phaseStarts.map((x) => x - t0), [0, 25, 58])
  t.equal(w.finishedAtMs! - t0, 65)
  // Work in each stretch is time × mlp / latency, per thread (mlp 2 from the workload, then 4).
  const lat = m.node(0)!.spec.latencyNs
  const expected = ((25 * 1e6) / lat) * 2 + ((33 * 1e6) / lat) * 4 + ((7 * 1e6) / lat) * 4
  t.ok(Math.abs(w.done[0] - expected) < 1e-6 * expected, `accesses per thread ${w.done[0]} = ${expected}`)
})

t.test('work-bounded phases: the next phase starts when the work is done, within the quantum', async (t) => {
  const { m, region } = dram()
  const lat = m.node(0)!.spec.latencyNs
  const perMs = 1e6 / lat // accesses per ms per thread at mlp 1
  const phases = resolvePhases(BASE, [{ accessesPerThread: 12.5 * perMs, mlp: 1 }, { accessesPerThread: 20 * perMs }])
  if (!phases.ok) throw new Error('phases')
  const t0 = m.clock.nowMs()
  const w = m.sim.start(spec({ phases: phases.value }), region)
  m.sim.step(100)
  t.ok(w.finished)
  t.ok(Math.abs(w.phaseStarts[1] - t0 - 12.5) < 1e-9, `second phase began at 12.5 ms (${w.phaseStarts[1] - t0})`)
  t.ok(Math.abs(w.finishedAtMs! - t0 - 32.5) < 1e-9, `finished at 32.5 ms (${w.finishedAtMs! - t0})`)
  for (let i = 0; i < 2; i++) t.ok(Math.abs(w.done[i] - 32.5 * perMs) < 1e-6, `thread ${i} did both phases' work`)
})

t.test('the rate caps accesses per thread per second; null leaves them to memory', async (t) => {
  const { m, region } = dram()
  const w = m.sim.start(spec({ rate: 1e6 }), region)
  m.sim.step(1000)
  t.equal(w.done[0], 1e6, 'exactly rate × time when memory is faster')
  const { m: m2, region: r2 } = dram()
  const free = m2.sim.start(spec({}), r2)
  m2.sim.step(1000)
  t.ok(free.done[0] > 1e6, `uncapped: ${free.done[0]} accesses`)
  // A cap above what memory allows changes nothing.
  const { m: m3, region: r3 } = dram()
  const high = m3.sim.start(spec({ rate: free.done[0] * 10 }), r3)
  m3.sim.step(1000)
  t.equal(high.done[0], free.done[0])
})

t.test('a phase moves the hot set; hot pages per node stay in step', async (t) => {
  const { m, region } = dram(10000)
  const hot = (hotOffset?: number) => ({ kind: 'hotset', hotFraction: 0.1, hotShare: 0.9, ...(hotOffset === undefined ? {} : { hotOffset }) }) as const
  const phases = resolvePhases(BASE, [{ durationMs: 20, pattern: hot() }, { durationMs: 20, pattern: hot(0.5) }, { durationMs: 20, pattern: hot(0.95) }, { pattern: UNIFORM }])
  if (!phases.ok) throw new Error('phases')
  const w = m.sim.start(spec({ phases: phases.value }), region)
  const seen: Array<[number, number]> = []
  for (let k = 0; k < 4; k++) { seen.push([region.hotStart, region.hotPages]); m.sim.step(20) }
  t.same(seen, [[0, 1000], [5000, 1000], [9000, 1000], [0, 0]], 'start and size per phase (0.95 clamped so the set fits)')
  t.equal(w.phase.name, 'p4')
  // Draws: 90% of accesses in the hot set wherever it is.
  const { m: m2, region: r2 } = dram(10000)
  const w2 = m2.sim.start(spec({ pattern: hot(0.5) }), r2)
  let inHot = 0
  const N = 200000
  for (let k = 0; k < N; k++) { const v = w2.pickPage(0); if (v >= 5000 && v < 6000) inHot++; if (v < 0 || v >= 10000) throw new Error(`page ${v}`) }
  t.ok(Math.abs(inHot / N - 0.9) < 0.005, `hot share ${inHot / N}`)
  t.ok(r2.isHot(5000) && r2.isHot(5999) && !r2.isHot(4999) && !r2.isHot(6000))
  let sum = 0
  for (const n of r2.hotPerNode.values()) sum += n
  t.equal(sum, 1000)
})

t.test('a workload without phases runs exactly as one with the equivalent single phase', async (t) => {
  const sc = (phased: boolean) => {
    const s = smallScenario(NUMAB2) as Record<string, unknown>
    const ws = (s.workloads as Array<Record<string, unknown>>)[0]
    const { accessesPerThread, pattern, mlp } = ws
    const w = phased ? { ...ws, accessesPerThread: undefined, phases: [{ accessesPerThread, pattern, mlp }] } : ws
    return loadScenario({ ...s, workloads: [w] })
  }
  const a = runScenario(sc(false))
  const b = runScenario(sc(true))
  t.ok(a.workloads[0].accesses > 0)
  t.same(b.counters, a.counters, 'same counters')
  t.equal(b.workloads[0].completionMs, a.workloads[0].completionMs, 'same completion time')
  t.same(b.workloads[0].pagesByNode, a.workloads[0].pagesByNode, 'same placement')
  t.same(b.workloads[0].phases!.map((p) => p.endMs), [a.workloads[0].completionMs])
})

t.test('scenario: phase problems name /workloads/N/phases/K; a phased scenario runs and keeps the invariants', async (t) => {
  const s = smallScenario(NUMAB2) as Record<string, unknown>
  const ws = (s.workloads as Array<Record<string, unknown>>)[0]
  const withPhases = (phases: unknown[], over: Record<string, unknown> = {}) => ({ ...s, workloads: [{ ...ws, accessesPerThread: null, ...over, phases }] })
  const paths = (x: unknown) => problemsOf(() => loadScenario(x)).map((p) => p.path)
  t.same(paths(withPhases([{ mlp: 2 }, { durationMs: 10 }])), ['/workloads/0/phases/0'])
  t.same(paths(withPhases([{ durationMs: 10 }], { accessesPerThread: 5 })), ['/workloads/0/accessesPerThread'])
  t.same(paths(withPhases([{ durationMs: 0 }])), ['/workloads/0/phases/0/durationMs'])
  t.same(paths(withPhases([{ durationMs: 10, rate: 0 }])), ['/workloads/0/phases/0/rate'])
  t.same(paths(withPhases([{ durationMs: 10, pattern: { kind: 'uniform', hotOffset: 0.5 } }])), ['/workloads/0/phases/0/pattern'])
  t.same(paths(withPhases([])), ['/workloads/0/phases'])

  const spec = loadScenario(withPhases([
    { name: 'hot', durationMs: 3000, pattern: { kind: 'hotset', hotFraction: 0.2, hotShare: 0.9 } },
    { name: 'moved', durationMs: 3000, pattern: { kind: 'hotset', hotFraction: 0.2, hotShare: 0.9, hotOffset: 0.6 } },
    { name: 'slow', durationMs: 2000, rate: 1000 },
  ]))
  const r = runScenario(spec)
  t.equal(r.endedBy, 'finished')
  t.equal(r.workloads[0].completionMs, 8000)
  t.same(r.workloads[0].phases, [
    { name: 'hot', startMs: 0, endMs: 3000 }, { name: 'moved', startMs: 3000, endMs: 6000 }, { name: 'slow', startMs: 6000, endMs: 8000 },
  ])
})

t.test('HTTP: POST /api/v1/workloads with phases; bad phases get 400 naming the field and start nothing', async (t) => {
  const { m, fs } = boot('default')
  const app = await buildApp({ machine: m })
  t.teardown(() => app.close())
  const task = await app.inject({ method: 'POST', url: '/api/v1/tasks', payload: { cpu: 0 } })
  t.equal(task.statusCode, 201, task.body)
  const pid = task.json().pid
  const before = read(fs, '/proc/meminfo')
  const bad = await app.inject({ method: 'POST', url: '/api/v1/workloads', payload: { pid, pages: 1024, threads: 2, phases: [{ rate: 5 }, { durationMs: 5 }] } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error, 'BAD_WORKLOAD')
  t.same(bad.json().problems.map((p: { path: string }) => p.path), ['/body/phases/0'])
  const schemaBad = await app.inject({ method: 'POST', url: '/api/v1/workloads', payload: { pid, pages: 1024, threads: 2, phases: [{ durationMs: -1 }] } })
  t.equal(schemaBad.statusCode, 400)
  t.match(schemaBad.body, /durationMs/)
  t.equal(read(fs, '/proc/meminfo'), before, 'no region was allocated')
  t.equal(m.sim.workloads.length, 0)

  const ok = await app.inject({ method: 'POST', url: '/api/v1/workloads', payload: { pid, pages: 1024, threads: 2, phases: [{ name: 'a', durationMs: 15 }, { name: 'b', durationMs: 20, rate: 1000 }] } })
  t.equal(ok.statusCode, 201, ok.body)
  t.same(ok.json().phase, { index: 0, name: 'a', startedAtMs: m.clock.nowMs(), of: 2 })
  await app.inject({ method: 'POST', url: '/api/v1/sim/step', payload: { ms: 20 } })
  const list = await app.inject({ method: 'GET', url: '/api/v1/workloads' })
  t.equal(list.json()[0].phase.name, 'b')
  const run = await app.inject({ method: 'POST', url: '/api/v1/sim/run', payload: { maxMs: 1000 } })
  t.equal(run.json().finished, true, 'a phased workload whose last phase ends is finite')
  t.equal(run.json().workloads[0].elapsedMs, 35)
  t.same(checkInvariants(fs), [])
})

t.test('the load share weighs load and store latency when a node has a store latency', async (t) => {
  const run = (storeLatencyNs: number | undefined, phases: PhaseInput[]) => {
    const spec = loadScenario({
      machine: { preset: 'default', nodes: [{ id: 0, latencyNs: 100, ...(storeLatencyNs ? { storeLatencyNs } : {}) }] },
      tasks: [{ name: 't', cpu: 0 }],
      workloads: [{ task: 't', pages: 1024, placement: { mode: 'bind', nodes: [0] }, threads: 1, cpus: '0', phases }],
    })
    return runScenario(spec).workloads[0].accesses
  }
  const phases = (loadFraction: number): PhaseInput[] => [{ durationMs: 1000, loadFraction }]
  t.equal(run(undefined, phases(0.5)), 1e7, 'no store latency: 1 s / 100 ns')
  t.equal(run(300, phases(1)), 1e7, 'loads only: the load latency')
  t.equal(run(300, phases(0)), Math.round(1e9 / 300), 'stores only: the store latency')
  t.equal(run(300, phases(0.5)), 5e6, 'half and half: 200 ns')
  t.equal(run(300, [{ durationMs: 500, loadFraction: 1 }, { durationMs: 500, loadFraction: 0 }]), Math.round(5e6 + 5e8 / 300), 'a phase changes the mix')
  t.same(problemsOf(() => loadScenario({ machine: { preset: 'default', nodes: [{ id: 0, storeLatencyNs: 0 }] }, workloads: [] })).map((p) => p.path), ['/machine/nodes/0/storeLatencyNs'])
})
