import t from 'tap'
import { readFileSync } from 'node:fs'
import { filesTable } from '../src/kernfs/doc-table.js'
import { resolvePhases, type PhaseInput } from '../src/engine/workload.js'
import { loadScenario } from '../src/scenario/load.js'

t.test('the README file table is the one the registry generates (run `npm run docs`)', async (t) => {
  t.ok(readFileSync('README.md', 'utf8').includes(filesTable()))
})

t.test('the README quick start is the two commands CI runs', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  t.match(readme, /```sh\nnpm ci && npm start .*\nnpm ci && npm test .*\n```/)
  t.match(readFileSync('.ci/run', 'utf8'), /npm test/)
})

t.test('the README\'s phases example is a valid phase list that runs as described', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  const block = /```json\n("phases": \[[\s\S]*?\])\n```/.exec(readme)
  t.ok(block, 'the example is there')
  const { phases } = JSON.parse(`{${block![1]}}`) as { phases: PhaseInput[] }
  const r = resolvePhases({ pattern: { kind: 'uniform' }, rate: null, loadFraction: 0.5, mlp: 1, accessesPerThread: null }, phases)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.same(r.value.map((p) => [p.name, p.durationMs, p.rate, p.pattern.kind]), [
    ['warm', 20000, null, 'hotset'], ['shift', 20000, null, 'hotset'], ['idle', 10000, 1000, 'hotset'], ['drain', null, null, 'uniform'],
  ])
  const spec = loadScenario({
    machine: { preset: 'default' }, tasks: [{ name: 't', cpu: 0 }],
    workloads: [{ task: 't', pages: 1024, threads: 1, phases }],
  })
  t.equal(spec.workloads[0].phases!.length, 4, 'and the scenario schema takes it')
})
