/**
 * Frames as a monitoring client sees them: a full first frame, then exactly the
 * counters that moved, by how much, on simulated time; globs; kv parsing.
 */
import t from 'tap'
import { INITIAL_JIFFIES } from '../../src/engine/clock.js'
import { kv } from '../helpers.js'
import { frameOf, setup, type Msg } from './helpers.js'

const changes = (before: Map<string, number>, after: Map<string, number>) => {
  const out: Record<string, number> = {}
  for (const [k, v] of after) if (v !== before.get(k)) out[k] = v - before.get(k)!
  return out
}

t.test('vmstat deltas on simulated time: full first frame, then exactly the changed keys', async (t) => {
  const { app, open, call, text } = await setup(t)
  const c = await open()
  c.send({ type: 'subscribe', id: 'vm', files: ['/proc/vmstat'], intervalMs: 100, clock: 'sim', format: 'delta' })
  const ack = await c.next()
  t.match(ack, { type: 'subscribed', id: 'vm', files: ['/proc/vmstat'], clock: 'sim', format: 'delta', intervalMs: 100 })
  const first = await c.next(frameOf('vm'))
  t.equal(first.full, true, 'the first frame is full')
  t.equal(first.seq, 1)
  t.equal(first.simMs, 0)
  t.equal(first.jiffies, INITIAL_JIFFIES)
  const vm0 = kv(await text('/proc/vmstat'))
  t.same(Object.keys(first.files['/proc/vmstat']), [...vm0.keys()], 'every key, in file order')
  t.same(first.files['/proc/vmstat'], Object.fromEntries(vm0))

  const pid = (await call('POST', '/api/v1/tasks', { cpu: 0, comm: 'grower' })).json.pid
  t.equal((await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: 5000 })).status, 200)
  // Allocating moves counters but not time: nothing is due on the sim clock yet.
  t.same((await c.drain(40)).filter(frameOf('vm')), [], 'no frame before simulated time moves')
  t.equal((await call('POST', '/api/v1/sim/step', { ms: 100 })).status, 200)
  const second = await c.next(frameOf('vm'))
  const vm1 = kv(await text('/proc/vmstat'))
  t.notOk(second.full, 'later frames are deltas')
  t.notOk(second.dropped)
  t.equal(second.seq, 2)
  t.equal(second.simMs, 100)
  t.equal(second.jiffies, (INITIAL_JIFFIES + 100) >>> 0, 'jiffies wrap as the kernel\'s do')
  const want = changes(vm0, vm1)
  t.ok(Object.keys(want).length > 0, 'the allocation moved counters')
  t.ok(want.pgalloc_normal + (want.pgalloc_dma32 ?? 0) >= 5000)
  t.same(second.files['/proc/vmstat'], want, 'exactly the changed keys, with their differences')
  t.same(Object.keys(second.files['/proc/vmstat']), Object.keys(want), 'in file order')

  // Less than the interval of simulated time: still nothing; crossing it: one frame.
  app.machine.sim.step(60)
  t.same((await c.drain(40)).filter(frameOf('vm')), [])
  app.machine.sim.step(40)
  const third = await c.next(frameOf('vm'))
  t.equal(third.simMs, 200)
  t.same(third.files, {}, 'time moved, no counter did')
})

t.test('rate: differences per second of simulated time; keys filter', async (t) => {
  const { app, open, call, text } = await setup(t)
  const c = await open()
  c.send({ type: 'subscribe', id: 7, files: ['/proc/vmstat'], keys: ['pgalloc_normal', 'nr_free_pages', 'numa_hit'], intervalMs: 50, clock: 'sim', format: 'rate' })
  await c.next((m) => m.type === 'subscribed')
  const first = await c.next((m) => m.type === 'frame')
  t.equal(first.sub, 7, 'numeric ids are echoed as numbers')
  t.same(Object.keys(first.files['/proc/vmstat']), ['nr_free_pages', 'numa_hit', 'pgalloc_normal'], 'only the kept keys, in file order')
  const vm0 = kv(await text('/proc/vmstat'))
  const pid = (await call('POST', '/api/v1/tasks', { cpu: 0 })).json.pid
  await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: 2000 })
  app.machine.sim.step(250)
  const f = await c.next((m) => m.type === 'frame')
  const vm1 = kv(await text('/proc/vmstat'))
  const per = (k: string) => ((vm1.get(k)! - vm0.get(k)!) * 1000) / 250
  t.same(f.files['/proc/vmstat'], { nr_free_pages: per('nr_free_pages'), numa_hit: per('numa_hit'), pgalloc_normal: per('pgalloc_normal') })
  t.ok(f.files['/proc/vmstat'].nr_free_pages < 0, 'free pages fell')
})

t.test('globs expand to the machine\'s files and follow cgroups as they come and go', async (t) => {
  const { app, open, call } = await setup(t, { preset: 'four-node' })
  const c = await open()
  c.send({ type: 'subscribe', id: 'n', files: ['/sys/devices/system/node/node*/vmstat'], intervalMs: 1000, clock: 'wall', format: 'text' })
  t.same((await c.next()).files, [0, 1, 2, 3].map((n) => `/sys/devices/system/node/node${n}/vmstat`))
  const f = await c.next(frameOf('n'))
  t.equal(f.full, true)
  t.type(f.files['/sys/devices/system/node/node3/vmstat'], 'string')

  c.send({ type: 'subscribe', id: 'cg', files: ['/sys/fs/cgroup/**/memory.stat'], keys: ['anon'], intervalMs: 10, clock: 'sim', format: 'delta' })
  t.same((await c.next((m) => m.type === 'subscribed')).files, ['/sys/fs/cgroup/memory.stat'], '** matches no directory level too')
  const rootAnon = Number(/^anon (\d+)$/m.exec((await call('GET', '/sys/fs/cgroup/memory.stat')).body)![1])
  t.same((await c.next(frameOf('cg'))).files, { '/sys/fs/cgroup/memory.stat': { anon: rootAnon } })
  t.equal((await call('POST', '/api/v1/cgroups', { path: '/a' })).status, 201)
  t.equal((await call('POST', '/api/v1/cgroups', { path: '/a/b' })).status, 201)
  app.machine.sim.step(10)
  const grown = await c.next((m) => frameOf('cg')(m) && m.full)
  t.same(Object.keys(grown.files), ['/sys/fs/cgroup/memory.stat', '/sys/fs/cgroup/a/memory.stat', '/sys/fs/cgroup/a/b/memory.stat'], 'new cgroups join with a full frame')
  t.same(grown.files['/sys/fs/cgroup/a/b/memory.stat'], { anon: 0 })
  t.equal((await call('DELETE', '/api/v1/cgroups/a/b')).status, 204)
  app.machine.sim.step(10)
  const shrunk = await c.next((m) => frameOf('cg')(m) && m.full)
  t.same(Object.keys(shrunk.files), ['/sys/fs/cgroup/memory.stat', '/sys/fs/cgroup/a/memory.stat'])
})

t.test('kv: meminfo, node meminfo, numa_stat and single-value files; unparsed files stay text', async (t) => {
  const { open, call, text } = await setup(t)
  const c = await open()
  const pid = (await call('POST', '/api/v1/tasks', { cpu: 0 })).json.pid
  await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: 100 })
  c.send({
    type: 'subscribe', id: 'kv', intervalMs: 1000, clock: 'wall', format: 'kv',
    files: ['/proc/meminfo', '/sys/devices/system/node/node0/meminfo', '/sys/fs/cgroup/memory.numa_stat', '/proc/sys/vm/min_free_kbytes', '/proc/buddyinfo', '/sys/devices/system/node/node0/distance'],
  })
  await c.next()
  const f: Msg = (await c.next(frameOf('kv'))).files
  const meminfo = f['/proc/meminfo']
  t.equal(meminfo.MemTotal, Number(/^MemTotal:\s+(\d+) kB$/m.exec(await text('/proc/meminfo'))![1]), 'kB as printed')
  t.equal(typeof meminfo['Active(anon)'], 'number', 'labels keep their parentheses')
  t.equal(meminfo.HugePages_Total, 0, 'rows without a unit')
  const node0 = f['/sys/devices/system/node/node0/meminfo']
  t.equal(node0.MemTotal, Number(/^Node 0 MemTotal:\s+(\d+) kB$/m.exec(await text('/sys/devices/system/node/node0/meminfo'))![1]), '"Node 0 " is dropped from the key')
  t.notOk(Object.keys(node0).some((k) => k.startsWith('Node')))
  const numa = f['/sys/fs/cgroup/memory.numa_stat']
  const anonLine = /^anon N0=(\d+) N1=(\d+)$/m.exec(await text('/sys/fs/cgroup/memory.numa_stat'))!
  t.equal(numa['anon.N0'], Number(anonLine[1]))
  t.equal(numa['anon.N1'], Number(anonLine[2]))
  t.same(f['/proc/sys/vm/min_free_kbytes'], { value: Number(await text('/proc/sys/vm/min_free_kbytes')) })
  t.equal(f['/proc/buddyinfo'], await text('/proc/buddyinfo'), 'buddyinfo is sent as text')
  t.equal(f['/sys/devices/system/node/node0/distance'], '10 20\n', 'a distance row is not a key "10"')
})

t.test('wall-clock delta frames fall due every interval, empty when nothing moved', async (t) => {
  const { open } = await setup(t)
  const c = await open()
  c.send({ type: 'subscribe', id: 'w', files: ['/proc/vmstat'], intervalMs: 20, clock: 'wall', format: 'delta' })
  await c.next()
  const frames = []
  for (let i = 0; i < 4; i++) frames.push(await c.next(frameOf('w')))
  t.same(frames.map((f) => f.seq), [1, 2, 3, 4])
  t.ok(frames[0].full)
  for (const f of frames.slice(1)) t.same(f.files, {})
  t.ok(frames[3].wallMs - frames[0].wallMs >= 50, 'paced by wall time')
})
