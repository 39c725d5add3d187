import t from 'tap'
import { buildApp } from '../../src/server/app.js'
import { boot, kv, read } from '../helpers.js'

const scenario = (preset: string) => ({
  name: 'promote',
  machine: { preset },
  writes: [
    { path: '/proc/sys/kernel/numa_balancing', value: '2' },
    { path: '/sys/kernel/debug/pghot/enabled_sources', value: '1' },
    { path: '/sys/kernel/debug/pghot/freq_threshold', value: '1' },
  ],
  tasks: [{ name: 'bench', cpu: 0 }],
  workloads: [{ task: 'bench', pages: 4096, placement: { mode: 'bind', nodes: [1] }, threads: 4, cpus: '0-3', accessesPerThread: 2e7 }],
  duration: 60000,
})

t.test('a scenario loads into the running daemon and its workload runs there', async (t) => {
  const { m, fs } = boot('default')
  const app = await buildApp({ machine: m })
  t.teardown(() => app.close())
  const r = await app.inject({ method: 'POST', url: '/api/v1/scenarios', payload: scenario('default') })
  t.equal(r.statusCode, 201, r.body)
  t.equal(r.json().workloads[0].pagesByNode.node1, 4096)
  t.equal(read(fs, '/proc/sys/kernel/numa_balancing'), '2\n')
  const run = await app.inject({ method: 'POST', url: '/api/v1/sim/run', payload: { maxMs: 60000 } })
  t.equal(run.json().finished, true)
  t.ok(kv(read(fs, '/proc/vmstat')).get('pgpromote_success')! > 0, 'promotion happened in the daemon')
})

t.test('a scenario for another machine, or a bad one, is refused and changes nothing', async (t) => {
  const { m, fs } = boot('default')
  const app = await buildApp({ machine: m })
  t.teardown(() => app.close())
  const before = read(fs, '/proc/vmstat')
  const other = await app.inject({ method: 'POST', url: '/api/v1/scenarios', payload: scenario('seed-002') })
  t.equal(other.statusCode, 409)
  t.equal(other.headers['x-errno'], 'EBUSY')
  const bad = await app.inject({ method: 'POST', url: '/api/v1/scenarios', payload: { ...scenario('default'), workloads: [{ task: 'nobody', pages: 1, threads: 1 }] } })
  t.equal(bad.statusCode, 400)
  t.equal(read(fs, '/proc/vmstat'), before)
})
