/**
 * PageMetadata of the per-page metadata series (seed 004): the seed-004 preset must
 * reproduce the series' transcript to the kB, through HugeTLB Vmemmap Optimization
 * (HVO) freeing and re-allocating struct pages, and nr_memmap_pages +
 * nr_memmap_boot_pages in /proc/vmstat always equal PageMetadata / 4.
 */
import t from 'tap'
import type { KernFs } from '../../src/kernfs/registry.js'
import { boot, meminfo, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import { NODE, vmstat, write } from './memory-model-helpers.js'

interface Md { memTotal: number; pageMetadata: number; node: number[]; memmap: number; memmapBoot: number }

function md(fs: KernFs): Md {
  const mi = meminfo(read(fs, '/proc/meminfo'))
  const vm = vmstat(fs)
  return {
    memTotal: mi.get('MemTotal')!,
    pageMetadata: mi.get('PageMetadata')!,
    node: [0, 1].map((n) => meminfo(read(fs, `${NODE}/node${n}/meminfo`)).get('PageMetadata')!),
    memmap: vm.get('nr_memmap_pages')!,
    memmapBoot: vm.get('nr_memmap_boot_pages')!,
  }
}

/** Grep the transcript's lines the way the series' author did ("%8lu kB" after the padded label). */
function grep(fs: KernFs, path: string, word: string): string {
  return read(fs, path).split('\n').filter((l) => l.includes(word)).join('\n')
}

t.test('seed-004 reproduces the transcript', async (t) => {
  const { fs } = boot('seed-004')
  const step = (label: string, memTotal: number, pageMetadata: number, perNode: number) => {
    const v = md(fs)
    t.equal(grep(fs, '/proc/meminfo', 'MemTotal'), `MemTotal:       ${String(memTotal).padStart(8)} kB`, `${label}: grep MemTotal /proc/meminfo`)
    t.equal(grep(fs, '/proc/meminfo', 'Meta'), `PageMetadata:   ${String(pageMetadata).padStart(8)} kB`, `${label}: grep Meta /proc/meminfo`)
    for (const n of [0, 1]) {
      t.equal(grep(fs, `${NODE}/node${n}/meminfo`, 'Meta'), `Node ${n} PageMetadata:   ${String(perNode).padStart(8)} kB`, `${label}: grep Meta node${n}/meminfo`)
    }
    t.equal(v.memTotal, memTotal)
    t.equal(v.pageMetadata, pageMetadata)
    t.same(v.node, [perNode, perNode])
    t.equal((v.memmap + v.memmapBoot) * 4, v.pageMetadata, `${label}: (nr_memmap_pages + nr_memmap_boot_pages) × 4 = PageMetadata`)
    t.same(checkInvariants(fs), [], `${label}: files agree`)
    return v
  }
  t.equal(write(fs, '/proc/sys/vm/hugetlb_optimize_vmemmap', '1\n'), 'ok')
  const boot0 = step('after boot', 32918196, 589824, 294912)
  t.equal(boot0.memmap, 0, 'all metadata is from memblock at boot')

  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '512\n'), 'ok')
  t.equal(read(fs, '/proc/sys/vm/nr_hugepages'), '512\n')
  t.equal(meminfo(read(fs, '/proc/meminfo')).get('HugePages_Total'), 512)
  for (const n of [0, 1]) t.equal(read(fs, `${NODE}/node${n}/hugepages/hugepages-2048kB/nr_hugepages`), '256\n', `256 huge pages on node ${n}`)
  // Each huge page frees 8 boot vmemmap pages to the buddy allocator (MemTotal grows) and allocates 1 again.
  const hvo = step('after echo 512 > nr_hugepages', 32934580, 575488, 287744)
  t.equal(hvo.memmap, 512, 'one buddy-allocated vmemmap page per huge page')
  t.equal(hvo.memmapBoot, boot0.memmapBoot - 512 * 8, '8 boot pages released per huge page')

  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '0\n'), 'ok')
  t.equal(meminfo(read(fs, '/proc/meminfo')).get('HugePages_Total'), 0)
  // The 7 tail vmemmap pages are allocated again from the buddy allocator; memblock memory does not come back.
  const freed = step('after echo 0 > nr_hugepages', 32934580, 589824, 294912)
  t.equal(freed.memmap, 512 * 8, 'the vmemmap now lives in buddy pages')
  t.equal(freed.memmapBoot, hvo.memmapBoot)

  // Again: the buddy vmemmap pages are freed this time, MemTotal stays.
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '512'), 'ok')
  step('second echo 512 > nr_hugepages', 32934580, 575488, 287744)
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '0'), 'ok')
  step('second echo 0 > nr_hugepages', 32934580, 589824, 294912)
})

t.test('without hugetlb_optimize_vmemmap the pool does not change PageMetadata', async (t) => {
  const { fs } = boot('seed-004')
  t.equal(read(fs, '/proc/sys/vm/hugetlb_optimize_vmemmap'), '0\n', 'off by default')
  const before = md(fs)
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '512'), 'ok')
  t.equal(meminfo(read(fs, '/proc/meminfo')).get('HugePages_Total'), 512)
  const mid = md(fs)
  t.same(mid, before, 'PageMetadata, MemTotal and the memmap counters unchanged with 512 huge pages')
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '0'), 'ok')
  t.same(md(fs), before, 'and after freeing them')
  t.same(checkInvariants(fs), [])
})

t.test('switching HVO off while optimized pages exist: freeing them still restores their vmemmap', async (t) => {
  const { fs } = boot('seed-004')
  t.equal(write(fs, '/proc/sys/vm/hugetlb_optimize_vmemmap', '1'), 'ok')
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '100'), 'ok')
  const hvo = md(fs)
  t.equal(hvo.pageMetadata, 589824 - 100 * 7 * 4, '7 vmemmap pages saved per huge page')
  t.equal(write(fs, '/proc/sys/vm/hugetlb_optimize_vmemmap', '0'), 'ok')
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '150'), 'ok')
  t.equal(md(fs).pageMetadata, hvo.pageMetadata, '50 more huge pages without HVO save nothing')
  t.equal(write(fs, '/proc/sys/vm/nr_hugepages', '0'), 'ok')
  const after = md(fs)
  t.equal(after.pageMetadata, 589824, 'all struct pages are back')
  t.equal(after.memTotal, 32918196 + 100 * 8 * 4, 'MemTotal keeps the released boot memory')
  t.equal((after.memmap + after.memmapBoot) * 4, after.pageMetadata)
  t.same(checkInvariants(fs), [])
})

t.test('without the page metadata series there is no PageMetadata line', async (t) => {
  const { fs } = boot('host-618')
  t.notMatch(read(fs, '/proc/meminfo'), /PageMetadata/)
  t.notMatch(read(fs, `${NODE}/node0/meminfo`), /PageMetadata/)
})
