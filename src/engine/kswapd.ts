/**
 * Background and direct reclaim, with demotion to the next memory tier
 * (mm/vmscan.c as far as the counters go). kswapd is woken on a node when an
 * allocation dips below a zone's low watermark, or by pghot when a promotion target
 * lacks headroom; it then brings the node's zones back above their high watermark
 * (promo watermark in memory-tiering mode), first by dropping clean page cache,
 * then, with demotion enabled, by demoting the coldest workload pages.
 */
import type { Machine } from './machine.js'
import type { NumaNode } from './node.js'

export class Kswapd {
  readonly pending = new Set<number>()

  constructor(private readonly m: Machine) {}

  wake(nid: number): void { this.pending.add(nid) }

  /** Pages a node must free so that every populated zone is above `mark`. */
  deficit(node: NumaNode, mark: 'high' | 'promo'): number {
    let need = 0
    for (const z of node.zones) if (z.managed > 0 && z.free < z.wmark[mark]) need += z.wmark[mark] - z.free
    return need
  }

  /** Run kswapd on every node it was woken on. */
  runPending(): void {
    for (const nid of [...this.pending]) {
      this.pending.delete(nid)
      const node = this.m.node(nid)
      if (!node) continue
      const mark = this.m.isTieringMode() && this.m.tiers.toptier.has(nid) ? 'promo' : 'high'
      const need = this.deficit(node, mark)
      this.m.addEvent('pageoutrun', 1)
      if (need <= 0) { this.m.addEvent('kswapd_low_wmark_hit_quickly', 1); continue }
      this.reclaim(node, need, 'kswapd')
    }
  }

  /** Direct reclaim on behalf of an allocation that failed at the min watermark. */
  direct(nid: number, need: number): number {
    const node = this.m.node(nid)
    if (!node) return 0
    const top = [...node.zones].reverse().find((z) => z.managed > 0)
    if (top) this.m.addEvent(`allocstall_${top.type.toLowerCase()}`, 1)
    return this.reclaim(node, need, 'direct')
  }

  /** Free about `need` pages on a node: page cache first, then demotion of cold pages. */
  reclaim(node: NumaNode, need: number, who: 'kswapd' | 'direct'): number {
    let got = this.m.tasks.dropPageCache(node.id, need, who)
    if (got < need && this.m.demotionEnabled) got += this.demote(node, need - got, who)
    return got
  }

  /** Demote up to `n` of the coldest workload pages on `node` to its demotion targets. */
  demote(node: NumaNode, n: number, who: 'kswapd' | 'direct'): number {
    const targets = this.m.tiers.demotionTargets.get(node.id) ?? []
    if (targets.length === 0) return 0
    let moved = 0
    for (const { region, pages } of this.m.regions.coldPages(node.id, n)) {
      for (const to of targets) {
        const done = this.m.regions.movePages(region, pages, to, 'demote')
        if (done > 0) {
          moved += done
          const ev = who === 'kswapd' ? 'kswapd' : 'direct'
          this.m.addNodeStat(node.id, ev === 'kswapd' ? 'pgdemote_kswapd' : 'pgdemote_direct', done, region.memcg)
          for (const e of [`pgscan_${ev}`, `pgsteal_${ev}`, 'pgscan_anon', 'pgsteal_anon']) {
            this.m.addEvent(e, done)
            if (region.memcg) region.memcg.events[this.m.eventIndex(e)] += done
          }
          break
        }
      }
      if (moved >= n) break
    }
    return moved
  }
}
