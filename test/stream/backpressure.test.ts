/**
 * A reader that falls behind: frames are skipped while its queue is over the limit,
 * the next one says how many were, and its deltas still add up to the truth.
 */
import t from 'tap'
import { STREAM_LIMITS, type SubscribeMsg } from '../../schemas/stream.js'
import { StreamHub, Subscription, type Peer } from '../../src/stream/hub.js'
import { boot, kv, read } from '../helpers.js'
import { frameOf, setup, type Msg } from './helpers.js'

/** A socket whose queue the test fills and empties by hand. */
class FakePeer implements Peer {
  readyState = 1
  bufferedAmount = 0
  readonly frames: Msg[] = []
  send(data: string): void { this.frames.push(JSON.parse(data) as Msg) }
}

const apply = (state: Map<string, number>, f: Msg, path: string) => {
  const files = f.files[path] as Record<string, number> | undefined
  if (f.full) state.clear()
  for (const [k, v] of Object.entries(files ?? {})) state.set(k, f.full ? v : state.get(k)! + v)
}

t.test('coalescing: skipped frames are counted and the next delta is against what was really sent', async (t) => {
  const { m, fs } = boot('default')
  const hub = new StreamHub(m, fs, { frameQueueBytes: 1000 })
  t.teardown(() => hub.close())
  const peer = new FakePeer()
  const msg: SubscribeMsg = { type: 'subscribe', id: 's', files: ['/proc/vmstat'], intervalMs: 10, clock: 'sim', format: 'delta' }
  const sub = new Subscription(peer, msg, ['/proc/vmstat'], m)
  hub.start(sub)
  t.equal(peer.frames.length, 1)
  const held = new Map<string, number>()
  apply(held, peer.frames[0], '/proc/vmstat')
  const pid = m.tasks.create({ cpu: 0, cgroup: '/', comm: 'x' })
  if (!pid.ok) throw new Error('no task')
  const grow = () => { m.tasks.allocate(pid.value, 'anon', 256); m.sim.step(10); hub.pollSim() }

  grow()
  t.equal(peer.frames.length, 2)
  t.notOk(peer.frames[1].dropped)
  apply(held, peer.frames[1], '/proc/vmstat')

  peer.bufferedAmount = 5000
  for (let i = 0; i < 7; i++) grow()
  t.equal(peer.frames.length, 2, 'nothing is sent while the queue is over the limit')
  t.equal(sub.dropped, 7)
  peer.bufferedAmount = 0
  grow()
  const f = peer.frames[2]
  t.equal(f.dropped, 7, 'the next frame says how many were skipped')
  t.equal(f.seq, 3, 'seq counts frames sent')
  t.notOk(f.full)
  apply(held, f, '/proc/vmstat')
  t.same(held, kv(read(fs, '/proc/vmstat')), 'the deltas add up to the file across the gap')
  grow()
  t.notOk(peer.frames[3].dropped, 'dropped is reset once reported')
  t.equal(sub.droppedTotal, 7)
  t.equal(hub.stats.framesDropped, 7)
})

t.test('rate across a gap is per second of the whole gap', async (t) => {
  const { m, fs } = boot('default')
  const hub = new StreamHub(m, fs, { frameQueueBytes: 1000 })
  t.teardown(() => hub.close())
  const peer = new FakePeer()
  const msg: SubscribeMsg = { type: 'subscribe', id: 'r', files: ['/proc/vmstat'], keys: ['nr_anon_pages'], intervalMs: 100, clock: 'sim', format: 'rate' }
  const sub = new Subscription(peer, msg, ['/proc/vmstat'], m)
  hub.start(sub)
  const t0 = kv(read(fs, '/proc/vmstat')).get('nr_anon_pages')!
  const task = m.tasks.create({ cpu: 0, cgroup: '/', comm: 'x' })
  if (!task.ok) throw new Error('no task')
  peer.bufferedAmount = 5000
  for (let i = 0; i < 3; i++) { m.tasks.allocate(task.value, 'anon', 100); m.sim.step(100); hub.pollSim() }
  peer.bufferedAmount = 0
  m.tasks.allocate(task.value, 'anon', 100)
  m.sim.step(100)
  hub.pollSim()
  const f = peer.frames.at(-1)!
  const moved = kv(read(fs, '/proc/vmstat')).get('nr_anon_pages')! - t0
  t.equal(f.dropped, 3)
  t.same(f.files, { '/proc/vmstat': { nr_anon_pages: moved / 0.4 } }, '400 ms of simulated time since the frame the client holds')
})

t.test('a paused reader over TCP: frames coalesce, its server-side queue stays bounded, deltas stay exact', async (t) => {
  const { app, connect, call, text } = await setup(t)
  const pid = (await call('POST', '/api/v1/tasks', { cpu: 0 })).json.pid
  const fast = await connect()
  const slow = await connect()
  // The slow socket carries a heavy text stream, to fill the pipes quickly, and a delta stream to check afterwards.
  slow.send({ type: 'subscribe', id: 'heavy', files: ['/proc/**', '/sys/devices/**'], intervalMs: 10, clock: 'wall', format: 'text' })
  const heavyBytes = JSON.stringify(await slow.next(frameOf('heavy'))).length
  slow.send({ type: 'subscribe', id: 'vm', files: ['/proc/vmstat'], intervalMs: 10, clock: 'wall', format: 'delta' })
  const vmFrames: Msg[] = [await slow.next(frameOf('vm'))]
  fast.send({ type: 'subscribe', id: 'vm', files: ['/proc/vmstat'], intervalMs: 50, clock: 'wall', format: 'delta' })
  await fast.next(frameOf('vm'))
  const server = [...app.websocketServer.clients]
  t.equal(server.length, 2)
  const queued = () => Math.max(...server.map((s) => s.bufferedAmount))

  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
  socket.pause()
  const work = async () => {
    await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: 64 })
    await new Promise((r) => setTimeout(r, 10))
  }
  let maxQueued = 0
  const heap0 = process.memoryUsage().heapUsed
  // Until the kernel's socket buffers are full and the server-side queue reaches the limit...
  for (const deadline = Date.now() + 20000; Date.now() < deadline && maxQueued <= STREAM_LIMITS.frameQueueBytes;) {
    await work()
    maxQueued = Math.max(maxQueued, queued())
  }
  // ...and a while longer: the queue must not grow with time.
  for (let i = 0; i < 60; i++) {
    await work()
    maxQueued = Math.max(maxQueued, queued())
  }
  const bound = STREAM_LIMITS.frameQueueBytes + 2 * heavyBytes
  t.ok(maxQueued > STREAM_LIMITS.frameQueueBytes, `the reader fell behind (queue reached ${maxQueued} bytes)`)
  t.ok(maxQueued <= bound, `the queue stays within the limit plus a frame per subscription (${maxQueued} ≤ ${bound})`)
  t.ok(process.memoryUsage().heapUsed - heap0 < 64 * 1024 * 1024, 'the heap did not balloon')
  const fastFrames = (await fast.drain(0)).filter(frameOf('vm'))
  t.ok(fastFrames.length > 5, 'the other client kept getting frames')
  t.notOk(fastFrames.some((f) => f.dropped), 'and lost none')

  // Counters stop; the reader catches up.
  socket.resume()
  let coalesced: Msg | null = null
  for (const until = Date.now() + 20000; Date.now() < until;) {
    const f = await slow.next(frameOf('vm'), 5000)
    vmFrames.push(f)
    coalesced ??= f.dropped ? f : null
    if (coalesced && f.seq > coalesced.seq + 3) break
  }
  t.ok(coalesced, 'a frame after the backlog carries dropped')
  t.ok(coalesced && coalesced.dropped > 0, `dropped=${coalesced?.dropped}`)
  const seqs = vmFrames.map((f) => f.seq)
  t.same(seqs, seqs.map((_, i) => i + 1), 'every frame sent arrived: seq has no gaps')
  const held = new Map<string, number>()
  for (const f of vmFrames) apply(held, f, '/proc/vmstat')
  t.same(held, kv(await text('/proc/vmstat')), 'full frame plus deltas, across the gap, equal the file')
})
