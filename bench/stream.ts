/**
 * WebSocket stream under load: 1,000 subscribers of /proc/vmstat deltas at 10 Hz
 * (wall clock) while a workload moves the counters, plus one reader that stops
 * reading. The server runs in this process; the clients run in a child process so
 * the server's RSS and heap are its own and the clients do not share its event loop.
 * Ends with one `STREAM_BENCH_JSON {...}` line. `node dist/bench/stream.js [subscribers] [seconds]`
 */
import { fork } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { presetSpec } from '../src/config/load.js'
import { createMachine } from '../src/engine/index.js'
import { buildApp } from '../src/server/app.js'
import { STREAM_LIMITS } from '../schemas/stream.js'

// Server: [subscribers] [seconds]; the forked clients: --clients URL subscribers seconds.
const CLIENT_MODE = process.argv[2] === '--clients'
const ARGS = process.argv.slice(CLIENT_MODE ? 4 : 2)
const SUBSCRIBERS = Number(ARGS[0] ?? 1000)
const SECONDS = Number(ARGS[1] ?? 5)
const INTERVAL_MS = 100
const STEP_MS = 100
const CONNECT_BATCH = 50
/** Lag samples kept (uniformly thinned past this), so the client's memory is bounded too. */
const LAG_SAMPLES = 200_000
const MiB = 1024 * 1024

type ToChild = { type: 'start' } | { type: 'stop' }
type FromChild =
  | { type: 'ready'; connectMs: number }
  | { type: 'result'; frames: number; seconds: number; lagP50: number; lagP99: number; lagMax: number; bytes: number; slowDropped: number; slowFrames: number; slowMaxSeq: number; errors: number }

const vmstat = (id: string, intervalMs: number) => ({ type: 'subscribe', id, files: ['/proc/vmstat'], intervalMs, clock: 'wall', format: 'delta' })

// ------------------------------------------------------------------ clients (child)

async function clients(url: string): Promise<void> {
  const send = (m: FromChild) => process.send!(m)
  let measuring = false
  let frames = 0
  let bytes = 0
  let errors = 0
  const lags = new Float64Array(LAG_SAMPLES)
  let seen = 0
  const record = (lag: number) => {
    // Reservoir sampling keeps the percentiles fair however many frames arrive.
    if (seen < LAG_SAMPLES) lags[seen] = lag
    else {
      const j = Math.floor(Math.random() * (seen + 1))
      if (j < LAG_SAMPLES) lags[j] = lag
    }
    seen++
  }
  const sockets: WebSocket[] = []
  const open = (onFrame: (f: { wallMs: number; seq: number; dropped?: number; sub: string }, size: number) => void, subs: object[]) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      let first = subs.length
      ws.on('error', reject)
      ws.on('open', () => { for (const s of subs) ws.send(JSON.stringify(s)) })
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string; wallMs: number; seq: number; dropped?: number; sub: string }
        if (m.type === 'error') errors++
        if (m.type !== 'frame') return
        onFrame(m, data.length)
        if (first > 0 && --first === 0) resolve(ws)
      })
      sockets.push(ws)
    })

  const t0 = performance.now()
  const onFrame = (f: { wallMs: number }, size: number) => {
    if (!measuring) return
    frames++
    bytes += size
    record(Date.now() - f.wallMs)
  }
  for (let i = 0; i < SUBSCRIBERS; i += CONNECT_BATCH) {
    const n = Math.min(CONNECT_BATCH, SUBSCRIBERS - i)
    await Promise.all(Array.from({ length: n }, (_, k) => open(onFrame, [vmstat(`vm${i + k}`, INTERVAL_MS)])))
  }
  // The slow reader: heavy text streams fill its pipes, a delta stream shows what it missed.
  let slowDropped = 0, slowFrames = 0, slowMaxSeq = 0
  const slow = await open((f) => {
    if (f.sub !== 'vm') return
    slowFrames++
    slowMaxSeq = Math.max(slowMaxSeq, f.seq)
    slowDropped += f.dropped ?? 0
  }, [
    ...Array.from({ length: 4 }, (_, i) => ({ type: 'subscribe', id: `heavy${i}`, files: ['/proc/**', '/sys/devices/**'], intervalMs: 10, clock: 'wall', format: 'text' })),
    vmstat('vm', 10),
  ])
  const raw = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket
  send({ type: 'ready', connectMs: performance.now() - t0 })

  await new Promise<void>((resolve) => process.once('message', (m: ToChild) => { if (m.type === 'start') resolve() }))
  raw.pause()
  measuring = true
  const start = performance.now()
  await new Promise<void>((resolve) => process.once('message', (m: ToChild) => { if (m.type === 'stop') resolve() }))
  measuring = false
  const seconds = (performance.now() - start) / 1000
  // Let the slow reader catch up until a frame reports what it missed.
  raw.resume()
  for (const until = Date.now() + 5000; Date.now() < until && slowDropped === 0;) await new Promise((r) => setTimeout(r, 20))
  const sample = Array.from(lags.subarray(0, Math.min(seen, LAG_SAMPLES))).sort((a, b) => a - b)
  const q = (p: number) => (sample.length ? sample[Math.min(sample.length - 1, Math.floor(p * sample.length))] : NaN)
  send({ type: 'result', frames, seconds, lagP50: q(0.5), lagP99: q(0.99), lagMax: sample.at(-1) ?? NaN, bytes, slowDropped, slowFrames, slowMaxSeq, errors })
  for (const ws of sockets) ws.terminate()
  process.disconnect()
}

// ------------------------------------------------------------------ server (this process)

async function server(): Promise<void> {
  const watchdog = setTimeout(() => { console.error('stream bench: timed out'); process.exit(1) }, 60_000)
  const m = createMachine(presetSpec('default'))
  const app = await buildApp({ machine: m })
  const pid = (await app.inject({ method: 'POST', url: '/api/v1/tasks', payload: { cpu: 0, comm: 'bench' } })).json().pid as number
  const w = await app.inject({ method: 'POST', url: '/api/v1/workloads', payload: { pid, pages: 65536, threads: 4 } })
  if (w.statusCode !== 201) throw new Error(`workload: ${w.body}`)
  const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws')
  const child = fork(fileURLToPath(import.meta.url), ['--clients', `${base}/api/v1/stream`, String(SUBSCRIBERS), String(SECONDS)], { stdio: 'inherit' })
  const next = () => new Promise<FromChild>((resolve, reject) => {
    child.once('message', (msg) => resolve(msg as FromChild))
    child.once('exit', (code) => reject(new Error(`clients exited (${code})`)))
  })

  // The workload runs, and on top of it a task keeps allocating, so counters move every step.
  const stepTimes: number[] = []
  let allocs = 0
  const stepper = setInterval(() => {
    const t0 = performance.now()
    m.tasks.allocate(m.tasks.table.get(pid)!, 'anon', 64)
    allocs++
    m.sim.step(STEP_MS)
    stepTimes.push(performance.now() - t0)
  }, STEP_MS)

  const ready = await next()
  if (ready.type !== 'ready') throw new Error('clients not ready')
  const mem = () => process.memoryUsage()
  const before = mem()
  let peakRss = before.rss, peakHeap = before.heapUsed, maxQueued = 0
  const sampler = setInterval(() => {
    const u = mem()
    peakRss = Math.max(peakRss, u.rss)
    peakHeap = Math.max(peakHeap, u.heapUsed)
    for (const s of app.websocketServer.clients) maxQueued = Math.max(maxQueued, s.bufferedAmount)
  }, 100)
  const elu0 = performance.eventLoopUtilization()
  child.send({ type: 'start' } satisfies ToChild)
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  const after = mem()
  const elu = performance.eventLoopUtilization(elu0)
  child.send({ type: 'stop' } satisfies ToChild)
  const r = await next()
  clearInterval(sampler)
  clearInterval(stepper)
  if (r.type !== 'result') throw new Error('no result')
  const stepMs = stepTimes.reduce((a, b) => a + b, 0) / Math.max(1, stepTimes.length)

  const summary = {
    subscribers: SUBSCRIBERS, intervalMs: INTERVAL_MS, seconds: Number(r.seconds.toFixed(2)),
    connectMs: Math.round(ready.connectMs),
    framesPerSec: Math.round(r.frames / r.seconds),
    framesPerSecTarget: Math.round((SUBSCRIBERS * 1000) / INTERVAL_MS),
    kbPerSec: Math.round(r.bytes / r.seconds / 1024),
    lagP50Ms: r.lagP50, lagP99Ms: r.lagP99, lagMaxMs: r.lagMax,
    serverEventLoopUtilization: Number(elu.utilization.toFixed(3)),
    simStepMs: Number(stepMs.toFixed(2)), allocsDuringRun: allocs,
    rssStartMiB: Number((before.rss / MiB).toFixed(1)), rssEndMiB: Number((after.rss / MiB).toFixed(1)), rssPeakMiB: Number((peakRss / MiB).toFixed(1)),
    rssGrowthMiB: Number(((after.rss - before.rss) / MiB).toFixed(1)),
    heapStartMiB: Number((before.heapUsed / MiB).toFixed(1)), heapEndMiB: Number((after.heapUsed / MiB).toFixed(1)), heapPeakMiB: Number((peakHeap / MiB).toFixed(1)),
    slowReaderMaxQueuedKiB: Math.round(maxQueued / 1024), slowReaderQueueLimitKiB: STREAM_LIMITS.frameQueueBytes / 1024,
    slowReaderDropped: r.slowDropped, slowReaderFramesReceived: r.slowFrames,
    clientErrors: r.errors,
  }
  const rows: Array<[string, string]> = [
    ['subscribers × rate', `${SUBSCRIBERS} × ${1000 / INTERVAL_MS} Hz, /proc/vmstat delta, wall clock`],
    ['connect + subscribe', `${summary.connectMs} ms`],
    ['frames delivered', `${summary.framesPerSec}/s (target ${summary.framesPerSecTarget}/s), ${summary.kbPerSec} KiB/s`],
    ['lag p50 / p99 / max', `${summary.lagP50Ms} / ${summary.lagP99Ms} / ${summary.lagMaxMs} ms`],
    ['server event loop busy', `${(summary.serverEventLoopUtilization * 100).toFixed(1)} %`],
    ['server RSS start → end (peak)', `${summary.rssStartMiB} → ${summary.rssEndMiB} MiB (${summary.rssPeakMiB}), growth ${summary.rssGrowthMiB} MiB`],
    ['server heap start → end (peak)', `${summary.heapStartMiB} → ${summary.heapEndMiB} MiB (${summary.heapPeakMiB})`],
    ['slow reader: max queued', `${summary.slowReaderMaxQueuedKiB} KiB (skip above ${summary.slowReaderQueueLimitKiB} KiB)`],
    ['slow reader: dropped', `${summary.slowReaderDropped} due frames skipped and coalesced (${summary.slowReaderFramesReceived} received)`],
  ]
  console.log('\nWebSocket stream')
  for (const [k, v] of rows) console.log(`  ${k.padEnd(32)} ${v}`)
  console.log(`\nSTREAM_BENCH_JSON ${JSON.stringify(summary)}`)
  await app.close()
  clearTimeout(watchdog)
}

if (CLIENT_MODE) {
  clients(process.argv[3]).catch((err) => { console.error(err); process.exit(1) })
} else {
  server().catch((err) => { console.error(err); process.exit(1) })
}
