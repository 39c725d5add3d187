/**
 * Which marked pages take a hint fault: every marked page of an access class is
 * touched in a quantum with probability 1 - exp(-λ), λ = accesses × the page's access
 * probability, independently of the others. The simulation draws the faulting pages
 * by geometric skips over per-class lists; over many quanta the counts must follow
 * the binomial law, per class.
 */
import t from 'tap'
import { boot, kv, read } from '../helpers.js'

/**
 * Local DRAM pages under NORMAL mode (faults are counted, nothing migrates), one
 * thread at a fixed rate so λ per quantum is known exactly.
 */
function setup(pattern: { kind: 'uniform' } | { kind: 'hotset'; hotFraction: number; hotShare: number }, seed: number) {
  const { m, fs } = boot('default', seed)
  const w1 = fs.write('/proc/sys/kernel/numa_balancing', '1', { cpu: 0 })
  if (!w1.ok) throw new Error(w1.errno)
  const task = m.tasks.create({ cpu: 0 })
  if (!task.ok) throw new Error(task.reason)
  const r = m.regions.create(task.value, 4096)
  if (!r.ok) throw new Error(r.reason)
  const w = m.sim.start({ name: 'w', threads: 1, cpus: [0], pattern, accessesPerThread: null, loadFraction: 0.5, mlp: 1, rate: 10000 }, r.value)
  return { m, fs, w }
}

const faults = (fs: ReturnType<typeof boot>['fs']) => kv(read(fs, '/proc/vmstat')).get('numa_hint_faults')!

t.test('uniform: faults in the second after the scan follow n(1 - exp(-kλ))', async (t) => {
  // 100 accesses per 10 ms quantum over 4096 pages. The scan marks every page at 1000 ms
  // (end of the 100th quantum); the next scan is at 2000 ms, so 99 quanta fault in between.
  const n = 4096, lambda = 100 / n, quanta = 99
  const p = 1 - Math.exp(-quanta * lambda)
  const mean = n * p, sd = Math.sqrt(n * p * (1 - p))
  let total = 0
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8]
  for (const seed of seeds) {
    const { m, fs } = setup({ kind: 'uniform' }, seed)
    m.sim.step(1990)
    const f = faults(fs)
    t.ok(Math.abs(f - mean) < 5 * sd, `seed ${seed}: ${f} faults, expected ${mean.toFixed(1)} ± ${sd.toFixed(1)}`)
    total += f
  }
  const avg = total / seeds.length
  t.ok(Math.abs(avg - mean) < 5 * (sd / Math.sqrt(seeds.length)), `mean over seeds ${avg.toFixed(1)} vs ${mean.toFixed(1)}`)
})

t.test('hot set: each class faults at its own rate', async (t) => {
  // 10% of the pages get 90% of the accesses: λ hot = 100 × 0.9 / 409, λ cold = 100 × 0.1 / 3687.
  const hot = Math.floor(4096 * 0.1), cold = 4096 - hot
  const lh = (100 * 0.9) / hot, lc = (100 * 0.1) / cold
  const quanta = 30
  const ph = 1 - Math.exp(-quanta * lh), pc = 1 - Math.exp(-quanta * lc)
  const mean = hot * ph + cold * pc
  const sd = Math.sqrt(hot * ph * (1 - ph) + cold * pc * (1 - pc))
  for (const seed of [11, 12, 13]) {
    const { m, fs, w } = setup({ kind: 'hotset', hotFraction: 0.1, hotShare: 0.9 }, seed)
    m.sim.step(1000 + quanta * 10)
    const f = faults(fs)
    t.ok(Math.abs(f - mean) < 5 * sd, `seed ${seed}: ${f} faults, expected ${mean.toFixed(1)} ± ${sd.toFixed(1)}`)
    // The hot pages are (nearly) all gone from the marked lists; most cold ones wait.
    t.ok(w.scan.lists[1].length < hot * (1 - ph) + 5 * Math.sqrt(hot * ph * (1 - ph)) + 1, `hot left ${w.scan.lists[1].length}`)
    t.ok(Math.abs(w.scan.lists[0].length - cold * (1 - pc)) < 5 * Math.sqrt(cold * pc * (1 - pc)), `cold left ${w.scan.lists[0].length}`)
  }
})

t.test('a page is listed once however often it is marked, and faults at most once per mark', async (t) => {
  const { m, fs, w } = setup({ kind: 'uniform' }, 21)
  m.sim.step(6000)
  const listed = w.scan.listed!
  const seen = new Uint8Array(4096)
  let twice = 0
  for (const list of w.scan.lists) {
    for (let i = 0; i < list.length; i++) { const v = list.items[i]; if (seen[v]) twice++; seen[v] = 1 }
  }
  t.equal(twice, 0, 'no page is in the lists twice')
  let disagree = 0, marked = 0, unlisted = 0
  for (let v = 0; v < 4096; v++) {
    if (listed[v] !== seen[v]) disagree++
    if (w.region.protNone[v] && !seen[v]) unlisted++
    marked += w.region.protNone[v]
  }
  t.equal(disagree, 0, '`listed` says exactly which pages are in the lists')
  t.equal(unlisted, 0, 'every marked page waits in a list')
  const vm = kv(read(fs, '/proc/vmstat'))
  t.equal(vm.get('numa_pte_updates')! - vm.get('numa_hint_faults')!, marked, 'every mark is either still there or became one fault')
})
