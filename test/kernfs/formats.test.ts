/**
 * numaemu's files against real Linux 6.18 files: with the sample host's kernel
 * options (preset host-618) every file must have the same lines, order, label
 * widths and units; with the seed patches on, only the seed lines may be added,
 * where the patched kernel puts them.
 */
import t from 'tap'
import { boot, fixture, read, shape } from '../helpers.js'

const plain = boot('host-618')

const names = (text: string) => text.trimEnd().split('\n').map((l) => l.split(' ')[0])
const labels = (text: string) => text.trimEnd().split('\n').map((l) => l.replace(/^(Node \d+ )?/, '').slice(0, 16))

t.test('/proc/meminfo: same labels, order and column layout as 6.18', async (t) => {
  const ours = read(plain.fs, '/proc/meminfo')
  const real = fixture('proc/meminfo')
  t.same(labels(ours), labels(real))
  const a = ours.trimEnd().split('\n'), b = real.trimEnd().split('\n')
  a.forEach((line, i) => {
    // Same label, value right-aligned in the same field, same unit suffix.
    const unit = (s: string) => s.replace(/^.{16}\s*\d+/, '')
    t.equal(unit(line), unit(b[i]), `unit of ${line.slice(0, 16).trim()}`)
    const valueField = (s: string) => /^.{16}(\s*\d+)/.exec(s)?.[1].length
    if (line.length < 40) t.equal(valueField(line), valueField(b[i]), `width of ${line.slice(0, 16).trim()}`)
  })
  t.ok(ours.endsWith(' kB\n'))
})

t.test('nodeN/meminfo: same lines and layout as 6.18', async (t) => {
  const ours = read(plain.fs, '/sys/devices/system/node/node0/meminfo')
  const real = fixture('sys/devices/system/node/node0/meminfo')
  t.same(labels(ours), labels(real))
  const widths = (s: string) => s.trimEnd().split('\n').map((l) => (l.length < 40 ? l.length : -1))
  t.same(widths(ours), widths(real).map((w, i) => (widths(ours)[i] === -1 ? -1 : w)), 'line lengths (8-digit values)')
})

t.test('/proc/vmstat: the 6.18 name list, in order, ending in nr_unstable 0', async (t) => {
  const ours = read(plain.fs, '/proc/vmstat')
  t.same(names(ours), names(fixture('proc/vmstat')))
  t.match(ours, /\nnr_unstable 0\n$/)
  for (const line of ours.trimEnd().split('\n')) t.match(line, /^[a-z0-9_]+ \d+$/)
})

t.test('nodeN/vmstat and numastat: the 6.18 name lists', async (t) => {
  t.same(names(read(plain.fs, '/sys/devices/system/node/node0/vmstat')), names(fixture('sys/devices/system/node/node0/vmstat')))
  t.same(names(read(plain.fs, '/sys/devices/system/node/node0/numastat')), names(fixture('sys/devices/system/node/node0/numastat')))
})

t.test('/proc/zoneinfo: line for line the 6.18 layout on the same zones and CPUs', async (t) => {
  t.same(shape(read(plain.fs, '/proc/zoneinfo')), shape(fixture('proc/zoneinfo')))
})

t.test('/proc/buddyinfo: zones and %6lu columns', async (t) => {
  const ours = read(plain.fs, '/proc/buddyinfo').split('\n').slice(0, -1)
  const real = fixture('proc/buddyinfo').split('\n').slice(0, -1)
  t.equal(ours.length, real.length)
  ours.forEach((line, i) => {
    t.equal(line.slice(0, 22), real[i].slice(0, 22), 'node and zone header')
    t.match(line, /^Node \d+, zone [ A-Za-z0-9]{8} ( {0,5}\d{1,6} ){11}$/)
  })
})

t.test('small files read exactly as on the 6.18 host', async (t) => {
  // The host-618 preset has the sample host's shape (1 node, 2 CPUs, 24 GiB, THP): these values follow from it.
  for (const path of [
    'sys/devices/system/node/online', 'sys/devices/system/node/possible', 'sys/devices/system/node/has_cpu',
    'sys/devices/system/node/has_memory', 'sys/devices/system/node/has_normal_memory',
    'sys/devices/system/node/node0/cpulist', 'sys/devices/system/node/node0/cpumap', 'sys/devices/system/node/node0/distance',
    'sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages',
    'sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages',
    'sys/devices/system/node/node0/hugepages/hugepages-2048kB/surplus_hugepages',
    'sys/devices/virtual/memory_tiering/memory_tier4/nodelist', 'sys/kernel/mm/numa/demotion_enabled',
    'proc/sys/kernel/numa_balancing', 'proc/sys/vm/hugetlb_optimize_vmemmap', 'proc/sys/vm/nr_hugepages',
    'proc/sys/vm/numa_stat', 'proc/sys/vm/watermark_scale_factor',
    // khugepaged's recommended minimum for three populated zones: 16896 pages.
    'proc/sys/vm/min_free_kbytes',
  ]) {
    t.equal(read(plain.fs, `/${path}`), fixture(path), path)
  }
})

t.test('with the seed patches, only their lines are added, where the patched kernel puts them', async (t) => {
  const patched = boot('default')
  const base = names(fixture('proc/vmstat'))
  const mpol = ['local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave']
    .flatMap((p) => ['hit', 'miss', 'foreign'].map((k) => `numa_mpol_${p}_${k}`))
  const expected = [...base]
  expected.splice(expected.indexOf('nr_hugetlb'), 0, ...mpol)
  expected.splice(expected.indexOf('nr_kernel_file_pages') + 1, 0, 'nr_percpu', 'nr_page_metadata')
  expected.splice(expected.indexOf('nr_unstable'), 0,
    'pghot_recorded_accesses', 'pghot_recorded_hintfaults', 'pghot_recorded_hwhints',
    'hwhint_total_events', 'hwhint_dram_accesses', 'hwhint_extmem_accesses', 'hwhint_useful_events')
  t.same(names(read(patched.fs, '/proc/vmstat')), expected)

  const memExpected = labels(fixture('proc/meminfo'))
  memExpected.splice(memExpected.indexOf('Shmem:          ') + 1, 0, 'PageMetadata:   ')
  t.same(labels(read(patched.fs, '/proc/meminfo')), memExpected)

  const nodeExpected = labels(fixture('sys/devices/system/node/node0/meminfo'))
  nodeExpected.splice(nodeExpected.indexOf('Shmem:          ') + 1, 0, 'PageMetadata:   ')
  t.same(labels(read(patched.fs, '/sys/devices/system/node/node1/meminfo')), nodeExpected)
  t.equal(read(patched.fs, '/sys/devices/system/node/has_private_memory'), '\n')
})

t.test('kernel options remove exactly their lines', async (t) => {
  const { resolveConfig } = await import('../../src/config/load.js')
  const { createMachine } = await import('../../src/engine/index.js')
  const { KernFs } = await import('../../src/kernfs/registry.js')
  const m = createMachine(resolveConfig({
    nodes: [{ id: 0, kind: 'dram', memoryMiB: 4096, cpus: '0-3' }],
    kernel: { config: { TRANSPARENT_HUGEPAGE: false, HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD: false, HUGETLB_PAGE: false, MEMORY_FAILURE: true, CMA: true, ZSWAP: false } },
  }))
  const fs = new KernFs(m)
  const mi = read(fs, '/proc/meminfo')
  t.notMatch(mi, /AnonHugePages|HugePages_Total|Hugetlb:|Zswap/)
  t.match(mi, /\nHardwareCorrupted:     0 kB\n/)
  t.match(mi, /\nCmaTotal:              0 kB\nCmaFree:               0 kB\n/)
  const vm = read(fs, '/proc/vmstat')
  t.notMatch(vm, /thp_fault_alloc|thp_split_pud|nr_hugetlb|htlb_buddy|zswpin/)
  t.match(vm, /\nthp_migration_success 0\n/, 'THP migration events stay: they belong to CONFIG_MIGRATION')
  t.match(vm, /\ncma_alloc_success 0\ncma_alloc_fail 0\n/)
  t.equal(fs.read('/proc/sys/vm/nr_hugepages').ok, false, 'no hugetlb sysctl without CONFIG_HUGETLB_PAGE')
  t.equal(fs.read('/sys/devices/system/node/node0/hugepages').ok, false)
})
