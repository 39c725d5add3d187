/** Simulated time and access workloads. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { guardChanges } from './guard.js'
import { ERRNO, type ErrnoName } from '../src/kernfs/errno.js'
import type { Pattern, Workload } from '../src/engine/workload.js'
import { PAGE_SIZE } from '../src/engine/spec.js'

function fail(reply: FastifyReply, errno: string, reason: string): FastifyReply {
  const e = ERRNO[errno as ErrnoName] ?? ERRNO.EINVAL
  return reply.code(e.status).header('x-errno', errno).send({ error: errno, errno: e.no, message: e.message, reason })
}

export function workloadSummary(w: Workload) {
  const perNode: Record<string, number> = {}
  for (const [nid, n] of w.region.perNode) if (n) perNode[`node${nid}`] = n
  return {
    id: w.id, name: w.spec.name, pid: w.region.task.pid, threads: w.spec.threads, pattern: w.spec.pattern,
    pages: w.region.pages, pagesByNode: perNode, accesses: Math.round(w.totalAccesses()), hintFaults: w.hintFaults,
    startedAtMs: w.startedAtMs, finishedAtMs: w.finishedAtMs, elapsedMs: (w.finishedAtMs ?? NaN) - w.startedAtMs,
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

  app.get('/workloads', { schema: { tags: ['time'] } }, async () => m.sim.workloads.map(workloadSummary))

  app.post('/workloads', { schema: { tags: ['time'], summary: 'Give a task a region of memory and threads that access it', body: { $ref: 'numaemu/workload#' } } }, async (req, reply) => {
    const b = req.body as { pid: number; pages?: number; bytes?: number; threads: number; cpus?: number[]; pattern?: Pattern; accessesPerThread: number | null; loadFraction: number; mlp: number }
    const t = m.tasks.get(b.pid)
    if (!t.ok) return fail(reply, t.errno, t.reason)
    const cpus = b.cpus ?? [t.value.cpu]
    for (const c of cpus) if (!m.cpuNode.has(c)) return fail(reply, 'EINVAL', `cpu ${c} is not online`)
    const pages = b.pages ?? Math.ceil((b.bytes ?? 0) / PAGE_SIZE)
    const region = m.regions.create(t.value, pages)
    if (!region.ok) return fail(reply, region.errno, region.reason)
    const w = m.sim.start({
      name: `w${m.sim.workloads.length + 1}`, threads: b.threads, cpus, pattern: b.pattern ?? { kind: 'uniform' },
      accessesPerThread: b.accessesPerThread, loadFraction: b.loadFraction, mlp: b.mlp,
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
