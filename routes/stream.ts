/**
 * GET /api/v1/stream: kernel files pushed over a WebSocket (schemas/stream.ts). The
 * route only adapts sockets to the stream sessions in src/stream; a plain GET gets
 * 426, as there is nothing to show without the upgrade.
 */
import type { FastifyInstance } from 'fastify'
import { StreamHub } from '../src/stream/hub.js'
import { StreamSession } from '../src/stream/session.js'

export default async function streamRoutes(app: FastifyInstance): Promise<void> {
  const hub = new StreamHub(app.machine, app.kernfs, {
    onError: (err, sub) => app.log.error({ err, sub: sub.id }, 'stream frame failed'),
  })
  app.addHook('onClose', async () => hub.close())

  app.route({
    method: 'GET',
    url: '/stream',
    schema: { hide: true },
    handler: async (_req, reply) =>
      reply.code(426).header('upgrade', 'websocket').send({ error: 'UPGRADE_REQUIRED', message: 'open /api/v1/stream as a WebSocket; messages are described by the numaemu/stream-* schemas' }),
    wsHandler: (socket, req) => {
      const token = app.numaemu.token
      const session = new StreamSession({
        hub,
        peer: socket,
        authorized: token === null || req.headers.authorization === `Bearer ${token}`,
        readOnly: () => app.numaemu.readOnly,
        writerCpu: app.numaemu.writerCpu,
        log: req.log,
      })
      // Attached before anything async, so no message is missed (plugin rule).
      socket.on('message', (data, isBinary) => session.onMessage(data, isBinary))
      socket.on('close', () => session.close())
    },
  })
}
