/** JSON inspection of the simulated machine. */
import type { FastifyInstance } from 'fastify'
import { listFormat } from '../src/kernfs/format.js'

export default async function apiRoutes(app: FastifyInstance): Promise<void> {
  app.get('/machine', {
    schema: { response: { 200: { $ref: 'numaemu/machine#' } } },
  }, async () => {
    const m = app.machine
    return {
      name: m.spec.name,
      description: m.spec.description,
      release: m.spec.release,
      seed: m.spec.seed,
      kconfig: { ...m.kconfig },
      cpus: m.onlineCpus().length,
      time: { ms: m.clock.nowMs(), jiffies: m.clock.jiffies() },
      nodes: m.nodes.map((n) => {
        const tier = m.tiers.tiers.find((t) => t.nodes.includes(n.id))
        return {
          id: n.id,
          kind: n.spec.kind,
          cpus: listFormat(n.cpus),
          memoryMiB: n.spec.memoryMiB,
          memTotalKiB: n.managed * 4,
          memFreeKiB: n.free * 4,
          tier: tier ? tier.id : null,
          toptier: m.tiers.toptier.has(n.id),
          adistance: n.spec.adistance,
          distances: m.nodes.map((o) => m.distance(n.id, o.id)),
          zones: n.zones.map((z) => ({
            type: z.type, startPfn: z.startPfn, spanned: z.spanned, present: z.present, managed: z.managed, free: z.free,
            watermarks: { ...z.wmark },
          })),
        }
      }),
      tiers: m.tiers.tiers.map((t) => ({ id: t.id, nodes: [...t.nodes] })),
    }
  })
}
