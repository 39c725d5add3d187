/**
 * Randomized task workloads on the four-node preset (fixed fast-check seed): tasks
 * are created in random cgroups, get random valid mempolicies, allocate and free
 * random kinds and sizes (some large enough to fill nodes and force fallback),
 * migrate, allocate and free percpu objects, move between cgroups, exit, and the
 * cgroups get random limit and memory.reclaim writes. After every step:
 *  - checkInvariants(fs) finds nothing;
 *  - per memory.numa_stat item and node: Σ over sibling memcgs ≤ their parent's value
 *    ≤ the node's value of the corresponding node item (root ≤ node);
 *  - a cgroup whose children hold everything (no tasks of its own) equals their sum;
 *  - each cgroup's memory.numa_stat row adds up to its memory.stat line;
 *  - the 18 numa_mpol counters: Σ hit + Σ miss over nodes = pages allocated through
 *    policies since boot (tracked here), and Σ miss = Σ foreign, in /proc/vmstat, in
 *    the node files and in the root memcg.
 * Node 3 (private) is left out of migrations and policies: pages there are memcg-wide
 * (memory.stat) but have no memory.numa_stat column by design.
 */
import t from 'tap'
import fc from 'fast-check'
import { NODE_IDX } from '../../src/counters/vmstat-items.js'
import type { Machine } from '../../src/engine/machine.js'
import type { PolicyFlag, PolicyMode } from '../../src/engine/mempolicy.js'
import { TASK_KINDS, type Task, type TaskKind } from '../../src/engine/tasks.js'
import type { KernFs } from '../../src/kernfs/registry.js'
import { boot } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import { CG, MPOL_ITEMS, PAGE, memcg, memStat, mustWrite, nodeVmstat, numaStat, sum, vmstat } from './memory-model-helpers.js'

const NIDS = [0, 1, 2, 3]
const MEM_NIDS = [0, 1, 2]
/** Cgroups tasks may live in ('' is the root); /a hands memory to /a/x and /a/y. */
const LEAVES = ['', '/a/x', '/a/y', '/b']
const LIMITED = ['/a', '/a/x', '/a/y', '/b']
const ALL_CGS = ['', '/a', '/a/x', '/a/y', '/b']
const CHILDREN: Record<string, string[]> = { '': ['/a', '/b'], '/a': ['/a/x', '/a/y'] }
const CPUS = [0, 5, 15, 16, 24, 31]

/** memory.numa_stat line → the node vmstat item it is kept as, and node units → printed units. */
const NODE_ITEM: Record<string, [string, number]> = {
  anon: ['nr_anon_pages', PAGE], file: ['nr_file_pages', PAGE], kernel_stack: ['nr_kernel_stack', 1024],
  pagetables: ['nr_page_table_pages', PAGE], sec_pagetables: ['nr_sec_page_table_pages', PAGE], shmem: ['nr_shmem', PAGE],
  file_mapped: ['nr_mapped', PAGE], file_dirty: ['nr_dirty', PAGE], file_writeback: ['nr_writeback', PAGE],
  swapcached: ['nr_swapcached', PAGE], anon_thp: ['nr_anon_transparent_hugepages', PAGE], file_thp: ['nr_file_hugepages', PAGE],
  shmem_thp: ['nr_shmem_hugepages', PAGE], inactive_anon: ['nr_inactive_anon', PAGE], active_anon: ['nr_active_anon', PAGE],
  inactive_file: ['nr_inactive_file', PAGE], active_file: ['nr_active_file', PAGE], unevictable: ['nr_unevictable', PAGE],
  // Slab and percpu are bytes per memcg, pages per node.
  slab_reclaimable: ['nr_slab_reclaimable', PAGE], slab_unreclaimable: ['nr_slab_unreclaimable', PAGE], hugetlb: ['nr_hugetlb', PAGE],
  ...Object.fromEntries(['workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon', 'workingset_activate_file',
    'workingset_restore_anon', 'workingset_restore_file', 'workingset_nodereclaim', 'pgdemote_kswapd', 'pgdemote_direct',
    'pgdemote_khugepaged', 'pgdemote_proactive', 'pgpromote_success', ...MPOL_ITEMS].map((n) => [n, [n, 1]])),
}
// The memcg's percpu bytes include the obj_cgroup pointer arrays, which live outside the
// chunk pages nr_percpu counts, so percpu has no ≤ relation with the node item.
const NO_NODE_BOUND = new Set(['percpu'])

type Op =
  | { op: 'create'; cg: number; cpu: number }
  | { op: 'policy'; task: number; mode: PolicyMode; nodes: number[]; flag: PolicyFlag | null }
  | { op: 'alloc'; task: number; kind: TaskKind; pages: number }
  | { op: 'free'; task: number; kind: TaskKind; frac: number }
  | { op: 'migrate'; task: number; to: number[] }
  | { op: 'pcpu'; task: number; size: number }
  | { op: 'pcpufree'; task: number; pick: number }
  | { op: 'exit'; task: number }
  | { op: 'move'; task: number; cg: number }
  | { op: 'limit'; cg: number; file: 'max' | 'high' | 'min' | 'low'; pages: number | 'max' }
  | { op: 'reclaim'; cg: number; pages: number }

const nodeSet = fc.subarray(MEM_NIDS, { minLength: 1 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('create' as const), cg: fc.nat(LEAVES.length - 1), cpu: fc.constantFrom(...CPUS) }) },
  { weight: 3, arbitrary: fc.record({
    op: fc.constant('policy' as const), task: fc.nat(50),
    mode: fc.constantFrom<PolicyMode>('default', 'local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave'),
    nodes: nodeSet, flag: fc.constantFrom<PolicyFlag | null>(null, null, null, 'static_nodes', 'relative_nodes', 'numa_balancing'),
  }) },
  { weight: 6, arbitrary: fc.record({
    op: fc.constant('alloc' as const), task: fc.nat(50), kind: fc.constantFrom(...TASK_KINDS),
    // Now and then enough to fill a node (node 0 and 1 hold about 8.3M pages, node 2 16.7M).
    pages: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4000 }) }, { weight: 1, arbitrary: fc.integer({ min: 2_000_000, max: 9_000_000 }) }),
  }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('free' as const), task: fc.nat(50), kind: fc.constantFrom(...TASK_KINDS), frac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('migrate' as const), task: fc.nat(50), to: nodeSet }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pcpu' as const), task: fc.nat(50), size: fc.integer({ min: 1, max: 32768 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pcpufree' as const), task: fc.nat(50), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('exit' as const), task: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('move' as const), task: fc.nat(50), cg: fc.nat(LEAVES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({
    op: fc.constant('limit' as const), cg: fc.nat(LIMITED.length - 1), file: fc.constantFrom('max' as const, 'high' as const, 'min' as const, 'low' as const),
    pages: fc.oneof(fc.constant('max' as const), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 40_000 })),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reclaim' as const), cg: fc.nat(ALL_CGS.length - 1), pages: fc.integer({ min: 0, max: 5000 }) }) },
)

/** Σ hit + Σ miss and Σ miss − Σ foreign of the numa_mpol counters in a name → value map. */
function mpolSums(get: (item: string) => number): { placed: number; missMinusForeign: number } {
  let placed = 0, missMinusForeign = 0
  for (const it of MPOL_ITEMS) {
    const v = get(it)
    if (it.endsWith('_hit') || it.endsWith('_miss')) placed += v
    if (it.endsWith('_miss')) missMinusForeign += v
    if (it.endsWith('_foreign')) missMinusForeign -= v
  }
  return { placed, missMinusForeign }
}

function checkAll(m: Machine, fs: KernFs, policyPages: number): string[] {
  const bad = checkInvariants(fs)
  const ns = new Map(ALL_CGS.map((cg) => [cg, numaStat(fs, cg)]))
  const st = new Map(ALL_CGS.map((cg) => [cg, memStat(fs, cg)]))
  const nodeVm = new Map(MEM_NIDS.map((nid) => [nid, nodeVmstat(fs, nid)]))
  for (const [name, rootRow] of ns.get('')!) {
    if (!NODE_ITEM[name] && !NO_NODE_BOUND.has(name)) { bad.push(`memory.numa_stat ${name}: no known node item`); continue }
    for (const nid of MEM_NIDS) {
      const v = (cg: string) => ns.get(cg)!.get(name)!.get(nid)!
      if (!NO_NODE_BOUND.has(name)) {
        const [item, unit] = NODE_ITEM[name]
        const nodeVal = nodeVm.get(nid)!.get(item)! * unit
        if (rootRow.get(nid)! > nodeVal) bad.push(`${name} N${nid}: root memcg ${rootRow.get(nid)} > node ${item} ${nodeVal}`)
      }
      for (const [parent, kids] of Object.entries(CHILDREN)) {
        const s = sum(kids.map(v))
        if (s > v(parent)) bad.push(`${name} N${nid}: Σ children of ${parent || '/'} ${s} > ${v(parent)}`)
        if (parent === '/a' && s !== v(parent)) bad.push(`${name} N${nid}: /a ${v(parent)} != Σ /a/x + /a/y ${s}`)
      }
    }
  }
  for (const cg of ALL_CGS) {
    for (const [name, row] of ns.get(cg)!) {
      // memory.stat prints hugetlb only with the memory_hugetlb_accounting mount option.
      if (name === 'hugetlb') continue
      const total = sum(row.values())
      if (st.get(cg)!.get(name) !== total) bad.push(`${cg || '/'}: memory.stat ${name} ${st.get(cg)!.get(name)} != Σ memory.numa_stat ${total}`)
    }
  }
  const vm = vmstat(fs)
  const nodeAll = NIDS.map((nid) => nodeVmstat(fs, nid))
  for (const [where, get] of [
    ['/proc/vmstat', (it: string) => vm.get(it)!],
    ['Σ node vmstat', (it: string) => sum(nodeAll.map((nv) => nv.get(it)!))],
    ['root memory.stat', (it: string) => st.get('')!.get(it)!],
  ] as const) {
    const s = mpolSums(get)
    if (s.placed !== policyPages) bad.push(`${where}: Σ numa_mpol hit + miss ${s.placed} != ${policyPages} pages placed by policies`)
    if (s.missMinusForeign !== 0) bad.push(`${where}: Σ miss − Σ foreign = ${s.missMinusForeign}`)
  }
  void m
  return bad
}

t.test('random task workloads keep every file consistent (four-node)', async (t) => {
  let steps = 0, allocs = 0, enomem = 0, killed = 0, fallbacks = 0
  const started = Date.now()
  fc.assert(fc.property(fc.array(opArb, { minLength: 15, maxLength: 40 }), (ops) => {
    const { m, fs } = boot('four-node', 11)
    memcg(fs, '/a/x')
    memcg(fs, '/a/y')
    memcg(fs, '/b')
    // Three tasks to start with, so that most operations have someone to act on.
    const tasks: Task[] = [m.tasks.create({ cpu: 0 }), m.tasks.create({ cgroup: '/a/x', cpu: 16 }), m.tasks.create({ cgroup: '/b', cpu: 31 })]
      .map((r) => { if (!r.ok) throw new Error(r.reason); return r.value })
    if (!m.tasks.setPolicy(tasks[1], 'bind', [1], []).ok || !m.tasks.setPolicy(tasks[2], 'interleave', [0, 1, 2], []).ok) throw new Error('setup policies')
    const live = () => tasks.filter((tk) => m.tasks.table.has(tk.pid))
    // Boot placed pages through the default policy already.
    let policyPages = mpolSums((it) => vmstat(fs).get(it)!).placed
    const pick = (i: number): Task | undefined => { const l = live(); return l.length ? l[i % l.length] : undefined }
    const bad0 = checkAll(m, fs, policyPages)
    if (bad0.length) throw new Error(`after setup: ${bad0.join('; ')}`)
    ops.forEach((op, i) => {
      let exited = 0, created = 0
      const liveBefore = live().length
      switch (op.op) {
        case 'create': {
          const r = m.tasks.create({ cgroup: LEAVES[op.cg], cpu: op.cpu })
          if (r.ok) { tasks.push(r.value); policyPages += 4; created++ }
          break
        }
        case 'policy': {
          const tk = pick(op.task)
          if (tk) m.tasks.setPolicy(tk, op.mode, ['default', 'local'].includes(op.mode) ? [] : op.nodes, op.flag ? [op.flag] : [])
          break
        }
        case 'alloc': {
          const tk = pick(op.task)
          if (!tk) break
          const pt = tk.pagesOf('pagetable')
          const mpolMiss = vmstat(fs)
          const r = m.tasks.allocate(tk, op.kind, op.pages)
          allocs++
          if (r.ok) {
            const placed = sum(r.value.map((p) => p.pages))
            if (placed !== op.pages) throw new Error(`step ${i}: allocate(${op.kind}, ${op.pages}) placed ${placed}`)
            // The page tables that map new pages come through the same policy (an explicit 'pagetable' allocation is its own count).
            policyPages += op.pages + (tk.pagesOf('pagetable') - pt - (op.kind === 'pagetable' ? op.pages : 0))
            const after = vmstat(fs)
            if (MPOL_ITEMS.some((it) => it.endsWith('_miss') && after.get(it)! > mpolMiss.get(it)!)) fallbacks++
          } else if (r.errno === 'ENOMEM') enomem++
          break
        }
        case 'free': {
          const tk = pick(op.task)
          if (tk) m.tasks.release(tk, op.kind, Math.floor(tk.pagesOf(op.kind) * op.frac))
          break
        }
        case 'migrate': {
          const tk = pick(op.task)
          if (tk) m.tasks.migrate(tk, op.to)
          break
        }
        case 'pcpu': {
          const tk = pick(op.task)
          if (tk) m.tasks.percpuAlloc(tk, op.size)
          break
        }
        case 'pcpufree': {
          const tk = pick(op.task)
          const ids = tk ? [...tk.percpu] : []
          if (tk && ids.length) m.tasks.percpuFree(tk, ids[op.pick % ids.length])
          break
        }
        case 'exit': {
          const tk = pick(op.task)
          if (tk) { m.tasks.exit(tk); exited++ }
          break
        }
        case 'move': {
          const tk = pick(op.task)
          if (tk) fs.write(`${CG}${LEAVES[op.cg]}/cgroup.procs`, String(tk.pid), { cpu: 0 })
          break
        }
        case 'limit':
          mustWrite(fs, `${CG}${LIMITED[op.cg]}/memory.${op.file}`, op.pages === 'max' ? 'max' : String(op.pages * PAGE))
          break
        case 'reclaim':
          fs.write(`${CG}${ALL_CGS[op.cg]}/memory.reclaim`, String(op.pages * PAGE), { cpu: 0 })
          break
      }
      steps++
      // Tasks that vanished without exiting were OOM-killed (by a limit write or a charge).
      killed += liveBefore + created - exited - live().length
      const bad = checkAll(m, fs, policyPages)
      if (bad.length) throw new Error(`step ${i} ${JSON.stringify(op)}: ${bad.slice(0, 8).join('; ')}`)
    })
  }), { numRuns: 20, seed: 20260618 })
  t.ok(steps > 400, `${steps} steps checked`)
  t.ok(allocs > 100, `${allocs} allocations`)
  t.ok(enomem > 0, `${enomem} allocations refused with ENOMEM`)
  t.ok(fallbacks > 0, `${fallbacks} allocations fell back to another node`)
  t.ok(killed > 0, `${killed} tasks OOM-killed`)
  t.ok(Date.now() - started < 40_000, `${Date.now() - started} ms`)
})

t.test('the checks notice broken counters', async (t) => {
  const { m, fs } = boot('four-node', 11)
  memcg(fs, '/a/x')
  memcg(fs, '/a/y')
  memcg(fs, '/b')
  const placed = mpolSums((it) => vmstat(fs).get(it)!).placed
  t.same(checkAll(m, fs, placed), [], 'a fresh machine passes')
  t.match(checkAll(m, fs, placed + 1).join('\n'), /Σ numa_mpol hit \+ miss \d+ != \d+ pages placed by policies/, 'one page placed by a policy but not counted')
  const x = m.tasks.cgroup('/a/x')!
  x.nodeStats[m.nodeIndex(0)][NODE_IDX.nr_anon_pages] += 1e9
  m.touch()
  const bad = checkAll(m, fs, placed).join('\n')
  t.match(bad, /anon N0: root memcg \d+ > node nr_anon_pages \d+/, 'a memcg holding more than its node')
  x.nodeStats[m.nodeIndex(0)][NODE_IDX.nr_anon_pages] -= 1e9
  x.nodeStats[m.nodeIndex(3)][NODE_IDX.nr_anon_pages] += 5
  m.touch()
  t.match(checkAll(m, fs, placed).join('\n'), /\/a\/x: memory.stat anon \d+ != Σ memory.numa_stat \d+/, 'pages on a node without a column')
  x.nodeStats[m.nodeIndex(3)][NODE_IDX.nr_anon_pages] -= 5
  m.addNodeStat(1, 'numa_mpol_bind_foreign', 3)
  t.match(checkAll(m, fs, placed).join('\n'), /Σ miss − Σ foreign = -3/, 'a foreign without its miss')
})
