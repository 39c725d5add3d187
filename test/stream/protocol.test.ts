/**
 * The stream's control messages: writes with PUT's kernel semantics, ping, error
 * frames, the limits that close a socket, and cleanup when it closes.
 */
import t from 'tap'
import { STREAM_LIMITS } from '../../schemas/stream.js'
import { frameOf, setup } from './helpers.js'

const sub = (id: string | number, extra: object = {}) =>
  ({ type: 'subscribe', id, files: ['/proc/vmstat'], intervalMs: 1000, clock: 'wall', format: 'delta', ...extra })

t.test('write: EINVAL for a bad value changes nothing; a good value lands', async (t) => {
  const { open, text } = await setup(t)
  const c = await open()
  const path = '/proc/sys/vm/watermark_scale_factor'
  const before = { knob: await text(path), zoneinfo: await text('/proc/zoneinfo') }
  for (const [i, value] of ['abc', '0', '3001', '12abc', ''].entries()) {
    c.send({ type: 'write', id: `bad${i}`, path, value })
    const r = await c.next()
    if (value === '') {
      t.same(r, { type: 'write-result', id: `bad${i}`, ok: true, written: 0, consumed: 0 }, 'an empty write is a no-op, as in the kernel')
      continue
    }
    t.same(r, { type: 'write-result', id: `bad${i}`, ok: false, errno: 'EINVAL', status: 400, message: 'Invalid argument' }, `${JSON.stringify(value)} is refused`)
  }
  t.equal(await text(path), before.knob, 'the knob kept its value')
  t.equal(await text('/proc/zoneinfo'), before.zoneinfo, 'and the watermarks did not move')
  c.send({ type: 'write', id: 42, path, value: '200\n' })
  t.same(await c.next(), { type: 'write-result', id: 42, ok: true, written: 4, consumed: 4 })
  t.equal(await text(path), '200\n')
  c.send({ type: 'write', id: 'ro', path: '/proc/vmstat', value: '1' })
  t.match(await c.next(), { id: 'ro', ok: false, errno: 'EIO', status: 405 }, 'the errno of a PUT to a read-only procfs file')
  c.send({ type: 'write', id: 'nf', path: '/proc/nope', value: '1' })
  t.match(await c.next(), { id: 'nf', ok: false, errno: 'ENOENT', status: 404 })
})

t.test('write: --read-only gives EROFS; with a token, only sockets opened with it may write', async (t) => {
  const ro = await setup(t, { readOnly: true })
  const c = await ro.open()
  c.send({ type: 'write', id: 1, path: '/proc/sys/vm/watermark_scale_factor', value: '20' })
  t.match(await c.next(), { ok: false, errno: 'EROFS', status: 403, reason: 'the daemon runs with --read-only' })

  const tok = await setup(t, { token: 's3cret' })
  const anon = await tok.open()
  anon.send({ type: 'write', id: 1, path: '/proc/sys/vm/watermark_scale_factor', value: '20' })
  t.match(await anon.next(), { ok: false, errno: 'EACCES', status: 401 }, 'a socket without the token may read but not write')
  anon.send(sub('r'))
  t.match(await anon.next(), { type: 'subscribed' })
  t.match(await anon.next(frameOf('r')), { full: true })
  const wrong = await tok.open({ authorization: 'Bearer nope' })
  wrong.send({ type: 'write', id: 2, path: '/proc/sys/vm/watermark_scale_factor', value: '20' })
  t.match(await wrong.next(), { ok: false, errno: 'EACCES' })
  const authed = await tok.open({ authorization: 'Bearer s3cret' })
  authed.send({ type: 'write', id: 3, path: '/proc/sys/vm/watermark_scale_factor', value: '20' })
  t.match(await authed.next(), { ok: true, written: 2 })
  t.equal(await tok.text('/proc/sys/vm/watermark_scale_factor'), '20\n')
})

t.test('ping → pong with the clocks', async (t) => {
  const { app, open } = await setup(t)
  app.machine.sim.step(1234)
  const c = await open()
  c.send({ type: 'ping', id: 'p1' })
  const p = await c.next()
  t.match(p, { type: 'pong', id: 'p1', simMs: 1234, jiffies: app.machine.clock.jiffies() })
  t.ok(Math.abs(p.wallMs - Date.now()) < 5000)
  c.send({ type: 'ping' })
  t.notOk('id' in (await c.next()), 'no id asked, none echoed')
})

t.test('error frames for bad messages', async (t) => {
  const { open } = await setup(t)
  const c = await open()
  const cases: Array<[unknown, object]> = [
    ['{not json', { code: 'bad-json' }],
    ['[1,2]', { code: 'bad-message' }],
    [{ type: 'shout' }, { code: 'bad-message', message: /unknown message type "shout"/ }],
    [{ type: 'subscribe', id: 's', files: ['/proc/vmstat'], intervalMs: 5, clock: 'wall', format: 'delta' }, { code: 'bad-message', ref: 's', message: /intervalMs must be >= 10/ }],
    [{ type: 'subscribe', id: 's', files: ['proc/vmstat'], intervalMs: 100, clock: 'wall', format: 'delta' }, { code: 'bad-message', ref: 's' }],
    [{ ...sub('s'), extra: 1 }, { code: 'bad-message', message: /additional properties/ }],
    [sub('s', { files: ['/proc/nope'] }), { code: 'bad-path', errno: 'ENOENT', path: '/proc/nope', ref: 's' }],
    [sub('s', { files: ['/sys/devices/system/node'] }), { code: 'bad-path', errno: 'EISDIR' }],
    [sub('s', { files: ['/sys/fs/cgroup/memory.reclaim'] }), { code: 'bad-path', errno: 'EACCES' }],
    [sub('s', { files: ['/proc/../proc/vmstat'] }), { code: 'bad-path', errno: 'EACCES' }],
    [{ type: 'unsubscribe', id: 'ghost' }, { code: 'unknown-subscription', ref: 'ghost' }],
  ]
  for (const [msg, want] of cases) {
    c.send(msg)
    t.match(await c.next(), { type: 'error', ...want }, JSON.stringify(msg).slice(0, 80))
  }
  c.ws.send(Buffer.from('{}'), { binary: true })
  t.match(await c.next(), { type: 'error', code: 'binary' })
  c.send(sub('dup'))
  t.match(await c.next(), { type: 'subscribed', id: 'dup' })
  c.send(sub('dup'))
  t.match(await c.next((m) => m.type === 'error'), { code: 'duplicate-subscription', ref: 'dup' })
  c.send(sub(1))
  t.match(await c.next((m) => m.type === 'subscribed'), { id: 1 }, '1 and "1" are different ids')
  c.send(sub('1'))
  t.match(await c.next((m) => m.type === 'subscribed'), { id: '1' })
  c.send({ type: 'unsubscribe', id: 'dup' })
  t.same(await c.next((m) => m.type !== 'frame'), { type: 'unsubscribed', id: 'dup' })
  t.equal(c.closed, null, 'fewer than 20 bad messages keep the socket open')
})

t.test('more than 64 subscriptions are refused', async (t) => {
  const { open } = await setup(t)
  const c = await open()
  for (let i = 0; i < STREAM_LIMITS.maxSubscriptions; i++) c.send(sub(i))
  for (let i = 0; i < STREAM_LIMITS.maxSubscriptions; i++) t.equal((await c.next((m) => m.type === 'subscribed')).id, i)
  c.send(sub('one-too-many'))
  t.match(await c.next((m) => m.type === 'error'), { code: 'too-many-subscriptions', ref: 'one-too-many' })
})

t.test('a subscription may not expand to more than 256 files', async (t) => {
  const { open, call } = await setup(t)
  const c = await open()
  c.send(sub('all', { files: ['/sys/fs/cgroup/**'] }))
  const small = (await c.next()).files.length
  for (let i = 0; small * (i + 1) <= STREAM_LIMITS.maxFilesPerSubscription; i++) t.equal((await call('POST', '/api/v1/cgroups', { path: `/g${i}` })).status, 201)
  c.send(sub('too-many', { files: ['/sys/fs/cgroup/**'] }))
  t.match(await c.next((m) => m.type === 'error'), { code: 'too-many-files', ref: 'too-many' })
})

t.test('20 bad messages close the socket with 1008', async (t) => {
  const { connect } = await setup(t)
  const c = await connect()
  for (let i = 0; i < STREAM_LIMITS.maxBadMessages + 5; i++) c.send('garbage')
  const closed = await c.whenClosed()
  t.equal(closed.code, 1008)
  t.equal(closed.reason, 'too many bad messages')
  const errors = (await c.drain(0)).filter((m) => m.type === 'error')
  t.ok(errors.length <= STREAM_LIMITS.maxBadMessages, `at most 20 error frames (${errors.length})`)
})

t.test('a message over 64 KiB closes the socket with 1009', async (t) => {
  const { connect } = await setup(t)
  const c = await connect()
  c.send({ type: 'write', id: 'big', path: '/proc/sys/vm/watermark_scale_factor', value: 'x'.repeat(STREAM_LIMITS.maxPayloadBytes) })
  t.equal((await c.whenClosed()).code, 1009)
})

t.test('closing the socket ends its subscriptions and their timers', async (t) => {
  const { connect } = await setup(t)
  // The hub's timers are unref'd, so they are counted where they are made: pending
  // timers of at most 12 ms (the subscriptions' 10 ms interval, plus the fraction by
  // which libuv may fire a timer early against the grid; other timers are longer).
  const live = new Set<unknown>()
  const g = globalThis as unknown as Record<'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval', (...a: unknown[]) => unknown>
  const orig = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval }
  g.setTimeout = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const h = orig.setTimeout((...a: unknown[]) => { live.delete(h); (fn as (...x: unknown[]) => void)(...a) }, ms, ...rest)
    if (typeof ms === 'number' && ms <= 12) live.add(h)
    return h
  }
  g.setInterval = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const h = orig.setInterval(fn, ms, ...rest)
    if (typeof ms === 'number' && ms <= 12) live.add(h)
    return h
  }
  g.clearTimeout = (h: unknown) => { live.delete(h); return orig.clearTimeout(h) }
  g.clearInterval = (h: unknown) => { live.delete(h); return orig.clearInterval(h) }
  t.teardown(() => { Object.assign(g, orig) })
  const c = await connect()
  const base = live.size
  c.send(sub('a', { intervalMs: 10 }))
  c.send(sub('b', { intervalMs: 10, clock: 'sim' }))
  c.send(sub('c', { intervalMs: 10, clock: 'sim' }))
  await c.next(frameOf('c'))
  t.equal(live.size, base + 2, 'one timer for the wall subscription, one shared poll for sim time')
  c.send({ type: 'unsubscribe', id: 'b' })
  await c.next((m) => m.type === 'unsubscribed')
  t.equal(live.size, base + 2)
  c.send({ type: 'unsubscribe', id: 'c' })
  await c.next((m) => m.type === 'unsubscribed')
  t.equal(live.size, base + 1, 'the sim poll stops with the last sim subscription')
  c.send(sub('d', { intervalMs: 10, clock: 'sim' }))
  await c.next(frameOf('d'))
  t.equal(live.size, base + 2)
  c.ws.close()
  await c.whenClosed()
  await new Promise((r) => setTimeout(r, 50))
  t.equal(live.size, base, 'all gone after close')
})

t.test('a plain GET is told to upgrade', async (t) => {
  const { call } = await setup(t)
  const r = await call('GET', '/api/v1/stream')
  t.equal(r.status, 426)
})
