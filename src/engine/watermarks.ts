/**
 * Zone watermarks, lowmem reserves, totalreserve_pages and per-cpu pageset sizes,
 * computed the way mm/page_alloc.c does (integer arithmetic included), so that
 * /proc/zoneinfo and every value derived from it match a kernel with the same zones.
 */
import { PAGE_SHIFT, PAGEBLOCK_PAGES } from './spec.js'
import type { Zone } from './zone.js'

/** sysctl_lowmem_reserve_ratio[] defaults by zone type. */
const LOWMEM_RESERVE_RATIO: Record<string, number> = { DMA: 256, DMA32: 256, Normal: 32, HighMem: 0, Movable: 0, Device: 0 }
const MIGRATE_PCPTYPES = 3
const SWAP_CLUSTER_MAX = 32
const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8

const isLowmem = (z: Zone) => z.type !== 'HighMem' && z.type !== 'Movable'

export function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x))
  while (r * r > x) r--
  while ((r + 1) * (r + 1) <= x) r++
  return r
}

/** nr_free_buffer_pages(): pages above the high watermark in zones usable by GFP_USER. */
export function nrFreeBufferPages(zones: Zone[]): number {
  let sum = 0
  for (const z of zones) {
    if (z.type === 'Movable' || z.type === 'Device' || z.type === 'HighMem') continue
    const high = z.wmark.high
    if (z.managed > high) sum += z.managed - high
  }
  return sum
}

/** calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144]. */
export function defaultMinFreeKbytes(zones: Zone[]): number {
  const lowmemKbytes = nrFreeBufferPages(zones) * (1 << (PAGE_SHIFT - 10))
  return Math.min(262144, Math.max(128, intSqrt(lowmemKbytes * 16)))
}

/** khugepaged's set_recommended_min_free_kbytes(), in KiB. */
export function thpRecommendedMinFreeKbytes(zones: Zone[]): number {
  let nrZones = 0
  for (const z of zones) if (z.populated && (z.type === 'DMA' || z.type === 'DMA32' || z.type === 'Normal')) nrZones++
  let rec = PAGEBLOCK_PAGES * nrZones * 2
  rec += PAGEBLOCK_PAGES * nrZones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES
  rec = Math.min(rec, Math.floor(nrFreeBufferPages(zones) / 20))
  return rec << (PAGE_SHIFT - 10)
}

/** __setup_per_zone_wmarks(). */
export function setupPerZoneWmarks(zones: Zone[], minFreeKbytes: number, watermarkScaleFactor: number): void {
  const pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10)
  let lowmemPages = 0
  for (const z of zones) if (isLowmem(z)) lowmemPages += z.managed
  for (const z of zones) {
    let tmp = lowmemPages > 0 ? Math.floor((pagesMin * z.managed) / lowmemPages) : 0
    let min: number
    if (!isLowmem(z)) {
      min = Math.min(128, Math.max(SWAP_CLUSTER_MAX, Math.floor(z.managed / 1024)))
    } else {
      min = tmp
    }
    tmp = Math.max(tmp >> 2, Math.floor((z.managed * watermarkScaleFactor) / 10000))
    z.boost = 0
    z.wmark = { min, low: min + tmp, high: min + 2 * tmp, promo: min + 3 * tmp }
  }
}

/** setup_per_zone_lowmem_reserve(), for the zones of one node in zone order. */
export function setupLowmemReserve(nodeZones: Zone[]): void {
  for (let i = 0; i < nodeZones.length; i++) {
    const z = nodeZones[i]
    const ratio = LOWMEM_RESERVE_RATIO[z.type] ?? 0
    const clear = !ratio || z.managed === 0
    const reserve = new Array<number>(nodeZones.length).fill(0)
    let managed = 0
    for (let j = i + 1; j < nodeZones.length; j++) {
      managed += nodeZones[j].managed
      reserve[j] = clear ? 0 : Math.floor(managed / ratio)
    }
    z.lowmemReserve = reserve
  }
}

/** calculate_totalreserve_pages(). */
export function totalreservePages(zones: Zone[]): number {
  let total = 0
  for (const z of zones) {
    let max = 0
    for (const r of z.lowmemReserve) if (r > max) max = r
    max += z.wmark.high
    total += Math.min(max, z.managed)
  }
  return total
}

function fls(x: number): number { return x <= 0 ? 0 : 32 - Math.clz32(x) }
function rounddownPow2(x: number): number { return x <= 0 ? 0 : 2 ** (fls(x) - 1) }

/** zone_batchsize() as used by zone_set_pageset_high_and_batch() (never below 1). */
export function zoneBatchsize(z: Zone): number {
  let batch = Math.min(z.managed >> 10, (1 << 20) >> PAGE_SHIFT)
  batch = Math.floor(batch / 4)
  if (batch < 1) batch = 1
  return Math.max(1, rounddownPow2(batch + (batch >> 1)) - 1)
}

/** zone_highsize(): the pcp high limit split over the CPUs local to the zone. */
export function zoneHighsize(z: Zone, batch: number, nodeCpus: number, onlineCpus: number, highFraction: number): number {
  const total = highFraction ? Math.floor(z.managed / highFraction) : z.wmark.low
  const split = nodeCpus || onlineCpus
  return Math.max(Math.floor(total / split), batch << 2)
}

export function setupPagesets(z: Zone, nodeCpus: number, onlineCpus: number): void {
  const batch = zoneBatchsize(z)
  const highMin = zoneHighsize(z, batch, nodeCpus, onlineCpus, 0)
  const highMax = zoneHighsize(z, batch, nodeCpus, onlineCpus, MIN_PERCPU_PAGELIST_HIGH_FRACTION)
  z.pageset = { count: 0, high: highMin, batch, highMin, highMax }
}

/** calculate_normal_threshold(): the per-cpu vmstat drift allowed before folding. */
export function statThreshold(z: Zone, onlineCpus: number): number {
  const mem = z.managed >> (27 - PAGE_SHIFT)
  return Math.min(125, 2 * fls(onlineCpus) * (1 + fls(mem)))
}
