/**
 * The scenario runner: build the machine a scenario names, set it up the way an
 * administrator would (cgroups and knobs through the kernel files, so every value
 * gets the kernel's validation), allocate the workload regions, run simulated time
 * until the work is done, and report times and counters.
 *
 * Nothing here touches the process, the filesystem or the network: the caller hands
 * in a validated scenario and gets a plain result back, so the same run can be driven
 * from the command line, a test or a server. Given the same scenario and seed, every
 * field of the result except the wall times is the same on every run.
 */
import type { ScenarioSpec } from '../../schemas/scenario.js'
import type { MachineConfigInput } from '../../schemas/machine-config.js'
import { ConfigError, resolveConfig } from '../config/load.js'
import { PRESETS } from '../config/presets.js'
import { createMachine } from '../engine/index.js'
import type { Machine } from '../engine/machine.js'
import type { Mempolicy, PolicyFlag, PolicyMode } from '../engine/mempolicy.js'
import type { Region } from '../engine/region.js'
import { PAGE_SIZE } from '../engine/spec.js'
import type { Task } from '../engine/tasks.js'
import { resolvePhases, type Pattern, type PhaseInput, type Workload } from '../engine/workload.js'
import { ERRNO, type ErrnoName } from '../kernfs/errno.js'
import { CGROUP_ROOT } from '../kernfs/files/cgroup.js'
import { listFormat, parseList } from '../kernfs/format.js'
import { KernFs } from '../kernfs/registry.js'
import { normalizeCgroup, policyNodes, ScenarioError, type ScenarioProblem } from './load.js'

/** The counters reported when a scenario does not list any: tiering in motion. */
export const DEFAULT_VMSTAT = [
  'pgpromote_success', 'pgpromote_candidate', 'pgmigrate_success', 'pgmigrate_fail', 'pgdemote_kswapd',
  'numa_pte_updates', 'numa_hint_faults', 'numa_hint_faults_local', 'numa_pages_migrated',
  'pghot_recorded_accesses', 'pghot_recorded_hintfaults', 'pghot_recorded_hwhints',
  'hwhint_total_events', 'hwhint_dram_accesses', 'hwhint_extmem_accesses', 'hwhint_useful_events',
] as const

export interface Progress {
  /** Simulated ms since the run started. */
  simMs: number
  /** Simulated ms the run may last at most. */
  limitMs: number
  /** Share of the finite work done (of the duration when no workload has finite work), 0..1. */
  fraction: number
  workloadsFinished: number
  workloads: number
}

export interface RunOptions {
  /** Told how far the run is, every `progressEveryMs` simulated ms and once at the end. */
  onProgress?: (p: Progress) => void
  /** Simulated ms between progress reports; default 100 steps. */
  progressEveryMs?: number
  /** Series interval replacing the scenario's report.seriesMs (null: no series). */
  seriesMs?: number | null
  /** Stop after this many simulated ms even if the scenario's duration is longer. */
  maxMs?: number
  /** Wall clock in ms, for the timings only. */
  now?: () => number
  /** Names the scenario file in errors. */
  source?: string
  /** Names the scenario in the result when it has no name of its own; default the source. */
  name?: string
}

export interface CounterResult {
  /** vmstat name, "node1.name", or "/cg:memory.file[:key]". */
  key: string
  file: string
  item: string | null
  start: number
  final: number
  delta: number
}

export interface WorkloadResult {
  name: string
  task: string
  pid: number
  threads: number
  cpus: string
  pages: number
  accessesPerThread: number | null
  finished: boolean
  /** Simulated ms from the start of the run until its last thread finished; null if it did not. */
  completionMs: number | null
  accesses: number
  hintFaults: number
  pagesByNode: { start: Record<string, number>; end: Record<string, number> }
  /** Workloads with phases: when each began and ended. */
  phases?: PhaseResult[]
}

export interface PhaseResult {
  name: string
  /** Simulated ms from the start of the run when the phase began; null if it never did. */
  startMs: number | null
  /** When it ended; null while it runs (or if it never began). */
  endMs: number | null
}

/** When each phase of a workload began and ended, relative to the run's start. */
function phaseResults(w: Workload, t0: number): PhaseResult[] {
  return w.phases.map((ph, i) => {
    const start = w.phaseStarts[i]
    const end = i + 1 < w.phaseStarts.length ? w.phaseStarts[i + 1] : i === w.phaseIndex ? w.finishedAtMs : null
    return { name: ph.name, startMs: start === undefined ? null : start - t0, endMs: end === null || end === undefined ? null : end - t0 }
  })
}

export interface SeriesResult {
  intervalMs: number
  /** "ms", then the counter keys, then "<workload>.node<N>" pages of each region per memory node. */
  columns: string[]
  rows: number[][]
}

export interface ScenarioResult {
  scenario: string
  machine: { name: string; seed: number; preset: string | null }
  quantumMs: number
  /** Simulated ms the run lasted (whole steps). */
  simulatedMs: number
  endedBy: 'finished' | 'duration'
  workloads: WorkloadResult[]
  counters: CounterResult[]
  series: SeriesResult | null
  /** Bytes of the pghot hotness records and section flags (0 without pghot). */
  pghotMetadataBytes: number
  wall: { setupMs: number; runMs: number; totalMs: number }
}

interface CounterSpec {
  key: string
  file: string
  item: string | null
  /** JSON path of the entry that asked for it, for errors. */
  pointer: string
  pick: (text: string) => number | undefined
}

const fail = (source: string, problems: ScenarioProblem[]): never => { throw new ScenarioError(problems, source) }

function errnoText(errno: string, reason?: string): string {
  const e = ERRNO[errno as ErrnoName]
  return `${errno}${e ? ` (${e.message})` : ''}${reason ? `: ${reason}` : ''}`
}

/** Build the machine: a preset with its changes applied, or an inline config. */
function buildMachine(spec: ScenarioSpec, source: string): Machine {
  const ms = spec.machine
  let cfg: MachineConfigInput
  let where: string
  if (ms.preset !== undefined) {
    cfg = structuredClone(PRESETS[ms.preset as keyof typeof PRESETS]) as unknown as MachineConfigInput
    where = `/machine (preset ${ms.preset})`
    if (ms.kernelConfig) cfg = { ...cfg, kernel: { ...cfg.kernel, config: { ...cfg.kernel?.config, ...ms.kernelConfig } } }
    const problems: ScenarioProblem[] = []
    const nodes = cfg.nodes.map((n) => ({ ...n }))
    ms.nodes?.forEach((patch, i) => {
      const n = nodes.find((x) => x.id === patch.id)
      if (!n) { problems.push({ path: `/machine/nodes/${i}/id`, message: `preset ${ms.preset} has no node ${patch.id}` }); return }
      if (patch.latencyNs !== undefined) n.latencyNs = patch.latencyNs
      if (patch.storeLatencyNs !== undefined) n.storeLatencyNs = patch.storeLatencyNs
      if (patch.bandwidthMBps !== undefined) n.bandwidthMBps = patch.bandwidthMBps
    })
    if (problems.length) fail(source, problems)
    cfg = { ...cfg, nodes }
  } else {
    cfg = structuredClone(ms.config) as MachineConfigInput
    where = '/machine/config'
  }
  if (ms.seed !== undefined) cfg = { ...cfg, seed: ms.seed }
  try {
    return createMachine(resolveConfig(cfg, source))
  } catch (err) {
    if (err instanceof ConfigError) {
      fail(source, err.problems.map((p) => ms.preset !== undefined
        ? { path: '/machine', message: `${where}${p.path}: ${p.message}` }
        : { path: `${where}${p.path}`, message: p.message }))
    }
    throw err
  }
}

/** The kernel-file path of a cgroup ("/" is the root). */
const cgroupDir = (cg: string) => (cg === '/' ? CGROUP_ROOT : `${CGROUP_ROOT}${cg}`)

/** mkdir each cgroup and its missing ancestors; every ancestor hands the memory controller down. */
function createCgroups(m: Machine, fs: KernFs, spec: ScenarioSpec, cpu: number, source: string): void {
  spec.cgroups?.forEach((raw, i) => {
    const parts = normalizeCgroup(raw)!.split('/').filter(Boolean)
    for (let k = 0; k < parts.length; k++) {
      const parent = '/' + parts.slice(0, k).join('/')
      const child = '/' + parts.slice(0, k + 1).join('/')
      if (!m.tasks.cgroup(parent)!.subtreeControl.has('memory')) {
        const w = fs.write(`${cgroupDir(parent)}/cgroup.subtree_control`, '+memory\n', { cpu })
        if (!w.ok) fail(source, [{ path: `/cgroups/${i}`, message: `enabling memory in ${cgroupDir(parent)}/cgroup.subtree_control failed: ${errnoText(w.errno, w.reason)}` }])
      }
      if (!m.tasks.cgroup(child)) {
        const r = fs.mkdir(cgroupDir(child))
        if (!r.ok) fail(source, [{ path: `/cgroups/${i}`, message: `mkdir ${cgroupDir(child)} failed: ${errnoText(r.errno, r.reason)}` }])
      }
    }
  })
}

/** Every knob write goes through the kernel file, as `echo VALUE > PATH` would. */
function applyWrites(fs: KernFs, spec: ScenarioSpec, cpu: number, source: string): void {
  spec.writes?.forEach((w, i) => {
    const value = String(w.value)
    const data = value.endsWith('\n') ? value : `${value}\n`
    const r = fs.write(w.path, data, { cpu })
    if (!r.ok) fail(source, [{ path: `/writes/${i}`, message: `writing "${value.trimEnd()}" to ${w.path} failed: ${errnoText(r.errno, r.reason)}` }])
  })
}

function setPolicy(m: Machine, t: Task, p: { mode: string; nodes?: number[] | string; flags?: string[] }, path: string, source: string): void {
  const r = m.tasks.setPolicy(t, p.mode as PolicyMode, policyNodes(p.nodes), (p.flags ?? []) as PolicyFlag[])
  if (!r.ok) fail(source, [{ path, message: `set_mempolicy failed: ${errnoText(r.errno, r.reason)}` }])
}

function restorePolicy(m: Machine, t: Task, saved: Mempolicy): void {
  // The saved policy was accepted once; it is put back as the user gave it.
  const r = m.tasks.setPolicy(t, saved.mode, saved.userNodes, saved.flags)
  if (!r.ok) t.policy = saved
}

/** Resolve the counters the report asks for, checking each exists on this machine. */
function counterSpecs(m: Machine, fs: KernFs, spec: ScenarioSpec, source: string): CounterSpec[] {
  const out: CounterSpec[] = []
  const problems: ScenarioProblem[] = []
  const text = (path: string): string | undefined => {
    const r = fs.read(path)
    return r.ok && r.type === 'file' ? r.text : undefined
  }
  const kvPick = (name: string) => (t: string): number | undefined => {
    for (const line of t.split('\n')) {
      const sp = line.indexOf(' ')
      if (sp > 0 && line.slice(0, sp) === name) return Number(line.slice(sp + 1).trim().split(/\s+/)[0])
    }
    return undefined
  }
  const numaPick = (name: string, nodeCol: string) => (t: string): number | undefined => {
    for (const line of t.split('\n')) {
      const toks = line.trim().split(/\s+/)
      if (toks[0] !== name) continue
      const col = toks.find((x) => x.startsWith(`${nodeCol}=`))
      return col === undefined ? undefined : Number(col.slice(nodeCol.length + 1))
    }
    return undefined
  }
  const add = (c: CounterSpec, what: string) => {
    const t = text(c.file)
    if (t === undefined) { problems.push({ path: c.pointer, message: `${c.file} does not exist on this machine` }); return }
    const v = c.pick(t)
    if (v === undefined || !Number.isFinite(v)) { problems.push({ path: c.pointer, message: `no ${what} in ${c.file} on this machine` }); return }
    if (out.some((o) => o.key === c.key)) { problems.push({ path: c.pointer, message: `${c.key} is reported twice` }); return }
    out.push(c)
  }
  const r = spec.report
  if (r.vmstat) {
    r.vmstat.forEach((name, i) => add({ key: name, file: '/proc/vmstat', item: name, pointer: `/report/vmstat/${i}`, pick: kvPick(name) }, `"${name}"`))
  } else {
    const have = text('/proc/vmstat') ?? ''
    for (const name of DEFAULT_VMSTAT) if (kvPick(name)(have) !== undefined) out.push({ key: name, file: '/proc/vmstat', item: name, pointer: '/report', pick: kvPick(name) })
  }
  r.nodeVmstat?.forEach((nv, i) => {
    if (!m.node(nv.node)) { problems.push({ path: `/report/nodeVmstat/${i}/node`, message: `node ${nv.node} does not exist` }); return }
    const file = `/sys/devices/system/node/node${nv.node}/vmstat`
    nv.items.forEach((name, j) => add({ key: `node${nv.node}.${name}`, file, item: name, pointer: `/report/nodeVmstat/${i}/items/${j}`, pick: kvPick(name) }, `"${name}"`))
  })
  r.memcg?.forEach((mc, i) => {
    const cg = normalizeCgroup(mc.cgroup)!
    const file = `${cgroupDir(cg)}/${mc.file}`
    if (!mc.keys) {
      add({ key: `${cg}:${mc.file}`, file, item: null, pointer: `/report/memcg/${i}`, pick: (t) => (/^\d+\n?$/.test(t) ? Number(t) : undefined) }, 'single number')
      return
    }
    mc.keys.forEach((k, j) => {
      const numa = /^([a-z0-9_]+):(N\d+)$/.exec(k)
      const pick = mc.file === 'memory.numa_stat' && numa ? numaPick(numa[1], numa[2]) : kvPick(k)
      add({ key: `${cg}:${mc.file}:${k}`, file, item: k, pointer: `/report/memcg/${i}/keys/${j}`, pick }, `"${k}"`)
    })
  })
  if (problems.length) fail(source, problems)
  return out
}

/** Read every counter, each file once. */
function readCounters(fs: KernFs, specs: readonly CounterSpec[]): number[] {
  const texts = new Map<string, string>()
  return specs.map((c) => {
    let t = texts.get(c.file)
    if (t === undefined) {
      const r = fs.read(c.file)
      t = r.ok && r.type === 'file' ? r.text : ''
      texts.set(c.file, t)
    }
    // A cgroup removed during the run reads as 0 rather than failing the report.
    return c.pick(t) ?? 0
  })
}

function pagesByNode(r: Region): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [nid, n] of [...r.perNode].sort((a, b) => a[0] - b[0])) if (n) out[`node${nid}`] = n
  return out
}

interface Started { name: string; taskName: string; task: Task; w: Workload; startPages: Record<string, number> }

/**
 * Apply a scenario's cgroups, knob writes, tasks and workload regions to a machine
 * (a fresh one, or a running daemon's), and start its workloads. Returns what was started.
 */
export function setupScenario(m: Machine, fs: KernFs, spec: ScenarioSpec, source: string): Started[] {
  const cpu0 = m.onlineCpus()[0] ?? 0
  createCgroups(m, fs, spec, cpu0, source)
  applyWrites(fs, spec, cpu0, source)

  const tasks = new Map<string, Task>()
  spec.tasks?.forEach((ts, i) => {
    const cg = normalizeCgroup(ts.cgroup)!
    const r = m.tasks.create({ cgroup: cg === '/' ? '' : cg, cpu: ts.cpu, comm: ts.name.slice(0, 15) })
    if (!r.ok) fail(source, [{ path: `/tasks/${i}`, message: `creating the task failed: ${errnoText(r.errno, r.reason)}` }])
    else tasks.set(ts.name, r.value)
    if (ts.mempolicy && r.ok) setPolicy(m, r.value, ts.mempolicy, `/tasks/${i}/mempolicy`, source)
  })

  // Every region is allocated before any workload starts, so they all start at the same instant.
  const planned: Array<{ name: string; taskName: string; task: Task; region: Region; cpus: number[]; i: number }> = []
  spec.workloads.forEach((ws, i) => {
    const task = tasks.get(ws.task)!
    const cpus = ws.cpus !== undefined ? parseList(ws.cpus)! : [task.cpu]
    for (const c of cpus) if (!m.cpuNode.has(c)) fail(source, [{ path: `/workloads/${i}/cpus`, message: `cpu ${c} is not online (this machine has ${listFormat(m.onlineCpus())})` }])
    const pages = ws.pages ?? Math.ceil(ws.bytes! / PAGE_SIZE)
    const saved = task.policy
    if (ws.placement) setPolicy(m, task, ws.placement, `/workloads/${i}/placement`, source)
    const r = m.regions.create(task, pages)
    restorePolicy(m, task, saved)
    if (r.ok && ws.policy) setPolicy(m, task, ws.policy, `/workloads/${i}/policy`, source)
    if (!r.ok) fail(source, [{ path: `/workloads/${i}`, message: `allocating ${pages} pages for task "${ws.task}" failed: ${errnoText(r.errno, r.reason)}` }])
    else planned.push({ name: ws.name ?? `w${i + 1}`, taskName: ws.task, task, region: r.value, cpus, i })
  })
  m.sim.quantumMs = spec.quantumMs
  return planned.map((p) => {
    const ws = spec.workloads[p.i]
    const pattern = (ws.pattern ?? { kind: 'uniform' }) as Pattern
    const base = { pattern, rate: ws.rate ?? null, loadFraction: ws.loadFraction, mlp: ws.mlp, accessesPerThread: ws.accessesPerThread ?? null }
    const phases = ws.phases ? resolvePhases(base, ws.phases as PhaseInput[]) : null
    if (phases && !phases.ok) fail(source, phases.problems.map((q) => ({ path: `/workloads/${p.i}${q.path}`, message: q.message })))
    const w = m.sim.start({
      name: p.name, threads: ws.threads, cpus: p.cpus, ...base,
      ...(phases?.ok ? { phases: phases.value } : {}),
    }, p.region)
    return { name: p.name, taskName: p.taskName, task: p.task, w, startPages: pagesByNode(p.region) }
  })
}

/** Set up and run a validated scenario (see loadScenario / parseScenario). */
export function runScenario(spec: ScenarioSpec, opts: RunOptions = {}): ScenarioResult {
  const now = opts.now ?? (() => performance.now())
  const source = opts.source ?? spec.name ?? 'scenario'
  const wall0 = now()

  const m = buildMachine(spec, source)
  const fs = new KernFs(m)
  const started = setupScenario(m, fs, spec, source)
  const counters = counterSpecs(m, fs, spec, source)
  const startValues = readCounters(fs, counters)
  const wallSetup = now()

  const seriesMs = opts.seriesMs !== undefined ? opts.seriesMs : spec.report.seriesMs ?? null
  if (seriesMs !== null && !(seriesMs > 0)) fail(source, [{ path: '/report/seriesMs', message: `a series interval of ${seriesMs} ms is not positive` }])
  const memNodes = m.memoryNodes().map((n) => n.id)
  const series: SeriesResult | null = seriesMs === null ? null : {
    intervalMs: seriesMs,
    columns: ['ms', ...counters.map((c) => c.key), ...started.flatMap((s) => memNodes.map((nid) => `${s.name}.node${nid}`))],
    rows: [],
  }

  const t0 = m.clock.nowMs()
  const elapsed = () => m.clock.nowMs() - t0
  const sample = () => {
    if (!series) return
    const pages = started.flatMap((s) => memNodes.map((nid) => s.w.region.perNode.get(nid) ?? 0))
    series.rows.push([elapsed(), ...readCounters(fs, counters), ...pages])
  }
  const finite = started.filter((s) => s.w.finite).map((s) => s.w)
  const allDone = () => finite.length > 0 && finite.every((w) => w.finished)
  const limit = Math.min(spec.duration, opts.maxMs ?? Infinity)
  const progress = () => {
    if (!opts.onProgress) return
    const now = m.clock.nowMs()
    const fraction = finite.length ? finite.reduce((s, w) => s + w.progressAt(now), 0) / finite.length : elapsed() / limit
    opts.onProgress({
      simMs: elapsed(), limitMs: limit, fraction: Math.min(1, Math.max(0, fraction)),
      workloadsFinished: started.filter((s) => s.w.finished).length, workloads: started.length,
    })
  }
  const progressEvery = Math.max(spec.quantumMs, opts.progressEveryMs ?? spec.quantumMs * 100)

  sample()
  let nextSample = seriesMs ?? Infinity
  let nextProgress = progressEvery
  while (!allDone() && elapsed() < limit) {
    const target = Math.min(limit, nextSample, nextProgress)
    m.sim.runUntil(allDone, target - elapsed())
    const e = elapsed()
    if (seriesMs !== null && e >= nextSample) {
      sample()
      nextSample = (Math.floor(e / seriesMs) + 1) * seriesMs
    }
    if (e >= nextProgress) {
      progress()
      nextProgress = (Math.floor(e / progressEvery) + 1) * progressEvery
    }
  }
  if (series && series.rows[series.rows.length - 1]?.[0] !== elapsed()) sample()
  progress()

  const finalValues = readCounters(fs, counters)
  const wallEnd = now()
  return {
    scenario: spec.name ?? opts.name ?? source,
    machine: { name: m.spec.name, seed: m.spec.seed, preset: spec.machine.preset ?? null },
    quantumMs: spec.quantumMs,
    simulatedMs: elapsed(),
    endedBy: allDone() ? 'finished' : 'duration',
    workloads: started.map((s) => ({
      name: s.name, task: s.taskName, pid: s.task.pid, threads: s.w.spec.threads, cpus: listFormat(s.w.spec.cpus),
      pages: s.w.region.pages, accessesPerThread: s.w.spec.accessesPerThread,
      finished: s.w.finished, completionMs: s.w.finishedAtMs === null ? null : s.w.finishedAtMs - t0,
      accesses: Math.round(s.w.totalAccesses()), hintFaults: s.w.hintFaults,
      pagesByNode: { start: s.startPages, end: pagesByNode(s.w.region) },
      ...(s.w.spec.phases ? { phases: phaseResults(s.w, t0) } : {}),
    })),
    counters: counters.map((c, i) => ({ key: c.key, file: c.file, item: c.item, start: startValues[i], final: finalValues[i], delta: finalValues[i] - startValues[i] })),
    series,
    pghotMetadataBytes: m.pghot.metadataBytes(),
    wall: { setupMs: wallSetup - wall0, runMs: wallEnd - wallSetup, totalMs: wallEnd - wall0 },
  }
}
