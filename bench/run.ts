/**
 * `npm run bench`: throughput and memory of numaemu, each figure next to a baseline
 * measured in the same run on the same machine, so the ratios mean something on
 * any CI box even when the absolute numbers do not. Ends with one `BENCH_JSON {...}`
 * line for log scrapers.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Fastify, { type FastifyInstance } from 'fastify'
import { presetSpec } from '../src/config/load.js'
import { PRESET_NAMES } from '../src/config/presets.js'
import { createMachine } from '../src/engine/index.js'
import type { Machine } from '../src/engine/machine.js'
import { KernFs } from '../src/kernfs/registry.js'
import { buildApp } from '../src/server/app.js'
import { parseScenario } from '../src/scenario/load.js'
import { runScenario } from '../src/scenario/run.js'

const HTTP_GOAL = 0.9
// Rounds alternate between the two servers so that load from other processes on a
// shared box hits both sides alike; medians then drop the disturbed rounds.
const HTTP = { connections: 10, rounds: 5, roundSec: 1, warmupSec: 1 }
const HTTP_FILES = ['/proc/vmstat', '/proc/meminfo'] as const
const RENDER_FILES = ['/proc/vmstat', '/proc/meminfo', '/proc/zoneinfo'] as const
const RENDER_PRESETS = ['default', 'seed-002'] as const
const ALLOC_PRESETS = ['default', 'four-node'] as const
const ALLOC_PAGES = 256
const TIMED_MS = 200
const MICRO_ROUNDS = 3

const MiB = 1024 * 1024
const round = (x: number, digits = 0) => Number(x.toFixed(digits))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

// Results feed this so the optimiser cannot drop the measured work as dead code.
let sink = 0

/**
 * Calls per second of `fn`. The batch grows until one batch takes about a
 * millisecond, so reading the clock does not dominate nanosecond-scale baselines.
 */
function opsPerSec(fn: () => number, ms = TIMED_MS): number {
  let batch = 1
  const warmEnd = performance.now() + ms / 4
  for (;;) {
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) sink += fn()
    const t1 = performance.now()
    if (t1 >= warmEnd) break
    if (t1 - t0 < 1) batch *= 2
  }
  let calls = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) sink += fn()
    calls += batch
    now = performance.now()
  }
  return (calls * 1000) / (now - start)
}

/** Median ops/s of `a` and of `b`, measured in alternating rounds. */
function compareOps(a: () => number, b: () => number, rounds = MICRO_ROUNDS): { a: number; b: number } {
  const ra: number[] = []
  const rb: number[] = []
  for (let i = 0; i < rounds; i++) {
    ra.push(opsPerSec(a))
    rb.push(opsPerSec(b))
  }
  return { a: median(ra), b: median(rb) }
}

function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  console.log(`\n${title}`)
  if (rows.length === 0) return
  const cols = Object.keys(rows[0])
  const cell = (v: string | number) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : v)
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c])).length)))
  const line = (vals: string[]) =>
    '  ' + vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')
  console.log(line(cols))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const r of rows) console.log(line(cols.map((c) => String(cell(r[c])))))
}

function readText(kernfs: KernFs, path: string): string {
  const r = kernfs.read(path)
  if (!r.ok || r.type !== 'file') throw new Error(`cannot read ${path}: ${r.ok ? 'is a directory' : r.errno}`)
  return r.text
}

// ---------------------------------------------------------------- memory

interface MemFigure { preset: string; rssMiB: number; heapUsedMiB: number; rssOverBaselineMiB: number; heapOverBaselineMiB: number }

function memoryFigures(): MemFigure[] {
  const probe = fileURLToPath(new URL('./mem-probe.js', import.meta.url))
  const run = (preset: string) => {
    const out = execFileSync(process.execPath, ['--expose-gc', probe, preset], { encoding: 'utf8' })
    return JSON.parse(out) as { rss: number; heapUsed: number }
  }
  // Baseline: a process that loaded the same modules but booted nothing.
  const base = run('none')
  const rows: MemFigure[] = [{ preset: 'baseline (modules only)', rssMiB: round(base.rss / MiB, 1), heapUsedMiB: round(base.heapUsed / MiB, 1), rssOverBaselineMiB: 0, heapOverBaselineMiB: 0 }]
  for (const preset of PRESET_NAMES) {
    const m = run(preset)
    rows.push({
      preset,
      rssMiB: round(m.rss / MiB, 1),
      heapUsedMiB: round(m.heapUsed / MiB, 1),
      rssOverBaselineMiB: round((m.rss - base.rss) / MiB, 1),
      heapOverBaselineMiB: round((m.heapUsed - base.heapUsed) / MiB, 1),
    })
  }
  return rows
}

// ---------------------------------------------------------------- render

interface RenderFigure { preset: string; file: string; bytes: number; numbers: number; rendersPerSec: number; baselinePerSec: number; ratio: number }

/**
 * Baseline: JSON.stringify of the numbers the file carries (same count, same
 * values). It is the cheapest way V8 offers to turn that many numbers into one
 * string, so the ratio shows what the kernel text format and the engine lookups
 * cost on top of the unavoidable serialisation.
 */
function renderFigures(): RenderFigure[] {
  const rows: RenderFigure[] = []
  for (const preset of RENDER_PRESETS) {
    const machine = createMachine(presetSpec(preset))
    const kernfs = new KernFs(machine)
    for (const file of RENDER_FILES) {
      const text = readText(kernfs, file)
      const numbers = (text.match(/-?\d+/g) ?? []).map(Number)
      // Every read follows a change, so the rendered-text cache never answers: this is the cost of show().
      const fresh = () => { machine.touch(); return readText(kernfs, file).length }
      const { a: rendersPerSec, b: baselinePerSec } = compareOps(fresh, () => JSON.stringify(numbers).length)
      rows.push({ preset, file, bytes: text.length, numbers: numbers.length, rendersPerSec: round(rendersPerSec), baselinePerSec: round(baselinePerSec), ratio: round(rendersPerSec / baselinePerSec, 4) })
    }
  }
  return rows
}

// ---------------------------------------------------------------- allocator

interface AllocFigure { preset: string; pagesPerAlloc: number; cyclesPerSec: number; callsPerSec: number; pagesPerSec: number; baselineCallsPerSec: number; ratio: number }

function allocCycle(machine: Machine): number {
  const a = machine.alloc({ kind: 'anon', pages: ALLOC_PAGES, cpu: 0 })
  if (!a.ok) throw new Error(`alloc failed: ${a.reason}`)
  const f = machine.free('anon', a.value)
  if (!f.ok) throw new Error(`free failed: ${f.reason}`)
  return a.value.length
}

/**
 * Baseline: the counter updates one anon alloc+free makes (free pages, anon pages,
 * zone and node LRU, pgalloc, numa_hit/local; then the reverse plus pgfree) done
 * as bare Float64Array arithmetic: the floor any bookkeeping allocator pays.
 */
function baselineCycle(c: Float64Array): number {
  const n = ALLOC_PAGES
  c[0] -= n; c[1] += n; c[2] += n; c[3] += n; c[4] += n; c[5] += n; c[6] += n
  const fromInactive = Math.min(n, c[2])
  c[0] += n; c[1] -= n; c[2] -= fromInactive; c[3] -= fromInactive; c[7] += n
  return 1
}

function allocFigures(): AllocFigure[] {
  const counters = new Float64Array(16)
  counters[0] = 1 << 22
  const rows: AllocFigure[] = []
  for (const preset of ALLOC_PRESETS) {
    const machine = createMachine(presetSpec(preset))
    const { a: cyclesPerSec, b: baselineCyclesPerSec } = compareOps(() => allocCycle(machine), () => baselineCycle(counters))
    rows.push({
      preset,
      pagesPerAlloc: ALLOC_PAGES,
      cyclesPerSec: round(cyclesPerSec),
      // One cycle is two calls: alloc and free.
      callsPerSec: round(cyclesPerSec * 2),
      pagesPerSec: round(cyclesPerSec * ALLOC_PAGES),
      baselineCallsPerSec: round(baselineCyclesPerSec * 2),
      ratio: round(cyclesPerSec / baselineCyclesPerSec, 4),
    })
  }
  return rows
}

// ---------------------------------------------------------------- pghot

const PGHOT_GOAL = 20e6
/** Scenario 1's working set: 8 GiB of 4 KiB pages, 2 MiB of one-byte records. */
const WORKING_SET_PAGES = (8 * 1024 * 1024 * 1024) / 4096
/** Accesses per recordAcceptedMany() call, about what one IBS drain hands over in Scenario 1. */
const PGHOT_BATCH = 512

interface PghotFigure {
  preset: string
  /** What the PFNs are drawn from and which entry point records them. */
  path: string
  /** Distinct PFNs the accesses are drawn from, and the record bytes they cover. */
  pages: number
  recordMiB: number
  eventsPerSec: number
  baselinePerSec: number
  ratio: number
  metadataMiB: number
  lowerTierPages: number
  bytesPerPage: number
}

/**
 * pghot_record_access() on random PFNs of the lower-tier node (hint-fault source,
 * accessing node 0), against the bare cost of bumping a byte of a Uint8Array at the
 * same indices (an array as large as the records the PFNs cover). Three figures per
 * preset: PFNs over the whole node (bound by cache and TLB misses on a record array
 * of tens of MiB, as is the baseline), over an 8 GiB working set (Scenario 1's, 2 MiB
 * of records), and the same working set through recordAcceptedMany(), the batched path
 * the simulation's IBS drain uses. Also what the hotness metadata costs on the preset.
 */
function pghotFigures(): PghotFigure[] {
  const rows: PghotFigure[] = []
  for (const preset of ['default', 'seed-002'] as const) {
    const machine = createMachine(presetSpec(preset))
    const pg = machine.pghot
    pg.srcEnabled = 3
    const lower = [...pg.maps.values()][0]
    const bytes = pg.metadataBytes()
    const n = 1 << 20
    // A lower-tier node no larger than the working set is measured once, as both.
    const spans = lower.pages > WORKING_SET_PAGES ? ['whole node', '8 GiB working set'] : ['whole node = working set']
    for (const span of spans) {
      const pages = span === 'whole node' ? lower.pages : Math.min(lower.pages, WORKING_SET_PAGES)
      const pfns = new Float64Array(n)
      const pfns32 = new Uint32Array(n)
      const idx = new Uint32Array(n)
      let x = 12345
      for (let i = 0; i < n; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0
        idx[i] = x % pages
        pfns[i] = pfns32[i] = lower.basePfn + idx[i]
      }
      const jiffies = machine.clock.jiffies()
      const plain = new Uint8Array(pages)
      // Start from records as the runs leave them (every one touched), not from zero pages.
      for (let i = 0; i < n; i++) pg.recordAccess(pfns[i], lower.nid, 0, 0, jiffies, true)
      plain.fill(1)
      let i = 0
      const bare = () => {
        for (let k = 0; k < 1000; k++) plain[idx[(i++) & (n - 1)]]++
        return 1000
      }
      const single = compareOps(() => {
        for (let k = 0; k < 1000; k++) pg.recordAccess(pfns[(i++) & (n - 1)], lower.nid, 0, 0, jiffies, true)
        return 1000
      }, bare)
      const row = (path: string, r: { a: number; b: number }, perCall: number): PghotFigure => ({
        preset, path: `${path}, ${span}`, pages, recordMiB: round((pages * lower.records.BYTES_PER_ELEMENT) / MiB, 1),
        eventsPerSec: round(r.a * perCall), baselinePerSec: round(r.b * perCall), ratio: round(r.a / r.b, 3),
        metadataMiB: round(bytes / MiB, 1), lowerTierPages: lower.pages, bytesPerPage: round(bytes / lower.pages, 4),
      })
      rows.push(row('recordAccess', single, 1000))
      if (span === 'whole node') continue
      // The batched path: accesses accepted up front and counted by the caller, as ibs() does.
      const srcNids = new Uint16Array(PGHOT_BATCH).fill(lower.nid)
      const nids = new Int32Array(PGHOT_BATCH)
      const batchPfns = new Uint32Array(PGHOT_BATCH)
      const many = compareOps(() => {
        const from = i & (n - 1) & ~(PGHOT_BATCH - 1)
        batchPfns.set(pfns32.subarray(from, from + PGHOT_BATCH))
        i += PGHOT_BATCH
        if (pg.accepts(0, 1)) pg.countSource(1, PGHOT_BATCH)
        pg.recordAcceptedMany(batchPfns, srcNids, nids, PGHOT_BATCH, jiffies)
        return PGHOT_BATCH
      }, () => {
        const from = i & (n - 1) & ~(PGHOT_BATCH - 1)
        for (let k = from; k < from + PGHOT_BATCH; k++) plain[idx[k]]++
        i += PGHOT_BATCH
        return PGHOT_BATCH
      })
      rows.push(row(`recordAcceptedMany (${PGHOT_BATCH} a call)`, many, PGHOT_BATCH))
    }
  }
  return rows
}

// ---------------------------------------------------------------- scenarios

/** Scenario 1 should run at least this many times faster than the benchmark it models. */
const SCENARIO_GOAL = 50

interface ScenarioFigure { scenario: string; simulatedMs: number; wallMs: number; speedup: number; promoted: number }

/**
 * The pghot series' Scenario 1 variants, run in process: wall time against the
 * simulated completion time (the speed-up over running the benchmark for real).
 */
function scenarioFigures(): ScenarioFigure[] {
  const rows: ScenarioFigure[] = []
  for (const v of ['numab0', 'numab2', 'hwhints']) {
    const spec = parseScenario(readFileSync(`scenarios/scenario1-${v}.json`, 'utf8'), v)
    const t0 = performance.now()
    const r = runScenario(spec)
    const wallMs = performance.now() - t0
    const simulatedMs = Math.max(...r.workloads.map((w) => w.completionMs ?? 0))
    const promoted = r.counters.find((c) => c.key === 'pgpromote_success')?.final ?? 0
    rows.push({ scenario: `scenario1-${v}`, simulatedMs: round(simulatedMs), wallMs: round(wallMs), speedup: round(simulatedMs / wallMs, 1), promoted })
  }
  return rows
}

// ---------------------------------------------------------------- task allocation

interface TaskAllocFigure { path: string; pagesPerCall: number; callsPerSec: number; pagesPerSec: number; p50Ms?: number; p99Ms?: number }

/**
 * A task in a memcg allocating and freeing anon memory under an interleave policy:
 * memcg charging, policy placement, page tables and numa_mpol counters included.
 * In process, then through POST /api/v1/tasks/:pid/{alloc,free} with autocannon.
 */
async function taskAllocFigures(servers: FastifyInstance[]): Promise<TaskAllocFigure[]> {
  const machine = createMachine(presetSpec('default'))
  const tasks = machine.tasks
  const cg = tasks.mkdir('/bench')
  if (!cg.ok) throw new Error(cg.reason)
  tasks.setSubtreeControl(machine.root, [{ enable: true, name: 'memory' }])
  const made = tasks.create({ cgroup: '/bench', cpu: 0, comm: 'bench' })
  if (!made.ok) throw new Error(made.reason)
  const task = made.value
  tasks.setPolicy(task, 'interleave', [0, 1], [])
  const inProcess = opsPerSec(() => {
    const a = tasks.allocate(task, 'anon', ALLOC_PAGES)
    if (!a.ok) throw new Error(a.reason)
    const f = tasks.release(task, 'anon', ALLOC_PAGES)
    if (!f.ok) throw new Error(f.reason)
    return 1
  }, 1000) * 2

  const app = await buildApp({ machine })
  servers.push(app)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const body = JSON.stringify({ kind: 'anon', pages: ALLOC_PAGES })
  const headers = { 'content-type': 'application/json' }
  const r = await autocannon({
    url, connections: 1, duration: 3, workers: 1,
    // Alloc then free on one connection, so the task's holdings stay bounded.
    requests: [
      { method: 'POST', path: `/api/v1/tasks/${task.pid}/alloc`, body, headers },
      { method: 'POST', path: `/api/v1/tasks/${task.pid}/free`, body, headers },
    ],
  })
  if (r.non2xx || r.errors) throw new Error(`task allocation over HTTP: ${r.non2xx} non-2xx, ${r.errors} errors`)
  return [
    { path: 'in process (Tasks.allocate/release)', pagesPerCall: ALLOC_PAGES, callsPerSec: round(inProcess), pagesPerSec: round(inProcess * ALLOC_PAGES) },
    { path: 'HTTP /api/v1/tasks/:pid/alloc|free', pagesPerCall: ALLOC_PAGES, callsPerSec: round(r.requests.average), pagesPerSec: round(r.requests.average * ALLOC_PAGES), p50Ms: r.latency.p50, p99Ms: r.latency.p99 },
  ]
}

// ---------------------------------------------------------------- HTTP

interface LoadFigure { reqPerSec: number; p50Ms: number; p99Ms: number; requests: number; errors: number; non2xx: number; mismatches: number }
interface HttpFigure { file: string; bytes: number; numaemu: LoadFigure; baseline: LoadFigure; ratio: number; roundRatios: number[] }

/** Medians over rounds for rates and latencies; counts of failures are summed. */
function summarise(runs: LoadFigure[]): LoadFigure {
  const sum = (k: keyof LoadFigure) => runs.reduce((s, r) => s + r[k], 0)
  return {
    reqPerSec: round(median(runs.map((r) => r.reqPerSec))),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    requests: sum('requests'),
    errors: sum('errors'),
    non2xx: sum('non2xx'),
    mismatches: sum('mismatches'),
  }
}

async function load(url: string, expectBody: string, duration: number): Promise<LoadFigure> {
  const r = await autocannon({
    url,
    connections: HTTP.connections,
    duration,
    // The load generator gets its own thread so the servers keep the main one.
    workers: 1,
    expectBody,
  })
  return {
    reqPerSec: round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors,
    non2xx: r.non2xx,
    mismatches: r.mismatches,
  }
}

async function httpFigures(servers: FastifyInstance[]): Promise<HttpFigure[]> {
  const machine = createMachine(presetSpec('default'))
  const app = await buildApp({ machine })
  servers.push(app)
  // Same bytes and headers as numaemu sends, captured once: what fastify alone costs.
  const base = Fastify({ logger: false })
  servers.push(base)
  const texts = new Map<string, string>()
  for (const file of HTTP_FILES) {
    const r = app.kernfs.read(file)
    if (!r.ok || r.type !== 'file') throw new Error(`cannot read ${file}`)
    const { text } = r
    const fs = r.entry.file.fs
    const mode = `0${r.entry.file.mode.toString(8)}`
    texts.set(file, text)
    base.get(file, async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').header('x-kernfs', fs).header('x-mode', mode).header('cache-control', 'no-store').send(text))
  }
  const appUrl = await app.listen({ host: '127.0.0.1', port: 0 })
  const baseUrl = await base.listen({ host: '127.0.0.1', port: 0 })

  const rows: HttpFigure[] = []
  for (const file of HTTP_FILES) {
    const text = texts.get(file)!
    const runs = { numaemu: [] as LoadFigure[], baseline: [] as LoadFigure[] }
    const origins = { numaemu: appUrl, baseline: baseUrl }
    // Warm-up so both sides are measured with optimised code.
    for (const side of ['baseline', 'numaemu'] as const) await load(origins[side] + file, text, HTTP.warmupSec)
    const ratios: number[] = []
    for (let i = 0; i < HTTP.rounds; i++) {
      // Swap who goes first each round so neither side always follows the other's garbage.
      const order = i % 2 ? (['numaemu', 'baseline'] as const) : (['baseline', 'numaemu'] as const)
      for (const side of order) runs[side].push(await load(origins[side] + file, text, HTTP.roundSec))
      ratios.push(runs.numaemu[i].reqPerSec / runs.baseline[i].reqPerSec)
    }
    rows.push({ file, bytes: Buffer.byteLength(text), numaemu: summarise(runs.numaemu), baseline: summarise(runs.baseline), ratio: round(median(ratios), 4), roundRatios: ratios.map((r) => round(r, 3)) })
  }
  return rows
}

// ---------------------------------------------------------------- main

function printPghot(pghot: PghotFigure[]): void {
  printTable(`pghot: record_access events/s (goal ≥ ${PGHOT_GOAL / 1e6} M/s on one core) vs a bare Uint8Array increment at the same indices; hotness metadata per lower-tier page`, pghot.map((p) => ({
    preset: p.preset, path: p.path, 'record MiB': p.recordMiB, 'events/s': p.eventsPerSec, 'baseline/s': p.baselinePerSec, ratio: p.ratio, 'metadata MiB': p.metadataMiB, 'lower-tier pages': p.lowerTierPages, 'bytes/page': p.bytesPerPage,
  })))
  console.log(`\ngoal: record_access ≥ ${PGHOT_GOAL / 1e6} M events/s — ${pghot.map((p) => `${p.preset} ${p.path}: ${(p.eventsPerSec / 1e6).toFixed(1)} M/s ${p.eventsPerSec >= PGHOT_GOAL ? 'met' : 'not met'}`).join('; ')}`)
}

function printScenarios(scenarios: ScenarioFigure[]): void {
  printTable('Scenario 1 variants (seed-002 machine, 8 GiB, 64 threads): wall time vs simulated time (goal: ≥ 50× faster than the series\' 42–50 s run)', scenarios.map((r) => ({
    scenario: r.scenario, 'simulated ms': r.simulatedMs, 'wall ms': r.wallMs, 'speed-up': r.speedup, 'pgpromote_success': r.promoted,
  })))
  console.log(`\ngoal: speed-up ≥ ${SCENARIO_GOAL}× — ${scenarios.map((r) => `${r.scenario} ${r.speedup}× (wall ${r.wallMs} ms, limit ${Math.round(r.simulatedMs / SCENARIO_GOAL)} ms) ${r.speedup >= SCENARIO_GOAL ? 'met' : 'not met'}`).join('; ')}`)
}

async function main(): Promise<void> {
  const loadAvg = os.loadavg().map((x) => round(x, 2))
  console.log(`numaemu bench: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${os.platform()}/${os.arch()}, load average ${loadAvg.join(' ')}`)
  // Figures from a busy box are still comparable within the run, but not across runs.
  if (loadAvg[0] > os.cpus().length / 2) console.log('note: the box is busy; compare ratios, not absolute rates')
  // `node dist/bench/run.js pghot` or `... scenarios`: that part alone, for quick checks.
  const only = process.argv[2]
  if (only === 'pghot') { printPghot(pghotFigures()); return }
  if (only === 'scenarios') { printScenarios(scenarioFigures()); return }
  const servers: FastifyInstance[] = []
  try {
    const memory = memoryFigures()
    printTable('Memory after boot (fresh process per preset, after GC)', memory.map((m) => ({
      preset: m.preset, 'RSS MiB': m.rssMiB, 'heapUsed MiB': m.heapUsedMiB, 'RSS +MiB': m.rssOverBaselineMiB, 'heap +MiB': m.heapOverBaselineMiB,
    })))

    const render = renderFigures()
    printTable('In-process render (uncached: the machine changes before every read) vs JSON.stringify of the same numbers', render.map((r) => ({
      preset: r.preset, file: r.file, bytes: r.bytes, numbers: r.numbers, 'renders/s': r.rendersPerSec, 'baseline/s': r.baselinePerSec, ratio: r.ratio,
    })))

    const alloc = allocFigures()
    printTable(`Allocator: anon alloc+free of ${ALLOC_PAGES} pages vs the same counter arithmetic on a Float64Array`, alloc.map((a) => ({
      preset: a.preset, 'cycles/s': a.cyclesPerSec, 'calls/s': a.callsPerSec, 'pages/s': a.pagesPerSec, 'baseline calls/s': a.baselineCallsPerSec, ratio: a.ratio,
    })))

    const pghot = pghotFigures()
    printPghot(pghot)

    const scenarios = scenarioFigures()
    printScenarios(scenarios)

    const taskAlloc = await taskAllocFigures(servers)
    printTable(`Task allocation: ${ALLOC_PAGES}-page anon alloc/free in a memcg under interleave (in process, and through the API)`, taskAlloc.map((a) => ({
      path: a.path, 'calls/s': a.callsPerSec, 'pages/s': a.pagesPerSec, 'p50 ms': a.p50Ms ?? '', 'p99 ms': a.p99Ms ?? '',
    })))

    console.log(`\nHTTP: autocannon, ${HTTP.connections} connections, per file ${HTTP.warmupSec} s warm-up then ${HTTP.rounds} alternating rounds of ${HTTP.roundSec} s per server, 127.0.0.1 ...`)
    const http = await httpFigures(servers)
    const httpRows: Array<Record<string, string | number>> = []
    for (const h of http) {
      for (const [server, f] of [['numaemu', h.numaemu], ['baseline', h.baseline]] as const) {
        httpRows.push({ file: h.file, server, bytes: h.bytes, 'req/s': f.reqPerSec, 'p50 ms': f.p50Ms, 'p99 ms': f.p99Ms, 'errors+non2xx+mismatch': f.errors + f.non2xx + f.mismatches, ratio: server === 'numaemu' ? h.ratio : '' })
      }
    }
    printTable('HTTP GET (default preset) vs bare fastify serving the same precomputed bytes (medians of rounds)', httpRows)
    for (const h of http) console.log(`  ${h.file} ratio per round: ${h.roundRatios.join(' ')}`)
    const met = http.every((h) => h.ratio >= HTTP_GOAL)
    console.log(`\ngoal: ratio ≥ ${HTTP_GOAL} — ${met ? 'met' : 'not met'} (${http.map((h) => `${h.file} ${h.ratio}`).join(', ')})`)
    const bad = http.filter((h) => [h.numaemu, h.baseline].some((f) => f.errors + f.non2xx + f.mismatches > 0))
    if (bad.length) console.log(`warning: errors, non-2xx or body mismatches on ${bad.map((h) => h.file).join(', ')}`)

    const summary = {
      node: process.version,
      cpus: os.cpus().length,
      loadAvg,
      http: { goalRatio: HTTP_GOAL, goalMet: met, connections: HTTP.connections, rounds: HTTP.rounds, roundSec: HTTP.roundSec, results: http },
      render,
      alloc,
      taskAlloc,
      pghot,
      scenarios,
      memory,
    }
    console.log(`\nBENCH_JSON ${JSON.stringify(summary)}`)
  } finally {
    await Promise.all(servers.map((s) => s.close()))
  }
  if (sink === -1) console.log('')
}

main().then(
  () => {
    // If some handle outlives the servers, leave anyway rather than hang CI.
    setTimeout(() => {
      console.error('bench: handles still open after closing servers; exiting')
      process.exit(0)
    }, 2000).unref()
  },
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
