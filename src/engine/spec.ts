/**
 * The resolved description of a simulated machine: what the engine builds from.
 * The config loader turns a validated JSON config into this shape.
 */
import type { Kconfig } from '../kernel/kconfig.js'

export type NodeKind = 'dram' | 'cxl' | 'private'

export interface NodeSpec {
  id: number
  kind: NodeKind
  memoryMiB: number
  cpus: number[]
  zone: 'normal' | 'movable'
  adistance: number
  /** Extra memblock reservations in KiB; null = derive from the node. */
  reservedKiB: number | null
  pageExtBytes: number
  latencyNs: number
  /** Store latency of the cost model; null: the same as latencyNs. */
  storeLatencyNs: number | null
  bandwidthMBps: number
  optIn: { reclaim: boolean; tiering: boolean; userMigrate: boolean }
}

export interface MachineSpec {
  name: string
  description: string
  seed: number
  release: string
  kconfig: Kconfig
  /** Sorted by node id. */
  nodes: NodeSpec[]
  /** distances[i][j] between nodes[i] and nodes[j] (positions, not ids). */
  distances: number[][]
  swapMiB: number
  boot: { uptimeSeconds: number; pageCacheMiB: number | null; anonMiB: number | null }
}

export const PAGE_SIZE = 4096
export const PAGE_SHIFT = 12
export const PAGES_PER_MIB = 256
export const SECTION_PAGES = 32768 // 128 MiB sparsemem sections
export const STRUCT_PAGE_BYTES = 64
export const PAGEBLOCK_PAGES = 512
export const MAX_ORDER = 10
