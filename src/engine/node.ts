import { NODE_ITEMS } from '../counters/vmstat-items.js'
import type { NodeSpec } from './spec.js'
import type { Zone } from './zone.js'

export interface HugePool { nr: number; free: number; surplus: number }

/** One NUMA node (pglist_data): its zones, node counters and pools. */
export class NumaNode {
  readonly stats = new Float64Array(NODE_ITEMS.length)
  /** memmap/page_ext pages memblock allocated at boot that are still reserved. */
  memmapBootPages = 0
  /** memmap pages allocated from the buddy allocator (hugetlb vmemmap restore). */
  memmapPages = 0
  /** Groups of 8 buddy-allocated vmemmap pages that HVO can free again. */
  restoredVmemmapSets = 0
  percpuFirstChunkPages = 0
  /** Default (2 MiB) hstate pool on this node. */
  readonly huge: HugePool = { nr: 0, free: 0, surplus: 0 }
  /** Huge pages on this node whose vmemmap is currently optimized. */
  hvoPages = 0

  constructor(readonly spec: NodeSpec, readonly zones: Zone[]) {}

  get id(): number { return this.spec.id }
  get cpus(): number[] { return this.spec.cpus }
  get isPrivate(): boolean { return this.spec.kind === 'private' }
  get managed(): number { let s = 0; for (const z of this.zones) s += z.managed; return s }
  get free(): number { let s = 0; for (const z of this.zones) s += z.free; return s }
  get present(): number { let s = 0; for (const z of this.zones) s += z.present; return s }
  get hasMemory(): boolean { return this.present > 0 }
  /** Memory in zones a kernel (non-movable) allocation may use: N_NORMAL_MEMORY. */
  get hasNormalMemory(): boolean {
    return this.zones.some((z) => z.populated && (z.type === 'DMA' || z.type === 'DMA32' || z.type === 'Normal'))
  }
}
