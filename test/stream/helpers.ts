/** A stream client for tests: messages queue up as they arrive and are taken in order. */
import type { FastifyInstance } from 'fastify'
import { WebSocket } from 'ws'
import { buildApp, type AppOptions } from '../../src/server/app.js'
import { boot } from '../helpers.js'

// Loose on purpose: tests look into frames of every shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>

export class Client {
  private readonly queue: Msg[] = []
  private waiter: (() => void) | null = null
  closed: { code: number; reason: string } | null = null
  private closeWaiters: Array<() => void> = []

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.queue.push(JSON.parse(String(d)) as Msg)
      this.waiter?.()
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) }
      for (const w of this.closeWaiters) w()
      this.waiter?.()
    })
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg))
  }

  /** The next message that `match` accepts (others before it are discarded). */
  async next(match: (m: Msg) => boolean = () => true, timeoutMs = 3000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.queue.length) {
        const m = this.queue.shift()!
        if (match(m)) return m
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no matching message in time')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.waiter = null; resolve() }, left)
        this.waiter = () => { clearTimeout(timer); this.waiter = null; resolve() }
      })
    }
  }

  /** Messages that arrive within `ms`, all of them. */
  async drain(ms: number): Promise<Msg[]> {
    await new Promise((r) => setTimeout(r, ms))
    return this.queue.splice(0)
  }

  whenClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs)
      this.closeWaiters.push(() => { clearTimeout(timer); resolve(this.closed!) })
    })
  }
}

export const frameOf = (sub: string) => (m: Msg) => m.type === 'frame' && m.sub === sub

interface TapLike { teardown(fn: () => unknown): void }

export async function setup(t: TapLike, opts: Partial<AppOptions> & { preset?: string } = {}) {
  const { m } = boot(opts.preset ?? 'default')
  const app: FastifyInstance = await buildApp({ machine: m, ...opts })
  await app.ready()
  t.teardown(() => app.close())
  const open = async (headers: Record<string, string> = {}) => {
    const ws = await app.injectWS('/api/v1/stream', { headers })
    t.teardown(() => ws.terminate())
    return new Client(ws)
  }
  /** A real client over loopback TCP, for what injectWS's in-memory streams do not model (close handshakes, backpressure). */
  let base: string | null = null
  const connect = async (headers: Record<string, string> = {}) => {
    base ??= (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws')
    const ws = new WebSocket(`${base}/api/v1/stream`, { headers })
    t.teardown(() => ws.terminate())
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    return new Client(ws)
  }
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await app.inject({ method: method as 'GET', url, headers, ...(body === undefined ? {} : { payload: body as object }) })
    return { status: r.statusCode, json: r.body && r.headers['content-type']?.includes('json') ? r.json() : null, body: r.body }
  }
  const text = async (url: string) => (await app.inject(url)).body
  return { m, app, open, connect, call, text }
}
