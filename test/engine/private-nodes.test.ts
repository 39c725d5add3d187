/**
 * Private memory nodes (seed 003, N_MEMORY_PRIVATE) on the four-node preset, where
 * node 3 is a private compressed-RAM node opting in to reclaim and user migration:
 * it is not in N_MEMORY, so no ordinary allocation, tier or memcg column sees it;
 * only a policy with the private flag (the private zonelist) or an opted-in user
 * migration puts pages there.
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { PolicyFlag, PolicyMode } from '../../src/engine/mempolicy.js'
import type { KernFs } from '../../src/kernfs/registry.js'
import { boot, meminfo, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import {
  CG, NODE, WI, changedFiles, fillNode, machine, memcg, must, nodeVmstat, numaStat, numastat, snapshot, spawn, vmstat,
} from './memory-model-helpers.js'

const node3 = (fs: KernFs) => ({
  meminfo: read(fs, `${NODE}/node3/meminfo`),
  numastat: read(fs, `${NODE}/node3/numastat`),
  used: meminfo(read(fs, `${NODE}/node3/meminfo`)).get('MemUsed')!,
})

function parseList(s: string): number[] {
  return s.trim().split(',').filter(Boolean).flatMap((r) => {
    const [a, b] = r.split('-').map(Number)
    return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i)
  })
}

t.test('node states, tiers, weights and memcg columns leave the private node out', async (t) => {
  const { m, fs } = boot('four-node')
  t.equal(read(fs, `${NODE}/has_private_memory`), '3\n')
  t.equal(read(fs, `${NODE}/has_memory`), '0-2\n')
  t.equal(read(fs, `${NODE}/has_normal_memory`), '0-2\n')
  t.equal(read(fs, `${NODE}/has_cpu`), '0-1\n')
  t.equal(read(fs, `${NODE}/online`), '0-3\n', 'the node is online')
  t.ok(meminfo(read(fs, `${NODE}/node3/meminfo`)).get('MemTotal')! > 0, 'and has memory')

  const tiers = fs.list('/sys/devices/virtual/memory_tiering')!.filter((e) => e.name.startsWith('memory_tier'))
  t.ok(tiers.length >= 2, `${tiers.length} tiers`)
  const tiered = tiers.flatMap((e) => parseList(read(fs, `/sys/devices/virtual/memory_tiering/${e.name}/nodelist`)))
  t.same(tiered.sort(), [0, 1, 2], 'the tiers list nodes 0-2 only')

  t.equal(fs.lookup(`${WI}/node3`), undefined, 'no weighted-interleave weight for node 3')
  t.not(fs.lookup(`${WI}/node2`), undefined)

  memcg(fs, '/p')
  for (const cg of ['', '/p']) {
    for (const [name, row] of numaStat(fs, cg)) t.same([...row.keys()], [0, 1, 2], `${cg || '/'} memory.numa_stat ${name}: N0-N2 only`)
  }
  t.notMatch(read(fs, `${CG}/memory.numa_stat`), /N3=/, 'no N3 column anywhere')
  t.equal(m.privateNodes().map((n) => n.id).join(), '3')
  t.same(checkInvariants(fs), [])
})

t.test('policies without the private flag never name node 3', async (t) => {
  const { m } = boot('four-node')
  const task = spawn(m, 0)
  for (const [mode, nodes] of [['bind', [3]], ['preferred', [3]], ['interleave', [3]], ['weighted_interleave', [3]], ['preferred_many', [3]]] as const) {
    const r = m.tasks.setPolicy(task, mode, [...nodes], [])
    t.equal(r.ok ? 'ok' : r.errno, 'EINVAL', `${mode} [3]`)
  }
  const r = must(m.tasks.setPolicy(task, 'interleave', [1, 3], []))
  t.same(r.nodes, [1], 'node 3 is masked out of an interleave set')
  for (const [mode, flags, want] of [
    ['interleave', ['private'], 'EINVAL'],
    ['weighted_interleave', ['private'], 'EINVAL'],
    ['bind', ['private'], 'ok'],
    ['preferred_many', ['private'], 'ok'],
    ['preferred', ['private'], 'ok'],
  ] as Array<[PolicyMode, PolicyFlag[], string]>) {
    const p = m.tasks.setPolicy(task, mode, [3], flags)
    t.equal(p.ok ? 'ok' : p.errno, want, `${mode} [3] ${flags.join('|')}`)
  }
  const host = boot('host-618')
  const ht = spawn(host.m, 0)
  const p = host.m.tasks.setPolicy(ht, 'bind', [0], ['private'])
  t.equal(p.ok ? 'ok' : p.errno, 'EINVAL', 'the private flag needs the private nodes series')
})

function fillAll(m: Machine): void {
  for (const nid of [0, 1, 2]) fillNode(m, nid)
}

t.test('no ordinary allocation lands on node 3, even with every other node full', async (t) => {
  const { m, fs } = boot('four-node')
  memcg(fs, '/t')
  const tasks = [0, 16].map((cpu) => spawn(m, cpu, '/t'))
  const policies: Array<[PolicyMode, number[]]> = [
    ['default', []], ['local', []], ['preferred', [2]], ['preferred_many', [0, 2]], ['bind', [0, 1, 2]], ['bind', [2]],
    ['interleave', [0, 1, 2]], ['weighted_interleave', [0, 1, 2]],
  ]
  const n3 = node3(fs)
  // With room: everything lands on nodes 0-2.
  for (const task of tasks) {
    for (const [mode, nodes] of policies) {
      must(m.tasks.setPolicy(task, mode, nodes, []))
      must(m.tasks.allocate(task, 'anon', 1000), `${mode} with room`)
      must(m.tasks.allocate(task, 'file', 1000), `${mode} with room`)
    }
  }
  t.same(node3(fs), n3, 'node 3 untouched while the others have room')

  fillAll(m)
  for (const task of tasks) {
    for (const [mode, nodes] of policies) {
      must(m.tasks.setPolicy(task, mode, nodes, []))
      for (const kind of ['anon', 'file', 'shmem', 'file_mapped'] as const) {
        const r = m.tasks.allocate(task, kind, 64)
        t.equal(r.ok ? 'ok' : r.errno, 'ENOMEM', `cpu ${task.cpu} ${mode} ${nodes.join(',')} ${kind}: ENOMEM rather than node 3`)
      }
    }
  }
  t.same(node3(fs), n3, 'node 3 meminfo and numastat untouched')
  t.equal(tasks.reduce((s, tk) => s + tk.pagesOf(undefined, 3), 0), 0, 'no task holds a page there')
  t.same(checkInvariants(fs), [])
})

t.test('a bind policy with the private flag allocates on node 3', async (t) => {
  const { m, fs } = boot('four-node')
  memcg(fs, '/t')
  const task = spawn(m, 0, '/t', ['bind', [3], ['private']])
  t.same(task.policy.nodes, [3])
  const before = { vm: vmstat(fs), n3: nodeVmstat(fs, 3), used: node3(fs).used, ns: numastat(fs, 3) }
  must(m.tasks.allocate(task, 'file', 500))
  t.equal(task.pagesOf('file', 3), 500, 'all 500 pages on node 3')
  t.equal(node3(fs).used - before.used, 500 * 4, 'node 3 MemUsed +2000 kB')
  t.equal(nodeVmstat(fs, 3).get('numa_mpol_bind_hit')! - before.n3.get('numa_mpol_bind_hit')!, 500, 'node 3 numa_mpol_bind_hit')
  t.equal(vmstat(fs).get('numa_mpol_bind_hit')! - before.vm.get('numa_mpol_bind_hit')!, 500, '/proc/vmstat numa_mpol_bind_hit')
  t.equal(nodeVmstat(fs, 3).get('nr_file_pages')! - before.n3.get('nr_file_pages')!, 500, 'node 3 nr_file_pages')
  t.equal(numastat(fs, 3).get('numa_hit')! - before.ns.get('numa_hit')!, 500, 'node 3 numa_hit')
  t.notMatch(read(fs, `${CG}/t/memory.numa_stat`), /N3=/, 'still no N3 column')
  // A private bind falls back to ordinary nodes only if its mask has them.
  must(m.tasks.setPolicy(task, 'bind', [2, 3], ['private']))
  must(m.tasks.allocate(task, 'file', 10))
  t.equal(task.pagesOf('file', 3), 510, 'the private node of the mask comes first')
  t.same(checkInvariants(fs), [])
})

t.test('preferred and preferred_many with the private flag reach node 3', async (t) => {
  const { m } = boot('four-node')
  const pm = spawn(m, 0, '', ['preferred_many', [3], ['private']])
  must(m.tasks.allocate(pm, 'file', 20))
  t.equal(pm.pagesOf('file', 3), 20, 'preferred_many private [3]')
  const p = spawn(m, 0, '', ['preferred', [3], ['private']])
  must(m.tasks.allocate(p, 'file', 20))
  t.equal(p.pagesOf('file', 3), 20, 'preferred private [3]')
})

t.test('user migration to node 3 works when the node opts in', async (t) => {
  const { m, fs } = boot('four-node')
  memcg(fs, '/t')
  const task = spawn(m, 0, '/t')
  must(m.tasks.allocate(task, 'anon', 300))
  must(m.tasks.allocate(task, 'file', 100))
  const vm = vmstat(fs)
  const moved = must(m.tasks.migrate(task, [3]))
  t.equal(moved, 400, '400 pages moved')
  t.equal(task.pagesOf('anon', 3), 300)
  t.equal(task.pagesOf('file', 3), 100)
  t.equal(task.pagesOf('anon', 0), 0)
  t.equal(vmstat(fs).get('pgmigrate_success')! - vm.get('pgmigrate_success')!, 400, 'pgmigrate_success')
  t.equal(nodeVmstat(fs, 3).get('nr_anon_pages'), 300)
  // And back to an ordinary node.
  t.equal(must(m.tasks.migrate(task, [1])), 400)
  t.equal(task.pagesOf('anon', 1), 300)
  t.same(checkInvariants(fs), [])
})

t.test('user migration to a private node that does not opt in: EINVAL, nothing changed', async (t) => {
  const { m } = machine({
    nodes: [
      { id: 0, kind: 'dram', memoryMiB: 4096, cpus: '0-3' },
      { id: 1, kind: 'cxl', memoryMiB: 2048 },
      { id: 3, kind: 'private', memoryMiB: 1024, optIn: { reclaim: true, tiering: false, userMigrate: false } },
    ],
    distances: [[10, 20, 30], [20, 10, 40], [30, 40, 10]],
  })
  const task = spawn(m, 0)
  must(m.tasks.allocate(task, 'anon', 50))
  const before = snapshot(m)
  for (const to of [[3], [1, 3]]) {
    const r = m.tasks.migrate(task, to)
    t.equal(r.ok ? 'ok' : r.errno, 'EINVAL', `migrate to ${to.join(',')}`)
  }
  t.same(changedFiles(before, snapshot(m)), [], 'nothing changed')
  t.equal(task.pagesOf('anon', 0), 50)
  t.equal(must(m.tasks.migrate(task, [1])), 50, 'an ordinary node still takes them')
  // A private-flag policy may still place pages there: the opt-in is about migration only.
  must(m.tasks.setPolicy(task, 'bind', [3], ['private']))
  must(m.tasks.allocate(task, 'file', 5))
  t.equal(task.pagesOf('file', 3), 5)
  for (const to of [[7], []]) {
    const r = m.tasks.migrate(task, to)
    t.equal(r.ok ? 'ok' : r.errno, 'EINVAL', `migrate to [${to.join(',')}]`)
  }
})
