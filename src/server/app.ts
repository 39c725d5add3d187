/**
 * The HTTP face of numaemu: kernel paths served at the root with the kernel's read
 * and write semantics, a small JSON API under /api/v1, and /healthz.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import websocket from '@fastify/websocket'
import { API_SCHEMAS } from '../../schemas/api.js'
import { CONTROL_SCHEMAS } from '../../schemas/control.js'
import { SIM_SCHEMAS } from '../../schemas/sim.js'
import { STREAM_LIMITS, STREAM_SCHEMAS } from '../../schemas/stream.js'
import type { Machine } from '../engine/machine.js'
import { KernFs } from '../kernfs/registry.js'
import kernfsRoutes from '../../routes/kernfs.js'
import apiRoutes from '../../routes/api.js'
import healthRoutes from '../../routes/healthz.js'
import taskRoutes from '../../routes/tasks.js'
import simRoutes from '../../routes/sim.js'
import streamRoutes from '../../routes/stream.js'
import dashboardRoutes from '../../routes/dashboard.js'

export interface AppOptions {
  machine: Machine
  /** Bearer token required for writes; null = writes need no token. */
  token?: string | null
  readOnly?: boolean
  /** A pino logger; none = silent. */
  logger?: FastifyBaseLogger
  /** CPU the writing shell runs on (decides local/other for allocations writes cause). */
  writerCpu?: number
  /**
   * How simulated time moves: 'manual' (only POST /api/v1/sim/step), or a factor of
   * wall time (1 = real time, 10 = ten times faster).
   */
  clock?: 'manual' | number
}

declare module 'fastify' {
  interface FastifyInstance {
    machine: Machine
    kernfs: KernFs
    numaemu: { token: string | null; readOnly: boolean; writerCpu: number; clock: 'manual' | number }
  }
}

/** Largest request body accepted on kernel paths; each filesystem then applies its own cap. */
export const MAX_WRITE_BYTES = 1 << 20

/** Wall-clock driver of simulated time: every tick advances the machine by elapsed wall time × factor. */
const TICK_MS = 100
function startTicker(app: FastifyInstance, clock: 'manual' | number): void {
  if (clock === 'manual') return
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const ms = Math.round((now - last) * clock)
    last = now
    if (ms > 0) app.machine.sim.step(ms)
  }, TICK_MS)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: MAX_WRITE_BYTES,
    // Kernel paths are case-sensitive and exact; "//proc" is resolved by the kernfs normalizer.
    routerOptions: { ignoreDuplicateSlashes: false, ignoreTrailingSlash: false, maxParamLength: 4096 },
  })
  // mkdir over HTTP, as WebDAV spells it.
  app.addHttpMethod('MKCOL')
  app.decorate('machine', opts.machine)
  app.decorate('kernfs', new KernFs(opts.machine))
  app.decorate('numaemu', {
    token: opts.token ?? null,
    readOnly: opts.readOnly ?? false,
    writerCpu: opts.writerCpu ?? opts.machine.onlineCpus()[0],
    clock: opts.clock ?? 'manual',
  })
  startTicker(app, opts.clock ?? 'manual')
  for (const s of [...API_SCHEMAS, ...CONTROL_SCHEMAS, ...SIM_SCHEMAS, ...STREAM_SCHEMAS]) app.addSchema(s)
  await app.register(swagger, {
    openapi: {
      info: { title: 'numaemu control API', version: '1', description: 'Simulated tasks, cgroups and memory of a numaemu machine. Kernel files are served at /proc and /sys.' },
      servers: [],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id.replace(/\W/g, '-') : `def-${i}`) },
  })
  await app.register(healthRoutes)
  await app.register(apiRoutes, { prefix: '/api/v1' })
  await app.register(taskRoutes, { prefix: '/api/v1' })
  await app.register(simRoutes, { prefix: '/api/v1' })
  // Larger client messages are closed with 1009 by ws itself.
  await app.register(websocket, { options: { maxPayload: STREAM_LIMITS.maxPayloadBytes } })
  await app.register(streamRoutes, { prefix: '/api/v1' })
  await app.register(dashboardRoutes)
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await app.register(kernfsRoutes)
  return app
}
