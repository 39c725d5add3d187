/**
 * The percpu allocator's dynamic area (mm/percpu.c, percpu-vm.c) as the percpu
 * series accounts it:
 *  - populating chunk pages puts `pages × CPUs of the node` pages on each node
 *    (nr_percpu, and Percpu in /proc/meminfo);
 *  - an object of `size` bytes charged to a memcg costs size × possible CPUs plus
 *    the obj_cgroup pointer overhead (size / 4 × 8 bytes); per node the memcg is
 *    charged nr_cpus × size + mult_frac(overhead, nr_cpus, possible CPUs).
 */
import { NODE_IDX } from '../counters/vmstat-items.js'
import type { Cgroup } from './cgroup.js'
import type { Machine, Result } from './machine.js'
import { PAGE_SIZE } from './spec.js'

export const PCPU_MIN_ALLOC_SIZE = 4
const OBJCG_POINTER_BYTES = 8
/** Largest single percpu allocation (PCPU_MIN_UNIT_SIZE). */
export const PCPU_MAX_ALLOC = 32768

export interface PercpuObject { id: number; size: number; memcg: Cgroup | null }

function multFrac(x: number, n: number, d: number): number {
  return Math.floor(x / d) * n + Math.floor(((x % d) * n) / d)
}

export class PercpuArea {
  /** Pages populated per unit (per CPU) in the dynamic chunks. */
  populatedPerUnit = 0
  /** Bytes handed out per unit. */
  usedPerUnit = 0
  private nextId = 1
  readonly objects = new Map<number, PercpuObject>()

  constructor(private readonly m: Machine) {}

  /** Bytes a memcg is charged for one object (pcpu_obj_full_size). */
  static fullSize(size: number, possibleCpus: number): number {
    return size * possibleCpus + (size / PCPU_MIN_ALLOC_SIZE) * OBJCG_POINTER_BYTES
  }

  /** Per-node memcg charge of one object, for nodes with CPUs. */
  nodeCharges(size: number): Map<number, number> {
    const possible = this.m.onlineCpus().length
    const extra = (size / PCPU_MIN_ALLOC_SIZE) * OBJCG_POINTER_BYTES
    const out = new Map<number, number>()
    for (const n of this.m.nodes) {
      const cpus = n.cpus.length
      if (cpus === 0) continue
      out.set(n.id, cpus * size + multFrac(extra, cpus, possible))
    }
    return out
  }

  /** Pages per unit to populate before `size` more bytes fit. */
  private pagesNeeded(size: number): number {
    const need = this.usedPerUnit + size
    return Math.max(0, Math.ceil(need / PAGE_SIZE) - this.populatedPerUnit)
  }

  alloc(size: number, memcg: Cgroup | null): Result<PercpuObject> {
    if (!Number.isInteger(size) || size <= 0 || size > PCPU_MAX_ALLOC) {
      return { ok: false, errno: 'EINVAL', reason: `percpu size must be 1..${PCPU_MAX_ALLOC} bytes` }
    }
    const aligned = Math.ceil(size / PCPU_MIN_ALLOC_SIZE) * PCPU_MIN_ALLOC_SIZE
    const grow = this.pagesNeeded(aligned)
    if (grow > 0) {
      // Every unit gets the new pages, from its CPU's node.
      const reqs = this.m.nodes.filter((n) => n.cpus.length > 0).map((n) => ({
        kind: 'percpu' as const, pages: grow * n.cpus.length, cpu: n.cpus[0], nid: n.id, thisNode: true,
      }))
      const plan = this.m.planAllocMany(reqs)
      if (!plan.ok) return plan
      reqs.forEach((r, i) => this.m.commitAlloc(r, plan.value[i]))
      this.populatedPerUnit += grow
    }
    this.usedPerUnit += aligned
    const obj = { id: this.nextId++, size: aligned, memcg }
    this.objects.set(obj.id, obj)
    if (memcg) this.account(obj, 1)
    this.m.touch()
    return { ok: true, value: obj }
  }

  /** Freed objects leave their pages populated, as the allocator depopulates lazily. */
  free(id: number): Result {
    const obj = this.objects.get(id)
    if (!obj) return { ok: false, errno: 'ENOENT', reason: `no percpu object ${id}` }
    this.objects.delete(id)
    this.usedPerUnit -= obj.size
    if (obj.memcg) this.account(obj, -1)
    this.m.touch()
    return { ok: true, value: undefined }
  }

  private account(obj: PercpuObject, sign: 1 | -1): void {
    const cg = obj.memcg!
    if (this.m.kconfig.PATCH_PERCPU_NODE_STAT) {
      for (const [nid, bytes] of this.nodeCharges(obj.size)) {
        cg.nodeStats[this.m.nodeIndex(nid)][NODE_IDX.nr_percpu] += sign * bytes
      }
    } else {
      cg.memcgStats.percpu += sign * PercpuArea.fullSize(obj.size, this.m.onlineCpus().length)
    }
  }
}
