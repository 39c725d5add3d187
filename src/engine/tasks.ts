/**
 * Simulated tasks and the memory cgroup hierarchy they run in: creating tasks on a
 * CPU, their mempolicy, allocating, freeing and migrating memory of a kind, percpu
 * objects, and the memcg charge path with memory.high throttling, memory.max
 * reclaim and OOM kills. Every operation is all or nothing: on an error nothing
 * has changed.
 */
import { EVENT_IDX } from '../counters/vmstat-items.js'
import { Cgroup, CONTROLLERS, PAGE_COUNTER_MAX, validCgroupName, type Controller, type MemoryEvent } from './cgroup.js'
import type { Errno, Machine, Placement, Result } from './machine.js'
import { DEFAULT_POLICY, makePolicy, policyAlloc, type InterleaveState, type Mempolicy, type PolicyFlag, type PolicyMode } from './mempolicy.js'
import type { NumaNode } from './node.js'
import { PAGE_KINDS, type PageKind } from './page-kinds.js'
import { PCPU_MAX_ALLOC, PercpuArea } from './percpu.js'
import { PAGE_SIZE } from './spec.js'
import type { Zone } from './zone.js'

/** Kinds a task can allocate through the API (hugetlb and memmap belong to the kernel). */
export const TASK_KINDS = ['anon', 'file', 'file_mapped', 'shmem', 'mlocked', 'slab_reclaimable', 'slab_unreclaimable',
  'kernel_stack', 'pagetable', 'sec_pagetable', 'vmalloc', 'kernel'] as const satisfies readonly PageKind[]
export type TaskKind = (typeof TASK_KINDS)[number]

/** Kinds mapped into the task's address space: they need page tables and count page faults. */
const MAPPED = new Set<PageKind>(['anon', 'file_mapped', 'shmem', 'mlocked'])
const STACK_PAGES = 4
/** PTE pages per mapped page (one 4 KiB table maps 2 MiB) plus the upper levels. */
const PTES_PER_TABLE = 512
const UPPER_TABLES = 3

type Holdings = Map<Cgroup, Map<PageKind, Map<Zone, number>>>

export class Task {
  policy: Mempolicy = DEFAULT_POLICY
  readonly il: InterleaveState = { prev: -1, weightLeft: 0 }
  /** Pages the task holds, by the memcg they are charged to, kind and zone. */
  readonly holdings: Holdings = new Map()
  readonly percpu = new Set<number>()
  oomKilled = false

  constructor(readonly pid: number, readonly comm: string, public cpu: number, public cgroup: Cgroup) {}

  pagesOf(kind?: PageKind, nid?: number): number {
    let s = 0
    for (const byKind of this.holdings.values()) {
      for (const [k, zones] of byKind) {
        if (kind && k !== kind) continue
        for (const [z, n] of zones) if (nid === undefined || z.nid === nid) s += n
      }
    }
    return s
  }

  /** Pages mapped into the address space (what page tables cover). */
  mappedPages(): number {
    let s = 0
    for (const k of MAPPED) s += this.pagesOf(k)
    return s
  }
}

export interface TaskSummary {
  pid: number
  comm: string
  cpu: number
  node: number
  cgroup: string
  policy: { mode: PolicyMode; nodes: number[]; flags: PolicyFlag[] }
  pages: Record<string, Record<string, number>>
  percpuObjects: number
}

const err = (errno: Errno, reason: string): { ok: false; errno: Errno; reason: string } => ({ ok: false, errno, reason })

export class Tasks {
  readonly table = new Map<number, Task>()
  readonly percpu: PercpuArea
  private nextPid = 1000

  constructor(private readonly m: Machine) {
    this.percpu = new PercpuArea(m)
  }

  get root(): Cgroup { return this.m.root }

  // ------------------------------------------------------------- cgroups

  /** Resolve a cgroup path ("", "/", "/a/b" or "a/b"). */
  cgroup(path: string): Cgroup | undefined {
    let c: Cgroup | undefined = this.root
    for (const part of path.split('/').filter(Boolean)) {
      c = c.children.get(part)
      if (!c) return undefined
    }
    return c
  }

  allCgroups(): Cgroup[] { return [...this.root.subtree()] }

  /** mkdir(2) under /sys/fs/cgroup. */
  mkdir(path: string, reservedNames: ReadonlySet<string> = new Set()): Result<Cgroup> {
    const parts = path.split('/').filter(Boolean)
    if (parts.length === 0) return err('EEXIST', 'the root cgroup exists')
    const name = parts.pop()!
    const parent = this.cgroup(parts.join('/'))
    if (!parent) return err('ENOENT', `no cgroup /${parts.join('/')}`)
    if (!validCgroupName(name)) return err('EINVAL', `"${name}" is not a valid cgroup name`)
    if (parent.children.has(name) || reservedNames.has(name)) return err('EEXIST', `/${[...parts, name].join('/')} exists`)
    const c = new Cgroup(name, parent, this.m.nodes.length)
    parent.children.set(name, c)
    this.m.structureGeneration++
    this.m.touch()
    return { ok: true, value: c }
  }

  /** rmdir(2): refused while tasks or child cgroups are left; remaining charges move to the parent. */
  rmdir(path: string): Result {
    const c = this.cgroup(path)
    if (!c) return err('ENOENT', `no cgroup ${path}`)
    if (c.isRoot) return err('EBUSY', 'the root cgroup cannot be removed')
    if (c.procs.size > 0 || c.children.size > 0) return err('EBUSY', `${c.path} has ${c.procs.size ? 'tasks' : 'child cgroups'}`)
    const parent = c.parent!
    // Pages charged here stay charged to the parent (memcg reparenting).
    parent.nodeStats.forEach((st, i) => { for (let j = 0; j < st.length; j++) st[j] += c.nodeStats[i][j] })
    for (const k of Object.keys(c.memcgStats) as Array<keyof Cgroup['memcgStats']>) parent.memcgStats[k] += c.memcgStats[k]
    for (let j = 0; j < c.events.length; j++) parent.events[j] += c.events[j]
    // The parent's memory.events already counted them; its memory.events.local never did.
    for (const e of Object.keys(c.eventsLocal) as MemoryEvent[]) parent.eventsOfRemoved[e] += c.eventsLocal[e] + c.eventsOfRemoved[e]
    parent.objBytes += c.objBytes
    for (const t of this.table.values()) {
      const held = t.holdings.get(c)
      if (!held) continue
      t.holdings.delete(c)
      const into = t.holdings.get(parent) ?? new Map()
      for (const [k, zones] of held) {
        const dst = into.get(k) ?? new Map<Zone, number>()
        for (const [z, n] of zones) dst.set(z, (dst.get(z) ?? 0) + n)
        into.set(k, dst)
      }
      t.holdings.set(parent, into)
    }
    for (const obj of this.percpu.objects.values()) if (obj.memcg === c) obj.memcg = parent
    parent.children.delete(c.name)
    this.m.structureGeneration++
    this.m.touch()
    return { ok: true, value: undefined }
  }

  /** cgroup.subtree_control: "+memory -io" tokens, applied all or nothing. */
  setSubtreeControl(c: Cgroup, tokens: ReadonlyArray<{ enable: boolean; name: Controller }>): Result {
    const available = new Set(c.controllers)
    for (const t of tokens) {
      if (!available.has(t.name)) return err('ENOENT', `controller ${t.name} is not available in ${c.path || '/'}`)
      if (!t.enable) for (const child of c.children.values()) if (child.subtreeControl.has(t.name)) return err('EBUSY', `a child of ${c.path || '/'} still enables ${t.name}`)
    }
    // No internal processes: a non-root cgroup with tasks cannot hand controllers to children.
    if (!c.isRoot && c.procs.size > 0 && tokens.some((t) => t.enable)) return err('EBUSY', `${c.path} has tasks`)
    for (const t of tokens) {
      if (t.enable) c.subtreeControl.add(t.name)
      else c.subtreeControl.delete(t.name)
    }
    this.m.structureGeneration++
    this.m.touch()
    return { ok: true, value: undefined }
  }

  // ------------------------------------------------------------- tasks

  create(opts: { cgroup?: string; cpu: number; comm?: string }): Result<Task> {
    const cg = this.cgroup(opts.cgroup ?? '')
    if (!cg) return err('ENOENT', `no cgroup ${opts.cgroup}`)
    if (!this.m.cpuNode.has(opts.cpu)) return err('EINVAL', `cpu ${opts.cpu} is not online`)
    if (!cg.isRoot && cg.subtreeControl.size > 0) return err('EBUSY', `${cg.path} hands controllers to its children, so it cannot hold tasks`)
    const t = new Task(this.nextPid++, opts.comm ?? 'task', opts.cpu, cg)
    // Every task has a kernel stack, charged to its memcg as kernel memory.
    const r = this.allocate(t, 'kernel_stack', STACK_PAGES)
    if (!r.ok) { this.nextPid--; return r }
    this.table.set(t.pid, t)
    cg.procs.add(t.pid)
    this.m.touch()
    return { ok: true, value: t }
  }

  get(pid: number): Result<Task> {
    const t = this.table.get(pid)
    return t ? { ok: true, value: t } : err('ESRCH', `no task ${pid}`)
  }

  setPolicy(t: Task, mode: PolicyMode, nodes: readonly number[], flags: readonly PolicyFlag[]): Result<Mempolicy> {
    const p = makePolicy(this.m, mode, nodes, flags)
    if (!p.ok) return p
    t.policy = p.value
    t.il.prev = -1
    t.il.weightLeft = 0
    this.m.touch()
    return p
  }

  /** cgroup.procs write: move a task; its charged pages stay with the memcg that has them. */
  attach(t: Task, cg: Cgroup): Result {
    if (!cg.isRoot && cg.subtreeControl.size > 0) return err('EBUSY', `${cg.path} hands controllers to its children`)
    t.cgroup.procs.delete(t.pid)
    t.cgroup = cg
    cg.procs.add(t.pid)
    this.m.touch()
    return { ok: true, value: undefined }
  }

  /** The memcg that new charges of a task go to: its cgroup, or the nearest ancestor with memory on. */
  memcgOf(t: Task): Cgroup | null {
    if (!this.m.kconfig.MEMCG) return null
    let c: Cgroup | null = t.cgroup
    while (c && !c.memoryEnabled) c = c.parent
    return c ?? this.root
  }

  /**
   * Allocate `pages` of a kind for a task under its mempolicy: charge the memcg
   * (reclaiming or OOM-killing at memory.max), place the pages, add the page tables
   * that map them, count faults. All or nothing.
   */
  allocate(t: Task, kind: PageKind, pages: number): Result<Placement[]> {
    if (!Number.isInteger(pages) || pages < 0) return err('EINVAL', `bad page count ${pages}`)
    if (pages === 0) return { ok: true, value: [] }
    const memcg = this.memcgOf(t)
    const tables = MAPPED.has(kind) ? this.tablesNeeded(t.mappedPages() + pages) - t.pagesOf('pagetable') : 0
    const total = pages + Math.max(0, tables)
    const peaks = memcg ? [...memcg.ancestry()].map((c) => c.peak) : []
    if (memcg) {
      const c = this.charge(memcg, total, t)
      if (!c.ok) return c
      if (t.oomKilled) return err('ENOMEM', `task ${t.pid} was OOM-killed`)
    }
    // Page tables come from alloc_pages() too, so the task's policy places them with the pages.
    const r = policyAlloc(this.m, { kind, pages, cpu: t.cpu, memcg, policy: t.policy, il: t.il },
      tables > 0 ? [{ kind: 'pagetable', pages: tables }] : [])
    if (!r.ok) {
      // Nothing was allocated, so nothing was ever in use: the watermarks go back too.
      if (memcg) { this.uncharge(memcg, total); [...memcg.ancestry()].forEach((c, i) => { c.peak = peaks[i] }) }
      return r
    }
    this.hold(t, memcg, kind, r.value[0])
    if (tables > 0) this.hold(t, memcg, 'pagetable', r.value[1])
    if (MAPPED.has(kind) || kind === 'file') this.countEvent(memcg, 'pgfault', pages)
    if (kind === 'file' || kind === 'file_mapped') this.countEvent(memcg, 'pgpgin', pages * 4)
    if (memcg) this.afterCharge(memcg, t)
    return { ok: true, value: r.value[0] }
  }

  private tablesNeeded(mapped: number): number {
    return mapped > 0 ? Math.ceil(mapped / PTES_PER_TABLE) + UPPER_TABLES : 0
  }

  private countEvent(memcg: Cgroup | null, name: string, n: number): void {
    this.m.addEvent(name, n)
    if (memcg) memcg.events[EVENT_IDX[name]] += n
  }

  private hold(t: Task, memcg: Cgroup | null, kind: PageKind, placements: readonly Placement[]): void {
    const key = memcg ?? this.root
    const byKind = t.holdings.get(key) ?? new Map<PageKind, Map<Zone, number>>()
    const zones = byKind.get(kind) ?? new Map<Zone, number>()
    for (const { zone, pages } of placements) zones.set(zone, (zones.get(zone) ?? 0) + pages)
    byKind.set(kind, zones)
    t.holdings.set(key, byKind)
  }

  /**
   * Free `pages` of a kind the task holds (on one node if given), highest zone and
   * most recent memcg first, and the page tables no longer needed.
   */
  release(t: Task, kind: PageKind, pages: number, nid?: number): Result<number> {
    if (!Number.isInteger(pages) || pages < 0) return err('EINVAL', `bad page count ${pages}`)
    const held = t.pagesOf(kind, nid)
    if (pages > held) return err('EINVAL', `task ${t.pid} holds ${held} ${kind} pages${nid === undefined ? '' : ` on node ${nid}`}, not ${pages}`)
    this.releaseRaw(t, kind, pages, nid)
    if (MAPPED.has(kind)) {
      const extra = t.pagesOf('pagetable') - this.tablesNeeded(t.mappedPages())
      if (extra > 0) this.releaseRaw(t, 'pagetable', extra)
    }
    this.m.touch()
    return { ok: true, value: pages }
  }

  private releaseRaw(t: Task, kind: PageKind, pages: number, nid?: number): void {
    let remaining = pages
    for (const [memcg, byKind] of [...t.holdings].reverse()) {
      const zones = byKind.get(kind)
      if (!zones) continue
      const placements: Placement[] = []
      for (const [z, n] of [...zones].reverse()) {
        if (remaining === 0) break
        if (nid !== undefined && z.nid !== nid) continue
        const take = Math.min(n, remaining)
        placements.push({ zone: z, pages: take })
        remaining -= take
        if (take === n) zones.delete(z)
        else zones.set(z, n - take)
      }
      if (placements.length === 0) continue
      const accounted = this.m.kconfig.MEMCG ? memcg : null
      this.m.free(kind, placements, accounted)
      if (accounted) this.uncharge(accounted, placements.reduce((s, p) => s + p.pages, 0))
      if (zones.size === 0) byKind.delete(kind)
      if (byKind.size === 0) t.holdings.delete(memcg)
      if (remaining === 0) break
    }
  }

  /**
   * migrate_pages(2)/move_pages(2): move the task's pages of a kind (or all
   * migratable kinds) to the target nodes. Private nodes accept only where the
   * node opts in to user migration.
   */
  migrate(t: Task, to: readonly number[], kind?: PageKind): Result<number> {
    if (to.length === 0) return err('EINVAL', 'no target nodes')
    for (const nid of to) {
      const node = this.m.node(nid)
      if (!node) return err('EINVAL', `node ${nid} does not exist`)
      if (node.isPrivate && this.m.kconfig.PATCH_PRIVATE_NODES && !node.spec.optIn.userMigrate) return err('EINVAL', `private node ${nid} does not take user migration`)
      if (!node.hasMemory) return err('EINVAL', `node ${nid} has no memory`)
    }
    const kinds = kind ? [kind] : (['anon', 'file', 'file_mapped', 'shmem'] as PageKind[])
    // Workload-region pages have identities: they move through the regions, which keep
    // track of where each page is; the rest is counted per zone.
    const inRegions = kinds.includes('anon') ? this.m.regions.pagesPerZone(t) : new Map<Zone, number>()
    const moves: Array<{ memcg: Cgroup; kind: PageKind; zone: Zone; pages: number }> = []
    for (const [memcg, byKind] of t.holdings) {
      for (const k of kinds) {
        if (!PAGE_KINDS[k].movable) continue
        for (const [zone, n] of byKind.get(k) ?? []) {
          const free = k === 'anon' ? n - (inRegions.get(zone) ?? 0) : n
          if (!to.includes(zone.nid) && free > 0) moves.push({ memcg, kind: k, zone, pages: free })
        }
      }
    }
    // Destination pages come round robin from the target nodes, nearest zone first, no fallback.
    const reqs = moves.map((mv, i) => ({
      kind: mv.kind, pages: mv.pages, cpu: t.cpu, nid: to[i % to.length], nodemask: to, allowPrivate: true,
      memcg: this.m.kconfig.MEMCG ? mv.memcg : null,
    }))
    const plan = this.m.planAllocMany(reqs)
    if (!plan.ok) return plan
    let moved = 0
    moves.forEach((mv, i) => {
      const zones = t.holdings.get(mv.memcg)!.get(mv.kind)!
      zones.delete(mv.zone)
      this.m.free(mv.kind, [{ zone: mv.zone, pages: mv.pages }], reqs[i].memcg)
      this.m.commitAlloc(reqs[i], plan.value[i])
      for (const p of plan.value[i]) zones.set(p.zone, (zones.get(p.zone) ?? 0) + p.pages)
      moved += mv.pages
    })
    this.countEvent(this.memcgOf(t), 'pgmigrate_success', moved)
    if (inRegions.size) moved += this.m.regions.migrateTask(t, to)
    return { ok: true, value: moved }
  }

  /** A percpu object of `size` bytes, charged to the task's memcg (__GFP_ACCOUNT). */
  percpuAlloc(t: Task, size: number): Result<number> {
    if (!Number.isInteger(size) || size <= 0 || size > PCPU_MAX_ALLOC) return err('EINVAL', `percpu size must be 1..${PCPU_MAX_ALLOC} bytes`)
    const memcg = this.memcgOf(t)
    const possible = this.m.onlineCpus().length
    const bytes = PercpuArea.fullSize(Math.ceil(size / 4) * 4, possible)
    if (memcg && Number.isInteger(size) && size > 0) {
      const pages = this.objPagesDelta(memcg, bytes)
      const peaks = [...memcg.ancestry()].map((c) => c.peak)
      const c = this.charge(memcg, pages, t)
      if (!c.ok) return c
      const r = this.percpu.alloc(size, memcg)
      if (!r.ok) { this.uncharge(memcg, pages); [...memcg.ancestry()].forEach((c2, i) => { c2.peak = peaks[i] }); return r }
      this.addObjBytes(memcg, bytes)
      t.percpu.add(r.value.id)
      return { ok: true, value: r.value.id }
    }
    const r = this.percpu.alloc(size, memcg)
    if (!r.ok) return r
    t.percpu.add(r.value.id)
    return { ok: true, value: r.value.id }
  }

  percpuFree(t: Task, id: number): Result {
    if (!t.percpu.has(id)) return err('ENOENT', `task ${t.pid} has no percpu object ${id}`)
    const obj = this.percpu.objects.get(id)!
    const memcg = obj.memcg
    const bytes = PercpuArea.fullSize(obj.size, this.m.onlineCpus().length)
    this.percpu.free(id)
    t.percpu.delete(id)
    if (memcg) {
      const before = Math.ceil(memcg.objBytes / PAGE_SIZE)
      memcg.objBytes -= bytes
      this.uncharge(memcg, before - Math.ceil(memcg.objBytes / PAGE_SIZE))
    }
    return { ok: true, value: undefined }
  }

  /** Whole pages the page counter grows by when `bytes` more object bytes are charged. */
  private objPagesDelta(memcg: Cgroup, bytes: number): number {
    return Math.ceil((memcg.objBytes + bytes) / PAGE_SIZE) - Math.ceil(memcg.objBytes / PAGE_SIZE)
  }

  private addObjBytes(memcg: Cgroup, bytes: number): void { memcg.objBytes += bytes }

  /** exit(2): every page and percpu object the task holds is freed. */
  exit(t: Task): void {
    for (const id of [...t.percpu]) this.percpuFree(t, id)
    for (const [, byKind] of [...t.holdings]) {
      for (const kind of [...byKind.keys()]) this.releaseRaw(t, kind, t.pagesOf(kind))
    }
    t.cgroup.procs.delete(t.pid)
    this.table.delete(t.pid)
    this.m.touch()
  }

  summary(t: Task): TaskSummary {
    const pages: Record<string, Record<string, number>> = {}
    for (const byKind of t.holdings.values()) {
      for (const [k, zones] of byKind) {
        for (const [z, n] of zones) {
          pages[k] ??= {}
          pages[k][`node${z.nid}`] = (pages[k][`node${z.nid}`] ?? 0) + n
        }
      }
    }
    return {
      pid: t.pid, comm: t.comm, cpu: t.cpu, node: this.m.nodeOfCpu(t.cpu).id, cgroup: t.cgroup.path || '/',
      policy: { mode: t.policy.mode, nodes: [...t.policy.nodes], flags: [...t.policy.flags] },
      pages, percpuObjects: t.percpu.size,
    }
  }

  // ------------------------------------------------------------- memcg charging

  /**
   * try_charge(): every non-root ancestor must stay within memory.max. Over it, the
   * memcg's page cache is reclaimed; if that is not enough, the OOM killer picks the
   * largest task below it. Returns ENOMEM when the charge still does not fit.
   */
  charge(memcg: Cgroup, pages: number, requester: Task | null): Result {
    for (const c of memcg.ancestry()) {
      if (c.isRoot) continue
      if (c.usage + pages <= c.max) continue
      c.eventsLocal.max++
      this.reclaim(c, c.usage + pages - c.max)
      while (c.usage + pages > c.max) {
        c.eventsLocal.oom++
        const killed = this.oomKill(c)
        if (killed === 0 || requester?.oomKilled) break
      }
      if (requester?.oomKilled) return err('ENOMEM', `task ${requester.pid} was OOM-killed in ${c.path}`)
      if (c.usage + pages > c.max) return err('ENOMEM', `${c.path} is at memory.max and nothing can be reclaimed or killed`)
    }
    for (const c of memcg.ancestry()) {
      c.usage += pages
      if (c.usage > c.peak) c.peak = c.usage
    }
    return { ok: true, value: undefined }
  }

  uncharge(memcg: Cgroup, pages: number): void {
    for (const c of memcg.ancestry()) c.usage -= pages
  }

  /** After a charge: above memory.high the task is throttled while its memcg reclaims. */
  private afterCharge(memcg: Cgroup, t: Task): void {
    for (const c of memcg.ancestry()) {
      if (c.isRoot || c.usage <= c.high) continue
      c.eventsLocal.high++
      this.reclaim(c, c.usage - c.high)
    }
    void t
  }

  /** Write of memory.max / memory.high: the new limit applies, then reclaim (and OOM for max). */
  setLimit(c: Cgroup, which: 'min' | 'low' | 'high' | 'max', pages: number): void {
    c[which] = pages
    if (which === 'high' && c.usage > c.high) this.reclaim(c, c.usage - c.high)
    // memory_max_write() reclaims, then OOM-kills; the "max" event belongs to the charge path.
    if (which === 'max' && c.usage > c.max) {
      this.reclaim(c, c.usage - c.max)
      while (c.usage > c.max) {
        c.eventsLocal.oom++
        if (this.oomKill(c) === 0) break
      }
    }
    this.m.touch()
  }

  /**
   * Limit reclaim: drop page cache charged below `c` (inactive first), skipping
   * cgroups protected by memory.min, and by memory.low unless nothing else is left.
   * Counts pgscan/pgsteal (direct) globally and per memcg. Returns pages reclaimed.
   */
  reclaim(c: Cgroup, want: number): number {
    let got = 0
    for (const pass of ['unprotected', 'low'] as const) {
      for (const t of this.table.values()) {
        if (got >= want) break
        for (const [memcg, byKind] of t.holdings) {
          if (got >= want) break
          if (![...memcg.ancestry()].includes(c)) continue
          if (memcg !== c && memcg.usage <= memcg.min) continue
          const lowProtected = memcg !== c && memcg.usage <= memcg.low
          if (lowProtected && pass === 'unprotected') continue
          for (const kind of ['file', 'file_mapped'] as PageKind[]) {
            const have = [...(byKind.get(kind)?.values() ?? [])].reduce((s, n) => s + n, 0)
            const n = Math.min(have, want - got)
            if (n <= 0) continue
            if (lowProtected) memcg.eventsLocal.low++
            this.releaseRaw(t, kind, n)
            got += n
            for (const ev of ['pgscan_direct', 'pgsteal_direct', 'pgscan_file', 'pgsteal_file']) this.countEvent(memcg, ev, n)
          }
        }
      }
    }
    if (got > 0) this.m.touch()
    return got
  }

  /** Kill the task with the most pages below `c` (its whole group with memory.oom.group). Returns tasks killed. */
  private oomKill(c: Cgroup): number {
    let victim: Task | null = null
    for (const t of this.table.values()) {
      if (![...t.cgroup.ancestry()].includes(c)) continue
      if (!victim || t.pagesOf() > victim.pagesOf()) victim = t
    }
    if (!victim) return 0
    // The highest ancestor up to c with memory.oom.group set takes its whole subtree down.
    let group: Cgroup | null = null
    for (const a of victim.cgroup.ancestry()) {
      if (a.oomGroup) group = a
      if (a === c) break
    }
    const victims = group ? [...this.table.values()].filter((t) => [...t.cgroup.ancestry()].includes(group!)) : [victim]
    if (group) group.eventsLocal.oom_group_kill++
    for (const v of victims) {
      v.oomKilled = true
      v.cgroup.eventsLocal.oom_kill++
      this.m.addEvent('oom_kill', 1)
      this.exit(v)
    }
    return victims.length
  }

  /**
   * Drop up to `need` clean page-cache pages on a node (reclaim): the cache the
   * system holds since boot first, then tasks' file pages. Returns pages dropped.
   */
  dropPageCache(nid: number, need: number, who: 'kswapd' | 'direct'): number {
    const node = this.m.node(nid)
    if (!node || need <= 0) return 0
    let got = 0
    const owned = new Map<Zone, number>()
    for (const t of this.table.values()) {
      for (const byKind of t.holdings.values()) {
        for (const kind of ['file', 'file_mapped'] as PageKind[]) {
          for (const [z, n] of byKind.get(kind) ?? []) if (z.nid === nid) owned.set(z, (owned.get(z) ?? 0) + n)
        }
      }
    }
    const root = this.m.kconfig.MEMCG ? this.root : null
    for (const z of [...node.zones].reverse()) {
      if (got >= need) break
      const unowned = z.usedOf('file') - (owned.get(z) ?? 0)
      const n = Math.min(unowned, need - got)
      if (n <= 0) continue
      this.m.free('file', [{ zone: z, pages: n }], root)
      if (root) this.uncharge(root, n)
      got += n
    }
    const count = (memcg: Cgroup | null, n: number) => {
      for (const e of [`pgscan_${who}`, `pgsteal_${who}`, 'pgscan_file', 'pgsteal_file']) this.countEvent(memcg, e, n)
    }
    if (got > 0) count(root, got)
    for (const t of [...this.table.values()]) {
      if (got >= need) break
      for (const [memcg] of [...t.holdings]) {
        const have = t.pagesOf('file', nid)
        const n = Math.min(have, need - got)
        if (n <= 0) break
        this.releaseRaw(t, 'file', n, nid)
        count(memcg, n)
        got += n
      }
    }
    return got
  }

  // ------------------------------------------------------------- helpers for files

  /** memory.current in bytes. */
  currentBytes(c: Cgroup): number { return c.usage * PAGE_SIZE }

  nodesWithMemory(): NumaNode[] { return this.m.memoryNodes() }

  static readonly PAGE_COUNTER_MAX = PAGE_COUNTER_MAX
  static readonly CONTROLLERS = CONTROLLERS
}
