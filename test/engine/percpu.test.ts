/**
 * Percpu accounting of the percpu series (seed 001): a percpu object of size S
 * charged to a memcg is split over the nodes in proportion to their CPUs,
 *   per node: nr_cpus × S + mult_frac(S / 4 × 8, nr_cpus, num_possible_cpus)
 * (S aligned to PCPU_MIN_ALLOC_SIZE = 4 first), shown in memory.numa_stat `percpu`,
 * memory.stat `percpu` is the sum of the node values, and populating chunk pages
 * adds pages × nr_cpus_node to each node's nr_percpu (and to Percpu in /proc/meminfo).
 */
import t from 'tap'
import type { Machine } from '../../src/engine/machine.js'
import type { KernFs } from '../../src/kernfs/registry.js'
import { boot, meminfo, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import {
  CG, PAGE, changedFiles, current, machine, memcg, memStat, must, nodeVmstat, numaStat, snapshot, spawn, vmstat,
} from './memory-model-helpers.js'

const multFrac = (x: number, n: number, d: number) => Math.floor(x / d) * n + Math.floor(((x % d) * n) / d)
const align4 = (s: number) => Math.ceil(s / 4) * 4
/** The seed's per-node charge of one object. */
const nodeCharge = (size: number, cpus: number, possible: number) => cpus * align4(size) + multFrac((align4(size) / 4) * 8, cpus, possible)
/** pcpu_obj_full_size(): what the page counter is charged. */
const fullSize = (size: number, possible: number) => align4(size) * possible + (align4(size) / 4) * 8

function asym(cpus0: number, cpus1: number, extra: Record<string, unknown> = {}): { m: Machine; fs: KernFs } {
  return machine({
    nodes: [
      { id: 0, kind: 'dram', memoryMiB: 4096, cpus: `0-${cpus0 - 1}` },
      { id: 1, kind: 'dram', memoryMiB: 4096, cpus: `${cpus0}-${cpus0 + cpus1 - 1}` },
    ],
    distances: [[10, 21], [21, 10]],
    ...extra,
  })
}

interface View { ns: [number, number]; stat: number; nrPercpu: [number, number]; percpuKb: number; current: number; vmNr: number }
function view(fs: KernFs, cg: string): View {
  const row = numaStat(fs, cg).get('percpu')!
  return {
    ns: [row.get(0)!, row.get(1)!],
    stat: memStat(fs, cg).get('percpu')!,
    nrPercpu: [nodeVmstat(fs, 0).get('nr_percpu')!, nodeVmstat(fs, 1).get('nr_percpu')!],
    percpuKb: meminfo(read(fs, '/proc/meminfo')).get('Percpu')!,
    current: cg ? current(fs, cg) : 0,
    vmNr: vmstat(fs).get('nr_percpu')!,
  }
}

for (const [cpus0, cpus1] of [[12, 4], [11, 5], [15, 1]] as const) {
  t.test(`asymmetric nodes: ${cpus0} + ${cpus1} CPUs`, async (t) => {
    const possible = cpus0 + cpus1
    const { m, fs } = asym(cpus0, cpus1)
    memcg(fs, '/p')
    const task = spawn(m, 0, '/p')
    const v0 = view(fs, '/p')
    t.same(v0.ns, [0, 0], 'no percpu charged to /p yet')
    t.equal(v0.stat, 0)

    // Sizes in bytes; the chunk's used bytes per unit decide how many pages are populated.
    let used = 0, populated = 0, objBytes = 0
    const want = { ns: [0, 0] as [number, number], stat: 0 }
    const ids: Array<[number, number]> = []
    for (const size of [100, 36, 8, 1, 4096, 10000, 2, 30000]) {
      const before = view(fs, '/p')
      const id = must(m.tasks.percpuAlloc(task, size), `percpu alloc ${size}`)
      ids.push([id, size])
      const c0 = nodeCharge(size, cpus0, possible), c1 = nodeCharge(size, cpus1, possible)
      want.ns = [want.ns[0] + c0, want.ns[1] + c1]
      want.stat += c0 + c1
      const after = view(fs, '/p')
      t.same(after.ns, want.ns, `${size} B: memory.numa_stat percpu N0 += ${c0}, N1 += ${c1}`)
      t.equal(after.stat, after.ns[0] + after.ns[1], `${size} B: memory.stat percpu = Σ numa_stat percpu`)
      t.equal(after.stat, want.stat, `${size} B: memory.stat percpu`)
      // Chunk pages: every unit (CPU) gets the new pages, from its own node.
      used += align4(size)
      const grow = Math.max(0, Math.ceil(used / PAGE) - populated)
      populated += grow
      t.same([after.nrPercpu[0] - before.nrPercpu[0], after.nrPercpu[1] - before.nrPercpu[1]], [grow * cpus0, grow * cpus1],
        `${size} B: ${grow} page(s) per unit populated → nr_percpu N0 += ${grow * cpus0}, N1 += ${grow * cpus1}`)
      t.equal(after.vmNr - before.vmNr, grow * possible, `${size} B: /proc/vmstat nr_percpu`)
      t.equal(after.percpuKb - before.percpuKb, grow * possible * 4, `${size} B: /proc/meminfo Percpu`)
      // The page counter is charged pcpu_obj_full_size() bytes in whole pages.
      const pages = Math.ceil((objBytes + fullSize(size, possible)) / PAGE) - Math.ceil(objBytes / PAGE)
      objBytes += fullSize(size, possible)
      t.equal(after.current - before.current, pages * PAGE, `${size} B: memory.current += ${pages} page(s)`)
    }
    t.same(checkInvariants(fs), [], 'files agree')

    // Freeing gives every charge back; the chunk stays populated (depopulation is lazy).
    const full = view(fs, '/p')
    for (const [id, size] of ids.reverse()) {
      must(m.tasks.percpuFree(task, id), `free ${size}`)
    }
    const freed = view(fs, '/p')
    t.same(freed.ns, v0.ns, 'memory.numa_stat percpu restored')
    t.equal(freed.stat, v0.stat, 'memory.stat percpu restored')
    t.equal(freed.current, v0.current, 'memory.current restored')
    t.same(freed.nrPercpu, full.nrPercpu, 'populated pages stay')
    t.equal(m.tasks.percpuFree(task, ids[0][0]).ok, false, 'a second free fails')
    t.same(checkInvariants(fs), [])
  })
}

t.test('the seed formula on 12 + 4 CPUs, worked out', async (t) => {
  const { m, fs } = asym(12, 4)
  memcg(fs, '/p')
  const task = spawn(m, 0, '/p')
  must(m.tasks.percpuAlloc(task, 100))
  // extra = 100 / 4 × 8 = 200; N0 = 12 × 100 + 200 × 12 / 16 = 1350; N1 = 4 × 100 + 200 × 4 / 16 = 450.
  t.match(read(fs, `${CG}/p/memory.numa_stat`), /^percpu N0=1350 N1=450$/m)
  t.equal(memStat(fs, '/p').get('percpu'), 1800)
})

t.test('rounding: the node split may add up to a little less than the full size, charges equal uncharges', async (t) => {
  const { m, fs } = asym(11, 5)
  memcg(fs, '/p')
  const task = spawn(m, 0, '/p')
  const id = must(m.tasks.percpuAlloc(task, 4))
  // extra = 8: N0 = 44 + 8 × 11 / 16 = 49, N1 = 20 + 8 × 5 / 16 = 22; full size 72.
  t.match(read(fs, `${CG}/p/memory.numa_stat`), /^percpu N0=49 N1=22$/m)
  t.equal(memStat(fs, '/p').get('percpu'), 71)
  must(m.tasks.percpuFree(task, id))
  t.match(read(fs, `${CG}/p/memory.numa_stat`), /^percpu N0=0 N1=0$/m)
  t.equal(memStat(fs, '/p').get('percpu'), 0)
})

t.test('percpu charges are hierarchical and leave with the task', async (t) => {
  const { m, fs } = asym(12, 4)
  memcg(fs, '/p/c')
  const task = spawn(m, 13, '/p/c')
  must(m.tasks.percpuAlloc(task, 64))
  must(m.tasks.percpuAlloc(task, 64))
  const n0 = 2 * nodeCharge(64, 12, 16), n1 = 2 * nodeCharge(64, 4, 16)
  t.match(read(fs, `${CG}/p/memory.numa_stat`), new RegExp(`^percpu N0=${n0} N1=${n1}$`, 'm'), 'the parent shows the child\'s percpu')
  t.equal(memStat(fs, '/p').get('percpu'), n0 + n1)
  const rootBefore = memStat(fs, '').get('percpu')!
  m.tasks.exit(task)
  t.equal(memStat(fs, '/p').get('percpu'), 0, 'exit frees the objects')
  t.equal(memStat(fs, '').get('percpu'), rootBefore - n0 - n1, 'and the root loses them too')
  t.equal(current(fs, '/p'), 0)
})

t.test('refused percpu allocations change nothing', async (t) => {
  const { m, fs } = asym(12, 4)
  memcg(fs, '/p')
  const task = spawn(m, 0, '/p')
  must(m.tasks.percpuAlloc(task, 8))
  for (const size of [0, -4, 1.5, 32769, 1 << 20]) {
    const before = snapshot(m)
    const r = m.tasks.percpuAlloc(task, size)
    t.equal(r.ok ? 'ok' : r.errno, 'EINVAL', `size ${size}`)
    const changed = changedFiles(before, snapshot(m))
    t.same(changed.filter((p) => p !== `${CG}/p/memory.peak`), [], `size ${size}: nothing changed but maybe memory.peak`)
    t.same(changed, [], `size ${size}: memory.peak unchanged too`,
      {})
  }
  const r = m.tasks.percpuFree(task, 9999)
  t.equal(r.ok ? 'ok' : r.errno, 'ENOENT', 'free of an unknown object')
  t.same(read(fs, `${CG}/p/memory.numa_stat`).match(/^percpu .*$/m)![0], `percpu N0=${nodeCharge(8, 12, 16)} N1=${nodeCharge(8, 4, 16)}`)
})

t.test('without the percpu series: memcg-only percpu of full size, no per-node split', async (t) => {
  const { m, fs } = asym(12, 4, { kernel: { config: { PATCH_PERCPU_NODE_STAT: false } } })
  memcg(fs, '/p')
  const task = spawn(m, 0, '/p')
  must(m.tasks.percpuAlloc(task, 100))
  t.equal(memStat(fs, '/p').get('percpu'), fullSize(100, 16), 'memory.stat percpu = pcpu_obj_full_size')
  t.notMatch(read(fs, `${CG}/p/memory.numa_stat`), /^percpu /m, 'no percpu line in memory.numa_stat')
  t.notOk(vmstat(fs).has('nr_percpu'), 'no nr_percpu in /proc/vmstat')
  t.notOk(nodeVmstat(fs, 0).has('nr_percpu'), 'no nr_percpu in node vmstat')
})

t.test('percpu of a task in the root memcg, and with MEMCG off', async (t) => {
  const { m, fs } = boot('default')
  const task = spawn(m, 3, '')
  const before = numaStat(fs, '').get('percpu')!
  must(m.tasks.percpuAlloc(task, 40))
  const after = numaStat(fs, '').get('percpu')!
  // default preset: node 0 has all 8 CPUs, node 1 (CXL) none: no column share for it.
  t.equal(after.get(0)! - before.get(0)!, nodeCharge(40, 8, 8), 'all on node 0')
  t.equal(after.get(1)! - before.get(1)!, 0, 'nothing on the CPU-less node')

  const off = asym(12, 4, { kernel: { config: { MEMCG: false } } })
  const t2 = spawn(off.m, 0, '')
  const vm0 = vmstat(off.fs).get('nr_percpu')!
  must(off.m.tasks.percpuAlloc(t2, 5000))
  t.equal(vmstat(off.fs).get('nr_percpu')! - vm0, 2 * 16, 'chunk pages are still populated and counted without memcg')
  t.same(checkInvariants(off.fs), [])
})
