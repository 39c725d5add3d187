/**
 * The default-size (2 MiB) hugetlb pool: vm.nr_hugepages and the per-node
 * nr_hugepages files, with the kernel's round-robin over N_MEMORY nodes and, when
 * vm.hugetlb_optimize_vmemmap is on, the vmemmap pages freed and re-allocated the
 * way hugetlb_vmemmap.c does (8 struct-page pages per huge page, one kept).
 */
import type { Machine } from './machine.js'
import type { NumaNode } from './node.js'

export const HPAGE_PAGES = 512
export const HPAGE_KB = 2048
/** vmemmap pages describing one 2 MiB huge page (512 × 64-byte struct page). */
export const VMEMMAP_PAGES_PER_HPAGE = 8

export class HugetlbPool {
  /** max_huge_pages: the persistent pool size after the last resize (what the sysctl reads). */
  maxHugePages = 0
  resv = 0
  private nextNidToAlloc = 0
  private nextNidToFree = 0

  constructor(private readonly m: Machine) {}

  get nr(): number { return this.sum('nr') }
  get free(): number { return this.sum('free') }
  get surplus(): number { return this.sum('surplus') }
  persistent(): number { return this.nr - this.surplus }

  private sum(k: 'nr' | 'free' | 'surplus'): number {
    let s = 0
    for (const n of this.m.nodes) s += n.huge[k]
    return s
  }

  /**
   * set_max_huge_pages(): grow or shrink the persistent pool towards `count`. When
   * `nid` is given the count is that node's target and only that node changes.
   * Not reaching the target is not an error, as in the kernel.
   */
  setPoolSize(count: number, nid: number | null, cpu: number): void {
    const allowed = nid === null ? this.m.memoryNodes() : this.m.memoryNodes().filter((n) => n.id === nid)
    if (nid !== null) {
      const node = this.m.node(nid)!
      count = count + this.persistent() - (node.huge.nr - node.huge.surplus)
    }
    // Nothing reserves or maps huge pages yet, so every pool page is free.
    while (count > this.persistent()) {
      if (!this.allocOne(allowed, cpu)) break
    }
    while (count < this.persistent()) {
      if (!this.freeOne(allowed, cpu)) break
    }
    this.maxHugePages = this.persistent()
    this.m.touch()
  }

  private roundRobin(allowed: NumaNode[], start: number): NumaNode[] {
    const ids = this.m.memoryNodes()
    const order: NumaNode[] = []
    for (let i = 0; i < ids.length; i++) {
      const n = ids[(start + i) % ids.length]
      if (allowed.includes(n)) order.push(n)
    }
    return order
  }

  private allocOne(allowed: NumaNode[], cpu: number): boolean {
    const all = this.m.memoryNodes()
    for (const node of this.roundRobin(allowed, this.nextNidToAlloc)) {
      this.nextNidToAlloc = (all.indexOf(node) + 1) % all.length
      const r = this.m.alloc({ kind: 'hugetlb', pages: HPAGE_PAGES, cpu, nid: node.id, thisNode: true })
      if (!r.ok) { this.m.addEvent('htlb_buddy_alloc_fail', 1); continue }
      this.m.addEvent('htlb_buddy_alloc_success', 1)
      node.huge.nr++
      node.huge.free++
      if (this.m.hugetlbOptimizeVmemmap) this.optimizeVmemmap(node, cpu)
      return true
    }
    return false
  }

  private freeOne(allowed: NumaNode[], cpu: number): boolean {
    const all = this.m.memoryNodes()
    for (const node of this.roundRobin(allowed, this.nextNidToFree)) {
      this.nextNidToFree = (all.indexOf(node) + 1) % all.length
      if (node.huge.free === 0) continue
      if (node.hvoPages > 0 && !this.restoreVmemmap(node, cpu)) continue
      node.huge.nr--
      node.huge.free--
      this.m.freeOnNode('hugetlb', node.id, HPAGE_PAGES)
      return true
    }
    return false
  }

  /** hugetlb_vmemmap_optimize: a new page becomes the only vmemmap page; the old 8 are freed. */
  private optimizeVmemmap(node: NumaNode, cpu: number): void {
    const reuse = this.m.alloc({ kind: 'memmap', pages: 1, cpu, nid: node.id, thisNode: true })
    if (!reuse.ok) return
    if (node.restoredVmemmapSets > 0) {
      node.restoredVmemmapSets--
      this.m.freeOnNode('memmap', node.id, VMEMMAP_PAGES_PER_HPAGE)
    } else {
      this.m.releaseBootMemmap(node, VMEMMAP_PAGES_PER_HPAGE)
    }
    node.hvoPages++
  }

  /** hugetlb_vmemmap_restore: the 7 tail vmemmap pages are allocated again. */
  private restoreVmemmap(node: NumaNode, cpu: number): boolean {
    const r = this.m.alloc({ kind: 'memmap', pages: VMEMMAP_PAGES_PER_HPAGE - 1, cpu, nid: node.id, thisNode: true })
    if (!r.ok) return false
    node.hvoPages--
    node.restoredVmemmapSets++
    return true
  }
}
