/** Simulated time and access workloads. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { guardChanges } from './guard.js'
import { ERRNO, type ErrnoName } from '../src/kernfs/errno.js'
import { resolvePhases, type Pattern, type PhaseInput, type Workload } from '../src/engine/workload.js'
import { PAGE_SIZE } from '../src/engine/spec.js'
import { loadScenario, ScenarioError } from '../src/scenario/load.js'
import { setupScenario } from '../src/scenario/run.js'

function fail(reply: FastifyReply, errno: string, reason: string): FastifyReply {
  const e = ERRNO[errno as ErrnoName] ?? ERRNO.EINVAL
  return reply.code(e.status).header('x-errno', errno).send({ error: errno, errno: e.no, message: e.message, reason })
}

export function workloadSummary(w: Workload) {
  const perNode: Record<string, number> = {}
  for (const [nid, n] of w.region.perNode) if (n) perNode[`node${nid}`] = n
  return {
    id: w.id, name: w.spec.name, pid: w.region.task.pid, threads: w.spec.threads, pattern: w.pattern,
    pages: w.region.pages, pagesByNode: perNode, accesses: Math.round(w.totalAccesses()), hintFaults: w.hintFaults,
    startedAtMs: w.startedAtMs, finishedAtMs: w.finishedAtMs, elapsedMs: (w.finishedAtMs ?? NaN) - w.startedAtMs,
    ...(w.spec.phases ? { phase: { index: w.phaseIndex, name: w.phase.name, startedAtMs: w.phaseStartMs, of: w.phases.length } } : {}),
  }
}

export default async function simRoutes(app: FastifyInstance): Promise<void> {
  const m = app.machine
  app.addHook('preHandler', guardChanges(app))

  app.get('/sim', { schema: { tags: ['time'], summary: 'Simulated time and workloads' } }, async () => ({
    ms: m.clock.nowMs(), jiffies: m.clock.jiffies(), clock: app.numaemu.clock, workloads: m.sim.workloads.map(workloadSummary),
  }))

  app.post('/sim/step', { schema: { tags: ['time'], summary: 'Advance simulated time', body: { $ref: 'numaemu/step#' } } }, async (req) => {
    m.sim.step((req.body as { ms: number }).ms)
    return { ms: m.clock.nowMs(), jiffies: m.clock.jiffies() }
  })

  app.post('/sim/run', {
    schema: {
      tags: ['time'], summary: 'Advance simulated time until every finite workload is done, or maxMs passed',
      body: { type: 'object', additionalProperties: false, required: ['maxMs'], properties: { maxMs: { type: 'number', minimum: 0, maximum: 86400000 } } },
    },
  }, async (req) => {
    const finite = m.sim.workloads.filter((w) => w.finite)
    const ms = m.sim.runUntil(() => finite.every((w) => w.finished), (req.body as { maxMs: number }).maxMs)
    return { ranMs: ms, ms: m.clock.nowMs(), jiffies: m.clock.jiffies(), finished: finite.every((w) => w.finished), workloads: m.sim.workloads.map(workloadSummary) }
  })

  // A scenario loaded into the running daemon: its machine must be this one, unchanged,
  // since a running machine cannot change its kernel options or cost model.
  app.post('/scenarios', { schema: { tags: ['time'], summary: 'Load a scenario (schemas/scenario.ts) into the running machine and start its workloads' } }, async (req, reply) => {
    let spec
    try {
      spec = loadScenario(req.body, 'request')
    } catch (err) {
      if (err instanceof ScenarioError) return reply.code(400).send({ error: 'BAD_SCENARIO', message: err.message, problems: err.problems })
      throw err
    }
    const mm = spec.machine as { preset?: string; config?: { name?: string }; seed?: number; kernelConfig?: object; nodes?: unknown[] }
    const name = mm.preset ?? mm.config?.name
    if (name !== m.spec.name || mm.config || mm.kernelConfig || mm.nodes?.length || (mm.seed !== undefined && mm.seed !== m.spec.seed)) {
      return fail(reply, 'EBUSY', `the daemon runs machine "${m.spec.name}" (seed ${m.spec.seed}); this scenario needs another machine or changes it — run it with "numaemu run"`)
    }
    try {
      const started = setupScenario(m, app.kernfs, spec, 'request')
      return reply.code(201).send({ workloads: started.map((s) => workloadSummary(s.w)) })
    } catch (err) {
      if (err instanceof ScenarioError) return reply.code(400).send({ error: 'BAD_SCENARIO', message: err.message, problems: err.problems })
      throw err
    }
  })

  app.get('/workloads', { schema: { tags: ['time'] } }, async () => m.sim.workloads.map(workloadSummary))

  app.post('/workloads', { schema: { tags: ['time'], summary: 'Give a task a region of memory and threads that access it', body: { $ref: 'numaemu/workload#' } } }, async (req, reply) => {
    const b = req.body as {
      pid: number; pages?: number; bytes?: number; threads: number; cpus?: number[]; pattern?: Pattern; accessesPerThread: number | null
      loadFraction: number; mlp: number; rate: number | null; phases?: PhaseInput[]
    }
    const base = { pattern: b.pattern ?? { kind: 'uniform' as const }, rate: b.rate, loadFraction: b.loadFraction, mlp: b.mlp, accessesPerThread: b.accessesPerThread }
    const phases = b.phases ? resolvePhases(base, b.phases) : null
    if (phases && !phases.ok) {
      const problems = phases.problems.map((p) => ({ path: `/body${p.path}`, message: p.message }))
      return reply.code(400).send({ error: 'BAD_WORKLOAD', message: problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems })
    }
    const t = m.tasks.get(b.pid)
    if (!t.ok) return fail(reply, t.errno, t.reason)
    const cpus = b.cpus ?? [t.value.cpu]
    for (const c of cpus) if (!m.cpuNode.has(c)) return fail(reply, 'EINVAL', `cpu ${c} is not online`)
    const pages = b.pages ?? Math.ceil((b.bytes ?? 0) / PAGE_SIZE)
    const region = m.regions.create(t.value, pages)
    if (!region.ok) return fail(reply, region.errno, region.reason)
    const w = m.sim.start({
      name: `w${m.sim.workloads.length + 1}`, threads: b.threads, cpus, ...base,
      ...(phases?.ok ? { phases: phases.value } : {}),
    }, region.value)
    return reply.code(201).send(workloadSummary(w))
  })

  app.delete('/workloads/:id', { schema: { tags: ['time'], params: { type: 'object', properties: { id: { type: 'integer' } } } } }, async (req, reply) => {
    const w = m.sim.workloads.find((x) => x.id === Number((req.params as { id: string }).id))
    if (!w) return fail(reply, 'ENOENT', 'no such workload')
    m.sim.stop(w)
    return reply.code(204).send()
  })
}
