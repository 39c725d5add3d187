/**
 * The control API: simulated tasks and cgroups. Thin adapters: validate the body
 * (schemas/control.ts), call the engine, map its errno to the status table.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { guardChanges } from './guard.js'
import { ERRNO, type ErrnoName } from '../src/kernfs/errno.js'
import { parseList } from '../src/kernfs/format.js'
import type { Placement } from '../src/engine/machine.js'
import type { PolicyFlag, PolicyMode } from '../src/engine/mempolicy.js'
import type { Task, TaskKind } from '../src/engine/tasks.js'
import { PAGE_SIZE } from '../src/engine/spec.js'

type Fail = { ok: false; errno: string; reason: string }

function sendFail(reply: FastifyReply, r: Fail): FastifyReply {
  const e = ERRNO[r.errno as ErrnoName] ?? ERRNO.EINVAL
  return reply.code(e.status).header('x-errno', r.errno).send({ error: r.errno, errno: e.no, message: e.message, reason: r.reason })
}

const pagesOf = (b: { pages?: number; bytes?: number }) => b.pages ?? Math.ceil((b.bytes ?? 0) / PAGE_SIZE)

function byNode(placements: readonly Placement[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const p of placements) out[`node${p.zone.nid}`] = (out[`node${p.zone.nid}`] ?? 0) + p.pages
  return out
}

const errorReplies = { 400: { $ref: 'numaemu/error#' }, 404: { $ref: 'numaemu/error#' }, 409: { $ref: 'numaemu/error#' }, 507: { $ref: 'numaemu/error#' } }

export default async function taskRoutes(app: FastifyInstance): Promise<void> {
  const tasks = app.machine.tasks
  app.addHook('preHandler', guardChanges(app))

  const withTask = (req: FastifyRequest, reply: FastifyReply): Task | null => {
    const pid = Number((req.params as { pid: string }).pid)
    const t = tasks.get(pid)
    if (!t.ok) { sendFail(reply, t); return null }
    return t.value
  }
  const pidParams = { type: 'object', required: ['pid'], properties: { pid: { type: 'integer', minimum: 0 } } } as const

  app.get('/tasks', { schema: { tags: ['tasks'], summary: 'List tasks', response: { 200: { type: 'array', items: { $ref: 'numaemu/task#' } } } } },
    async () => [...tasks.table.values()].map((t) => tasks.summary(t)))

  app.post('/tasks', {
    schema: { tags: ['tasks'], summary: 'Create a task on a CPU in a cgroup', body: { $ref: 'numaemu/task-create#' }, response: { 201: { $ref: 'numaemu/task#' }, ...errorReplies } },
  }, async (req, reply) => {
    const b = req.body as { cpu: number; cgroup: string; comm: string }
    const r = tasks.create({ cpu: b.cpu, cgroup: b.cgroup, comm: b.comm })
    if (!r.ok) return sendFail(reply, r)
    req.log.info({ pid: r.value.pid, cpu: b.cpu, cgroup: b.cgroup }, 'task created')
    return reply.code(201).send(tasks.summary(r.value))
  })

  app.get('/tasks/:pid', { schema: { tags: ['tasks'], params: pidParams, response: { 200: { $ref: 'numaemu/task#' }, ...errorReplies } } }, async (req, reply) => {
    const t = withTask(req, reply)
    return t ? tasks.summary(t) : reply
  })

  app.delete('/tasks/:pid', { schema: { tags: ['tasks'], summary: 'The task exits; its memory is freed', params: pidParams } }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    tasks.exit(t)
    return reply.code(204).send()
  })

  app.put('/tasks/:pid/mempolicy', {
    schema: { tags: ['tasks'], summary: 'set_mempolicy(2)', params: pidParams, body: { $ref: 'numaemu/mempolicy#' }, response: { 200: { $ref: 'numaemu/task#' }, ...errorReplies } },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const b = req.body as { mode: PolicyMode; nodes?: number[] | string; flags: PolicyFlag[] }
    const nodes = typeof b.nodes === 'string' ? parseList(b.nodes) ?? [] : b.nodes ?? []
    const r = tasks.setPolicy(t, b.mode, nodes, b.flags)
    if (!r.ok) return sendFail(reply, r)
    return tasks.summary(t)
  })

  app.put('/tasks/:pid/cgroup', {
    schema: { tags: ['tasks'], summary: 'Move the task (as writing cgroup.procs)', params: pidParams, body: { $ref: 'numaemu/task-move#' }, response: { 200: { $ref: 'numaemu/task#' }, ...errorReplies } },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const cg = tasks.cgroup((req.body as { cgroup: string }).cgroup)
    if (!cg) return sendFail(reply, { ok: false, errno: 'ENOENT', reason: 'no such cgroup' })
    const r = tasks.attach(t, cg)
    return r.ok ? tasks.summary(t) : sendFail(reply, r)
  })

  app.post('/tasks/:pid/alloc', {
    schema: { tags: ['memory'], summary: 'Allocate memory of a kind under the task\'s policy and memcg', params: pidParams, body: { $ref: 'numaemu/alloc#' }, response: { 200: { $ref: 'numaemu/placement#' }, ...errorReplies } },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const b = req.body as { kind: TaskKind; pages?: number; bytes?: number }
    const pages = pagesOf(b)
    const r = tasks.allocate(t, b.kind, pages)
    if (!r.ok) return sendFail(reply, r)
    return { pages, nodes: byNode(r.value), task: tasks.table.has(t.pid) ? tasks.summary(t) : undefined }
  })

  app.post('/tasks/:pid/free', {
    schema: { tags: ['memory'], summary: 'Free memory of a kind the task holds', params: pidParams, body: { $ref: 'numaemu/free#' }, response: { 200: { $ref: 'numaemu/task#' }, ...errorReplies } },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const b = req.body as { kind: TaskKind; pages?: number; bytes?: number; node?: number }
    const r = tasks.release(t, b.kind, pagesOf(b), b.node)
    return r.ok ? tasks.summary(t) : sendFail(reply, r)
  })

  app.post('/tasks/:pid/migrate', {
    schema: { tags: ['memory'], summary: 'migrate_pages(2): move the task\'s pages to nodes', params: pidParams, body: { $ref: 'numaemu/migrate#' }, response: { 200: { $ref: 'numaemu/placement#' }, ...errorReplies } },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const b = req.body as { nodes: number[]; kind?: TaskKind }
    const r = tasks.migrate(t, b.nodes, b.kind)
    if (!r.ok) return sendFail(reply, r)
    return { pages: r.value, nodes: {}, task: tasks.summary(t) }
  })

  app.post('/tasks/:pid/percpu', {
    schema: {
      tags: ['memory'], summary: 'Allocate percpu objects charged to the task\'s memcg', params: pidParams, body: { $ref: 'numaemu/percpu#' },
      response: { 200: { type: 'object', properties: { ids: { type: 'array', items: { type: 'integer' } } } }, ...errorReplies },
    },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const b = req.body as { size: number; count: number }
    const ids: number[] = []
    for (let i = 0; i < b.count; i++) {
      const r = tasks.percpuAlloc(t, b.size)
      if (!r.ok) {
        // All or nothing: give back what this request already took.
        for (const id of ids) tasks.percpuFree(t, id)
        return sendFail(reply, r)
      }
      ids.push(r.value)
    }
    return { ids }
  })

  app.delete('/tasks/:pid/percpu/:id', {
    schema: { tags: ['memory'], params: { type: 'object', required: ['pid', 'id'], properties: { pid: { type: 'integer' }, id: { type: 'integer' } } } },
  }, async (req, reply) => {
    const t = withTask(req, reply)
    if (!t) return reply
    const r = tasks.percpuFree(t, Number((req.params as { id: string }).id))
    return r.ok ? reply.code(204).send() : sendFail(reply, r)
  })

  app.get('/cgroups', { schema: { tags: ['cgroups'], summary: 'Every cgroup with its usage and tasks' } }, async () =>
    tasks.allCgroups().map((c) => ({
      path: c.path || '/', usageBytes: c.usage * PAGE_SIZE, tasks: [...c.procs], memory: c.memoryEnabled,
      subtreeControl: [...c.subtreeControl], children: [...c.children.keys()],
    })))

  app.post('/cgroups', {
    schema: { tags: ['cgroups'], summary: 'mkdir a cgroup (optionally enabling memory in its parent first)', body: { $ref: 'numaemu/cgroup-create#' }, response: { 201: { type: 'object', properties: { path: { type: 'string' } } }, ...errorReplies } },
  }, async (req, reply) => {
    const b = req.body as { path: string; enableMemory: boolean }
    const parts = b.path.split('/').filter(Boolean)
    const parent = tasks.cgroup(parts.slice(0, -1).join('/'))
    if (!parent) return sendFail(reply, { ok: false, errno: 'ENOENT', reason: `no parent cgroup for ${b.path}` })
    if (b.enableMemory && !parent.subtreeControl.has('memory')) {
      const e = tasks.setSubtreeControl(parent, [{ enable: true, name: 'memory' }])
      if (!e.ok) return sendFail(reply, e)
    }
    const r = app.kernfs.mkdir(`/sys/fs/cgroup/${parts.join('/')}`)
    if (!r.ok) return sendFail(reply, { ok: false, errno: r.errno, reason: r.reason ?? '' })
    return reply.code(201).send({ path: `/${parts.join('/')}` })
  })

  app.delete('/cgroups/*', { schema: { tags: ['cgroups'], summary: 'rmdir a cgroup' } }, async (req, reply) => {
    const path = (req.params as { '*': string })['*']
    const r = app.kernfs.rmdir(`/sys/fs/cgroup/${path}`)
    return r.ok ? reply.code(204).send() : sendFail(reply, { ok: false, errno: r.errno, reason: r.reason ?? '' })
  })
}
