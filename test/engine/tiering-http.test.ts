/**
 * The "done when", end to end over HTTP (buildApp(...).inject): the pghot
 * knobs refuse what the series refuses, and a workload on the CXL node of the
 * default preset, with both hotness sources on and NUMA balancing in tiering mode,
 * gets its hot pages recorded and promoted while simulated time is stepped, with
 * every cross-file invariant still holding.
 */
import t from 'tap'
import { resolveConfig } from '../../src/config/load.js'
import { createMachine } from '../../src/engine/index.js'
import type { Machine } from '../../src/engine/machine.js'
import { buildApp } from '../../src/server/app.js'
import { boot, kv } from '../helpers.js'
import { checkInvariants } from '../invariants.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0] // the last overload: test(cb)

async function appFor(t: Test, m: Machine) {
  const a = await buildApp({ machine: m })
  t.teardown(() => a.close())
  return a
}

const put = (a: Awaited<ReturnType<typeof buildApp>>, url: string, payload: string) =>
  a.inject({ method: 'PUT', url, payload, headers: { 'content-type': 'text/plain' } })

const FT = '/sys/kernel/debug/pghot/freq_threshold'

t.test('freq_threshold over HTTP: 3 -> 204, 4 and 9 -> 400 EINVAL; 4 -> 204 in precision mode', async (t) => {
  const a = await appFor(t, boot('default').m)
  const ok = await put(a, FT, '3')
  t.equal(ok.statusCode, 204)
  t.equal(ok.headers['x-bytes-consumed'], '1')
  for (const v of ['4', '9']) {
    const r = await put(a, FT, v)
    t.equal(r.statusCode, 400, `${v} -> 400`)
    t.equal(r.headers['x-errno'], 'EINVAL', `${v} -> EINVAL`)
    t.match(r.body, /\(EINVAL\)/)
  }
  t.equal((await a.inject({ method: 'GET', url: FT })).body, '3\n', 'the refused writes left 3')

  const precise = createMachine(resolveConfig({
    nodes: [{ id: 0, kind: 'dram', memoryMiB: 16384, cpus: '0-7' }, { id: 1, kind: 'cxl', memoryMiB: 8192, cpus: '' }],
    kernel: { config: { PGHOT_PRECISE: true } },
  }))
  const p = await appFor(t, precise)
  t.equal((await put(p, FT, '4')).statusCode, 204, 'precision mode: 4 -> 204')
  t.equal((await p.inject({ method: 'GET', url: FT })).body, '4\n')
  t.equal((await put(p, FT, '8')).statusCode, 400, 'precision mode: 8 -> 400')
})

t.test('a workload on the CXL node: pghot records and promotes while time steps', async (t) => {
  const { m } = boot('default')
  const a = await appFor(t, m)
  t.equal((await put(a, FT, '3')).statusCode, 204)
  t.equal((await put(a, '/sys/kernel/debug/pghot/enabled_sources', '0x3')).statusCode, 204)
  t.equal((await a.inject({ method: 'GET', url: '/sys/kernel/debug/pghot/enabled_sources' })).body, '3\n')

  const task = await a.inject({ method: 'POST', url: '/api/v1/tasks', payload: { cpu: 0 } })
  t.equal(task.statusCode, 201)
  const pid = task.json().pid as number
  const pol = await a.inject({ method: 'PUT', url: `/api/v1/tasks/${pid}/mempolicy`, payload: { mode: 'bind', nodes: [1] } })
  t.equal(pol.statusCode, 200, 'bind 1')
  const wl = await a.inject({ method: 'POST', url: '/api/v1/workloads', payload: { pid, bytes: 64 << 20, threads: 4, cpus: [0, 1, 2, 3] } })
  t.equal(wl.statusCode, 201)
  t.same(wl.json().pagesByNode, { node1: 16384 }, '64 MiB, all on node 1')
  t.equal((await put(a, '/proc/sys/kernel/numa_balancing', '2')).statusCode, 204, 'numa_balancing = 2')

  const vm = async () => kv((await a.inject({ method: 'GET', url: '/proc/vmstat' })).body)
  const onCxl = async () => ((await a.inject({ method: 'GET', url: '/api/v1/workloads' })).json()[0].pagesByNode.node1 ?? 0) as number
  // [pghot_recorded_accesses, pgpromote_success, pghot_recorded_hwhints, workload pages still on node 1]
  const series: Array<[number, number, number, number]> = []
  const sample = async () => { const v = await vm(); series.push([v.get('pghot_recorded_accesses')!, v.get('pgpromote_success')!, v.get('pghot_recorded_hwhints')!, await onCxl()]) }
  await sample()
  t.same(series[0], [0, 0, 0, 16384], 'nothing recorded before time moves')
  for (let i = 0; i < 8; i++) {
    const s = await a.inject({ method: 'POST', url: '/api/v1/sim/step', payload: { ms: 500 } })
    t.equal(s.statusCode, 200)
    await sample()
  }
  t.equal((await a.inject({ method: 'GET', url: '/api/v1/sim' })).json().ms, 4000)
  for (let i = 1; i < series.length; i++) {
    const [acc, prom, hw, left] = series[i]
    const prev = series[i - 1]
    if (prev[3] > 0) {
      t.ok(acc > prev[0], `step ${i}: ${prev[3]} pages on node 1, pghot_recorded_accesses grows (${prev[0]} -> ${acc})`)
      t.ok(hw > prev[2], `step ${i}: IBS hardware hints keep coming (${hw})`)
    } else {
      t.equal(acc, prev[0], `step ${i}: every page is on node 0, nothing left to record`)
    }
    t.ok(prom >= prev[1], `step ${i}: pgpromote_success never goes back`)
    t.equal(prom, 16384 - left, `step ${i}: pgpromote_success = pages that left node 1`)
  }
  const promoted = series[series.length - 1][1]
  t.ok(promoted > 0, `pgpromote_success grew to ${promoted}`)
  const grewWhileRunning = series.slice(1).filter((s, i) => s[1] > series[i][1]).length
  t.ok(grewWhileRunning >= 2, `pgpromote_success grew in ${grewWhileRunning} of the steps`)

  const node0 = kv((await a.inject({ method: 'GET', url: '/sys/devices/system/node/node0/vmstat' })).body)
  t.equal(node0.get('pgpromote_success'), promoted, 'all promotions land on node 0 (target_nid)')
  const w = (await a.inject({ method: 'GET', url: '/api/v1/workloads' })).json()[0]
  t.equal(w.pagesByNode.node0, promoted, 'the workload has exactly the promoted pages on node 0')
  t.equal(w.pagesByNode.node0 + (w.pagesByNode.node1 ?? 0), 16384)
  t.same(checkInvariants(a.kernfs), [], 'cross-file invariants hold')
})
