/**
 * Memory tiers (mm/memory-tiers.c): each N_MEMORY node sits in tier adistance >> 7;
 * every tier up to the slowest one holding a CPU node is "top tier" (its pages are
 * never promotion candidates); a node demotes to the nearest nodes of the next
 * slower tier.
 */
import type { Machine } from './machine.js'

export const MEMTIER_CHUNK_BITS = 7
export const MEMTIER_ADISTANCE_DRAM = 576
export const MEMTIER_DEFAULT_DAX_ADISTANCE = 2880

export interface Tier { id: number; nodes: number[] }
export interface TierInfo {
  tiers: Tier[]
  /** Highest adistance still counted as top tier. */
  topTierAdistance: number
  toptier: Set<number>
  /** Preferred demotion targets per node. */
  demotionTargets: Map<number, number[]>
}

export function computeTiers(m: Machine): TierInfo {
  const byTier = new Map<number, number[]>()
  const nodes = m.memoryNodes()
  for (const n of nodes) {
    const id = n.spec.adistance >> MEMTIER_CHUNK_BITS
    byTier.set(id, [...(byTier.get(id) ?? []), n.id])
  }
  const tiers = [...byTier].sort((a, b) => a[0] - b[0]).map(([id, ns]) => ({ id, nodes: ns.sort((a, b) => a - b) }))
  let topTierAdistance = -1
  for (const t of tiers) {
    if (t.nodes.some((nid) => (m.node(nid)?.cpus.length ?? 0) > 0)) topTierAdistance = ((t.id + 1) << MEMTIER_CHUNK_BITS) - 1
  }
  const toptier = new Set(nodes.filter((n) => n.spec.adistance <= topTierAdistance).map((n) => n.id))
  const demotionTargets = new Map<number, number[]>()
  for (const n of nodes) {
    const myTier = n.spec.adistance >> MEMTIER_CHUNK_BITS
    const next = tiers.find((t) => t.id > myTier)
    if (!next) { demotionTargets.set(n.id, []); continue }
    const best = Math.min(...next.nodes.map((t) => m.distance(n.id, t)))
    demotionTargets.set(n.id, next.nodes.filter((t) => m.distance(n.id, t) === best))
  }
  return { tiers, topTierAdistance, toptier, demotionTargets }
}
