import type { FastifyInstance } from 'fastify'

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', {
    schema: { response: { 200: { $ref: 'numaemu/health#' } } },
  }, async () => ({ status: 'ok' as const, machine: app.machine.spec.name, readOnly: app.numaemu.readOnly }))
}
