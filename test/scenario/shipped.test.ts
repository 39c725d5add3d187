/**
 * The other shipped scenarios: every file in scenarios/ loads, and the examples do
 * what their descriptions say.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseScenario } from '../../src/scenario/load.js'
import { runScenario, type ScenarioResult } from '../../src/scenario/run.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios')
const load = (name: string) => parseScenario(readFileSync(join(dir, name), 'utf8'), name)
const delta = (r: ScenarioResult, key: string) => r.counters.find((c) => c.key === key)!.delta

t.test('every shipped scenario is valid', async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  t.ok(files.length >= 5)
  for (const f of files) t.doesNotThrow(() => load(f), f)
})

t.test('numa-normal: misplaced pages move to the CPUs\' node, counted as migrations only', async (t) => {
  const r = runScenario(load('numa-normal.json'))
  t.equal(r.endedBy, 'finished')
  const pages = r.workloads.reduce((s, w) => s + w.pages, 0)
  for (const w of r.workloads) t.same(w.pagesByNode.end, { node0: w.pages }, `${w.name} ends on node 0`)
  t.equal(delta(r, 'numa_pages_migrated'), pages)
  t.equal(delta(r, 'pgmigrate_success'), pages)
  t.equal(delta(r, 'pgpromote_success'), 0)
  t.ok(delta(r, 'numa_hint_faults_local') > 0)
  t.equal(delta(r, 'node0.nr_anon_pages'), pages)
})

t.test('hotset-shift: each moved hot set is promoted and the previous one demoted', async (t) => {
  const r = runScenario(load('hotset-shift.json'), { seriesMs: 10000 })
  t.equal(r.endedBy, 'finished')
  const w = r.workloads.find((x) => x.name === 'shifting')!
  t.same(w.phases!.map((p) => [p.name, p.startMs, p.endMs]), [['first', 0, 30000], ['second', 30000, 60000], ['third', 60000, 90000], ['quiet', 90000, 100000]])
  const col = (k: string) => r.series!.columns.indexOf(k)
  const at = (ms: number, k: string) => r.series!.rows.find((row) => row[0] === ms)![col(k)]
  const hotPages = Math.floor(w.pages * 0.2)
  for (const [end, name] of [[30000, 'first'], [60000, 'second'], [90000, 'third']] as const) {
    const start = end - 30000
    const promoted = at(end, 'pgpromote_success') - at(start, 'pgpromote_success')
    t.ok(promoted > 0.5 * hotPages, `${name}: ${promoted} pages promoted (hot set ${hotPages})`)
  }
  t.ok(at(60000, 'pgdemote_kswapd') - at(30000, 'pgdemote_kswapd') > 0.5 * hotPages, 'the first hot set is demoted while the second is promoted')
  t.ok(delta(r, 'pgdemote_kswapd') > hotPages, 'demotion keeps pace over the run')
})
