/**
 * `numaemu run SCENARIO.json`: run a scenario to completion and print what it
 * measured. The process is reached only through the `io` handed in, so the command
 * can be exercised without spawning one.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { parseScenario, ScenarioError } from './load.js'
import { runScenario, type Progress, type ScenarioResult } from './run.js'

export const RUN_HELP = `numaemu run - run a scenario file on a simulated machine and report

Usage:
  numaemu run SCENARIO.json [--json] [--series MS] [--quiet]

Options:
  --json         print the result as JSON
  --series MS    also sample the counters every MS simulated milliseconds
                 (overrides the scenario's report.seriesMs)
  --quiet        no progress bar (there is none either when stderr is not a terminal)
  -h, --help     this text

Exit status: 0 done, 2 bad arguments or a bad scenario, 1 anything else.
`

export interface CliIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
  /** Whether stderr is a terminal (the progress bar redraws a line in place). */
  stderrIsTTY: boolean
  readFile: (path: string) => string
  /** Wall clock in ms, for throttling the progress bar and the timings. */
  now: () => number
}

export function processIo(): CliIo {
  return {
    stdout: (s) => { process.stdout.write(s) },
    stderr: (s) => { process.stderr.write(s) },
    stderrIsTTY: process.stderr.isTTY === true,
    readFile: (p) => readFileSync(p, 'utf8'),
    now: () => performance.now(),
  }
}

const BAR_WIDTH = 30
const REDRAW_MS = 100

function progressLine(p: Progress, wallMs: number): string {
  const filled = Math.round(p.fraction * BAR_WIDTH)
  const pct = `${(p.fraction * 100).toFixed(0)}%`.padStart(4)
  return `\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${pct}  sim ${(p.simMs / 1000).toFixed(1)} s` +
    `  workloads ${p.workloadsFinished}/${p.workloads}  wall ${(wallMs / 1000).toFixed(1)} s`
}

/** Columns padded to their widest cell; numbers right-aligned, text left-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === '-'))
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(header), ...cells.map(line)].join('\n') + '\n'
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n)
  return n.toFixed(3)
}

function mib(bytes: number): string { return `${(bytes / 1048576).toFixed(1)} MiB` }

/** The human-readable report: what ran, how long each workload took, the counters. */
export function formatResult(r: ScenarioResult, withSeries: boolean): string {
  let out = `scenario ${r.scenario} on ${r.machine.name} (seed ${r.machine.seed}), ${r.quantumMs} ms steps\n`
  out += `ended: ${r.endedBy === 'finished' ? 'all workloads finished' : 'duration reached'} after ${(r.simulatedMs / 1000).toFixed(3)} s simulated;` +
    ` wall ${(r.wall.totalMs / 1000).toFixed(2)} s (setup ${(r.wall.setupMs / 1000).toFixed(2)} s, run ${(r.wall.runMs / 1000).toFixed(2)} s)\n\n`
  out += formatTable(
    ['workload', 'task', 'threads', 'cpus', 'pages', 'completion ms', 'accesses', 'pages at start', 'pages at end'],
    r.workloads.map((w) => [
      w.name, w.task, w.threads, w.cpus, w.pages, w.completionMs ?? '-', w.accesses,
      Object.entries(w.pagesByNode.start).map(([k, v]) => `${k}=${v}`).join(' '),
      Object.entries(w.pagesByNode.end).map(([k, v]) => `${k}=${v}`).join(' '),
    ]),
  )
  const phased = r.workloads.filter((w) => w.phases)
  if (phased.length) {
    const ms = (x: number | null) => (x === null ? '-' : Number(x.toFixed(3)))
    out += '\n' + formatTable(['workload', 'phase', 'start ms', 'end ms'], phased.flatMap((w) => w.phases!.map((p) => [w.name, p.name, ms(p.startMs), ms(p.endMs)])))
  }
  out += '\n' + formatTable(['counter', 'start', 'final', 'delta'], r.counters.map((c) => [c.key, c.start, c.final, c.delta]))
  out += `\npghot metadata: ${r.pghotMetadataBytes} bytes (${mib(r.pghotMetadataBytes)})\n`
  if (withSeries && r.series) {
    out += `\nseries every ${r.series.intervalMs} ms (counter values at each time; <workload>.nodeN: region pages on node N)\n`
    out += formatTable(r.series.columns, r.series.rows)
  }
  return out
}

/** Run the command; returns the exit status. */
export async function runCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean' }, series: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true, strict: true,
    })
  } catch (err) {
    io.stderr(`numaemu run: ${(err as Error).message}\n\n${RUN_HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) { io.stdout(RUN_HELP); return 0 }
  if (positionals.length !== 1) {
    io.stderr(`numaemu run: ${positionals.length ? 'one scenario file at a time' : 'which scenario? give a SCENARIO.json'}\n\n${RUN_HELP}`)
    return 2
  }
  let seriesMs: number | undefined
  if (values.series !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(values.series) || !(Number(values.series) > 0)) {
      io.stderr(`numaemu run: --series: "${values.series}" is not a positive number of milliseconds\n`)
      return 2
    }
    seriesMs = Number(values.series)
  }
  const file = positionals[0]
  let text: string
  try {
    text = io.readFile(file)
  } catch (err) {
    io.stderr(`numaemu run: cannot read ${file}: ${(err as Error).message}\n`)
    return 2
  }

  const showBar = !values.quiet && io.stderrIsTTY
  let lastDraw = -Infinity
  let drawn = false
  const wall0 = io.now()
  try {
    const spec = parseScenario(text, file)
    const result = runScenario(spec, {
      source: file,
      name: basename(file).replace(/\.json$/, ''),
      seriesMs,
      now: io.now,
      onProgress: showBar ? (p) => {
        const t = io.now()
        if (t - lastDraw < REDRAW_MS && p.fraction < 1) return
        lastDraw = t
        drawn = true
        io.stderr(progressLine(p, t - wall0))
      } : undefined,
    })
    if (drawn) io.stderr('\r\x1b[K')
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result, result.series !== null))
    return 0
  } catch (err) {
    if (drawn) io.stderr('\n')
    if (err instanceof ScenarioError) {
      io.stderr(`numaemu run: ${err.message}\n`)
      return 2
    }
    throw err
  }
}
