/**
 * Random bodies at every writable file and random paths at the router: nothing
 * crashes, nothing answers 5xx, every refused write leaves every file unchanged,
 * and the cross-file invariants hold after whatever was accepted.
 */
import t from 'tap'
import fc from 'fast-check'
import { buildApp } from '../src/server/app.js'
import { KernFs } from '../src/kernfs/registry.js'
import { boot } from './helpers.js'
import { checkInvariants } from './invariants.js'

function snapshot(cached: KernFs): string {
  // A fresh instance: no rendered-text cache can hide a change made without a generation bump.
  const fs = new KernFs((cached as unknown as { m: ConstructorParameters<typeof KernFs>[0] }).m)
  let s = ''
  for (const e of fs.entries()) { const r = fs.read(e.path); if (r.ok && r.type === 'file') s += `${e.path}\0${r.text}\0` }
  return s
}

const body = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.integer({ min: -5, max: 5000 }).map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.tuple(fc.constantFrom('', ' ', '\t', '+', '-', '0x', '0', '\u00a0'), fc.nat(300), fc.constantFrom('', '\n', '\n\n', ' ', '\r\n', 'x', ' 7')).map(([a, n, b]) => `${a}${n}${b}`),
  fc.constantFrom('y', 'n', 'on', 'off', 'true', 'false', 'max', '1 2 3', '\n', ''),
)

t.test('random writes to every writable file', async (t) => {
  const { m, fs } = boot('default', 3)
  const writable = fs.entries().filter((e) => e.file.store).map((e) => e.path)
  t.ok(writable.length >= 8, `${writable.length} writable files`)
  let refused = 0
  fc.assert(fc.property(fc.constantFrom(...writable), body, (path, data) => {
    const before = snapshot(fs)
    const r = fs.write(path, data, { cpu: 0 })
    if (!r.ok) {
      refused++
      if (snapshot(fs) !== before) throw new Error(`refused write ${JSON.stringify(data)} to ${path} changed files`)
    }
    // Keep the pool small so that later writes still have memory to work with.
    if (m.hugetlb.nr > 64) fs.write('/proc/sys/vm/nr_hugepages', '0', { cpu: 0 })
    const bad = checkInvariants(fs)
    if (bad.length) throw new Error(`after ${path} <- ${JSON.stringify(data)}: ${bad.join('; ')}`)
  }), { numRuns: 400, seed: 42 })
  t.ok(refused > 50, `${refused} writes refused`)
})

t.test('random paths and methods at the router: never a 5xx', async (t) => {
  const { m } = boot('default', 4)
  const app = await buildApp({ machine: m })
  t.teardown(() => app.close())
  const segment = fc.oneof(fc.constantFrom('proc', 'sys', 'node0', 'node1', 'vm', '..', '.', '', 'meminfo', '%2e%2e', '%2f', '%00', '%', 'devices', 'system', 'node'), fc.string({ maxLength: 6 }).map(encodeURIComponent))
  const url = fc.tuple(fc.constantFrom('/proc', '/sys', '/api/v1', ''), fc.array(segment, { maxLength: 6 })).map(([root, segs]) => `${root}/${segs.join('/')}`)
  await fc.assert(fc.asyncProperty(url, fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'), body, async (u, method, data) => {
    const r = await app.inject({ method: method as 'GET', url: u, payload: method === 'GET' || method === 'HEAD' ? undefined : data, headers: { 'content-type': 'text/plain' } })
    if (r.statusCode >= 500) throw new Error(`${method} ${u} -> ${r.statusCode} ${r.body}`)
  }), { numRuns: 400, seed: 7 })
  t.same(checkInvariants(new (await import('../src/kernfs/registry.js')).KernFs(m)), [])
})
