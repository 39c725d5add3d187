/**
 * The per-mempolicy numa_mpol_<mode>_{hit,miss,foreign} counters of the mempolicy
 * series (seed 000) and set_mempolicy(2) validation, observed only through the
 * emulated files: /proc/vmstat, nodeN/vmstat, nodeN/numastat and the allocating
 * task's memory.numa_stat / memory.stat.
 *
 * Seed semantics (mpol_count_numa_alloc):
 *   hit     on the node of the allocation, when it is the intended node
 *           (bind and preferred_many: when it is in the policy's nodes);
 *   miss    on the node that got the page otherwise;
 *   foreign on the intended node in that case.
 * A task without a policy counts as `preferred` (preferred_node_policy[local]).
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { PolicyFlag, PolicyMode } from '../../src/engine/mempolicy.js'
import { KernFs } from '../../src/kernfs/registry.js'
import { boot, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import {
  CG, WI, changedFiles, delta, expectMpol, fillNode, interleaveSeq, machine, memcg, mpolView, must, numastat,
  snapshot, spawn, vmstat, write, type CountedMode,
} from './memory-model-helpers.js'

type Count = [CountedMode, 'hit' | 'miss' | 'foreign', number, number]
interface Row { name: string; policy: [PolicyMode, number[], PolicyFlag[]?]; pages: number; expect: Count[] }

/** One task in cgroup /t allocating page cache (no page tables) under each row's policy. */
function runRows(t: TestT, preset: string, cpu: number, nids: number[], rows: Row[]): void {
  const { m, fs } = boot(preset)
  memcg(fs, '/t')
  const task = spawn(m, cpu, '/t')
  for (const row of rows) {
    must(m.tasks.setPolicy(task, row.policy[0], row.policy[1], row.policy[2] ?? []), row.name)
    const before = mpolView(fs, nids, '/t')
    must(m.tasks.allocate(task, 'file', row.pages), row.name)
    t.same(delta(before, mpolView(fs, nids, '/t')), expectMpol(row.expect, true), `${preset}: ${row.name}`)
  }
  t.same(checkInvariants(fs), [], `${preset}: files agree afterwards`)
}

t.test('every policy mode counts its own triplet (default preset, task on node 0)', async (t) => {
  runRows(t, 'default', 0, [0, 1], [
    { name: 'no policy counts as preferred to the local node', policy: ['default', []], pages: 64, expect: [['preferred', 'hit', 0, 64]] },
    { name: 'local', policy: ['local', []], pages: 64, expect: [['local', 'hit', 0, 64]] },
    { name: 'preferred with no nodes is local', policy: ['preferred', []], pages: 10, expect: [['local', 'hit', 0, 10]] },
    { name: 'preferred 1', policy: ['preferred', [1]], pages: 64, expect: [['preferred', 'hit', 1, 64]] },
    { name: 'preferred 0,1 keeps node 0', policy: ['preferred', [1, 0]], pages: 16, expect: [['preferred', 'hit', 0, 16]] },
    { name: 'preferred_many 1', policy: ['preferred_many', [1]], pages: 64, expect: [['preferred_many', 'hit', 1, 64]] },
    { name: 'preferred_many 0,1 takes the local node first', policy: ['preferred_many', [0, 1]], pages: 8, expect: [['preferred_many', 'hit', 0, 8]] },
    { name: 'bind 1', policy: ['bind', [1]], pages: 64, expect: [['bind', 'hit', 1, 64]] },
    { name: 'bind 0,1 takes the local node first', policy: ['bind', [0, 1]], pages: 12, expect: [['bind', 'hit', 0, 12]] },
    { name: 'interleave 0,1', policy: ['interleave', [0, 1]], pages: 64, expect: [['interleave', 'hit', 0, 32], ['interleave', 'hit', 1, 32]] },
    { name: 'interleave 0,1 odd count starts at node 0', policy: ['interleave', [0, 1]], pages: 7, expect: [['interleave', 'hit', 0, 4], ['interleave', 'hit', 1, 3]] },
    // Auto weights of the default preset: 32 × bw / Σ bw = 24 (DRAM 102400 MB/s) and 7 (CXL 32768 MB/s).
    { name: 'weighted_interleave 0,1 with auto weights 24:7', policy: ['weighted_interleave', [0, 1]], pages: 31, expect: [['weighted_interleave', 'hit', 0, 24], ['weighted_interleave', 'hit', 1, 7]] },
  ])
})

t.test('every policy mode counts its own triplet (four-node, task on node 1)', async (t) => {
  runRows(t, 'four-node', 16, [0, 1, 2], [
    { name: 'no policy', policy: ['default', []], pages: 40, expect: [['preferred', 'hit', 1, 40]] },
    { name: 'local', policy: ['local', []], pages: 40, expect: [['local', 'hit', 1, 40]] },
    { name: 'preferred 2', policy: ['preferred', [2]], pages: 40, expect: [['preferred', 'hit', 2, 40]] },
    { name: 'preferred 0,2 keeps node 0', policy: ['preferred', [0, 2]], pages: 5, expect: [['preferred', 'hit', 0, 5]] },
    // Node 1's zonelist is 1, 0 (21), 2 (24): of the mask {0,2} node 0 comes first.
    { name: 'preferred_many 0,2', policy: ['preferred_many', [0, 2]], pages: 40, expect: [['preferred_many', 'hit', 0, 40]] },
    { name: 'preferred_many 2', policy: ['preferred_many', [2]], pages: 9, expect: [['preferred_many', 'hit', 2, 9]] },
    { name: 'bind 0,2', policy: ['bind', [0, 2]], pages: 40, expect: [['bind', 'hit', 0, 40]] },
    { name: 'bind 1,2 takes the local node', policy: ['bind', [1, 2]], pages: 3, expect: [['bind', 'hit', 1, 3]] },
    { name: 'interleave 0,1,2', policy: ['interleave', [0, 1, 2]], pages: 40, expect: [['interleave', 'hit', 0, 14], ['interleave', 'hit', 1, 13], ['interleave', 'hit', 2, 13]] },
    // four-node auto weights: DRAM 32 × 102400 / 237568 = 13, CXL 32 × 32768 / 237568 = 4.
    { name: 'weighted_interleave 0,2 auto 13:4', policy: ['weighted_interleave', [0, 2]], pages: 34, expect: [['weighted_interleave', 'hit', 0, 26], ['weighted_interleave', 'hit', 2, 8]] },
    { name: 'weighted_interleave 0,1,2 auto 13:13:4', policy: ['weighted_interleave', [0, 1, 2]], pages: 30, expect: [['weighted_interleave', 'hit', 0, 13], ['weighted_interleave', 'hit', 1, 13], ['weighted_interleave', 'hit', 2, 4]] },
  ])
})

t.test('numastat moves with policy allocations: numa_hit, local/other and interleave_hit', async (t) => {
  const { m, fs } = boot('default')
  const task = spawn(m, 0, '', ['preferred', [1]])
  const ns = () => [0, 1].map((nid) => numastat(fs, nid))
  let before = ns()
  must(m.tasks.allocate(task, 'file', 100))
  let after = ns()
  t.equal(after[1].get('numa_hit')! - before[1].get('numa_hit')!, 100, 'node 1 numa_hit +100')
  t.equal(after[1].get('other_node')! - before[1].get('other_node')!, 100, 'pages on node 1 for a CPU of node 0 are other_node')
  t.equal(after[0].get('numa_hit')! - before[0].get('numa_hit')!, 0, 'node 0 numa_hit unchanged')
  t.equal(after[1].get('interleave_hit')! - before[1].get('interleave_hit')!, 0, 'no interleave_hit for preferred')

  must(m.tasks.setPolicy(task, 'interleave', [0, 1], []))
  before = ns()
  must(m.tasks.allocate(task, 'file', 10))
  after = ns()
  t.equal(after[0].get('interleave_hit')! - before[0].get('interleave_hit')!, 5, 'node 0 interleave_hit +5')
  t.equal(after[1].get('interleave_hit')! - before[1].get('interleave_hit')!, 5, 'node 1 interleave_hit +5')
  t.equal(after[0].get('local_node')! - before[0].get('local_node')!, 5, 'node 0 local_node +5')
  t.equal(after[1].get('other_node')! - before[1].get('other_node')!, 5, 'node 1 other_node +5')

  must(m.tasks.setPolicy(task, 'weighted_interleave', [0, 1], []))
  before = ns()
  must(m.tasks.allocate(task, 'file', 31))
  after = ns()
  t.equal(after[0].get('interleave_hit')! - before[0].get('interleave_hit')!, 24, 'weighted interleave counts interleave_hit too (node 0)')
  t.equal(after[1].get('interleave_hit')! - before[1].get('interleave_hit')!, 7, 'weighted interleave counts interleave_hit too (node 1)')
  t.same(checkInvariants(fs), [])
})

t.test('page tables are allocated under the same policy and counted with it', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/t')
  const task = spawn(m, 0, '/t', ['bind', [1]])
  const before = mpolView(fs, [0, 1], '/t')
  must(m.tasks.allocate(task, 'anon', 600))
  // 600 mapped pages need ceil(600 / 512) PTE pages plus 3 upper-level tables.
  t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([['bind', 'hit', 1, 605]], true))
  const ns = read(fs, `${CG}/t/memory.numa_stat`)
  t.match(ns, /^anon N0=0 N1=2457600$/m, 'anon on node 1')
  t.match(ns, /^pagetables N0=0 N1=20480$/m, 'page tables on node 1')
})

t.test('fallback when the intended node is full: miss where the page went, foreign where it was meant', async (t) => {
  t.test('preferred to a full node', async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t', ['preferred', [1]])
    fillNode(m, 1)
    const before = mpolView(fs, [0, 1], '/t')
    const nsBefore = [numastat(fs, 0), numastat(fs, 1)]
    must(m.tasks.allocate(task, 'file', 100))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([['preferred', 'miss', 0, 100], ['preferred', 'foreign', 1, 100]], true))
    t.equal(numastat(fs, 0).get('numa_miss')! - nsBefore[0].get('numa_miss')!, 100, 'numastat numa_miss on node 0')
    t.equal(numastat(fs, 1).get('numa_foreign')! - nsBefore[1].get('numa_foreign')!, 100, 'numastat numa_foreign on node 1')
    t.same(checkInvariants(fs), [])
  })

  t.test('preferred to a node below its low watermark: the fast path takes the next node', async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t', ['preferred', [1]])
    // 30 pages are left above min but the node is below low, and node 0 is well above low.
    fillNode(m, 1, 30)
    const before = mpolView(fs, [0, 1], '/t')
    must(m.tasks.allocate(task, 'file', 100))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([['preferred', 'miss', 0, 100], ['preferred', 'foreign', 1, 100]], true))
  })

  t.test('no policy and local on a full local node', async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t')
    fillNode(m, 0)
    let before = mpolView(fs, [0, 1], '/t')
    must(m.tasks.allocate(task, 'file', 50))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([['preferred', 'miss', 1, 50], ['preferred', 'foreign', 0, 50]], true), 'default')
    must(m.tasks.setPolicy(task, 'local', [], []))
    before = mpolView(fs, [0, 1], '/t')
    must(m.tasks.allocate(task, 'file', 20))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([['local', 'miss', 1, 20], ['local', 'foreign', 0, 20]], true), 'local')
  })

  t.test('interleave and weighted interleave with one target full', async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t', ['interleave', [0, 1]])
    fillNode(m, 1)
    let before = mpolView(fs, [0, 1], '/t')
    must(m.tasks.allocate(task, 'file', 100))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')),
      expectMpol([['interleave', 'hit', 0, 50], ['interleave', 'miss', 0, 50], ['interleave', 'foreign', 1, 50]], true), 'interleave')
    t.equal(write(fs, `${WI}/node0`, '3'), 'ok')
    t.equal(write(fs, `${WI}/node1`, '1'), 'ok')
    must(m.tasks.setPolicy(task, 'weighted_interleave', [0, 1], []))
    before = mpolView(fs, [0, 1], '/t')
    must(m.tasks.allocate(task, 'file', 8))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')),
      expectMpol([['weighted_interleave', 'hit', 0, 6], ['weighted_interleave', 'miss', 0, 2], ['weighted_interleave', 'foreign', 1, 2]], true), 'weighted_interleave 3:1')
  })

  t.test('numastat interleave_hit counts only pages that landed on their interleave target', async (t) => {
    // mm/mempolicy.c alloc_pages_mpol(): NUMA_INTERLEAVE_HIT only if page_to_nid(page) == nid.
    const { m, fs } = boot('default')
    const task = spawn(m, 0, '', ['interleave', [0, 1]])
    fillNode(m, 1)
    const before = numastat(fs, 0).get('interleave_hit')!
    must(m.tasks.allocate(task, 'file', 100))
    t.equal(numastat(fs, 0).get('interleave_hit')! - before, 50, '50 of the 100 pages were meant for node 0')
  })

  t.test('preferred_many with its nodes full falls back anywhere: miss, foreign on the local node', async (t) => {
    const { m, fs } = boot('four-node')
    memcg(fs, '/t')
    const task = spawn(m, 16, '/t', ['preferred_many', [2]])
    fillNode(m, 2, 10)
    const before = mpolView(fs, [0, 1, 2], '/t')
    must(m.tasks.allocate(task, 'file', 25))
    // 10 pages still fit on node 2 (in the mask: hits); 15 fall back to node 1, the task's node (the intended nid).
    t.same(delta(before, mpolView(fs, [0, 1, 2], '/t')),
      expectMpol([['preferred_many', 'hit', 2, 10], ['preferred_many', 'miss', 1, 15], ['preferred_many', 'foreign', 1, 15]], true))
  })

  t.test('bind falls back only inside its mask, and that is still a hit', async (t) => {
    const { m, fs } = boot('four-node')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t', ['bind', [0, 2]])
    fillNode(m, 0)
    const before = mpolView(fs, [0, 1, 2], '/t')
    must(m.tasks.allocate(task, 'file', 40))
    t.same(delta(before, mpolView(fs, [0, 1, 2], '/t')), expectMpol([['bind', 'hit', 2, 40]], true))
  })

  t.test('preferred on four-node falls back along the distance order of the preferred node', async (t) => {
    const { m, fs } = boot('four-node')
    memcg(fs, '/t')
    const task = spawn(m, 16, '/t', ['preferred', [2]])
    fillNode(m, 2)
    const before = mpolView(fs, [0, 1, 2], '/t')
    must(m.tasks.allocate(task, 'file', 40))
    // Node 2's zonelist: 2, then 0 and 1 at distance 24 (lower id first); never the private node 3.
    t.same(delta(before, mpolView(fs, [0, 1, 2], '/t')), expectMpol([['preferred', 'miss', 0, 40], ['preferred', 'foreign', 2, 40]], true))
  })
})

t.test('bind to a nearly full node, allocating past it: ENOMEM and nothing changed', async (t) => {
  t.test('task in the root cgroup', async (t) => {
    const { m, fs } = boot('default')
    const task = spawn(m, 0, '', ['bind', [1]])
    fillNode(m, 1, 50)
    const before = snapshot(m)
    const r = m.tasks.allocate(task, 'file', 100)
    t.equal(r.ok ? 'ok' : r.errno, 'ENOMEM')
    t.same(changedFiles(before, snapshot(m)), [], 'no file changed')
    t.equal(task.pagesOf('file'), 0, 'the task holds nothing')
    // What fits still fits.
    must(m.tasks.allocate(task, 'file', 50))
    t.equal(task.pagesOf('file', 1), 50)
    t.same(checkInvariants(fs), [])
  })

  t.test('task in a memcg: every file but memory.peak is unchanged', async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t', ['bind', [1]])
    fillNode(m, 1, 50)
    const before = snapshot(m)
    const r = m.tasks.allocate(task, 'anon', 100)
    t.equal(r.ok ? 'ok' : r.errno, 'ENOMEM')
    t.same(changedFiles(before, snapshot(m)).filter((p) => p !== `${CG}/t/memory.peak`), [])
  })

  t.test('task in a memcg: memory.peak is unchanged too', async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/t')
    const task = spawn(m, 0, '/t', ['bind', [1]])
    fillNode(m, 1, 50)
    // Read through fresh KernFs instances: the failed charge does not bump the generation, so a cached text would hide it.
    const peak = read(new KernFs(m), `${CG}/t/memory.peak`)
    const r = m.tasks.allocate(task, 'anon', 100)
    t.equal(r.ok ? 'ok' : r.errno, 'ENOMEM')
    t.equal(read(new KernFs(m), `${CG}/t/memory.peak`), peak, 'memory.peak after the failed allocation')
  })

  t.test('bind to a full node with more nodes free elsewhere: still ENOMEM', async (t) => {
    const { m } = boot('four-node')
    const task = spawn(m, 0, '', ['bind', [2]])
    fillNode(m, 2)
    const before = snapshot(m)
    const r = m.tasks.allocate(task, 'file', 1)
    t.equal(r.ok ? 'ok' : r.errno, 'ENOMEM')
    t.same(changedFiles(before, snapshot(m)), [])
  })
})

t.test('interleave is round robin per task and continues between calls', async (t) => {
  for (const [preset, cpu, nodes, calls] of [
    ['default', 0, [0, 1], [7, 3, 5, 1, 2, 11]],
    ['four-node', 16, [0, 1, 2], [4, 4, 2, 7, 1, 1, 1, 9]],
    ['four-node', 0, [1, 2], [3, 3, 3]],
  ] as const) {
    const { m, fs } = boot(preset)
    memcg(fs, '/t')
    const task = spawn(m, cpu, '/t', ['interleave', [...nodes]])
    const st = { prev: -1, left: 0 }
    for (const n of calls) {
      const want = interleaveSeq(nodes, () => 1, st, n)
      const before = mpolView(fs, nodes, '/t')
      must(m.tasks.allocate(task, 'file', n))
      t.same(delta(before, mpolView(fs, nodes, '/t')), expectMpol([...want].map(([nid, k]) => ['interleave', 'hit', nid, k] as Count), true),
        `${preset} interleave ${nodes.join(',')}: call of ${n} pages → ${[...want].map(([nid, k]) => `N${nid}=${k}`).join(' ')}`)
    }
  }
  // Setting the policy again starts over at the first node.
  const { m, fs } = boot('default')
  const task = spawn(m, 0, '', ['interleave', [0, 1]])
  must(m.tasks.allocate(task, 'file', 1))
  must(m.tasks.setPolicy(task, 'interleave', [0, 1], []))
  const before = mpolView(fs, [0, 1])
  must(m.tasks.allocate(task, 'file', 1))
  t.same(delta(before, mpolView(fs, [0, 1])), expectMpol([['interleave', 'hit', 0, 1]], false), 'a new policy starts at node 0 again')
})

t.test('weighted interleave: manual weights through sysfs and the auto weights', async (t) => {
  const { m, fs } = boot('default')
  t.equal(read(fs, `${WI}/auto`), 'true\n')
  t.equal(read(fs, `${WI}/node0`), '24\n', 'auto weight of the DRAM node')
  t.equal(read(fs, `${WI}/node1`), '7\n', 'auto weight of the CXL node')
  for (const [body, errno] of [['0', 'EINVAL'], ['256', 'EINVAL'], ['-1', 'EINVAL'], ['x', 'EINVAL'], ['3 1', 'EINVAL']]) {
    t.equal(write(fs, `${WI}/node0`, body), errno, `node0 <- ${JSON.stringify(body)}`)
  }
  t.equal(read(fs, `${WI}/auto`), 'true\n', 'refused writes leave auto mode on')

  // Writing one node switches to manual; the other keeps the weight it had.
  t.equal(write(fs, `${WI}/node0`, '3\n'), 'ok')
  t.equal(read(fs, `${WI}/auto`), 'false\n')
  t.equal(read(fs, `${WI}/node0`), '3\n')
  t.equal(read(fs, `${WI}/node1`), '7\n')
  t.equal(write(fs, `${WI}/node1`, '0x1'), 'ok')
  t.equal(read(fs, `${WI}/node1`), '1\n')

  memcg(fs, '/t')
  const task = spawn(m, 0, '/t', ['weighted_interleave', [0, 1]])
  const st = { prev: -1, left: 0 }
  const w = (nid: number) => (nid === 0 ? 3 : 1)
  for (const n of [8, 5, 3, 1, 1, 6]) {
    const want = interleaveSeq([0, 1], w, st, n)
    const before = mpolView(fs, [0, 1], '/t')
    must(m.tasks.allocate(task, 'file', n))
    t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([...want].map(([nid, k]) => ['weighted_interleave', 'hit', nid, k] as Count), true),
      `3:1, call of ${n} → ${[...want].map(([nid, k]) => `N${nid}=${k}`).join(' ')}`)
  }

  // Back to auto: the bandwidth weights again, used by the next allocations.
  t.equal(write(fs, `${WI}/auto`, '1'), 'ok')
  t.equal(read(fs, `${WI}/node0`), '24\n')
  t.equal(read(fs, `${WI}/node1`), '7\n')
  must(m.tasks.setPolicy(task, 'weighted_interleave', [0, 1], []))
  const before = mpolView(fs, [0, 1], '/t')
  must(m.tasks.allocate(task, 'file', 62))
  t.same(delta(before, mpolView(fs, [0, 1], '/t')), expectMpol([['weighted_interleave', 'hit', 0, 48], ['weighted_interleave', 'hit', 1, 14]], true), 'auto 24:7 twice over')
  t.same(checkInvariants(fs), [])
})

t.test('the global counters count without memory cgroups (MEMCG off)', async (t) => {
  const { m, fs } = machine({
    nodes: [{ id: 0, kind: 'dram', memoryMiB: 4096, cpus: '0-3' }, { id: 1, kind: 'cxl', memoryMiB: 2048 }],
    distances: [[10, 20], [20, 10]],
    kernel: { config: { MEMCG: false } },
  })
  t.equal(fs.lookup(`${CG}/memory.stat`), undefined, 'no memory.stat without CONFIG_MEMCG')
  const task = spawn(m, 0)
  t.equal(m.tasks.memcgOf(task), null, 'the task has no memcg')
  const cases: Array<[[PolicyMode, number[]], number, Count[]]> = [
    [['default', []], 10, [['preferred', 'hit', 0, 10]]],
    [['local', []], 10, [['local', 'hit', 0, 10]]],
    [['bind', [1]], 100, [['bind', 'hit', 1, 100]]],
    [['preferred_many', [1]], 3, [['preferred_many', 'hit', 1, 3]]],
    [['interleave', [0, 1]], 10, [['interleave', 'hit', 0, 5], ['interleave', 'hit', 1, 5]]],
    [['weighted_interleave', [0, 1]], 31, [['weighted_interleave', 'hit', 0, 24], ['weighted_interleave', 'hit', 1, 7]]],
  ]
  for (const [[mode, nodes], pages, want] of cases) {
    must(m.tasks.setPolicy(task, mode, nodes, []))
    const before = mpolView(fs, [0, 1])
    must(m.tasks.allocate(task, 'file', pages))
    t.same(delta(before, mpolView(fs, [0, 1])), expectMpol(want, false), `${mode} ${nodes.join(',')}`)
  }
  must(m.tasks.setPolicy(task, 'preferred', [1], []))
  fillNode(m, 1)
  const before = mpolView(fs, [0, 1])
  must(m.tasks.allocate(task, 'file', 7))
  t.same(delta(before, mpolView(fs, [0, 1])), expectMpol([['preferred', 'miss', 0, 7], ['preferred', 'foreign', 1, 7]], false), 'fallback miss/foreign')
  t.same(checkInvariants(fs), [])
})

t.test('without the mempolicy series there are no numa_mpol_* counters', async (t) => {
  const { m, fs } = boot('host-618')
  const task = spawn(m, 0, '', ['bind', [0]])
  must(m.tasks.allocate(task, 'file', 10))
  t.notOk([...vmstat(fs).keys()].some((k) => k.startsWith('numa_mpol_')), '/proc/vmstat')
  t.notMatch(read(fs, `${CG}/memory.stat`), /numa_mpol_/, 'memory.stat')
  t.notMatch(read(fs, `${CG}/memory.numa_stat`), /numa_mpol_/, 'memory.numa_stat')
})

/** set_mempolicy(2) table: errno, or the effective nodes. */
function validate(t: TestT, m: Machine, rows: Array<[PolicyMode, number[], PolicyFlag[], string | { mode: PolicyMode; nodes: number[] }]>): void {
  const task = spawn(m, m.onlineCpus()[0], '', ['bind', [0]])
  for (const [mode, nodes, flags, want] of rows) {
    const label = `${mode} [${nodes.join(',')}] ${flags.join('|') || '-'}`
    const before = task.policy
    const r = m.tasks.setPolicy(task, mode, nodes, flags)
    if (typeof want === 'string') {
      t.equal(r.ok ? 'ok' : r.errno, want, label)
      t.equal(task.policy, before, `${label}: the old policy stays`)
    } else {
      t.equal(r.ok, true, `${label} accepted`)
      t.same({ mode: task.policy.mode, nodes: task.policy.nodes }, want, `${label} → ${want.mode} [${want.nodes.join(',')}]`)
      must(m.tasks.setPolicy(task, 'bind', [0], []))
    }
  }
}

t.test('set_mempolicy validation (default preset: N_MEMORY = 0,1)', async (t) => {
  const { m } = boot('default')
  validate(t, m, [
    ['bind', [], [], 'EINVAL'],
    ['interleave', [], [], 'EINVAL'],
    ['weighted_interleave', [], [], 'EINVAL'],
    ['preferred_many', [], [], 'EINVAL'],
    ['default', [0], [], 'EINVAL'],
    ['local', [0], [], 'EINVAL'],
    ['local', [], ['static_nodes'], 'EINVAL'],
    ['preferred', [], ['relative_nodes'], 'EINVAL'],
    ['bind', [0], ['static_nodes', 'relative_nodes'], 'EINVAL'],
    ['interleave', [0, 1], ['numa_balancing'], 'EINVAL'],
    ['preferred', [0], ['numa_balancing'], 'EINVAL'],
    ['local', [], ['numa_balancing'], 'EINVAL'],
    ['bind', [0, 1], ['numa_balancing'], { mode: 'bind', nodes: [0, 1] }],
    ['preferred_many', [1], ['numa_balancing'], { mode: 'preferred_many', nodes: [1] }],
    // Nodes that do not exist (or have no memory) only.
    ['bind', [5], [], 'EINVAL'],
    ['preferred', [7, 9], [], 'EINVAL'],
    ['interleave', [1024], [], 'EINVAL'],
    ['bind', [-1], [], 'EINVAL'],
    // Nodes without memory are dropped from a mask that has others.
    ['bind', [1, 5], [], { mode: 'bind', nodes: [1] }],
    ['interleave', [0, 1, 2, 3], [], { mode: 'interleave', nodes: [0, 1] }],
    ['preferred', [5, 1, 0], [], { mode: 'preferred', nodes: [0] }],
    ['preferred', [1, 0], [], { mode: 'preferred', nodes: [0] }],
    ['preferred', [], [], { mode: 'local', nodes: [] }],
    ['default', [], [], { mode: 'default', nodes: [] }],
    ['local', [], [], { mode: 'local', nodes: [] }],
    ['bind', [1], ['static_nodes'], { mode: 'bind', nodes: [1] }],
    // Relative nodes: fold modulo the number of allowed nodes, then map onto them.
    ['bind', [1], ['relative_nodes'], { mode: 'bind', nodes: [1] }],
    ['bind', [2], ['relative_nodes'], { mode: 'bind', nodes: [0] }],
    ['bind', [3], ['relative_nodes'], { mode: 'bind', nodes: [1] }],
    ['interleave', [2, 5], ['relative_nodes'], { mode: 'interleave', nodes: [0, 1] }],
  ])
})

t.test('set_mempolicy validation (four-node: N_MEMORY = 0,1,2, node 3 private)', async (t) => {
  const { m } = boot('four-node')
  validate(t, m, [
    ['bind', [3], [], 'EINVAL'],
    ['preferred', [3], [], 'EINVAL'],
    ['interleave', [3], [], 'EINVAL'],
    ['bind', [2, 3], [], { mode: 'bind', nodes: [2] }],
    ['preferred', [3, 2], [], { mode: 'preferred', nodes: [2] }],
    ['bind', [0], ['relative_nodes'], { mode: 'bind', nodes: [0] }],
    ['bind', [2], ['relative_nodes'], { mode: 'bind', nodes: [2] }],
    ['bind', [3], ['relative_nodes'], { mode: 'bind', nodes: [0] }],
    ['interleave', [4, 5], ['relative_nodes'], { mode: 'interleave', nodes: [1, 2] }],
    ['interleave', [2, 5], ['relative_nodes'], { mode: 'interleave', nodes: [2] }],
    ['preferred', [1], ['relative_nodes'], { mode: 'preferred', nodes: [1] }],
    ['weighted_interleave', [0, 1, 2, 3], [], { mode: 'weighted_interleave', nodes: [0, 1, 2] }],
  ])
})

t.test('a relative-nodes policy allocates on the mapped nodes', async (t) => {
  const { m, fs } = boot('four-node')
  const task = spawn(m, 0, '', ['interleave', [4, 5], ['relative_nodes']])
  const before = mpolView(fs, [0, 1, 2])
  must(m.tasks.allocate(task, 'file', 6))
  t.same(delta(before, mpolView(fs, [0, 1, 2])), expectMpol([['interleave', 'hit', 1, 3], ['interleave', 'hit', 2, 3]], false))
})

/** The type of a subtest's `t`. */
type TestT = Parameters<Parameters<typeof t.test>[0]>[0]
