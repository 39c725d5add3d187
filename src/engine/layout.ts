/**
 * Physical layout at boot: which zones each node gets, their pfn spans and present
 * pages, and what memblock reserves in them (memmap, page_ext, the percpu first
 * chunk, the kernel image and firmware areas). Managed pages = present - reserved.
 */
import { ZONE_TYPES, type ZoneTypeName } from '../counters/vmstat-items.js'
import type { Kconfig } from '../kernel/kconfig.js'
import { PAGE_SIZE, PAGES_PER_MIB, SECTION_PAGES, STRUCT_PAGE_BYTES, type MachineSpec, type NodeSpec } from './spec.js'
import { Zone } from './zone.js'

const PFN_4G = 1048576
const LOW_RAM_PAGES = 786432 // RAM below the 3-4 GiB PCI hole
const DMA_SPAN = 4095
const DMA_PRESENT = 3998 // the BIOS area and pfn 0 are not RAM
const DMA_RESERVED = 158
const DMA32_RESERVED = 2048
/** First-chunk percpu area per CPU, allocated from memblock on the CPU's node. */
export const PERCPU_FIRST_CHUNK_PAGES = 122

export interface ZoneTypeSlot { name: ZoneTypeName; idx: number }

export function zoneTypes(k: Kconfig): ZoneTypeSlot[] {
  return ZONE_TYPES.filter((z) => z.when(k)).map((z, idx) => ({ name: z.name, idx }))
}

export interface NodeLayout {
  zones: Zone[]
  /** memmap + page_ext pages memblock allocated for this node. */
  memmapBootPages: number
  percpuFirstChunkPages: number
}

function sections(pages: number): number { return Math.ceil(pages / SECTION_PAGES) }

export function metadataPagesPerSection(node: NodeSpec): number {
  return (SECTION_PAGES * (STRUCT_PAGE_BYTES + node.pageExtBytes)) / PAGE_SIZE
}

/** The default for reservedKiB: kernel image and firmware on the boot node, small elsewhere. */
export function defaultReservedKiB(node: NodeSpec, first: boolean): number {
  const memKiB = node.memoryMiB * 1024
  const base = first ? 48 * 1024 : 2 * 1024
  return base + Math.floor(memKiB / 4096)
}

export function buildLayout(spec: MachineSpec): NodeLayout[] {
  const types = zoneTypes(spec.kconfig)
  const out: NodeLayout[] = []
  let nextPfn = 0
  spec.nodes.forEach((node, pos) => {
    const first = pos === 0
    const memPages = node.memoryMiB * PAGES_PER_MIB
    const ranges = new Map<ZoneTypeName, { start: number; spanned: number; present: number }>()
    let metaSections = 0
    if (first) {
      const low = Math.min(memPages, LOW_RAM_PAGES)
      const high = memPages - low
      const hasDma = types.some((t) => t.name === 'DMA')
      const hasDma32 = types.some((t) => t.name === 'DMA32')
      if (hasDma && hasDma32) {
        ranges.set('DMA', { start: 1, spanned: DMA_SPAN, present: DMA_PRESENT })
        ranges.set('DMA32', { start: 4096, spanned: high > 0 ? PFN_4G - 4096 : low - 4096, present: low - 4096 })
      } else {
        ranges.set('Normal', { start: 1, spanned: low - 1, present: low - 1 })
      }
      if (high > 0) {
        const zt: ZoneTypeName = node.zone === 'movable' ? 'Movable' : 'Normal'
        const prev = ranges.get(zt)
        if (prev) ranges.set(zt, { start: prev.start, spanned: PFN_4G + high - prev.start, present: prev.present + high })
        else ranges.set(zt, { start: PFN_4G, spanned: high, present: high })
      }
      metaSections = sections(low) + sections(high)
      nextPfn = PFN_4G + high
    } else {
      const start = Math.ceil(Math.max(nextPfn, PFN_4G) / SECTION_PAGES) * SECTION_PAGES
      ranges.set(node.zone === 'movable' ? 'Movable' : 'Normal', { start, spanned: memPages, present: memPages })
      metaSections = sections(memPages)
      nextPfn = start + memPages
    }

    const memmapBootPages = metaSections * metadataPagesPerSection(node)
    const percpuFirstChunkPages = node.cpus.length * PERCPU_FIRST_CHUNK_PAGES
    const otherPages = Math.ceil((node.reservedKiB ?? defaultReservedKiB(node, first)) / 4)
    let toReserve = memmapBootPages + percpuFirstChunkPages + otherPages

    const zones = types.map((t) => {
      const r = ranges.get(t.name)
      return new Zone(node.id, t.idx, t.name, r ? r.start : 0, r ? r.spanned : 0, r ? r.present : 0, 0)
    })
    // Firmware and early allocations sit in low memory; the rest of memblock is top-down.
    const fixed: Array<[ZoneTypeName, number]> = [['DMA', DMA_RESERVED], ['DMA32', DMA32_RESERVED]]
    for (const [name, pages] of fixed) {
      const z = zones.find((zz) => zz.type === name && zz.populated)
      if (!z || !first) continue
      const take = Math.min(pages, toReserve, z.present)
      z.reserved += take
      toReserve -= take
    }
    for (const z of [...zones].reverse()) {
      if (!z.populated || toReserve === 0) continue
      const take = Math.min(toReserve, z.present - z.reserved)
      z.reserved += take
      toReserve -= take
    }
    if (toReserve > 0) throw new RangeError(`node ${node.id}: reservations exceed its ${node.memoryMiB} MiB`)
    out.push({ zones, memmapBootPages, percpuFirstChunkPages })
  })
  return out
}
