import t from 'tap'
import { buildApp } from '../../src/server/app.js'
import { boot, read } from '../helpers.js'

async function app(t: Parameters<Parameters<typeof t.test>[1]>[0], opts: { token?: string; readOnly?: boolean } = {}) {
  const { m, fs } = boot('default')
  const a = await buildApp({ machine: m, ...opts })
  t.teardown(() => a.close())
  return { a, m, fs }
}

t.test('GET a file: 200 text/plain with exactly the file bytes; HEAD the same headers', async (t) => {
  const { a, fs } = await app(t)
  for (const path of ['/proc/meminfo', '/proc/vmstat', '/sys/devices/system/node/node1/meminfo', '/proc/sys/vm/min_free_kbytes']) {
    const r = await a.inject({ method: 'GET', url: path })
    t.equal(r.statusCode, 200, path)
    t.match(r.headers['content-type'], /^text\/plain/)
    t.equal(r.body, read(fs, path))
    const h = await a.inject({ method: 'HEAD', url: path })
    t.equal(h.statusCode, 200)
    t.equal(h.body, '')
  }
})

t.test('GET a directory lists it; JSON on request', async (t) => {
  const { a } = await app(t)
  const r = await a.inject({ method: 'GET', url: '/sys/devices/system/node' })
  t.equal(r.statusCode, 200)
  t.match(r.body, /^has_cpu\n/)
  t.match(r.body, /\nnode0\/\nnode1\/\n/)
  const j = await a.inject({ method: 'GET', url: '/sys/devices/system/node/node0/', headers: { accept: 'application/json' } })
  t.same(j.json().find((e: { name: string }) => e.name === 'meminfo'), { name: 'meminfo', type: 'file', mode: '0444' })
  t.same((await a.inject('/proc')).body.split('\n').filter(Boolean), ['buddyinfo', 'meminfo', 'sys/', 'vmstat', 'zoneinfo'])
})

t.test('writes: 204 on success, errno header, status and body on refusal', async (t) => {
  const { a, fs } = await app(t)
  const ok = await a.inject({ method: 'PUT', url: '/proc/sys/vm/watermark_scale_factor', payload: '20\n', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(ok.statusCode, 204)
  t.equal(ok.headers['x-bytes-written'], '3')
  t.equal(read(fs, '/proc/sys/vm/watermark_scale_factor'), '20\n')
  const post = await a.inject({ method: 'POST', url: '/proc/sys/vm/watermark_scale_factor', payload: '30' })
  t.equal(post.statusCode, 204)
  const cases: Array<[string, string, string, number]> = [
    ['/proc/sys/vm/watermark_scale_factor', '0', 'EINVAL', 400],
    ['/proc/meminfo', '1', 'EIO', 405],
    ['/sys/devices/system/node/online', '1', 'EACCES', 403],
    ['/sys/devices/system/node', '1', 'EISDIR', 405],
    ['/proc/nope', '1', 'ENOENT', 404],
    ['/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages', '18446744073709551616', 'ERANGE', 400],
  ]
  for (const [url, payload, errno, status] of cases) {
    const r = await a.inject({ method: 'PUT', url, payload, headers: { 'content-type': 'text/plain' } })
    t.equal(r.statusCode, status, `${url} status`)
    t.equal(r.headers['x-errno'], errno, `${url} x-errno`)
    t.match(r.body, new RegExp(`\\(${errno}\\)`))
    const j = await a.inject({ method: 'PUT', url, payload, headers: { accept: 'application/json', 'content-type': 'text/plain' } })
    t.equal(j.json().error, errno)
  }
  t.equal(read(fs, '/proc/sys/vm/watermark_scale_factor'), '30\n', 'refused writes changed nothing')
})

t.test('reads of missing files and escaping paths', async (t) => {
  const { a } = await app(t)
  t.equal((await a.inject('/proc/nope')).statusCode, 404)
  t.equal((await a.inject('/proc/nope')).headers['x-errno'], 'ENOENT')
  t.equal((await a.inject('/proc%2fmeminfo')).statusCode, 404)
  t.equal((await a.inject('/sys/devices%2fsystem')).statusCode, 404)
  t.equal((await a.inject('//proc//meminfo')).statusCode, 404, 'no route outside /proc and /sys roots')
  t.equal((await a.inject('/proc//meminfo')).statusCode, 200, 'duplicate slashes resolve like the VFS')
  t.equal((await a.inject('/etc/passwd')).statusCode, 404)
})

t.test('".." in a raw request path is refused, not resolved', async (t) => {
  const { a } = await app(t)
  await a.listen({ host: '127.0.0.1', port: 0 })
  const { port } = a.server.address() as { port: number }
  const { request } = await import('node:http')
  for (const path of ['/proc/sys/../meminfo', '/proc/sys/%2e%2e/meminfo']) {
    const res = await new Promise<{ status: number; errno: string | undefined }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path }, (r) => { r.resume(); resolve({ status: r.statusCode!, errno: r.headers['x-errno'] as string | undefined }) })
        .on('error', reject).end()
    })
    t.same(res, { status: 403, errno: 'EACCES' }, path)
  }
})

t.test('oversized bodies are refused with E2BIG', async (t) => {
  const { a } = await app(t)
  const r = await a.inject({ method: 'PUT', url: '/proc/sys/vm/numa_stat', payload: 'x'.repeat(2 << 20), headers: { 'content-type': 'text/plain' } })
  t.equal(r.statusCode, 413)
  t.equal(r.headers['x-errno'], 'E2BIG')
})

t.test('token and read-only modes', async (t) => {
  const tok = await app(t, { token: 's3cret' })
  t.equal((await tok.a.inject({ method: 'PUT', url: '/proc/sys/vm/numa_stat', payload: '0' })).statusCode, 401)
  t.equal((await tok.a.inject({ method: 'PUT', url: '/proc/sys/vm/numa_stat', payload: '0', headers: { authorization: 'Bearer nope' } })).statusCode, 401)
  t.equal((await tok.a.inject({ method: 'PUT', url: '/proc/sys/vm/numa_stat', payload: '0', headers: { authorization: 'Bearer s3cret' } })).statusCode, 204)
  t.equal((await tok.a.inject('/proc/meminfo')).statusCode, 200, 'reads need no token')
  const ro = await app(t, { readOnly: true })
  const r = await ro.a.inject({ method: 'PUT', url: '/proc/sys/vm/numa_stat', payload: '0' })
  t.equal(r.headers['x-errno'], 'EROFS')
  t.equal(r.statusCode, 403)
})

t.test('/api/v1/machine and /healthz', async (t) => {
  const { a, m } = await app(t)
  const h = await a.inject('/healthz')
  t.same(h.json(), { status: 'ok', machine: 'default', readOnly: false })
  const j = (await a.inject('/api/v1/machine')).json()
  t.equal(j.name, 'default')
  t.equal(j.nodes.length, 2)
  t.equal(j.nodes[1].kind, 'cxl')
  t.equal(j.nodes[1].cpus, '')
  t.equal(j.nodes[0].memTotalKiB, m.nodes[0].managed * 4)
  t.same(j.tiers, [{ id: 4, nodes: [0] }, { id: 22, nodes: [1] }])
  t.equal(j.nodes[0].toptier, true)
  t.equal(j.nodes[1].toptier, false)
  t.equal(j.kconfig.PGHOT, true)
})
