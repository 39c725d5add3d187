/**
 * Brings a freshly built machine to the state of an idle Linux box some time after
 * boot: kernel stacks, page tables, slab, vmalloc, percpu chunks, page cache and the
 * anonymous memory of the running services, all allocated through the page
 * allocator from the CPUs that would have done it, plus the allocation churn and
 * events that got it there. Sizes scale with the machine and vary with the seed.
 */
import type { Machine } from './machine.js'
import { DEFAULT_POLICY, policyAlloc } from './mempolicy.js'
import { PAGE_KINDS, type PageKind } from './page-kinds.js'
import { PAGES_PER_MIB } from './spec.js'

const BASE_TASKS = 60
const KTHREADS_PER_CPU = 10
const STACK_PAGES = 4 // 16 KiB THREAD_SIZE

export function bootMachine(m: Machine): void {
  const rng = m.rng.fork()
  const cpus = m.onlineCpus()
  if (cpus.length === 0) return
  const boot = cpus[0]
  const totalMiB = m.spec.nodes.reduce((s, n) => s + n.memoryMiB, 0)
  const cpuNodes = m.nodes.filter((n) => n.cpus.length > 0 && n.hasMemory)
  const firstCpuOf = (nid: number) => m.node(nid)!.cpus[0]

  // User memory of the services is charged to the root memcg and placed by their
  // (default) mempolicy; kernel memory is neither.
  const root = m.kconfig.MEMCG ? m.root : null
  const il = { prev: -1, weightLeft: 0 }
  const userAlloc = (kind: PageKind, pages: number, cpu: number) => {
    const r = policyAlloc(m, { kind, pages, cpu, memcg: root, policy: DEFAULT_POLICY, il })
    if (r.ok && root) root.usage += pages
    return r.ok ? { ok: true as const, value: r.value[0] } : r
  }
  const isUser = (kind: PageKind) => PAGE_KINDS[kind].lru !== null

  /** Split `pages` over the nodes with CPUs, in proportion to their CPU count. */
  const spread = (kind: PageKind, pages: number) => {
    const total = cpuNodes.reduce((s, n) => s + n.cpus.length, 0)
    for (const n of cpuNodes) {
      const share = Math.round((pages * n.cpus.length) / total)
      if (share <= 0) continue
      const cpu = firstCpuOf(n.id)
      must(isUser(kind) ? userAlloc(kind, share, cpu) : m.alloc({ kind, pages: share, cpu }), kind)
    }
  }
  const pages = (mib: number) => Math.max(0, Math.round(mib * PAGES_PER_MIB))

  // Kernel threads: one stack per task; per-cpu kthreads live on their CPU's node.
  must(m.alloc({ kind: 'kernel_stack', pages: BASE_TASKS * STACK_PAGES, cpu: boot }), 'kernel_stack')
  for (const cpu of cpus) must(m.alloc({ kind: 'kernel_stack', pages: KTHREADS_PER_CPU * STACK_PAGES, cpu }), 'kernel_stack')

  // Slab grows with memory (dentries, inodes) and with CPUs (per-cpu caches).
  spread('slab_unreclaimable', pages(rng.jitter(12 + 0.6 * cpus.length + totalMiB / 2048, 0.1)))
  spread('slab_reclaimable', pages(rng.jitter(24 + totalMiB / 256, 0.15)))
  spread('vmalloc', pages(rng.jitter(4 + 0.125 * cpus.length, 0.1)))
  spread('kernel', pages(rng.jitter(8 + totalMiB / 4096, 0.1)))
  // A dynamic percpu chunk: each unit's pages come from its CPU's node.
  for (const n of cpuNodes) must(m.alloc({ kind: 'percpu', pages: 8 * n.cpus.length, cpu: firstCpuOf(n.id), thisNode: true }), 'percpu')

  // Allocation churn since boot: temporary memory allocated and freed again.
  const churnRounds = 4
  for (let r = 0; r < churnRounds; r++) {
    for (const n of cpuNodes) {
      const want = pages(rng.jitter(64 + totalMiB / 128, 0.3) * n.cpus.length / cpus.length)
      const got = userAlloc('anon', want, firstCpuOf(n.id))
      if (got.ok) {
        m.free('anon', got.value, root)
        if (root) root.usage -= want
      }
    }
  }

  // What the running services hold.
  const anonMiB = m.spec.boot.anonMiB ?? rng.jitter(24 + 1.5 * cpus.length, 0.15)
  const cacheMiB = m.spec.boot.pageCacheMiB ?? rng.jitter(Math.min(2048, 64 + totalMiB * 0.015), 0.2)
  spread('pagetable', pages(rng.jitter(1.5 + 0.02 * cpus.length + anonMiB / 512, 0.1)))
  spread('anon', pages(anonMiB))
  spread('shmem', pages(rng.jitter(6, 0.2)))
  spread('mlocked', pages(rng.jitter(2, 0.3)))
  spread('file_mapped', pages(cacheMiB * 0.3))
  spread('file', pages(cacheMiB * 0.69))
  spread('buffers', pages(cacheMiB * 0.01))

  for (const n of cpuNodes) {
    const anonOn = m.usedPages('anon', n) + m.usedPages('shmem', n)
    const fileOn = m.usedPages('file', n) + m.usedPages('file_mapped', n) + m.usedPages('buffers', n)
    m.activate(n.id, 'anon', Math.floor(anonOn * rng.jitter(0.45, 0.1)), root)
    m.activate(n.id, 'file', Math.floor(fileOn * rng.jitter(0.6, 0.1)), root)
    m.markDirty(n.id, Math.floor(fileOn * 0.002))
    const dirtied = Math.floor(fileOn * rng.jitter(1.5, 0.2))
    m.addNodeStat(n.id, 'nr_dirtied', dirtied)
    m.addNodeStat(n.id, 'nr_written', dirtied - Math.floor(fileOn * 0.002))
    m.addNodeStat(n.id, 'workingset_nodes', Math.floor(fileOn / 40))
  }

  const anonAll = m.usedPages('anon') + m.usedPages('shmem') + m.usedPages('mlocked')
  const fileAll = m.usedPages('file') + m.usedPages('file_mapped') + m.usedPages('buffers')
  const mlocked = m.usedPages('mlocked')
  m.committedAsPages = Math.floor(anonAll * 4 + 64 * PAGES_PER_MIB / 8)
  m.addEvent('pgfault', Math.floor((anonAll + fileAll) * rng.jitter(6, 0.2)))
  m.addEvent('pgmajfault', Math.floor(fileAll * rng.jitter(0.08, 0.2)))
  m.addEvent('pgreuse', Math.floor(anonAll * rng.jitter(2, 0.2)))
  m.addEvent('pgpgin', fileAll * 4)
  m.addEvent('pgpgout', Math.floor(fileAll * 0.5) * 4)
  m.addEvent('unevictable_pgs_culled', mlocked)
  m.addEvent('unevictable_pgs_mlocked', mlocked)
}

function must(r: { ok: boolean; reason?: string }, what: string): void {
  if (!r.ok) throw new RangeError(`boot: cannot allocate ${what}: ${r.reason}; the machine has too little memory`)
}
