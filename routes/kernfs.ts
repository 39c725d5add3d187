/**
 * Kernel paths (/proc/..., /sys/...) with the kernel's semantics: GET/HEAD read a
 * file or list a directory, PUT/POST write the body as `echo -n BODY > file` would.
 * Refusals carry the errno in an x-errno header and the body, with the HTTP status
 * from the one errno table.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ERRNO, type ErrnoName } from '../src/kernfs/errno.js'
import { refuseChange } from './guard.js'

const ROOTS = ['/proc', '/sys'] as const

function wantsJson(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('application/json')
}

export function sendErrno(req: FastifyRequest, reply: FastifyReply, errno: ErrnoName, op: string, path: string, reason?: string): FastifyReply {
  const e = ERRNO[errno]
  reply.code(e.status).header('x-errno', errno)
  if (wantsJson(req)) {
    return reply.type('application/json').send({ error: errno, errno: e.no, message: e.message, path, ...(reason ? { reason } : {}) })
  }
  return reply.type('text/plain; charset=utf-8').send(`numaemu: ${op} ${path}: ${e.message} (${errno})${reason ? `: ${reason}` : ''}\n`)
}

/** The raw URL path, decoded once; encoded slashes and NUL bytes are refused as the VFS never sees them. */
function requestPath(req: FastifyRequest): { ok: true; path: string } | { ok: false; reason: string } {
  const raw = req.url.split('?')[0]
  if (/%2f|%5c|%00/i.test(raw)) return { ok: false, reason: 'encoded slashes and NUL bytes are not allowed in paths' }
  try {
    return { ok: true, path: decodeURIComponent(raw) }
  } catch {
    return { ok: false, reason: 'malformed percent-encoding' }
  }
}

export default async function kernfsRoutes(app: FastifyInstance): Promise<void> {
  // Bodies are bytes for the kernel's parsers, whatever content type curl claims.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendErrno(req, reply, 'E2BIG', 'write', req.url)
    req.log.error({ err }, 'request failed')
    return reply.code(err.statusCode && err.statusCode < 500 ? err.statusCode : 500).send({ error: err.code ?? 'ERROR', message: err.message })
  })

  const read = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = requestPath(req)
    if (!p.ok) return sendErrno(req, reply, 'ENOENT', 'read', req.url, p.reason)
    const r = app.kernfs.read(p.path)
    if (!r.ok) return sendErrno(req, reply, r.errno, 'read', p.path, r.reason)
    if (r.type === 'dir') {
      if (wantsJson(req)) return reply.type('application/json').send(r.entries.map((e) => ({ ...e, mode: `0${e.mode.toString(8)}` })))
      return reply.type('text/plain; charset=utf-8').send(r.entries.map((e) => (e.type === 'dir' ? `${e.name}/` : e.name)).join('\n') + (r.entries.length ? '\n' : ''))
    }
    return reply
      .type('text/plain; charset=utf-8')
      .header('x-kernfs', r.entry.file.fs)
      .header('x-mode', `0${r.entry.file.mode.toString(8)}`)
      .header('cache-control', 'no-store')
      .send(r.text)
  }

  const write = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = requestPath(req)
    if (!p.ok) return sendErrno(req, reply, 'ENOENT', 'write', req.url, p.reason)
    if (refuseChange(app, req, reply, () => sendErrno(req, reply, 'EROFS', 'write', p.path, 'the daemon runs with --read-only'))) return reply
    const body = req.body instanceof Buffer ? req.body.toString('latin1') : ''
    const r = app.kernfs.write(p.path, body, { cpu: app.numaemu.writerCpu })
    const shown = body.length > 64 ? `${JSON.stringify(body.slice(0, 64))}…` : JSON.stringify(body)
    if (!r.ok) {
      req.log.info({ path: p.path, value: shown, errno: r.errno }, 'write refused')
      return sendErrno(req, reply, r.errno, 'write', p.path, r.reason)
    }
    req.log.info({ path: p.path, value: shown, written: r.written }, 'write accepted')
    return reply.code(204).header('x-bytes-written', String(r.written)).header('x-bytes-consumed', String(r.consumed)).send()
  }

  /** mkdir (MKCOL) and rmdir (DELETE): cgroupfs makes and removes cgroups, other filesystems refuse. */
  const dirOp = (op: 'mkdir' | 'rmdir') => async (req: FastifyRequest, reply: FastifyReply) => {
    const p = requestPath(req)
    if (!p.ok) return sendErrno(req, reply, 'ENOENT', op, req.url, p.reason)
    if (refuseChange(app, req, reply, () => sendErrno(req, reply, 'EROFS', op, p.path, 'the daemon runs with --read-only'))) return reply
    const r = op === 'mkdir' ? app.kernfs.mkdir(p.path) : app.kernfs.rmdir(p.path)
    req.log.info({ path: p.path, op, result: r.ok ? 'ok' : r.errno }, `${op} ${r.ok ? 'done' : 'refused'}`)
    if (!r.ok) return sendErrno(req, reply, r.errno, op, p.path, r.reason)
    return reply.code(op === 'mkdir' ? 201 : 204).send()
  }

  for (const root of ROOTS) {
    for (const url of [root, `${root}/*`]) {
      app.get(url, read)
      app.put(url, write)
      app.post(url, write)
      app.route({ method: 'MKCOL', url, handler: dirOp('mkdir') })
      app.delete(url, dirOp('rmdir'))
    }
  }
}
