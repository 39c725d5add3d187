/**
 * Subscriptions of every socket of one daemon: when each is due, what it is sent,
 * and what is skipped when its socket is backed up. Reads go through one snapshot
 * cache per path and machine generation, so a thousand subscribers of /proc/vmstat
 * render and parse it once per change.
 */
import type { Machine } from '../engine/machine.js'
import type { KernFs } from '../kernfs/registry.js'
import { STREAM_LIMITS, type StreamClock, type StreamFormat, type StreamId, type SubscribeMsg } from '../../schemas/stream.js'
import { frameFiles, KeyFilter, type Sent, type Snap } from './frames.js'
import { expandPatterns } from './glob.js'
import { textOnlyPath } from './parse-text.js'

/** The part of a WebSocket the hub needs; `ws`'s WebSocket is one. */
export interface Peer {
  send(data: string): void
  readonly bufferedAmount: number
  readonly readyState: number
}
const OPEN = 1

export interface HubOptions {
  /** Queued bytes above which due frames are skipped. */
  frameQueueBytes?: number
  /** How often the hub looks whether simulated time has moved (wall ms). */
  simPollMs?: number
  wallNow?: () => number
  onError?: (err: unknown, sub: Subscription) => void
}

export class Subscription {
  readonly clock: StreamClock
  readonly format: StreamFormat
  readonly intervalMs: number
  readonly filter: KeyFilter | null
  /** Subscriptions with equal keys get equal frames from equal snapshots. */
  readonly shareKey: string
  seq = 0
  /** Frames due but not sent since the last frame that was. */
  dropped = 0
  droppedTotal = 0
  /** What the client holds: the base of the next delta. */
  sent: Sent | null = null
  /** Simulated time at which the last frame fell due (sim clock). */
  dueSimMs = 0
  timer: NodeJS.Timeout | null = null
  /** performance.now() of the next wall-clock grid point. */
  nextWall = 0
  private structure: number
  readonly id: StreamId
  readonly patterns: readonly string[]

  /** `paths` is the expansion of msg.files made when the subscription was accepted. */
  constructor(readonly peer: Peer, msg: SubscribeMsg, public paths: string[], m: Machine) {
    this.id = msg.id
    this.patterns = msg.files
    this.clock = msg.clock
    this.format = msg.format
    this.intervalMs = msg.intervalMs
    this.filter = msg.keys ? new KeyFilter(msg.keys) : null
    this.shareKey = `${msg.format}\u0000${msg.keys?.join('\u0001') ?? ''}`
    this.structure = m.structureGeneration
  }

  /**
   * Globs are expanded again when files come or go (cgroups made or removed). A
   * subscription that grows past the file limit keeps the first files in order
   * rather than failing mid-stream.
   */
  refresh(m: Machine, fs: KernFs): void {
    if (this.structure === m.structureGeneration) return
    this.structure = m.structureGeneration
    const e = expandPatterns(fs, this.patterns, { skipMissing: true })
    if (e.ok) this.paths = e.paths.slice(0, STREAM_LIMITS.maxFilesPerSubscription)
  }
}

export class StreamHub {
  private readonly snaps = new Map<string, { gen: number; snap: Snap }>()
  private nextSnapId = 1
  /**
   * Serialized `files` of frames built in the current generation, by subscription
   * keys and snapshot ids: a thousand subscribers of one file in step share one diff
   * and one JSON.stringify. Only exact repeats hit, so frames are unchanged by it.
   */
  private readonly shared = new Map<string, { full: boolean; json: string }>()
  private sharedGen = -1
  private readonly subs = new Set<Subscription>()
  private readonly simSubs = new Set<Subscription>()
  private simTimer: NodeJS.Timeout | null = null
  private polledSimMs = -1
  private snapStructure: number
  private readonly frameQueueBytes: number
  private readonly simPollMs: number
  private readonly wallNow: () => number
  private readonly onError: (err: unknown, sub: Subscription) => void
  readonly stats = { framesSent: 0, framesDropped: 0, bytesSent: 0 }

  constructor(readonly machine: Machine, readonly kernfs: KernFs, opts: HubOptions = {}) {
    this.frameQueueBytes = opts.frameQueueBytes ?? STREAM_LIMITS.frameQueueBytes
    this.simPollMs = opts.simPollMs ?? 5
    this.wallNow = opts.wallNow ?? Date.now
    this.onError = opts.onError ?? (() => {})
    this.snapStructure = machine.structureGeneration
  }

  get size(): number { return this.subs.size }

  /** The file as read now; null when it cannot be read (gone, or write-only). */
  snapshot(path: string): Snap | null {
    const m = this.machine
    if (this.snapStructure !== m.structureGeneration) {
      this.snapStructure = m.structureGeneration
      for (const p of this.snaps.keys()) if (!this.kernfs.lookup(p)) this.snaps.delete(p)
    }
    const cached = this.snaps.get(path)
    if (cached && cached.gen === m.generation) return cached.snap
    const r = this.kernfs.read(path)
    if (!r.ok || r.type !== 'file') { this.snaps.delete(path); return null }
    if (cached && cached.snap.text === r.text) { cached.gen = m.generation; return cached.snap }
    const id = this.nextSnapId++
    const snap: Snap = textOnlyPath(path) ? { id, text: r.text, kv: null } : { id, text: r.text, keysHint: cached?.snap.kv?.keys }
    this.snaps.set(path, { gen: m.generation, snap })
    return snap
  }

  /** Start a subscription: its first frame (full) is sent now, the rest as they fall due. */
  start(sub: Subscription): void {
    this.subs.add(sub)
    if (sub.clock === 'wall') {
      sub.nextWall = performance.now()
      this.schedule(sub)
    } else {
      this.simSubs.add(sub)
      if (!this.simTimer) {
        this.simTimer = setInterval(() => this.pollSim(), this.simPollMs)
        this.simTimer.unref()
      }
    }
    sub.dueSimMs = this.machine.clock.nowMs()
    this.due(sub)
  }

  /**
   * Wall-clock frames keep to a fixed grid (start + k·interval). setInterval would
   * measure each interval from a late callback, so a busy server would drift below
   * the asked rate; grid points already past are skipped, not sent in a burst.
   */
  private schedule(sub: Subscription): void {
    const now = performance.now()
    sub.nextWall += sub.intervalMs
    if (sub.nextWall <= now) sub.nextWall += Math.ceil((now - sub.nextWall) / sub.intervalMs) * sub.intervalMs
    sub.timer = setTimeout(() => {
      if (!this.subs.has(sub)) return
      this.schedule(sub)
      this.due(sub)
    }, sub.nextWall - now)
    sub.timer.unref()
  }

  stop(sub: Subscription): void {
    this.subs.delete(sub)
    if (sub.timer) clearTimeout(sub.timer)
    sub.timer = null
    sub.sent = null
    if (this.simSubs.delete(sub) && this.simSubs.size === 0 && this.simTimer) {
      clearInterval(this.simTimer)
      this.simTimer = null
    }
  }

  close(): void {
    for (const sub of [...this.subs]) this.stop(sub)
    this.snaps.clear()
  }

  /** Sim-clock subscriptions whose interval of simulated time has passed fall due. */
  pollSim(): void {
    const now = this.machine.clock.nowMs()
    if (now === this.polledSimMs) return
    this.polledSimMs = now
    for (const sub of this.simSubs) {
      if (now - sub.dueSimMs < sub.intervalMs) continue
      sub.dueSimMs = now
      this.due(sub)
    }
  }

  /** A frame is due: send it, or count it as dropped while the socket is backed up. */
  due(sub: Subscription): void {
    if (sub.peer.readyState !== OPEN) return
    if (sub.peer.bufferedAmount > this.frameQueueBytes) {
      sub.dropped++
      sub.droppedTotal++
      this.stats.framesDropped++
      return
    }
    try {
      this.emit(sub)
    } catch (err) {
      this.onError(err, sub)
    }
  }

  private filesJson(sub: Subscription, prev: Sent | null, paths: readonly string[], snaps: readonly Snap[], elapsedMs: number): { full: boolean; json: string } {
    if (this.sharedGen !== this.machine.generation || this.shared.size > 4096) {
      this.shared.clear()
      this.sharedGen = this.machine.generation
    }
    const always = sub.format === 'text' || sub.format === 'kv'
    let key = `${sub.shareKey}|${snaps.map((s) => s.id).join(',')}`
    if (!always) key += `|${prev ? prev.snaps.map((s) => s.id).join(',') : '-'}${sub.format === 'rate' ? `|${elapsedMs}` : ''}`
    let hit = this.shared.get(key)
    if (!hit) {
      const { full, files } = frameFiles(sub.format, sub.filter, prev, paths, snaps, elapsedMs)
      hit = { full, json: JSON.stringify(files) }
      this.shared.set(key, hit)
    }
    return hit
  }

  private emit(sub: Subscription): void {
    const m = this.machine
    sub.refresh(m, this.kernfs)
    let paths: string[] = sub.paths
    const snaps: Snap[] = []
    for (let i = 0; i < sub.paths.length; i++) {
      const s = this.snapshot(sub.paths[i])
      if (s) snaps.push(s)
      // A file that vanished between expansions is left out; the changed list makes the frame full.
      else if (paths === sub.paths) paths = sub.paths.slice(0, i)
      if (s && paths !== sub.paths) paths.push(sub.paths[i])
    }
    const simMs = m.clock.nowMs()
    const wallMs = this.wallNow()
    const prev = sub.sent
    const elapsedMs = prev ? (sub.clock === 'sim' ? simMs - prev.simMs : wallMs - prev.wallMs) : 0
    const { full, json } = this.filesJson(sub, prev, paths, snaps, elapsedMs)
    sub.seq++
    // Assembled by hand around the shared `files` JSON; the key order is that of schemas/stream.ts.
    const data = `{"type":"frame","sub":${JSON.stringify(sub.id)},"seq":${sub.seq},"jiffies":${m.clock.jiffies()},"simMs":${simMs},"wallMs":${wallMs}`
      + `${full ? ',"full":true' : ''}${sub.dropped ? `,"dropped":${sub.dropped}` : ''},"files":${json}}`
    sub.dropped = 0
    sub.sent = { paths, snaps, simMs, wallMs }
    this.stats.framesSent++
    this.stats.bytesSent += data.length
    sub.peer.send(data)
  }
}
