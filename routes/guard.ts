/**
 * Who may change the machine: nobody with --read-only (EROFS), only bearers of the
 * token when one is set. Reads are never guarded.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ERRNO } from '../src/kernfs/errno.js'

/**
 * Answers and returns true when the request may not change anything. `erofs` lets a
 * route answer EROFS in its own format (kernel paths answer in text).
 */
export function refuseChange(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, erofs?: () => unknown): boolean {
  if (app.numaemu.readOnly) {
    if (erofs) { erofs(); return true }
    const e = ERRNO.EROFS
    reply.code(e.status).header('x-errno', 'EROFS').send({ error: 'EROFS', errno: e.no, message: e.message, reason: 'the daemon runs with --read-only' })
    return true
  }
  if (app.numaemu.token !== null && req.headers.authorization !== `Bearer ${app.numaemu.token}`) {
    reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'UNAUTHORIZED', message: 'changes need the daemon token as a bearer header' })
    return true
  }
  return false
}

/** A preHandler refusing every non-GET request that may not change anything. */
export function guardChanges(app: FastifyInstance) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && refuseChange(app, req, reply)) return reply
  }
}
