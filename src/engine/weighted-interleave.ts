/**
 * Weighted-interleave weights (/sys/kernel/mm/mempolicy/weighted_interleave), in
 * the auto-tuning form of recent kernels: in auto mode each memory node's weight
 * comes from its bandwidth share (32 × bw / Σ bw, at least 1, divided by the GCD of
 * all weights); writing a node's weight switches to manual mode.
 */
import type { Machine } from './machine.js'

const AUTO_SCALE = 32

function gcd(a: number, b: number): number { while (b) [a, b] = [b, a % b]; return a }

export class WeightedInterleave {
  auto = true
  private manual = new Map<number, number>()

  constructor(private readonly m: Machine) {}

  /** Weights computed from bandwidth, for the memory nodes. */
  autoWeights(): Map<number, number> {
    const nodes = this.m.memoryNodes()
    const total = nodes.reduce((s, n) => s + n.spec.bandwidthMBps, 0)
    const raw = new Map<number, number>()
    for (const n of nodes) {
      const w = total > 0 ? Math.floor((AUTO_SCALE * n.spec.bandwidthMBps) / total) : 1
      raw.set(n.id, n.spec.bandwidthMBps > 0 && w >= 1 ? w : 1)
    }
    const g = [...raw.values()].reduce(gcd, 0) || 1
    for (const [k, v] of raw) raw.set(k, v / g)
    return raw
  }

  weight(nid: number): number {
    if (this.auto) return this.autoWeights().get(nid) ?? 1
    return this.manual.get(nid) ?? 1
  }

  /** A node's weight written by hand: 1..255, and the whole table becomes manual. */
  setWeight(nid: number, w: number): void {
    if (this.auto) for (const [k, v] of this.autoWeights()) this.manual.set(k, v)
    this.manual.set(nid, w)
    this.auto = false
    this.m.touch()
  }

  setAuto(on: boolean): void {
    if (!on && this.auto) for (const [k, v] of this.autoWeights()) this.manual.set(k, v)
    this.auto = on
    this.m.touch()
  }
}
