/**
 * Messages of the WebSocket stream (GET /api/v1/stream). Every message is one JSON
 * object whose "type" names its schema; the client sends subscribe, unsubscribe,
 * ping and write, the server answers with subscribed, unsubscribed, frame, pong,
 * write-result and error.
 */
import type { FromSchema } from 'json-schema-to-ts'

/** Limits a client cannot negotiate; the server's memory per socket follows from them. */
export const STREAM_LIMITS = {
  /** Largest message a client may send; ws closes the socket with 1009 beyond it. */
  maxPayloadBytes: 64 * 1024,
  maxSubscriptions: 64,
  /** Files one subscription may expand to (after globbing). */
  maxFilesPerSubscription: 256,
  /** Error frames a socket may provoke before it is closed with 1008. */
  maxBadMessages: 20,
  /** Bytes queued for a socket above which due frames are skipped (and counted in `dropped`). */
  frameQueueBytes: 1 << 20,
  /** Bytes queued above which the client is taken to have stopped reading replies too; the socket is closed. */
  replyQueueBytes: 4 << 20,
  minIntervalMs: 10,
  maxIntervalMs: 3_600_000,
} as const

const id = { type: ['string', 'integer'], minLength: 1, maxLength: 128, description: 'chosen by the client, echoed in replies' } as const
const time = {
  jiffies: { type: 'integer', description: 'the kernel\'s 32-bit jiffies (HZ=1000) when the frame was read' },
  simMs: { type: 'number', description: 'simulated milliseconds since boot' },
  wallMs: { type: 'number', description: 'server wall clock, Unix epoch milliseconds' },
} as const

export const subscribeSchema = {
  $id: 'numaemu/stream-subscribe',
  type: 'object', additionalProperties: false, required: ['type', 'id', 'files', 'intervalMs', 'clock', 'format'],
  properties: {
    type: { const: 'subscribe' },
    id,
    files: {
      type: 'array', minItems: 1, maxItems: 64, uniqueItems: true,
      description: 'absolute kernel paths or globs: * and ? within a path component, ** for any number of components, [abc] classes',
      items: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^/' },
    },
    keys: {
      type: 'array', minItems: 1, maxItems: 1024, uniqueItems: true,
      description: 'keep only these keys of parsed files; "anon" also keeps "anon.N0", "anon.N1"; ignored by the text format',
      items: { type: 'string', minLength: 1, maxLength: 256 },
    },
    intervalMs: { type: 'integer', minimum: STREAM_LIMITS.minIntervalMs, maximum: STREAM_LIMITS.maxIntervalMs },
    clock: { enum: ['wall', 'sim'], description: 'wall: every intervalMs of real time; sim: whenever simulated time has moved intervalMs or more' },
    format: { enum: ['text', 'kv', 'delta', 'rate'] },
  },
} as const

export const unsubscribeSchema = {
  $id: 'numaemu/stream-unsubscribe',
  type: 'object', additionalProperties: false, required: ['type', 'id'],
  properties: { type: { const: 'unsubscribe' }, id },
} as const

export const pingSchema = {
  $id: 'numaemu/stream-ping',
  type: 'object', additionalProperties: false, required: ['type'],
  properties: { type: { const: 'ping' }, id },
} as const

export const writeSchema = {
  $id: 'numaemu/stream-write',
  type: 'object', additionalProperties: false, required: ['type', 'id', 'path', 'value'],
  properties: {
    type: { const: 'write' },
    id,
    path: { type: 'string', minLength: 1, maxLength: 4096 },
    value: { type: 'string', maxLength: 60000, description: 'written as `echo -n VALUE > path` would (UTF-8 bytes)' },
  },
} as const

/** Client messages by type; the server validates against the one "type" names. */
export const CLIENT_MESSAGE_SCHEMAS = {
  subscribe: subscribeSchema,
  unsubscribe: unsubscribeSchema,
  ping: pingSchema,
  write: writeSchema,
} as const

export const clientMessageSchema = {
  $id: 'numaemu/stream-client-message',
  description: 'A message from client to server, discriminated by "type"',
  type: 'object', required: ['type'],
  oneOf: [
    { $ref: 'numaemu/stream-subscribe#' }, { $ref: 'numaemu/stream-unsubscribe#' },
    { $ref: 'numaemu/stream-ping#' }, { $ref: 'numaemu/stream-write#' },
  ],
} as const

const kvOrText = {
  anyOf: [
    { type: 'string', description: 'the file\'s text (text format, or a file whose format is not parsed)' },
    { type: 'object', additionalProperties: { type: 'number' }, description: 'key → value, or key → change for delta and rate frames' },
  ],
} as const

export const frameSchema = {
  $id: 'numaemu/stream-frame',
  type: 'object', additionalProperties: false, required: ['type', 'sub', 'seq', 'jiffies', 'simMs', 'wallMs', 'files'],
  properties: {
    type: { const: 'frame' },
    sub: id,
    seq: { type: 'integer', minimum: 1, description: 'frames sent on this subscription so far, this one included' },
    ...time,
    full: { const: true, description: 'absolute values of every file: replace what you hold (first frame, a changed file set or key set, and every text or kv frame)' },
    dropped: { type: 'integer', minimum: 1, description: 'frames that fell due since the previous one but were not sent because the socket was backed up' },
    files: { type: 'object', additionalProperties: kvOrText },
  },
} as const

export const subscribedSchema = {
  $id: 'numaemu/stream-subscribed',
  type: 'object', additionalProperties: false, required: ['type', 'id', 'files', 'intervalMs', 'clock', 'format'],
  properties: {
    type: { const: 'subscribed' }, id,
    files: { type: 'array', items: { type: 'string' }, description: 'the paths the globs expanded to, in frame order' },
    intervalMs: { type: 'integer' }, clock: { enum: ['wall', 'sim'] }, format: { enum: ['text', 'kv', 'delta', 'rate'] },
  },
} as const

export const unsubscribedSchema = {
  $id: 'numaemu/stream-unsubscribed',
  type: 'object', additionalProperties: false, required: ['type', 'id'],
  properties: { type: { const: 'unsubscribed' }, id },
} as const

export const pongSchema = {
  $id: 'numaemu/stream-pong',
  type: 'object', additionalProperties: false, required: ['type', 'jiffies', 'simMs', 'wallMs'],
  properties: { type: { const: 'pong' }, id, ...time },
} as const

export const writeResultSchema = {
  $id: 'numaemu/stream-write-result',
  type: 'object', additionalProperties: false, required: ['type', 'id', 'ok'],
  properties: {
    type: { const: 'write-result' }, id,
    ok: { type: 'boolean' },
    written: { type: 'integer', description: 'bytes write(2) returned' },
    consumed: { type: 'integer', description: 'bytes the file\'s parser used' },
    errno: { type: 'string', description: 'errno name, as the x-errno header of PUT' },
    status: { type: 'integer', description: 'HTTP status the same PUT would have been answered with' },
    message: { type: 'string' },
    reason: { type: 'string' },
  },
} as const

export const STREAM_ERROR_CODES = [
  'bad-json', 'binary', 'bad-message', 'unknown-subscription', 'duplicate-subscription',
  'too-many-subscriptions', 'bad-path', 'too-many-files',
] as const

export const errorSchema = {
  $id: 'numaemu/stream-error',
  type: 'object', additionalProperties: false, required: ['type', 'code', 'message'],
  properties: {
    type: { const: 'error' },
    code: { enum: STREAM_ERROR_CODES },
    message: { type: 'string' },
    ref: { ...id, description: 'id of the message that was refused, when it had one' },
    errno: { type: 'string', description: 'for bad-path: why the path cannot be streamed' },
    path: { type: 'string' },
  },
} as const

export const SERVER_MESSAGE_SCHEMAS = [frameSchema, subscribedSchema, unsubscribedSchema, pongSchema, writeResultSchema, errorSchema] as const

export const serverMessageSchema = {
  $id: 'numaemu/stream-server-message',
  description: 'A message from server to client, discriminated by "type"',
  type: 'object', required: ['type'],
  oneOf: SERVER_MESSAGE_SCHEMAS.map((s) => ({ $ref: `${s.$id}#` })),
}

export const STREAM_SCHEMAS = [
  ...Object.values(CLIENT_MESSAGE_SCHEMAS), clientMessageSchema, ...SERVER_MESSAGE_SCHEMAS, serverMessageSchema,
] as const

export type SubscribeMsg = FromSchema<typeof subscribeSchema>
export type UnsubscribeMsg = FromSchema<typeof unsubscribeSchema>
export type PingMsg = FromSchema<typeof pingSchema>
export type WriteMsg = FromSchema<typeof writeSchema>
export type ClientMessage = SubscribeMsg | UnsubscribeMsg | PingMsg | WriteMsg
export type StreamId = SubscribeMsg['id']
export type StreamFormat = SubscribeMsg['format']
export type StreamClock = SubscribeMsg['clock']
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number]
