/**
 * One stream socket: its messages are validated against schemas/stream.ts and
 * dispatched, its subscriptions live in the hub until it closes, and a client that
 * keeps sending bad messages, or stops reading while it keeps asking, is cut off.
 */
import { Ajv, type ValidateFunction } from 'ajv'
import {
  CLIENT_MESSAGE_SCHEMAS, STREAM_LIMITS,
  type ClientMessage, type PingMsg, type StreamErrorCode, type StreamId, type SubscribeMsg, type UnsubscribeMsg, type WriteMsg,
} from '../../schemas/stream.js'
import { ERRNO, type ErrnoName } from '../kernfs/errno.js'
import { expandPatterns } from './glob.js'
import { Subscription, type Peer, type StreamHub } from './hub.js'

export interface ClosablePeer extends Peer {
  close(code: number, reason: string): void
}

/** What the session logs; pino's logger is one. */
export interface LogLike {
  info(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export interface SessionOptions {
  hub: StreamHub
  peer: ClosablePeer
  /** Whether the socket was opened with the daemon's bearer token (or none is configured). */
  authorized: boolean
  /** Read per write, as --read-only is read per PUT. */
  readOnly: () => boolean
  writerCpu: number
  log?: LogLike
}

/** WebSocket close codes used here (RFC 6455 §7.4.1). */
export const CLOSE_POLICY = 1008

const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false })
const VALIDATORS = Object.fromEntries(
  Object.entries(CLIENT_MESSAGE_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]),
) as Record<ClientMessage['type'], ValidateFunction>

const idOf = (x: unknown): StreamId | undefined => {
  const id = (x as { id?: unknown } | null)?.id
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : undefined
}

const silent: LogLike = { info: () => {}, debug: () => {} }

export class StreamSession {
  /** Keyed by the JSON of the id, so 1 and "1" are different subscriptions. */
  private readonly subs = new Map<string, Subscription>()
  private bad = 0
  private closed = false
  private readonly log: LogLike

  constructor(private readonly o: SessionOptions) {
    this.log = o.log ?? silent
  }

  get subscriptions(): number { return this.subs.size }

  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.closed) return
    if (isBinary) return this.fail('binary', 'messages are JSON text frames')
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8')
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch (err) {
      return this.fail('bad-json', `not JSON: ${(err as Error).message}`)
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.fail('bad-message', 'a message is a JSON object with a "type"')
    const type = (msg as { type?: unknown }).type
    const validate = typeof type === 'string' && Object.hasOwn(VALIDATORS, type) ? VALIDATORS[type as ClientMessage['type']] : null
    if (!validate) return this.fail('bad-message', `unknown message type ${JSON.stringify(type)}; expected one of ${Object.keys(VALIDATORS).join(', ')}`, idOf(msg))
    if (!validate(msg)) return this.fail('bad-message', ajv.errorsText(validate.errors, { dataVar: type as string }), idOf(msg))
    const m = msg as ClientMessage
    switch (m.type) {
      case 'subscribe': return this.subscribe(m)
      case 'unsubscribe': return this.unsubscribe(m)
      case 'ping': return this.ping(m)
      case 'write': return this.write(m)
    }
  }

  /** The socket closed: every subscription ends with it. */
  close(): void {
    this.closed = true
    for (const sub of this.subs.values()) this.o.hub.stop(sub)
    this.subs.clear()
  }

  private subscribe(m: SubscribeMsg): void {
    const key = JSON.stringify(m.id)
    if (this.subs.has(key)) return this.fail('duplicate-subscription', `subscription ${key} exists; unsubscribe first`, m.id)
    if (this.subs.size >= STREAM_LIMITS.maxSubscriptions) return this.fail('too-many-subscriptions', `at most ${STREAM_LIMITS.maxSubscriptions} subscriptions per socket`, m.id)
    const e = expandPatterns(this.o.hub.kernfs, m.files)
    if (!e.ok) return this.fail('bad-path', `${e.pattern}: ${ERRNO[e.errno].message}: ${e.reason}`, m.id, { errno: e.errno, path: e.pattern })
    if (e.paths.length > STREAM_LIMITS.maxFilesPerSubscription) {
      return this.fail('too-many-files', `the files expand to ${e.paths.length} paths; at most ${STREAM_LIMITS.maxFilesPerSubscription}`, m.id)
    }
    const sub = new Subscription(this.o.peer, m, e.paths, this.o.hub.machine)
    this.subs.set(key, sub)
    this.log.debug({ sub: m.id, files: e.paths.length, clock: m.clock, format: m.format, intervalMs: m.intervalMs }, 'stream subscribed')
    if (!this.reply({ type: 'subscribed', id: m.id, files: e.paths, intervalMs: m.intervalMs, clock: m.clock, format: m.format })) return
    this.o.hub.start(sub)
  }

  private unsubscribe(m: UnsubscribeMsg): void {
    const key = JSON.stringify(m.id)
    const sub = this.subs.get(key)
    if (!sub) return this.fail('unknown-subscription', `no subscription ${key}`, m.id)
    this.o.hub.stop(sub)
    this.subs.delete(key)
    this.reply({ type: 'unsubscribed', id: m.id })
  }

  private ping(m: PingMsg): void {
    const c = this.o.hub.machine.clock
    this.reply({ type: 'pong', ...(m.id === undefined ? {} : { id: m.id }), jiffies: c.jiffies(), simMs: c.nowMs(), wallMs: Date.now() })
  }

  /**
   * write(2) with PUT's rules: --read-only refuses with EROFS first; a socket opened
   * without the token gets EACCES, with the 401 a PUT without it would get.
   */
  private write(m: WriteMsg): void {
    const refuse = (errno: ErrnoName, status: number, reason?: string) =>
      this.reply({ type: 'write-result', id: m.id, ok: false, errno, status, message: ERRNO[errno].message, ...(reason ? { reason } : {}) })
    if (this.o.readOnly()) return void refuse('EROFS', ERRNO.EROFS.status, 'the daemon runs with --read-only')
    if (!this.o.authorized) return void refuse('EACCES', 401, 'writes need the daemon token as a bearer header when the socket is opened')
    // The JSON string is text; the file gets its UTF-8 bytes, as `echo -n` from a UTF-8 shell would write.
    const data = Buffer.from(m.value, 'utf8').toString('latin1')
    const r = this.o.hub.kernfs.write(m.path, data, { cpu: this.o.writerCpu })
    const shown = m.value.length > 64 ? `${JSON.stringify(m.value.slice(0, 64))}…` : JSON.stringify(m.value)
    if (!r.ok) {
      this.log.info({ path: m.path, value: shown, errno: r.errno }, 'stream write refused')
      return void refuse(r.errno, ERRNO[r.errno].status, r.reason)
    }
    this.log.info({ path: m.path, value: shown, written: r.written }, 'stream write accepted')
    this.reply({ type: 'write-result', id: m.id, ok: true, written: r.written, consumed: r.consumed })
  }

  private fail(code: StreamErrorCode, message: string, ref?: StreamId, extra: { errno?: string; path?: string } = {}): void {
    if (!this.reply({ type: 'error', code, message, ...(ref === undefined ? {} : { ref }), ...extra })) return
    if (++this.bad >= STREAM_LIMITS.maxBadMessages) this.shut(CLOSE_POLICY, 'too many bad messages')
  }

  /**
   * Replies are small, but a client that sends without reading would grow the queue
   * without end, so past the reply limit the socket is closed instead.
   */
  private reply(obj: object): boolean {
    if (this.closed) return false
    if (this.o.peer.bufferedAmount > STREAM_LIMITS.replyQueueBytes) {
      this.shut(CLOSE_POLICY, 'not reading replies')
      return false
    }
    this.o.peer.send(JSON.stringify(obj))
    return true
  }

  private shut(code: number, reason: string): void {
    this.log.info({ code, reason, bad: this.bad }, 'stream closed by server')
    this.close()
    this.o.peer.close(code, reason)
  }
}
