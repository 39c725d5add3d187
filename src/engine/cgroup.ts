/**
 * The cgroup v2 hierarchy with the memory controller: per-cgroup page counters and
 * limits, per-node (lruvec) statistics in the kernel's memcg units, memcg-only
 * counters, vm events and memory.events. Values are kept local to each cgroup; the
 * hierarchical views the files print are sums over the subtree.
 */
import { EVENT_ITEMS, NODE_IDX, NODE_ITEMS, type NodeItem } from '../counters/vmstat-items.js'

/** PAGE_COUNTER_MAX: LONG_MAX / PAGE_SIZE pages, what "max" stands for. */
export const PAGE_COUNTER_MAX = 2251799813685247

export const CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'] as const
export type Controller = (typeof CONTROLLERS)[number]

export const MEMORY_EVENT_NAMES = ['low', 'high', 'max', 'oom', 'oom_kill', 'oom_group_kill'] as const
export type MemoryEvent = (typeof MEMORY_EVENT_NAMES)[number]

/** Counters a memcg has that are not node stat items (memcg_stat_item). */
export type MemcgOnly = 'kernel' | 'sock' | 'vmalloc' | 'percpu' | 'zswap' | 'zswapped' | 'swap'

export class Cgroup {
  readonly children = new Map<string, Cgroup>()
  readonly subtreeControl = new Set<Controller>()
  readonly procs = new Set<number>()
  /** Page counter, in pages. */
  usage = 0
  peak = 0
  min = 0
  low = 0
  high = PAGE_COUNTER_MAX
  max = PAGE_COUNTER_MAX
  swapMax = PAGE_COUNTER_MAX
  oomGroup = 0
  /** Sub-page object charges (percpu, slab objects) in bytes, charged to the page counter in whole pages. */
  objBytes = 0
  readonly eventsLocal: Record<MemoryEvent, number> = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 }
  /** Events of removed children: still part of this cgroup's hierarchical memory.events. */
  readonly eventsOfRemoved: Record<MemoryEvent, number> = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 }
  /** lruvec statistics per node position, in memcg units (bytes for slab and percpu, KiB for stacks). */
  readonly nodeStats: Float64Array[]
  readonly memcgStats: Record<MemcgOnly, number> = { kernel: 0, sock: 0, vmalloc: 0, percpu: 0, zswap: 0, zswapped: 0, swap: 0 }
  readonly events = new Float64Array(EVENT_ITEMS.length)

  constructor(readonly name: string, readonly parent: Cgroup | null, nodeCount: number) {
    this.nodeStats = Array.from({ length: nodeCount }, () => new Float64Array(NODE_ITEMS.length))
  }

  get isRoot(): boolean { return this.parent === null }

  /** '' for the root, '/a/b' below it: the suffix after /sys/fs/cgroup. */
  get path(): string {
    return this.parent ? `${this.parent.path}/${this.name}` : ''
  }

  /** This cgroup and every ancestor, innermost first. */
  *ancestry(): Iterable<Cgroup> {
    for (let c: Cgroup | null = this; c; c = c.parent) yield c
  }

  /** This cgroup and every descendant. */
  *subtree(): Iterable<Cgroup> {
    yield this
    for (const c of this.children.values()) yield* c.subtree()
  }

  /** The memory controller is on here when the parent enables it for its children (always on the root). */
  get memoryEnabled(): boolean {
    return this.parent === null || this.parent.subtreeControl.has('memory')
  }

  /** Controllers this cgroup may enable for its children (cgroup.controllers). */
  get controllers(): Controller[] {
    if (!this.parent) return [...CONTROLLERS]
    return CONTROLLERS.filter((c) => this.parent!.subtreeControl.has(c))
  }

  get populated(): boolean {
    for (const c of this.subtree()) if (c.procs.size > 0) return true
    return false
  }

  nodeStat(pos: number, item: NodeItem): number {
    let s = 0
    for (const c of this.subtree()) s += c.nodeStats[pos][NODE_IDX[item]]
    return s
  }

  nodeStatLocal(pos: number, item: NodeItem): number { return this.nodeStats[pos][NODE_IDX[item]] }

  memcgStat(item: MemcgOnly): number {
    let s = 0
    for (const c of this.subtree()) s += c.memcgStats[item]
    return s
  }

  event(index: number): number {
    let s = 0
    for (const c of this.subtree()) s += c.events[index]
    return s
  }

  memoryEvent(e: MemoryEvent): number {
    let s = 0
    for (const c of this.subtree()) s += c.eventsLocal[e] + c.eventsOfRemoved[e]
    return s
  }
}

/** Names mkdir accepts under cgroupfs: no slashes, not "." or "..", no newline, not a file name. */
export function validCgroupName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !name.includes('/') && !name.includes('\n') && name !== '.' && name !== '..'
}
