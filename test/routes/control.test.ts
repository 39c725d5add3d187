/**
 * The control API as curl would use it: a cgroup, a task, policies, allocations
 * past a full node, and what memory.numa_stat and /proc/vmstat then say.
 */
import t from 'tap'
import { buildApp } from '../../src/server/app.js'
import { boot, kv } from '../helpers.js'

async function setup(t: Parameters<Parameters<typeof t.test>[1]>[0]) {
  const { m } = boot('default')
  const app = await buildApp({ machine: m })
  t.teardown(() => app.close())
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await app.inject({ method: method as 'GET', url, ...(body === undefined ? {} : { payload: body as object }) })
    return { status: r.statusCode, json: r.body ? r.json() : null, headers: r.headers }
  }
  const text = async (url: string) => (await app.inject(url)).body
  return { m, app, call, text }
}

function numaStat(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const line of text.trim().split('\n')) {
    const [name, ...cols] = line.split(' ')
    out.set(name, cols.map((c) => Number(c.split('=')[1])))
  }
  return out
}

t.test('bind to a full CXL node: hits until it is full, then ENOMEM with nothing changed', async (t) => {
  const { m, call, text } = await setup(t)
  t.equal((await call('POST', '/api/v1/cgroups', { path: '/job' })).status, 201)
  const task = await call('POST', '/api/v1/tasks', { cpu: 0, cgroup: '/job', comm: 'filler' })
  t.equal(task.status, 201)
  const pid = task.json.pid
  t.equal((await call('PUT', `/api/v1/tasks/${pid}/mempolicy`, { mode: 'bind', nodes: [1] })).status, 200)
  const fit = m.allocatable({ kind: 'anon', pages: 1, cpu: 0, nid: 0, nodemask: [1] })
  // Leave room for the page tables that map the memory (one per 512 pages, plus three).
  const first = fit - Math.ceil(fit / 512) - 8
  const a = await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: first })
  t.equal(a.status, 200)
  t.same(a.json.nodes, { node1: first })
  const before = await text('/proc/vmstat')
  const again = await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: 4096 })
  t.equal(again.status, 507)
  t.equal(again.headers['x-errno'], 'ENOMEM')
  t.equal(await text('/proc/vmstat'), before, 'the refused allocation changed nothing')
  const ns = numaStat(await text('/sys/fs/cgroup/job/memory.numa_stat'))
  t.same(ns.get('anon'), [0, first * 4096])
  t.ok(ns.get('numa_mpol_bind_hit')![1] >= first, 'bind hits on node 1')
  t.same(ns.get('numa_mpol_bind_miss'), [0, 0])
  t.same(ns.get('numa_mpol_bind_foreign'), [0, 0])
  const vm = kv(await text('/proc/vmstat'))
  t.equal(vm.get('numa_mpol_bind_miss'), 0)
})

t.test('preferred to a full node: the rest lands elsewhere as miss there and foreign on the preferred node', async (t) => {
  const { m, call, text } = await setup(t)
  const filler = (await call('POST', '/api/v1/tasks', { cpu: 0, comm: 'filler' })).json.pid
  await call('PUT', `/api/v1/tasks/${filler}/mempolicy`, { mode: 'bind', nodes: '1' })
  const fit = m.allocatable({ kind: 'anon', pages: 1, cpu: 0, nid: 0, nodemask: [1] })
  t.equal((await call('POST', `/api/v1/tasks/${filler}/alloc`, { kind: 'anon', pages: fit - Math.ceil(fit / 512) - 8 })).status, 200)
  const room = m.allocatable({ kind: 'anon', pages: 1, cpu: 0, nid: 1, thisNode: true })
  const pid = (await call('POST', '/api/v1/tasks', { cpu: 3, comm: 'pref' })).json.pid
  await call('PUT', `/api/v1/tasks/${pid}/mempolicy`, { mode: 'preferred', nodes: [1] })
  const vm0 = kv(await text('/proc/vmstat'))
  const want = room + 1000
  const r = await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: want })
  t.equal(r.status, 200)
  t.ok(r.json.nodes.node0 >= 1000, `spilled to node 0: ${JSON.stringify(r.json.nodes)}`)
  const vm1 = kv(await text('/proc/vmstat'))
  const d = (k: string) => vm1.get(k)! - vm0.get(k)!
  const n0 = kv(await text('/sys/devices/system/node/node0/vmstat'))
  const n1 = kv(await text('/sys/devices/system/node/node1/vmstat'))
  t.equal(d('numa_mpol_preferred_miss'), d('numa_mpol_preferred_foreign'))
  t.ok(d('numa_mpol_preferred_miss') >= 1000)
  t.ok(n0.get('numa_mpol_preferred_miss')! >= 1000, 'miss counted on node 0, which got the pages')
  t.ok(n1.get('numa_mpol_preferred_foreign')! >= 1000, 'foreign counted on node 1, which was intended')
  t.equal(n1.get('numa_mpol_preferred_miss'), 0)
  // numastat agrees: node 0 got pages preferred elsewhere.
  t.ok(kv(await text('/sys/devices/system/node/node1/numastat')).get('numa_foreign')! >= 1000)
})

t.test('API errors name the field, or carry the errno', async (t) => {
  const { call } = await setup(t)
  const bad = await call('POST', '/api/v1/tasks', { cpu: 'x' })
  t.equal(bad.status, 400)
  t.match(bad.json.message, /body\/cpu/)
  t.equal((await call('POST', '/api/v1/tasks', { cpu: 99 })).json.error, 'EINVAL')
  t.equal((await call('POST', '/api/v1/tasks', { cpu: 0, cgroup: '/nope' })).json.error, 'ENOENT')
  const pid = (await call('POST', '/api/v1/tasks', { cpu: 0 })).json.pid
  t.equal((await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'anon', pages: 1, bytes: 4096 })).status, 400, 'pages or bytes, not both')
  t.equal((await call('POST', `/api/v1/tasks/${pid}/alloc`, { kind: 'hugetlb', pages: 1 })).status, 400)
  t.equal((await call('POST', `/api/v1/tasks/${pid}/free`, { kind: 'anon', pages: 5 })).json.error, 'EINVAL')
  t.equal((await call('PUT', `/api/v1/tasks/${pid}/mempolicy`, { mode: 'interleave', nodes: [] })).json.error, 'EINVAL')
  t.equal((await call('POST', '/api/v1/tasks/424242/alloc', { kind: 'anon', pages: 1 })).json.error, 'ESRCH')
  t.equal((await call('DELETE', `/api/v1/tasks/${pid}`)).status, 204)
  t.equal((await call('GET', `/api/v1/tasks/${pid}`)).status, 404)
})

t.test('cgroups over HTTP: MKCOL and DELETE on /sys/fs/cgroup', async (t) => {
  const { app, call } = await setup(t)
  const mk = (url: string) => app.inject({ method: 'MKCOL' as 'GET', url })
  t.equal((await mk('/sys/fs/cgroup/a')).statusCode, 201)
  t.equal((await mk('/sys/fs/cgroup/a')).headers['x-errno'], 'EEXIST')
  t.equal((await mk('/sys/fs/cgroup/x/y')).headers['x-errno'], 'ENOENT')
  t.equal((await mk('/proc/newdir')).headers['x-errno'], 'EPERM')
  t.equal((await mk('/sys/fs/cgroup/a/memory.stat')).headers['x-errno'], 'EEXIST')
  await call('POST', '/api/v1/tasks', { cpu: 0, cgroup: '/a' })
  t.equal((await app.inject({ method: 'DELETE', url: '/sys/fs/cgroup/a' })).headers['x-errno'], 'EBUSY')
  t.equal((await app.inject({ method: 'DELETE', url: '/sys/fs/cgroup/zzz' })).headers['x-errno'], 'ENOENT')
  t.equal((await app.inject({ method: 'DELETE', url: '/proc/meminfo' })).headers['x-errno'], 'ENOTDIR')
  t.equal((await app.inject({ method: 'DELETE', url: '/proc/sys' })).headers['x-errno'], 'EPERM')
})

t.test('the OpenAPI document describes the control API', async (t) => {
  const { call } = await setup(t)
  const doc = (await call('GET', '/api/v1/openapi.json')).json
  t.equal(doc.openapi, '3.0.3')
  for (const p of ['/api/v1/tasks', '/api/v1/tasks/{pid}/mempolicy', '/api/v1/tasks/{pid}/alloc', '/api/v1/cgroups']) t.ok(doc.paths[p], p)
})
