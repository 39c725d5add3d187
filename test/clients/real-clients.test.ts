/**
 * Unmodified Linux tools read numaemu's files and must report the model's numbers:
 * prometheus-node-exporter (meminfo, meminfo_numa, vmstat, zoneinfo collectors),
 * numastat from numactl, and free / vmstat -s from procps.
 *
 * The served files are mirrored into a temp dir at their real paths. node_exporter
 * takes the proc and sys roots as flags; numastat and procps hard-code /sys and
 * /proc, so they run in a private mount namespace with the mirror bind-mounted over
 * the host's files. A missing tool, or a host that forbids the namespace, skips that
 * part; a tool that is present and disagrees fails.
 *
 * Debian packages: prometheus-node-exporter numactl procps util-linux mount.
 */
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { presetSpec } from '../../src/config/load.js'
import { createMachine } from '../../src/engine/index.js'
import { EVENT_IDX, NUMA_IDX } from '../../src/counters/vmstat-items.js'
import { HPAGE_KB } from '../../src/engine/hugetlb.js'
import { buildApp } from '../../src/server/app.js'
import { mirrorServed } from './mirror.js'
import { Mirror } from '../../src/server/mirror.js'

/** A subtest's `t` (the last overload of t.test takes just the callback). */
type Tt = Parameters<Parameters<typeof t.test>[0]>[0]

// ------------------------------------------------------------------ processes

const SEARCH_DIRS = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

function findTool(...names: string[]): string | null {
  for (const name of names) {
    for (const d of SEARCH_DIRS) {
      const p = join(d, name)
      try {
        accessSync(p, constants.X_OK)
        return p
      } catch { /* keep looking */ }
    }
  }
  return null
}

interface RunResult { code: number | null; signal: string | null; stdout: string; stderr: string }

function run(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve) => {
    // LC_ALL=C: free and vmstat localise their labels and number formats.
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } })
    let stdout = '', stderr = ''
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    const timer = setTimeout(() => { stderr += `\n[killed after ${timeoutMs} ms]`; child.kill('SIGKILL') }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: null, signal: null, stdout, stderr: stderr + String(err) }) })
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }) })
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** Exit status the namespace script uses when a bind mount fails, to tell it from the tool failing. */
const MOUNT_FAILED = 90

/**
 * unshare flags that give a private mount namespace here: plain as root, inside a
 * user namespace otherwise; null with the reason when neither is allowed.
 */
async function namespaceFlags(unshare: string): Promise<{ flags: string[] } | { reason: string }> {
  const tries = [
    ['--mount', '--propagation', 'private'],
    ['--user', '--map-root-user', '--mount', '--propagation', 'private'],
  ]
  const errors: string[] = []
  for (const flags of tries) {
    const r = await run(unshare, [...flags, 'true'], 5000)
    if (r.code === 0) return { flags }
    errors.push(`unshare ${flags.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`)
  }
  return { reason: `no private mount namespace: ${errors.join('; ')}` }
}

type NsOutcome = { ok: true; stdout: string; stderr: string } | { ok: false; mountFailed: boolean; detail: string }

/** Run argv with each [source, target] bind-mounted first, in a throwaway mount namespace. */
async function runWithBinds(unshare: string, flags: string[], binds: Array<[string, string]>, argv: string[]): Promise<NsOutcome> {
  const mounts = binds.map(([src, dst]) => `mount --bind ${shq(src)} ${shq(dst)} || exit ${MOUNT_FAILED}`).join('\n')
  const script = `${mounts}\nexec ${argv.map(shq).join(' ')}`
  const r = await run(unshare, [...flags, 'sh', '-c', script])
  if (r.code === 0) return { ok: true, stdout: r.stdout, stderr: r.stderr }
  return {
    ok: false,
    mountFailed: r.code === MOUNT_FAILED,
    detail: `${argv.join(' ')} exited ${r.code ?? r.signal}\nstderr: ${r.stderr.trim()}\nstdout: ${r.stdout.trim()}`,
  }
}

// ------------------------------------------------------------------ parsers

/** /proc/meminfo: label → value as printed (kB, or a count for HugePages_*). */
function parseMeminfo(text: string): Map<string, { value: number; kb: boolean }> {
  const out = new Map<string, { value: number; kb: boolean }>()
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(\s+kB)?\s*$/.exec(line)
    if (m) out.set(m[1], { value: Number(m[2]), kb: !!m[3] })
  }
  return out
}

/** Per-node meminfo ("Node 1 MemTotal:  8253440 kB"). */
function parseNodeMeminfo(text: string): Map<string, { value: number; kb: boolean }> {
  return parseMeminfo(text.split('\n').map((l) => l.replace(/^Node \d+ /, '')).join('\n'))
}

/** "name value" per line: /proc/vmstat, node numastat. */
function parseKv(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(-?\d+)$/.exec(line.trim())
    if (m) out.set(m[1], Number(m[2]))
  }
  return out
}

interface ZoneHeader { node: string; zone: string; fields: Map<string, number>; protection: number[] }

/** The per-zone header of /proc/zoneinfo: pages free, watermarks, spanned/present/managed, protection. */
function parseZoneinfo(text: string): ZoneHeader[] {
  const zones: ZoneHeader[] = []
  let cur: ZoneHeader | null = null
  for (const line of text.split('\n')) {
    const head = /^Node (\d+), zone\s+(\S+)/.exec(line)
    if (head) {
      cur = { node: head[1], zone: head[2], fields: new Map(), protection: [] }
      zones.push(cur)
      continue
    }
    if (!cur) continue
    const prot = /^\s+protection: \((.*)\)/.exec(line)
    if (prot) { cur.protection = prot[1].split(',').map((s) => Number(s.trim())); continue }
    const free = /^\s+pages free\s+(\d+)/.exec(line)
    if (free) { cur.fields.set('free', Number(free[1])); continue }
    const f = /^\s+(min|low|high|spanned|present|managed)\s+(\d+)$/.exec(line)
    if (f) cur.fields.set(f[1], Number(f[2]))
  }
  return zones
}

interface Sample { name: string; labels: Record<string, string>; value: number }

function parseProm(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2]
    out.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return out
}

class Metrics {
  constructor(readonly samples: Sample[]) {}
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  }
  /** The one value of name{labels}, or undefined when it is missing or ambiguous. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    const f = this.find(name, labels)
    return f.length === 1 ? f[0].value : undefined
  }
}

/** node_exporter's metric-name spelling of a meminfo label ("Active(anon)" → "Active_anon"). */
const promKey = (label: string) => label.replace('(', '_').replace(')', '')

/** A table whose header row names the columns ("node0 node1", "Node 0 Node 1 Total") and rows are "label v v ...". */
function parseColumns(text: string, header: RegExp): { columns: string[]; rows: Map<string, number[]> } | null {
  const lines = text.split('\n')
  const hi = lines.findIndex((l) => header.test(l))
  if (hi < 0) return null
  const columns = [...lines[hi].matchAll(/(Node \d+|node\d+|Total)/g)].map((m) => m[1].replace(/^Node /, 'node'))
  const rows = new Map<string, number[]>()
  for (const line of lines.slice(hi + 1)) {
    const parts = line.trim().split(/\s+/)
    if (parts.length !== columns.length + 1) continue
    const nums = parts.slice(1).map(Number)
    if (nums.some((n) => Number.isNaN(n))) continue
    rows.set(parts[0], nums)
  }
  return { columns, rows }
}

// ------------------------------------------------------------------ the machine and its mirror

const machine = createMachine(presetSpec('default'))
const app = await buildApp({ machine })
await app.listen({ host: '127.0.0.1', port: 0 })
const addr = app.server.address()
const baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
const dir = mkdtempSync(join(tmpdir(), 'numaemu-clients-'))
const children: ChildProcess[] = []

t.teardown(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue
    const exited = new Promise((r) => c.once('exit', r))
    c.kill('SIGTERM')
    await Promise.race([exited, sleep(3000)])
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }
  await app.close()
  rmSync(dir, { recursive: true, force: true })
})

// Write-only files (0200, e.g. memory.reclaim) have nothing to mirror.
const servedPaths = () => app.kernfs.entries().filter((e) => e.file.mode & 0o444).map((e) => e.path)
// The daemon's own --mirror writer; the first test checks it holds exactly what HTTP serves.
let daemonMirror: Mirror | null = null
const mirrorNow = async () => {
  daemonMirror ??= new Mirror(app.kernfs, dir, () => machine.generation)
  daemonMirror.sync()
}
const mirrored = (path: string) => readFileSync(join(dir, path), 'utf8')
const nodeDir = (nid: number) => `/sys/devices/system/node/node${nid}`

// Probed before the first test: tap ends the file once no test is running or queued.
const unshare = findTool('unshare')
const nsReady: { flags: string[] } | { reason: string } = unshare ? await namespaceFlags(unshare) : { reason: 'unshare (util-linux) not installed' }
const nsSkip = 'reason' in nsReady ? nsReady.reason : false

await t.test('mirror holds every file the tools read', async (t) => {
  const httpDir = mkdtempSync(join(tmpdir(), 'numaemu-http-'))
  t.teardown(() => rmSync(httpDir, { recursive: true, force: true }))
  const r = await mirrorServed(baseUrl, servedPaths(), httpDir)
  t.same(r.refused, [], 'every served file is readable')
  await mirrorNow()
  for (const p of r.written) t.equal(readFileSync(join(dir, p), 'utf8'), readFileSync(join(httpDir, p), 'utf8'), `--mirror holds what HTTP serves: ${p}`)
  for (const p of ['/proc/meminfo', '/proc/vmstat', '/proc/zoneinfo', '/sys/devices/system/node/online', ...machine.nodes.flatMap((n) => [`${nodeDir(n.id)}/meminfo`, `${nodeDir(n.id)}/numastat`])]) {
    t.ok(r.written.includes(p), `${p} mirrored`)
  }
  // The files themselves must say what the model says, or agreeing with them proves nothing.
  const mi = parseMeminfo(mirrored('/proc/meminfo'))
  t.equal(mi.get('MemTotal')?.value, machine.totalramPages() * 4, 'MemTotal = totalram pages × 4 kB')
  t.equal(mi.get('MemFree')?.value, machine.globalZoneStat('nr_free_pages') * 4, 'MemFree = nr_free_pages × 4 kB')
  for (const n of machine.nodes) {
    const nm = parseNodeMeminfo(mirrored(`${nodeDir(n.id)}/meminfo`))
    t.equal(nm.get('MemTotal')?.value, n.managed * 4, `node${n.id} MemTotal = managed pages × 4 kB`)
    t.equal(parseKv(mirrored(`${nodeDir(n.id)}/numastat`)).get('numa_hit'), machine.nodeNumaStat(n, 'numa_hit'), `node${n.id} numa_hit`)
  }
  t.equal(parseKv(mirrored('/proc/vmstat')).get('pgalloc_normal'), machine.events[EVENT_IDX.pgalloc_normal], 'pgalloc_normal')
})

// ------------------------------------------------------------------ procps: free, vmstat -s

/** Runs a tool that hard-codes /proc and /sys against the mirror; skips the test if mounts are refused. */
async function runMirrored(t: Tt, binds: Array<[string, string]>, argv: string[]): Promise<string | null> {
  if (!unshare || 'reason' in nsReady) throw new Error('namespace not available')
  const r = await runWithBinds(unshare, nsReady.flags, binds.map(([src, dst]) => [join(dir, src), dst]), argv)
  if (r.ok) return r.stdout
  if (r.mountFailed) {
    // A zero plan marks this test skipped with the reason.
    t.plan(0, `bind mount refused: ${r.detail.split('\n')[1] ?? r.detail}`)
    return null
  }
  t.fail(`${argv[0]} failed on numaemu's files`, { diag: r.detail })
  return null
}

const PROC_BINDS: Array<[string, string]> = [['/proc/meminfo', '/proc/meminfo'], ['/proc/vmstat', '/proc/vmstat']]

const free = findTool('free')
const vmstat = findTool('vmstat')

await t.test('free -k (procps) reports /proc/meminfo', { skip: !free ? 'free (procps) not installed' : nsSkip }, async (t) => {
  await mirrorNow()
  const out = await runMirrored(t, PROC_BINDS, [free!, '-k'])
  if (out === null) return
  const lines = out.split('\n')
  const header = lines[0].trim().split(/\s+/)
  const memLine = lines.find((l) => l.startsWith('Mem:'))
  t.ok(memLine, 'free prints a Mem: row', { stdout: out })
  if (!memLine) return
  const vals = memLine.trim().split(/\s+/).slice(1).map(Number)
  const col = (name: string) => vals[header.indexOf(name)]
  const mi = parseMeminfo(mirrored('/proc/meminfo'))
  const kb = (k: string) => mi.get(k)!.value
  t.equal(col('total'), kb('MemTotal'), 'total = MemTotal')
  t.equal(col('total'), machine.totalramPages() * 4, 'total = model totalram')
  t.equal(col('free'), kb('MemFree'), 'free = MemFree')
  t.equal(col('free'), machine.globalZoneStat('nr_free_pages') * 4, 'free = model nr_free_pages')
  t.equal(col('shared'), kb('Shmem'), 'shared = Shmem')
  t.equal(col('buff/cache'), kb('Buffers') + kb('Cached') + kb('SReclaimable'), 'buff/cache = Buffers + Cached + SReclaimable')
  t.equal(col('available'), kb('MemAvailable'), 'available = MemAvailable')
  const swap = lines.find((l) => l.startsWith('Swap:'))?.trim().split(/\s+/).slice(1).map(Number)
  t.equal(swap?.[0], kb('SwapTotal'), 'swap total = SwapTotal')
})

await t.test('vmstat -s (procps) reports /proc/meminfo and /proc/vmstat', { skip: !vmstat ? 'vmstat (procps) not installed' : nsSkip }, async (t) => {
  await mirrorNow()
  const out = await runMirrored(t, PROC_BINDS, [vmstat!, '-s'])
  if (out === null) return
  const s = new Map<string, number>()
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*\S)\s*$/.exec(line)
    if (m) s.set(m[2], Number(m[1]))
  }
  const mi = parseMeminfo(mirrored('/proc/meminfo'))
  const vs = parseKv(mirrored('/proc/vmstat'))
  const kb = (k: string) => mi.get(k)!.value
  // procps up to 4.0.2 scales K figures through a C float (unitConvert), so above 16 GiB
  // it prints the nearest float; later releases use a double and print the value exactly.
  const sameK = (label: string, want: number | undefined, what: string) => {
    const got = s.get(label)
    t.ok(want !== undefined && (got === want || got === Math.fround(want)), `${label} = ${what}`, { got, want, asFloat: want === undefined ? undefined : Math.fround(want) })
  }
  sameK('K total memory', kb('MemTotal'), 'MemTotal')
  sameK('K total memory', machine.totalramPages() * 4, 'model totalram')
  sameK('K free memory', kb('MemFree'), 'MemFree')
  sameK('K free memory', machine.globalZoneStat('nr_free_pages') * 4, 'model nr_free_pages')
  sameK('K active memory', kb('Active'), 'Active')
  sameK('K inactive memory', kb('Inactive'), 'Inactive')
  sameK('K buffer memory', kb('Buffers'), 'Buffers')
  sameK('K paged in', vs.get('pgpgin'), 'pgpgin')
  sameK('K paged out', vs.get('pgpgout'), 'pgpgout')
  t.equal(s.get('pages swapped in'), vs.get('pswpin'), 'pages swapped in = pswpin')
})

// ------------------------------------------------------------------ numactl: numastat

const numastat = findTool('numastat')
const NODE_BINDS: Array<[string, string]> = [['/sys/devices/system/node', '/sys/devices/system/node'], ['/proc/meminfo', '/proc/meminfo']]

await t.test('numastat (numactl) reports each node', { skip: !numastat ? 'numastat (numactl) not installed' : nsSkip }, async (t) => {
  await mirrorNow()

  await t.test('numastat: raw per-node counters', async (t) => {
    const out = await runMirrored(t, NODE_BINDS, [numastat!])
    if (out === null) return
    const table = parseColumns(out, /^\s+node\d+/)
    t.ok(table, 'numastat prints a node table', { stdout: out })
    if (!table) return
    t.same(table.columns, machine.nodes.map((n) => `node${n.id}`), 'one column per node')
    for (const n of machine.nodes) {
      const i = table.columns.indexOf(`node${n.id}`)
      const file = parseKv(mirrored(`${nodeDir(n.id)}/numastat`))
      for (const [row, v] of table.rows) t.equal(v[i], file.get(row), `node${n.id} ${row} = numastat file`)
      t.equal(table.rows.get('numa_hit')?.[i], machine.nodeNumaStat(n, 'numa_hit'), `node${n.id} numa_hit = model`)
      t.equal(table.rows.get('numa_miss')?.[i], machine.nodeNumaStat(n, 'numa_miss'), `node${n.id} numa_miss = model`)
      t.equal(table.rows.get('local_node')?.[i], machine.nodeNumaStat(n, 'numa_local'), `node${n.id} local_node = model`)
    }
    t.equal(table.rows.size, 6, 'the six numastat rows')
  })

  await t.test('numastat -m: per-node meminfo in MB', async (t) => {
    const out = await runMirrored(t, NODE_BINDS, [numastat!, '-m'])
    if (out === null) return
    // numastat's row list is fixed at its release; newer meminfo rows are reported, not fatal.
    const unknown = [...new Set([...out.matchAll(/^Token (\S+) not in hash table\.$/gm)].map((m) => m[1]))]
    if (unknown.length) t.comment(`numastat does not know these node meminfo rows: ${unknown.join(', ')}`)
    const table = parseColumns(out, /^\s+Node \d+/)
    t.ok(table, 'numastat -m prints a node table', { stdout: out })
    if (!table) return
    t.same(table.columns, [...machine.nodes.map((n) => `node${n.id}`), 'Total'], 'one column per node and a total')
    let total = 0
    for (const n of machine.nodes) {
      const i = table.columns.indexOf(`node${n.id}`)
      const file = parseNodeMeminfo(mirrored(`${nodeDir(n.id)}/meminfo`))
      const mib = file.get('MemTotal')!.value / 1024
      total += mib
      // Printed with two decimals, so agreement means within half a hundredth.
      t.ok(Math.abs(table.rows.get('MemTotal')![i] - mib) <= 0.005 + 1e-9, `node${n.id} MemTotal ${table.rows.get('MemTotal')![i]} MB = ${mib} (file)`)
      t.ok(Math.abs(table.rows.get('MemTotal')![i] - (n.managed * 4) / 1024) <= 0.005 + 1e-9, `node${n.id} MemTotal = model managed pages`)
      t.ok(Math.abs(table.rows.get('MemFree')![i] - (n.free * 4) / 1024) <= 0.005 + 1e-9, `node${n.id} MemFree = model free pages`)
      for (const [row, v] of table.rows) {
        const f = file.get(row)
        t.ok(f, `${row} is a node meminfo row`)
        if (!f) continue
        // HugePages_* rows are counts; numastat scales them by the huge page size.
        const want = f.kb ? f.value / 1024 : (f.value * HPAGE_KB) / 1024
        t.ok(Math.abs(v[i] - want) <= 0.005 + 1e-9, `node${n.id} ${row} ${v[i]} MB = ${want}`)
      }
    }
    t.ok(Math.abs(table.rows.get('MemTotal')![table.columns.indexOf('Total')] - total) <= 0.005 + 1e-9, 'MemTotal total column')
  })
})

// ------------------------------------------------------------------ prometheus-node-exporter

const exporter = findTool('prometheus-node-exporter', 'node_exporter')
const COLLECTORS = ['meminfo', 'meminfo_numa', 'vmstat', 'zoneinfo'] as const

interface Exporter { url: string; stderr: () => string; exited: () => string | null }

async function startExporter(bin: string): Promise<Exporter> {
  const port = await freePort()
  const child = spawn(bin, [
    `--path.procfs=${join(dir, 'proc')}`,
    `--path.sysfs=${join(dir, 'sys')}`,
    '--collector.disable-defaults',
    ...COLLECTORS.map((c) => `--collector.${c}`),
    '--collector.vmstat.fields=.*',
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (b: Buffer) => { if (stderr.length < 64_000) stderr += b.toString() })
  let exit: string | null = null
  child.on('exit', (code, sig) => { exit = `exited ${code ?? sig}` })
  child.on('error', (err) => { exit = String(err) })
  return { url: `http://127.0.0.1:${port}/metrics`, stderr: () => stderr, exited: () => exit }
}

/** Scrape with bounded retries: the exporter needs a moment to bind its port. */
async function scrape(e: Exporter, deadlineMs = 10_000): Promise<Metrics> {
  const until = Date.now() + deadlineMs
  let last = ''
  while (Date.now() < until) {
    if (e.exited()) throw new Error(`node_exporter ${e.exited()}: ${e.stderr()}`)
    try {
      const res = await fetch(e.url, { signal: AbortSignal.timeout(3000) })
      if (res.status === 200) return new Metrics(parseProm(await res.text()))
      last = `HTTP ${res.status}`
    } catch (err) {
      last = String(err)
    }
    await sleep(100)
  }
  throw new Error(`no scrape within ${deadlineMs} ms (${last}); stderr: ${e.stderr()}`)
}

function checkCollectors(t: Tt, m: Metrics, e: Exporter): void {
  for (const c of COLLECTORS) {
    t.equal(m.get('node_scrape_collector_success', { collector: c }), 1, `collector ${c} succeeded`, { stderr: e.stderr() })
  }
}

await t.test('prometheus-node-exporter reads the mirror', { skip: exporter ? false : 'prometheus-node-exporter not installed' }, async (t) => {
  await mirrorNow()
  const e = await startExporter(exporter!)
  const m = await scrape(e)
  checkCollectors(t, m, e)
  const errors = e.stderr().split('\n').filter((l) => /level=(error|warn)/.test(l) && !/running as root/i.test(l))
  t.same(errors, [], 'no collector errors or warnings logged')

  await t.test('meminfo', async (t) => {
    const mi = parseMeminfo(mirrored('/proc/meminfo'))
    t.equal(m.get('node_memory_MemTotal_bytes'), machine.totalramPages() * 4 * 1024, 'MemTotal = model totalram bytes')
    t.equal(m.get('node_memory_MemFree_bytes'), machine.globalZoneStat('nr_free_pages') * 4 * 1024, 'MemFree = model free bytes')
    for (const [label, { value, kb }] of mi) {
      const name = `node_memory_${promKey(label)}${kb ? '_bytes' : ''}`
      t.equal(m.get(name), kb ? value * 1024 : value, `${name} = ${label}`)
    }
  })

  await t.test('meminfo_numa', async (t) => {
    for (const n of machine.nodes) {
      const node = String(n.id)
      t.equal(m.get('node_memory_numa_MemTotal', { node }), n.managed * 4 * 1024, `node${n.id} MemTotal = model managed bytes`)
      t.equal(m.get('node_memory_numa_MemFree', { node }), n.free * 4 * 1024, `node${n.id} MemFree = model free bytes`)
      t.equal(m.get('node_memory_numa_numa_hit_total', { node }), machine.nodeNumaStat(n, 'numa_hit'), `node${n.id} numa_hit = model`)
      for (const [label, { value, kb }] of parseNodeMeminfo(mirrored(`${nodeDir(n.id)}/meminfo`))) {
        const name = `node_memory_numa_${promKey(label)}`
        t.equal(m.get(name, { node }), kb ? value * 1024 : value, `${name}{node="${node}"} = node meminfo ${label}`)
      }
      for (const [field, value] of parseKv(mirrored(`${nodeDir(n.id)}/numastat`))) {
        t.equal(m.get(`node_memory_numa_${field}_total`, { node }), value, `node${n.id} ${field} = numastat file`)
      }
    }
  })

  await t.test('vmstat', async (t) => {
    const vs = parseKv(mirrored('/proc/vmstat'))
    t.equal(m.get('node_vmstat_pgalloc_normal'), machine.events[EVENT_IDX.pgalloc_normal], 'pgalloc_normal = model')
    t.equal(m.get('node_vmstat_nr_free_pages'), machine.globalZoneStat('nr_free_pages'), 'nr_free_pages = model')
    for (const [field, value] of vs) t.equal(m.get(`node_vmstat_${field}`), value, `node_vmstat_${field}`)
    t.equal(m.samples.filter((s) => s.name.startsWith('node_vmstat_')).length, vs.size, 'one metric per /proc/vmstat line')
  })

  await t.test('zoneinfo', async (t) => {
    const zones = parseZoneinfo(mirrored('/proc/zoneinfo'))
    t.equal(zones.length, machine.zones.length, 'one zone block per model zone')
    for (const z of zones) {
      const labels = { node: z.node, zone: z.zone }
      const where = `node${z.node} ${z.zone}`
      const model = machine.zones.find((mz) => String(mz.nid) === z.node && mz.type === z.zone)
      t.ok(model, `${where} is a model zone`)
      if (!model) continue
      for (const [metric, field, want] of [
        ['present_pages', 'present', model.present],
        ['managed_pages', 'managed', model.managed],
        ['spanned_pages', 'spanned', model.spanned],
        ['min_pages', 'min', model.wmark.min],
        ['low_pages', 'low', model.wmark.low],
        ['high_pages', 'high', model.wmark.high],
      ] as const) {
        t.equal(z.fields.get(field), want, `${where} ${field} in zoneinfo = model`)
        t.equal(m.get(`node_zoneinfo_${metric}`, labels), want, `node_zoneinfo_${metric}{${where}} = model`)
      }
      z.protection.forEach((p, i) => t.equal(m.get(`node_zoneinfo_protection_${i}`, labels), p, `${where} protection[${i}]`))
      t.equal(z.fields.get('free'), model.free, `${where} pages free in zoneinfo = model`)
      // Like the kernel, an unpopulated zone's block stops after protection, so it has no counters.
      if (model.populated) {
        t.equal(m.get('node_zoneinfo_nr_free_pages', labels), model.free, `node_zoneinfo_nr_free_pages{${where}} = model`)
        t.equal(m.get('node_zoneinfo_numa_hit_total', labels), model.numa[NUMA_IDX.numa_hit], `${where} numa_hit = model`)
      } else {
        t.equal(m.get('node_zoneinfo_nr_free_pages', labels), undefined, `${where} unpopulated: no counters`)
      }
    }
  })

  await t.test('a write over HTTP shows up in the next scrape', async (t) => {
    const before = m.get('node_memory_MemFree_bytes')!
    const res = await fetch(`${baseUrl}/proc/sys/vm/nr_hugepages`, { method: 'PUT', body: '16', signal: AbortSignal.timeout(5000) })
    t.equal(res.status, 204, 'PUT /proc/sys/vm/nr_hugepages accepted', { body: await res.text() })
    t.equal(machine.hugetlb.nr, 16, 'model pool has 16 huge pages')
    await mirrorNow()
    const after = await scrape(e)
    checkCollectors(t, after, e)
    t.equal(after.get('node_memory_HugePages_Total'), 16, 'HugePages_Total = 16')
    t.equal(after.get('node_memory_HugePages_Free'), machine.hugetlb.free, 'HugePages_Free = model')
    t.equal(after.get('node_memory_Hugetlb_bytes'), 16 * 2048 * 1024, 'Hugetlb = 16 × 2 MiB')
    t.equal(after.get('node_memory_MemFree_bytes'), machine.globalZoneStat('nr_free_pages') * 4096, 'MemFree = model after the write')
    t.ok(after.get('node_memory_MemFree_bytes')! <= before - 16 * 2048 * 1024, 'MemFree dropped by at least the pool')
    let perNode = 0
    for (const n of machine.nodes) {
      const v = after.get('node_memory_numa_HugePages_Total', { node: String(n.id) })
      t.equal(v, n.huge.nr, `node${n.id} HugePages_Total = model`)
      perNode += v ?? 0
    }
    t.equal(perNode, 16, 'per-node pools add up to vm.nr_hugepages')
  })
})
