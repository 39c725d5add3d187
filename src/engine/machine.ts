/**
 * The simulated machine: nodes, zones, counters and the page allocator. Every file
 * numaemu serves is rendered from this one object, so what node meminfo says adds up
 * with /proc/meminfo, vmstat, numastat and zoneinfo by construction.
 *
 * Nothing here knows about HTTP; time and randomness come in through Clock and Rng.
 */
import {
  EVENT_IDX, EVENT_ITEMS, NODE_IDX, NUMA_IDX, ZONE_IDX, ZONE_ITEMS,
  type NodeItem, type NumaItem, type ZoneItem,
} from '../counters/vmstat-items.js'
import type { Kconfig } from '../kernel/kconfig.js'
import { freeArea, freeBlocksPages } from './buddy.js'
import { Clock } from './clock.js'
import { buildLayout } from './layout.js'
import { NumaNode } from './node.js'
import { PAGE_KINDS, type PageKind } from './page-kinds.js'
import { Rng } from './rng.js'
import { Cgroup } from './cgroup.js'
import { WeightedInterleave } from './weighted-interleave.js'
import { Tasks } from './tasks.js'
import { Regions } from './region.js'
import { Pghot } from './pghot.js'
import { Kswapd } from './kswapd.js'
import { Simulation } from './sim.js'
import { HPAGE_PAGES, HugetlbPool } from './hugetlb.js'
import type { MachineSpec } from './spec.js'
import { computeTiers, type TierInfo } from './tiers.js'
import { TUNABLES, NUMA_BALANCING_MEMORY_TIERING } from './tunables.js'
import {
  defaultMinFreeKbytes, setupLowmemReserve, setupPagesets, setupPerZoneWmarks, statThreshold,
  thpRecommendedMinFreeKbytes, totalreservePages,
} from './watermarks.js'
import type { Zone } from './zone.js'

export type Errno = 'ENOMEM' | 'EINVAL' | 'EOPNOTSUPP' | 'ENOENT' | 'EBUSY' | 'EPERM' | 'ENODEV' | 'EEXIST' | 'ESRCH' | 'ERANGE' | 'EACCES'
export type Result<T = void> = { ok: true; value: T } | { ok: false; errno: Errno; reason: string }

export interface Placement { zone: Zone; pages: number }

export interface AllocRequest {
  kind: PageKind
  pages: number
  /** CPU the allocating task runs on: decides local/other and the default preferred node. */
  cpu: number
  /** Preferred node; defaults to the CPU's node. */
  nid?: number
  /** Allowed nodes (MPOL_BIND-style); null = any. */
  nodemask?: readonly number[] | null
  /** __GFP_THISNODE: no fallback to other nodes. */
  thisNode?: boolean
  /** Counted as an interleave allocation (numa_interleave on the node that got it). */
  interleave?: boolean
  /** Allow allocation from private (N_MEMORY_PRIVATE) nodes named in the nodemask. */
  allowPrivate?: boolean
  /** The memcg the pages are charged to (its lruvec statistics move with them); null = not accounted. */
  memcg?: Cgroup | null
}

/** Node items a memcg lruvec keeps in bytes while the node keeps pages (vmstat_item_in_bytes). */
const MEMCG_BYTE_ITEMS = new Set<NodeItem>(['nr_slab_reclaimable', 'nr_slab_unreclaimable', 'nr_percpu'])
/** Page kinds whose pages a memcg counts as kernel memory (MEMCG_KMEM). */
const KMEM_KINDS = new Set<PageKind>(['slab_reclaimable', 'slab_unreclaimable', 'kernel_stack', 'pagetable', 'sec_pagetable', 'vmalloc', 'kernel'])

export interface MachineOptions { clock?: Clock; rng?: Rng }

/** Zone and node LRU items per list: [zone inactive, zone active, node inactive, node active]. */
const ZONE_LRU: Record<'anon' | 'file', [ZoneItem, ZoneItem, NodeItem, NodeItem]> = {
  anon: ['nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_inactive_anon', 'nr_active_anon'],
  file: ['nr_zone_inactive_file', 'nr_zone_active_file', 'nr_inactive_file', 'nr_active_file'],
}
const FREE = ZONE_IDX.nr_free_pages
const FREE_BLOCKS = ZONE_IDX.nr_free_pages_blocks

export class Machine {
  readonly spec: MachineSpec
  readonly kconfig: Kconfig
  readonly clock: Clock
  readonly rng: Rng
  readonly nodes: NumaNode[]
  readonly zones: Zone[]
  readonly events = new Float64Array(EVENT_ITEMS.length)
  readonly cpuNode: Map<number, NumaNode> = new Map()
  readonly nrCpuIds: number
  readonly hugetlb: HugetlbPool
  /** The root of the cgroup v2 hierarchy (/sys/fs/cgroup). */
  readonly root: Cgroup
  readonly weightedInterleave: WeightedInterleave
  /** Simulated tasks, the cgroup hierarchy's charging and the percpu area. */
  readonly tasks: Tasks
  /** Workload memory with page identities (what pghot and kswapd move). */
  readonly regions: Regions
  readonly kswapd: Kswapd
  tiers: TierInfo
  /** Hot page tracking and promotion; built after the tiers it depends on. */
  readonly pghot: Pghot
  /** Workloads and the daemons that run as simulated time passes. */
  readonly sim: Simulation
  /** Bumped on every change, so readers can cache rendered text per generation. */
  generation = 0
  /** Bumped when the set of files changes (tiers, cgroups), so the file tree is rebuilt. */
  structureGeneration = 0
  demotionEnabled = false

  // Tunables (values of sysctls), bounds in tunables.ts.
  minFreeKbytes = 0
  userMinFreeKbytes = -1
  watermarkScaleFactor: number = TUNABLES['vm.watermark_scale_factor'].default
  numaStat: number = TUNABLES['vm.numa_stat'].default
  numaBalancing = 0
  hugetlbOptimizeVmemmap: number = TUNABLES['vm.hugetlb_optimize_vmemmap'].default
  overcommitRatio: number = TUNABLES['vm.overcommit_ratio'].default
  dirtyRatio: number = TUNABLES['vm.dirty_ratio'].default
  dirtyBackgroundRatio: number = TUNABLES['vm.dirty_background_ratio'].default

  // System-wide quantities without a per-node counter.
  vmallocPages = 0
  committedAsPages = 0
  swapTotalPages: number
  swapFreePages: number
  totalreserve = 0
  private zonelists = new Map<number, NumaNode[]>()

  constructor(spec: MachineSpec, opts: MachineOptions = {}) {
    this.spec = spec
    this.kconfig = spec.kconfig
    this.clock = opts.clock ?? new Clock()
    this.rng = opts.rng ?? new Rng(spec.seed)
    const layout = buildLayout(spec)
    this.nodes = spec.nodes.map((n, i) => {
      const node = new NumaNode(n, layout[i].zones)
      node.memmapBootPages = layout[i].memmapBootPages
      node.percpuFirstChunkPages = layout[i].percpuFirstChunkPages
      for (const cpu of n.cpus) this.cpuNode.set(cpu, node)
      return node
    })
    this.zones = this.nodes.flatMap((n) => n.zones)
    for (const z of this.zones) {
      z.stats[FREE] = z.managed
      z.fragSeed = this.rng.u32()
    }
    this.nrCpuIds = this.cpuNode.size ? Math.max(...this.cpuNode.keys()) + 1 : 0
    const swapPages = spec.swapMiB * 256
    this.swapTotalPages = swapPages
    this.swapFreePages = swapPages
    this.hugetlb = new HugetlbPool(this)
    this.root = new Cgroup('', null, this.nodes.length)
    this.weightedInterleave = new WeightedInterleave(this)
    this.tasks = new Tasks(this)
    this.regions = new Regions(this)
    this.kswapd = new Kswapd(this)
    this.tiers = computeTiers(this)
    this.pghot = new Pghot(this)
    this.pghot.owners.push(this.regions)
    this.sim = new Simulation(this)
    this.numaBalancing = this.kconfig.NUMA_BALANCING && this.memoryNodes().length > 1 ? 1 : 0
    this.initWatermarks()
  }

  // ---------------------------------------------------------------- topology

  node(nid: number): NumaNode | undefined { return this.nodes.find((n) => n.id === nid) }
  nodeIndex(nid: number): number { return this.nodes.findIndex((n) => n.id === nid) }
  distance(from: number, to: number): number {
    return this.spec.distances[this.nodeIndex(from)][this.nodeIndex(to)]
  }
  private cpuList: number[] | null = null
  /** Online CPUs in ascending order (CPU hotplug is not modelled, so computed once). */
  onlineCpus(): number[] {
    if (!this.cpuList) this.cpuList = [...this.cpuNode.keys()].sort((a, b) => a - b)
    return this.cpuList
  }
  nodeOfCpu(cpu: number): NumaNode {
    const n = this.cpuNode.get(cpu)
    if (!n) throw new RangeError(`cpu ${cpu} is not online`)
    return n
  }
  /** N_MEMORY: nodes with memory that ordinary allocations may use. */
  memoryNodes(): NumaNode[] {
    return this.nodes.filter((n) => n.hasMemory && !(n.isPrivate && this.kconfig.PATCH_PRIVATE_NODES))
  }
  privateNodes(): NumaNode[] {
    return this.kconfig.PATCH_PRIVATE_NODES ? this.nodes.filter((n) => n.isPrivate && n.hasMemory) : []
  }

  /**
   * Fallback order of nodes for allocations preferring `nid` (build_zonelists):
   * nearest first, ties broken towards nodes without CPUs' penalty and by id.
   * Private nodes never appear in the default zonelists.
   */
  zonelistNodes(nid: number): NumaNode[] {
    let list = this.zonelists.get(nid)
    if (!list) {
      const candidates = this.memoryNodes()
      list = [...candidates].sort((a, b) => {
        if (a.id === nid) return -1
        if (b.id === nid) return 1
        const da = this.distance(nid, a.id), db = this.distance(nid, b.id)
        if (da !== db) return da - db
        return a.id - b.id
      })
      this.zonelists.set(nid, list)
    }
    return list
  }

  /** Index of the highest zone an allocation of this kind may use (gfp_zone). */
  highestZoneIdx(kind: PageKind): number {
    const types = this.nodes[0].zones
    const want = PAGE_KINDS[kind].movable ? 'Movable' : 'Normal'
    const z = types.find((t) => t.type === want)
    return z ? z.idx : types.length - 1
  }

  // ---------------------------------------------------------------- watermarks

  private initWatermarks(): void {
    // Boot: calculate_min_free_kbytes() with no watermarks yet, then khugepaged's bump.
    let minFree = defaultMinFreeKbytes(this.zones)
    this.applyWatermarks(minFree)
    if (this.kconfig.TRANSPARENT_HUGEPAGE) {
      const rec = thpRecommendedMinFreeKbytes(this.zones)
      if (rec > minFree) minFree = rec
      this.applyWatermarks(minFree)
    }
  }

  private applyWatermarks(minFreeKbytes: number): void {
    this.minFreeKbytes = minFreeKbytes
    setupPerZoneWmarks(this.zones, minFreeKbytes, this.watermarkScaleFactor)
    for (const n of this.nodes) setupLowmemReserve(n.zones)
    this.totalreserve = totalreservePages(this.zones)
    const online = this.cpuNode.size
    for (const n of this.nodes) {
      const top = [...n.zones].reverse().find((z) => z.populated)
      for (const z of n.zones) {
        setupPagesets(z, n.cpus.length, online)
        // pcp->high decays to 0 on zones the node's CPUs seldom allocate from.
        if (z !== top) z.pageset.high = 0
        z.statThreshold = statThreshold(z, online)
      }
    }
    this.touch()
  }

  setMinFreeKbytes(kbytes: number): void {
    this.userMinFreeKbytes = kbytes
    this.applyWatermarks(kbytes)
  }

  setWatermarkScaleFactor(v: number): void {
    this.watermarkScaleFactor = v
    this.applyWatermarks(this.minFreeKbytes)
  }

  /** vm.numa_stat: turning it off zeroes the numa_* event counters (invalid_numa_statistics). */
  setNumaStat(v: number): void {
    if (v === 0 && this.numaStat !== 0) for (const z of this.zones) z.numa.fill(0)
    this.numaStat = v
    this.touch()
  }

  setNumaBalancing(mode: number): Result {
    if ((mode & NUMA_BALANCING_MEMORY_TIERING) && this.kconfig.PATCH_PGHOT && !this.kconfig.NUMA_BALANCING_TIERING) {
      return { ok: false, errno: 'EOPNOTSUPP', reason: 'memory tiering mode needs CONFIG_NUMA_BALANCING_TIERING' }
    }
    if (this.kconfig.PGHOT && !(this.numaBalancing & NUMA_BALANCING_MEMORY_TIERING) && (mode & NUMA_BALANCING_MEMORY_TIERING)) this.pghot.resetTiering()
    this.numaBalancing = mode
    this.touch()
    return { ok: true, value: undefined }
  }

  touch(): void { this.generation++ }

  // ---------------------------------------------------------------- allocator

  /**
   * Allocate `pages` pages of a kind the way the page allocator would: walk the
   * zonelist of the preferred node taking pages down to each zone's low watermark,
   * then (slow path) down to the min watermark. All or nothing: on failure nothing
   * has changed and ENOMEM is returned.
   */
  alloc(req: AllocRequest): Result<Placement[]> {
    const plan = this.planAlloc(req)
    if (!plan.ok) return plan
    this.commitAlloc(req, plan.value)
    return plan
  }

  /**
   * Where an allocation would go, without changing anything. `taken` holds pages
   * already promised to earlier requests of the same operation.
   */
  planAlloc(req: AllocRequest, taken: Map<Zone, number> = new Map()): Result<Placement[]> {
    const check = this.checkRequest(req)
    if (!check.ok) return check
    if (req.pages === 0) return { ok: true, value: [] }
    const zones = this.candidateZones(req, check.value)
    if (zones.length === 0) return { ok: false, errno: 'ENOMEM', reason: 'no zone may satisfy this allocation' }
    const hz = this.highestZoneIdx(req.kind)
    const take = new Map<Zone, number>()
    let remaining = req.pages
    for (const mark of ['low', 'min'] as const) {
      for (const z of zones) {
        if (remaining === 0) break
        const already = (take.get(z) ?? 0) + (taken.get(z) ?? 0)
        const avail = z.free - already - (z.wmark[mark] + (z.lowmemReserve[hz] ?? 0))
        if (avail <= 0) continue
        const n = Math.min(avail, remaining)
        take.set(z, (take.get(z) ?? 0) + n)
        remaining -= n
      }
    }
    if (remaining > 0) {
      return { ok: false, errno: 'ENOMEM', reason: `${remaining} of ${req.pages} pages could not be allocated above the min watermark` }
    }
    for (const [z, n] of take) taken.set(z, (taken.get(z) ?? 0) + n)
    return { ok: true, value: [...take].map(([zone, pages]) => ({ zone, pages })) }
  }

  /** Plan several requests against the same free pages: all succeed or none does. */
  planAllocMany(reqs: readonly AllocRequest[]): Result<Placement[][]> {
    const taken = new Map<Zone, number>()
    const out: Placement[][] = []
    for (const r of reqs) {
      const p = this.planAlloc(r, taken)
      if (!p.ok) return p
      out.push(p.value)
    }
    return { ok: true, value: out }
  }

  /** How many pages of this request the allocator could satisfy right now (down to the min watermark). */
  allocatable(req: AllocRequest): number {
    const check = this.checkRequest(req)
    if (!check.ok) return 0
    const hz = this.highestZoneIdx(req.kind)
    let sum = 0
    for (const z of this.candidateZones(req, check.value)) sum += Math.max(0, z.free - (z.wmark.min + (z.lowmemReserve[hz] ?? 0)))
    return sum
  }

  private checkRequest(req: AllocRequest): Result<number> {
    if (!Number.isInteger(req.pages) || req.pages < 0) return { ok: false, errno: 'EINVAL', reason: `bad page count ${req.pages}` }
    if (!this.cpuNode.has(req.cpu)) return { ok: false, errno: 'EINVAL', reason: `cpu ${req.cpu} is not online` }
    const preferred = req.nid ?? this.nodeOfCpu(req.cpu).id
    if (!this.node(preferred)) return { ok: false, errno: 'EINVAL', reason: `node ${preferred} does not exist` }
    return { ok: true, value: preferred }
  }

  /** The zones an allocation may use, in fallback order. */
  candidateZones(req: AllocRequest, preferred: number): Zone[] {
    const hz = this.highestZoneIdx(req.kind)
    let nodes: NumaNode[]
    if (req.allowPrivate) {
      // A private-node policy uses the private zonelist: the private nodes it names first.
      const priv = this.privateNodes().filter((n) => (req.nodemask ? req.nodemask.includes(n.id) : n.id === preferred))
      nodes = [...priv, ...this.zonelistNodes(preferred)]
    } else {
      nodes = this.zonelistNodes(preferred)
      if (!nodes.some((n) => n.id === preferred)) nodes = this.zonelistNodes(this.memoryNodes()[0]?.id ?? preferred)
    }
    if (req.thisNode) nodes = nodes.filter((n) => n.id === preferred)
    if (req.nodemask) nodes = nodes.filter((n) => req.nodemask!.includes(n.id))
    const out: Zone[] = []
    for (const n of nodes) for (let i = Math.min(hz, n.zones.length - 1); i >= 0; i--) if (n.zones[i].managed > 0) out.push(n.zones[i])
    return out
  }

  /** Apply a planned allocation: counters of the zones, nodes, memcg and events move. */
  commitAlloc(req: AllocRequest, placements: readonly Placement[]): void {
    const def = PAGE_KINDS[req.kind]
    const cpuNid = this.nodeOfCpu(req.cpu).id
    const preferred = req.nid ?? cpuNid
    // zone_statistics() compares against the first zone the zonelist allowed.
    const prefZone = this.candidateZones(req, preferred)[0]
    for (const { zone: z, pages: n } of placements) {
      const node = this.node(z.nid)!
      z.stats[FREE] -= n
      z.used.set(req.kind, z.usedOf(req.kind) + n)
      for (const [item, mult] of def.nodeItems) node.stats[NODE_IDX[item]] += n * mult
      for (const [item, mult] of (def as { zoneItems?: ReadonlyArray<readonly [ZoneItem, number]> }).zoneItems ?? []) z.stats[ZONE_IDX[item]] += n * mult
      this.lruAdd(z, node, def.lru, n)
      this.kindGlobals(req.kind, node, n)
      if (req.memcg) this.memcgAccount(req.memcg, req.kind, this.nodeIndex(z.nid), n)
      this.events[EVENT_IDX[`pgalloc_${z.type.toLowerCase()}`]] += n
      // Dipping below the low watermark wakes the node's kswapd.
      if (z.free < z.wmark.low) this.kswapd.wake(z.nid)
      if (this.numaStat) {
        if (prefZone && prefZone.nid !== z.nid) {
          this.numaInc(z, 'numa_miss', n)
          this.numaInc(prefZone, 'numa_foreign', n)
        } else {
          this.numaInc(z, 'numa_hit', n)
        }
        this.numaInc(z, z.nid === cpuNid ? 'numa_local' : 'numa_other', n)
        // Only pages that landed on the interleave target count as interleave hits.
        if (req.interleave && z.nid === preferred) this.numaInc(z, 'numa_interleave', n)
      }
    }
    this.touch()
  }

  wakeKswapd(nid: number): void { this.kswapd.wake(nid) }

  eventIndex(name: string): number {
    const i = EVENT_IDX[name]
    if (i === undefined) throw new RangeError(`no vm event ${name}`)
    return i
  }

  private numaInc(z: Zone, item: NumaItem, n: number): void { z.numa[NUMA_IDX[item]] += n }

  private lruAdd(z: Zone, node: NumaNode, lru: string | null, n: number): void {
    if (lru === 'anon' || lru === 'file') {
      z.lru[lru] += n
      node.stats[NODE_IDX[ZONE_LRU[lru][2]]] += n
    } else if (lru === 'unevictable') {
      z.stats[ZONE_IDX.nr_zone_unevictable] += n
      node.stats[NODE_IDX.nr_unevictable] += n
    }
  }

  /**
   * Take `n` freed pages off the LRU lists: inactive first. A memcg's lruvec decides
   * the split, so that the node lists stay the sum of the memcg lists.
   */
  private lruRemove(z: Zone, node: NumaNode, lru: string | null, n: number, memcg: Cgroup | null): void {
    if (lru === 'anon' || lru === 'file') {
      const [, , nin, nact] = ZONE_LRU[lru]
      z.lru[lru] -= n
      const st = memcg ? memcg.nodeStats[this.nodeIndex(node.id)] : node.stats
      const fromInactive = Math.min(n, st[NODE_IDX[nin]])
      node.stats[NODE_IDX[nin]] -= fromInactive
      node.stats[NODE_IDX[nact]] -= n - fromInactive
      if (memcg) { st[NODE_IDX[nin]] -= fromInactive; st[NODE_IDX[nact]] -= n - fromInactive }
    } else if (lru === 'unevictable') {
      z.stats[ZONE_IDX.nr_zone_unevictable] -= n
      node.stats[NODE_IDX.nr_unevictable] -= n
      if (memcg) memcg.nodeStats[this.nodeIndex(node.id)][NODE_IDX.nr_unevictable] -= n
    }
  }

  private kindGlobals(kind: PageKind, node: NumaNode, n: number): void {
    if (kind === 'vmalloc') this.vmallocPages += n
    else if (kind === 'memmap') node.memmapPages += n
  }

  /** Free pages of a kind from the given placements (the inverse of alloc). */
  free(kind: PageKind, placements: readonly Placement[], memcg: Cgroup | null = null): Result {
    for (const { zone, pages } of placements) {
      if (zone.usedOf(kind) < pages) return { ok: false, errno: 'EINVAL', reason: `zone ${zone.type} of node ${zone.nid} holds only ${zone.usedOf(kind)} ${kind} pages` }
    }
    const def = PAGE_KINDS[kind]
    for (const { zone: z, pages: n } of placements) {
      if (n === 0) continue
      const node = this.node(z.nid)!
      z.stats[FREE] += n
      z.used.set(kind, z.usedOf(kind) - n)
      for (const [item, mult] of def.nodeItems) node.stats[NODE_IDX[item]] -= n * mult
      for (const [item, mult] of (def as { zoneItems?: ReadonlyArray<readonly [ZoneItem, number]> }).zoneItems ?? []) z.stats[ZONE_IDX[item]] -= n * mult
      this.lruRemove(z, node, def.lru, n, memcg)
      this.kindGlobals(kind, node, -n)
      if (memcg) this.memcgAccount(memcg, kind, this.nodeIndex(z.nid), -n)
      this.events[EVENT_IDX.pgfree] += n
    }
    this.touch()
    return { ok: true, value: undefined }
  }

  /** Free `pages` of a kind held on a node, highest zone first. */
  freeOnNode(kind: PageKind, nid: number, pages: number): Result {
    const node = this.node(nid)
    if (!node) return { ok: false, errno: 'EINVAL', reason: `node ${nid} does not exist` }
    const placements: Placement[] = []
    let remaining = pages
    for (const z of [...node.zones].reverse()) {
      const n = Math.min(remaining, z.usedOf(kind))
      if (n > 0) { placements.push({ zone: z, pages: n }); remaining -= n }
    }
    if (remaining > 0) return { ok: false, errno: 'EINVAL', reason: `node ${nid} holds only ${pages - remaining} ${kind} pages` }
    return this.free(kind, placements)
  }

  /** Move pages from the inactive to the active LRU list of a node (pgactivate), in a memcg's lruvec too. */
  activate(nid: number, lru: 'anon' | 'file', pages: number, memcg: Cgroup | null = null): number {
    const node = this.node(nid)
    if (!node) return 0
    const [, , nin, nact] = ZONE_LRU[lru]
    let n = Math.max(0, Math.min(pages, node.stats[NODE_IDX[nin]]))
    if (memcg) {
      const st = memcg.nodeStats[this.nodeIndex(nid)]
      n = Math.min(n, st[NODE_IDX[nin]])
      st[NODE_IDX[nin]] -= n
      st[NODE_IDX[nact]] += n
    }
    node.stats[NODE_IDX[nin]] -= n
    node.stats[NODE_IDX[nact]] += n
    this.events[EVENT_IDX.pgactivate] += n
    if (memcg) memcg.events[EVENT_IDX.pgactivate] += n
    this.touch()
    return n
  }

  /**
   * The zone LRU items (nr_zone_{in,}active_{anon,file}): each zone's share of its
   * node's active/inactive split, in proportion to the LRU pages the zone holds,
   * rounded so that the zones add up to the node exactly.
   */
  zoneLru(z: Zone, lru: 'anon' | 'file', active: boolean): number {
    const node = this.node(z.nid)!
    const [, , nin, nact] = ZONE_LRU[lru]
    const target = node.stats[NODE_IDX[active ? nact : nin]]
    let total = 0
    for (const zz of node.zones) total += zz.lru[lru]
    if (total === 0) return 0
    const shares = node.zones.map((zz) => (target * zz.lru[lru]) / total)
    const floors = shares.map(Math.floor)
    let left = target - floors.reduce((a, b) => a + b, 0)
    const order = shares.map((v, i) => [v - floors[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
    for (const [, i] of order) { if (left <= 0) break; floors[i]++; left-- }
    return floors[node.zones.indexOf(z)]
  }

  /** Mark page-cache pages of a node dirty (nr_dirty and the zone's write_pending). */
  markDirty(nid: number, pages: number): void {
    const node = this.node(nid)!
    const z = [...node.zones].reverse().find((zz) => zz.usedOf('file') + zz.usedOf('file_mapped') > 0) ?? node.zones[node.zones.length - 1]
    node.stats[NODE_IDX.nr_dirty] += pages
    z.stats[ZONE_IDX.nr_zone_write_pending] += pages
    this.touch()
  }

  /** Raise a node counter that does not track page ownership (events, dirty, ...), and the memcg's. */
  addNodeStat(nid: number, item: NodeItem, delta: number, memcg: Cgroup | null = null): void {
    this.node(nid)!.stats[NODE_IDX[item]] += delta
    if (memcg) memcg.nodeStats[this.nodeIndex(nid)][NODE_IDX[item]] += MEMCG_BYTE_ITEMS.has(item) ? delta * 4096 : delta
    this.touch()
  }

  /** Move a memcg's lruvec and kmem statistics by `n` pages of a kind on the node at `pos`. */
  private memcgAccount(cg: Cgroup, kind: PageKind, pos: number, n: number): void {
    const def = PAGE_KINDS[kind]
    const st = cg.nodeStats[pos]
    for (const [item, mult] of def.nodeItems) st[NODE_IDX[item]] += n * mult * (MEMCG_BYTE_ITEMS.has(item) ? 4096 : 1)
    // Freed pages leave the memcg's LRU lists in lruRemove(), which also decides the node's split.
    if (n > 0 && (def.lru === 'anon' || def.lru === 'file')) st[NODE_IDX[ZONE_LRU[def.lru][2]]] += n
    else if (n > 0 && def.lru === 'unevictable') st[NODE_IDX.nr_unevictable] += n
    if (KMEM_KINDS.has(kind)) cg.memcgStats.kernel += n
    if (kind === 'vmalloc') cg.memcgStats.vmalloc += n
  }

  addEvent(name: string, delta: number): void {
    const i = EVENT_IDX[name]
    if (i === undefined) throw new RangeError(`no vm event ${name}`)
    this.events[i] += delta
    this.touch()
  }

  // ---------------------------------------------------------------- boot memory

  /**
   * Give `pages` boot-time (memblock) metadata pages of a node back to the buddy
   * allocator, as freeing bootmem vmemmap does: the pages become managed and free.
   */
  releaseBootMemmap(node: NumaNode, pages: number): void {
    const z = [...node.zones].reverse().find((zz) => zz.reserved >= pages)
    if (!z) throw new RangeError(`node ${node.id} has no reserved memmap left to release`)
    z.reserved -= pages
    z.stats[FREE] += pages
    node.memmapBootPages -= pages
    this.applyWatermarks(this.minFreeKbytes)
  }

  // ---------------------------------------------------------------- derived values

  zoneStat(z: Zone, item: ZoneItem): number {
    switch (item) {
      case 'nr_free_pages_blocks': return freeBlocksPages(this.freeAreaOf(z))
      case 'nr_zone_inactive_anon': return this.zoneLru(z, 'anon', false)
      case 'nr_zone_active_anon': return this.zoneLru(z, 'anon', true)
      case 'nr_zone_inactive_file': return this.zoneLru(z, 'file', false)
      case 'nr_zone_active_file': return this.zoneLru(z, 'file', true)
      default: return z.stats[ZONE_IDX[item]]
    }
  }

  /** Σ over the node's zones of a zone item. */
  nodeZoneStat(node: NumaNode, item: ZoneItem): number {
    let s = 0
    for (const z of node.zones) s += this.zoneStat(z, item)
    return s
  }

  globalZoneStat(item: ZoneItem): number {
    let s = 0
    for (const n of this.nodes) s += this.nodeZoneStat(n, item)
    return s
  }

  nodeStat(node: NumaNode, item: NodeItem): number {
    if (item === 'nr_page_metadata') return node.memmapBootPages + node.memmapPages
    return node.stats[NODE_IDX[item]]
  }

  globalNodeStat(item: NodeItem): number {
    let s = 0
    for (const n of this.nodes) s += this.nodeStat(n, item)
    return s
  }

  nodeNumaStat(node: NumaNode, item: NumaItem): number {
    let s = 0
    for (const z of node.zones) s += z.numa[NUMA_IDX[item]]
    return s
  }

  freeAreaOf(z: Zone): number[] { return freeArea(z.free, z.managed, z.fragSeed) }

  usedPages(kind: PageKind, node?: NumaNode): number {
    let s = 0
    for (const n of node ? [node] : this.nodes) for (const z of n.zones) s += z.usedOf(kind)
    return s
  }

  totalramPages(): number { let s = 0; for (const z of this.zones) s += z.managed; return s }

  /** si_mem_available(). */
  memAvailablePages(): number {
    let wmarkLow = 0
    for (const z of this.zones) wmarkLow += z.wmark.low + z.boost
    let available = this.globalZoneStat('nr_free_pages') - this.totalreserve
    let pagecache = this.globalNodeStat('nr_active_file') + this.globalNodeStat('nr_inactive_file')
    pagecache -= Math.min(Math.floor(pagecache / 2), wmarkLow)
    available += pagecache
    let reclaimable = this.globalNodeStat('nr_slab_reclaimable') + this.globalNodeStat('nr_kernel_misc_reclaimable')
    reclaimable -= Math.min(Math.floor(reclaimable / 2), wmarkLow)
    available += reclaimable
    return Math.max(0, available)
  }

  /** global_dirty_limits(): [background, threshold] in pages. */
  dirtyLimits(): [number, number] {
    let x = this.globalZoneStat('nr_free_pages')
    x -= Math.min(x, this.totalreserve)
    x += this.globalNodeStat('nr_inactive_file') + this.globalNodeStat('nr_active_file')
    const available = x + 1
    const ratio = Math.floor((this.dirtyRatio * 4096) / 100)
    const bgRatio = Math.floor((this.dirtyBackgroundRatio * 4096) / 100)
    const thresh = Math.floor((ratio * available) / 4096)
    let bg = Math.floor((bgRatio * available) / 4096)
    if (bg >= thresh) bg = Math.floor(thresh / 2)
    return [bg, thresh]
  }

  /** Percpu: pages of every percpu chunk (first chunks from memblock plus dynamic ones). */
  percpuPages(): number {
    let s = 0
    for (const n of this.nodes) s += n.percpuFirstChunkPages
    return s + this.usedPages('percpu')
  }

  buffersPages(): number { return this.usedPages('buffers') }

  isTieringMode(): boolean { return (this.numaBalancing & NUMA_BALANCING_MEMORY_TIERING) !== 0 }

  static readonly HPAGE_PAGES = HPAGE_PAGES
}
