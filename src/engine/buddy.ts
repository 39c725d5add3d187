/**
 * Free-block layout of a zone (/proc/buddyinfo, nr_free_pages_blocks). Pages are not
 * tracked one by one, so the order-0..10 counts are derived from the zone's free
 * page count and how much of it is in use: an idle zone keeps most free memory in
 * order-10 blocks, a busy one is fragmented. The result always adds up exactly to
 * the free pages, and is a pure function of (free, managed, seed), so reads are stable.
 */
import { MAX_ORDER, PAGEBLOCK_PAGES } from './spec.js'

export function freeArea(free: number, managed: number, seed: number): number[] {
  const counts = new Array<number>(MAX_ORDER + 1).fill(0)
  if (free <= 0) return counts
  const usedFrac = managed > 0 ? Math.min(1, Math.max(0, 1 - free / managed)) : 0
  // A small deterministic hash per order stands in for the allocation history.
  let h = (seed ^ Math.floor(free)) >>> 0
  const next = () => {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0
    return (h ^ (h >>> 15)) >>> 0
  }
  let remaining = free
  // Fragmented share: from ~1% of free memory on an idle zone up to ~60% on a full one.
  let fragmentBudget = Math.floor(free * (0.01 + 0.59 * usedFrac))
  for (let order = 0; order < MAX_ORDER; order++) {
    const size = 2 ** order
    const share = fragmentBudget / (MAX_ORDER - order)
    const want = Math.floor((share * (0.5 + (next() % 1000) / 1000)) / size)
    const n = Math.min(want, Math.floor(remaining / size))
    counts[order] += n
    remaining -= n * size
    fragmentBudget -= n * size
  }
  counts[MAX_ORDER] += Math.floor(remaining / 2 ** MAX_ORDER)
  remaining -= counts[MAX_ORDER] * 2 ** MAX_ORDER
  for (let order = MAX_ORDER - 1; order >= 0; order--) {
    const size = 2 ** order
    if (remaining >= size) { counts[order] += 1; remaining -= size }
  }
  return counts
}

/** Free pages in blocks of at least pageblock order (NR_FREE_PAGES_BLOCKS). */
export function freeBlocksPages(counts: number[]): number {
  let sum = 0
  const minOrder = Math.log2(PAGEBLOCK_PAGES)
  for (let o = minOrder; o < counts.length; o++) sum += counts[o] * 2 ** o
  return sum
}
