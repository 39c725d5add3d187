import t from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatTable, runCommand, type CliIo } from '../../src/scenario/cli.js'
import { NUMAB2, smallScenario } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'numaemu-scenario-'))
const good = join(dir, 'small.json')
writeFileSync(good, JSON.stringify(smallScenario(NUMAB2)))
const bad = join(dir, 'bad.json')
writeFileSync(bad, JSON.stringify({ ...smallScenario(NUMAB2), writes: [{ path: '/sys/kernel/debug/pghot/freq_threshold', value: 9 }] }))
const notJson = join(dir, 'not.json')
writeFileSync(notJson, '{ "machine": ')

function io(tty = false) {
  const out: string[] = []
  const err: string[] = []
  let clock = 0
  const fake: CliIo = {
    stdout: (s) => { out.push(s) },
    stderr: (s) => { err.push(s) },
    stderrIsTTY: tty,
    readFile: (p) => readFileSync(p, 'utf8'),
    // Each look at the clock moves it on, so the progress bar is drawn.
    now: () => (clock += 1000),
  }
  return { fake, out: () => out.join(''), err: () => err.join('') }
}

t.test('a run prints the workloads and an aligned counter table', async (t) => {
  const x = io()
  t.equal(await runCommand([good], x.fake), 0)
  const text = x.out()
  t.match(text, /^scenario small on default \(seed 7\), 10 ms steps\nended: all workloads finished after [\d.]+ s simulated/)
  t.match(text, /\nworkload +task +threads +cpus +pages +completion ms/)
  const rows = text.split('\n').filter((l) => /^(counter|pgpromote_success|numa_hint_faults) /.test(l))
  t.equal(rows.length, 3)
  t.match(rows[1], /^pgpromote_success +0 +16384 +16384$/)
  t.equal(new Set(rows.map((r) => r.length)).size, 1, 'columns line up')
  t.equal(x.err(), '', 'no progress bar when stderr is not a terminal')
})

t.test('--json prints the result; --series adds a time series', async (t) => {
  const x = io()
  t.equal(await runCommand([good, '--json', '--series', '500'], x.fake), 0)
  const r = JSON.parse(x.out())
  t.equal(r.scenario, 'small')
  t.equal(r.workloads[0].pages, 16384)
  t.equal(r.series.intervalMs, 500)
  t.same(r.series.rows[1][0], 500)
  const y = io()
  t.equal(await runCommand([good, '--series', '1000'], y.fake), 0)
  t.match(y.out(), /\nseries every 1000 ms[^\n]*\n +ms +pgpromote_success/)
})

t.test('the progress bar goes to a terminal, unless --quiet', async (t) => {
  const x = io(true)
  t.equal(await runCommand([good], x.fake), 0)
  t.match(x.err(), /\r\[#+\.*\] +\d+% +sim [\d.]+ s +workloads \d\/1/)
  t.match(x.err(), /\r\x1b\[K$/, 'the line is cleared at the end')
  const q = io(true)
  t.equal(await runCommand([good, '--quiet'], q.fake), 0)
  t.equal(q.err(), '')
})

t.test('bad files and arguments exit 2 with a clear message', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[bad], /invalid scenario \(.*bad\.json\):\n {2}\/writes\/0: writing "9" to \/sys\/kernel\/debug\/pghot\/freq_threshold failed: EINVAL/],
    [[notJson], /\n {2}\/: is not valid JSON/],
    [[join(dir, 'missing.json')], /cannot read .*missing\.json/],
    [[], /which scenario\?/],
    [[good, good], /one scenario file at a time/],
    [[good, '--series', 'often'], /--series: "often" is not a positive number/],
    [[good, '--bogus'], /Unknown option '--bogus'/],
  ]
  for (const [args, msg] of cases) {
    const x = io()
    t.equal(await runCommand(args, x.fake), 2, args.join(' '))
    t.match(x.err(), msg)
    t.equal(x.out(), '')
  }
  const h = io()
  t.equal(await runCommand(['--help'], h.fake), 0)
  t.match(h.out(), /numaemu run SCENARIO\.json \[--json\] \[--series MS\] \[--quiet\]/)
})

t.test('tables right-align numbers', async (t) => {
  t.equal(formatTable(['name', 'n'], [['a', 1], ['bbb', 1.5]]), 'name      n\na         1\nbbb   1.500\n')
})
