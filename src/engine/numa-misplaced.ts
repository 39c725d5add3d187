/**
 * NUMA balancing's misplaced-page migration (NUMA_BALANCING_NORMAL): what follows a
 * hint fault on a page that is not a promotion candidate. mpol_misplaced() picks the
 * faulting CPU's node for MORON policies (the default task policy among them) and
 * asks should_numa_migrate_memory(), whose two-stage filter reads and replaces the
 * page's last_cpupid; migrate_misplaced_folio_prepare() then wants the target node
 * above its high watermark with room for the page.
 */
import type { NumaNode } from './node.js'
import type { Zone } from './zone.js'

/** Bits of the faulting task's pid a page keeps in last_cpupid (LAST__PID_MASK). */
export const LAST_PID_MASK = 0xff

/**
 * A page's last_cpupid as kept here: 0 while unset (a fresh page), else the node of
 * the CPU that last faulted on it (what cpupid_to_nid() gives) and its pid bits.
 */
export function packCpupid(nid: number, pid: number): number { return ((nid + 1) << 8) | (pid & LAST_PID_MASK) }
export function cpupidNid(c: number): number { return (c >> 8) - 1 }

/**
 * should_numa_migrate_memory() past its memory-tiering branch: record this fault in
 * `last[v]` and say whether the page may move to `dstNid`. Early in a task's life
 * (numa_scan_seq <= 4) a first or private fault migrates at once; after that a page
 * moves only when two faults in a row came from the destination node (the
 * probability P(n)^2 of the kernel's comment). Numa groups are not modelled: a shared
 * fault that passes the filter migrates, as it does before the group forms.
 */
export function shouldNumaMigrate(last: Int32Array, v: number, dstNid: number, pid: number, scanSeq: number): boolean {
  const prev = last[v]
  last[v] = packCpupid(dstNid, pid)
  const unset = prev === 0
  const samePid = !unset && (prev & LAST_PID_MASK) === (pid & LAST_PID_MASK)
  // numa_preferred_nid is taken as set: the task's first faults set it.
  if (scanSeq <= 4 && (unset || samePid)) return true
  if (!unset && cpupidNid(prev) !== dstNid) return false
  return true
}

/** Index of the Movable zone in a node's zone list, -1 without one (whose lowmem_reserve the watermark checks use). */
export function movableIndex(zones: readonly Zone[]): number {
  for (let k = 0; k < zones.length; k++) if (zones[k].type === 'Movable') return k
  return -1
}

/**
 * migrate_balanced_pgdat(): some managed zone stays above high watermark + `nr` (and
 * its Movable lowmem reserve). Both misplaced migration and pghot's promotion ask it.
 */
export function migrateBalanced(node: NumaNode, nr: number): boolean {
  const zones = node.zones
  const movable = movableIndex(zones)
  for (let k = zones.length - 1; k >= 0; k--) {
    const z = zones[k]
    if (z.managed === 0) continue
    const reserve = movable >= 0 ? (z.lowmemReserve[movable] ?? 0) : 0
    if (z.free > z.wmark.high + nr + reserve) return true
  }
  return false
}
