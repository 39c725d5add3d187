/**
 * Writes as root would make them, with the errno the kernel gives. Inputs come from
 * the kernel's parsers (proc_dointvec_minmax, proc_doulongvec_minmax, kstrtoul,
 * kstrtobool) and the VFS rules for each filesystem. A refused write must leave
 * every file exactly as it was.
 */
import t from 'tap'
import { resolveConfig } from '../../src/config/load.js'
import { createMachine } from '../../src/engine/index.js'
import { KernFs } from '../../src/kernfs/registry.js'
import { boot, kv, read } from '../helpers.js'

function snapshot(fs: KernFs): Map<string, string> {
  const out = new Map<string, string>()
  for (const e of fs.entries()) { const r = fs.read(e.path); if (r.ok && r.type === 'file') out.set(e.path, r.text) }
  return out
}

type Row = [path: string, body: string, expect: string | { value: string; consumed?: number }]

function runTable(t: Tap.Test, name: string, rows: Row[], preset = 'default'): void {
  t.test(name, async (t) => {
    for (const [path, body, expect] of rows) {
      const { fs } = boot(preset)
      const before = snapshot(fs)
      const r = fs.write(path, body, { cpu: 0 })
      const label = `${path} <- ${JSON.stringify(body)}`
      if (typeof expect === 'string') {
        t.same(r.ok ? 'accepted' : r.errno, expect, label)
        t.same(snapshot(fs), before, `${label} changes nothing`)
      } else {
        t.equal(r.ok, true, `${label} accepted`)
        if (r.ok && expect.consumed !== undefined) t.equal(r.consumed, expect.consumed, `${label} consumes ${expect.consumed} bytes`)
        if (r.ok && body.length === 0) t.same(snapshot(fs), before, `${label}: a 0-byte write changes nothing`)
        t.equal(read(fs, path), expect.value, `${label} reads back`)
      }
    }
  })
}
declare namespace Tap { type Test = Parameters<Parameters<typeof t.test>[1]>[0] }

const NODE = '/sys/devices/system/node'
const HP = `${NODE}/node0/hugepages/hugepages-2048kB`

runTable(t, 'files that cannot be written, per filesystem', [
  ['/proc/meminfo', '1', 'EIO'],
  ['/proc/vmstat', '', 'EIO'],
  ['/proc/zoneinfo', '1\n', 'EIO'],
  ['/proc/buddyinfo', 'x', 'EIO'],
  [`${NODE}/online`, '1', 'EACCES'],
  [`${NODE}/node0/meminfo`, '1', 'EACCES'],
  [`${NODE}/node1/numastat`, '0', 'EACCES'],
  [`${HP}/free_hugepages`, '1', 'EACCES'],
  ['/sys/devices/virtual/memory_tiering/memory_tier4/nodelist', '0', 'EACCES'],
  [NODE, '1', 'EISDIR'],
  ['/proc/sys/vm', '1', 'EISDIR'],
  ['/sys', '', 'EISDIR'],
  ['/proc/nonexistent', '1', 'ENOENT'],
  [`${NODE}/node7/meminfo`, '1', 'ENOENT'],
  ['/proc/meminfo/', '1', 'ENOTDIR'],
  ['/proc/sys/vm/../vm/numa_stat', '0', 'EACCES'],
])

// proc_dointvec_minmax with extra1 = 1, extra2 = 3000.
runTable(t, 'vm.watermark_scale_factor (proc_dointvec_minmax 1..3000)', [
  ['/proc/sys/vm/watermark_scale_factor', '0', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '3001', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '-5', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '+5', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '5\r\n', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '1.5', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '08', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '0x', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '\n', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '   ', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '2147483648', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '000000000000000000001', 'EINVAL'],
  ['/proc/sys/vm/watermark_scale_factor', '', { value: '10\n', consumed: 0 }],
  ['/proc/sys/vm/watermark_scale_factor', '3000', { value: '3000\n', consumed: 4 }],
  ['/proc/sys/vm/watermark_scale_factor', '1', { value: '1\n', consumed: 1 }],
  ['/proc/sys/vm/watermark_scale_factor', '  25\n', { value: '25\n', consumed: 5 }],
  ['/proc/sys/vm/watermark_scale_factor', '010', { value: '8\n' }],
  ['/proc/sys/vm/watermark_scale_factor', '0x1f', { value: '31\n' }],
  ['/proc/sys/vm/watermark_scale_factor', '00000000000000000020', { value: '16\n' }],
  ['/proc/sys/vm/watermark_scale_factor', '7 9', { value: '7\n', consumed: 2 }],
  ['/proc/sys/vm/watermark_scale_factor', '\u00a05', { value: '5\n' }],
])

runTable(t, 'vm.numa_stat (0..1), vm.min_free_kbytes (0..INT_MAX)', [
  ['/proc/sys/vm/numa_stat', '2', 'EINVAL'],
  ['/proc/sys/vm/numa_stat', '-1', 'EINVAL'],
  ['/proc/sys/vm/numa_stat', 'on', 'EINVAL'],
  ['/proc/sys/vm/numa_stat', '1', { value: '1\n' }],
  ['/proc/sys/vm/min_free_kbytes', '-1', 'EINVAL'],
  ['/proc/sys/vm/min_free_kbytes', '2147483648', 'EINVAL'],
  ['/proc/sys/vm/min_free_kbytes', '12abc', 'EINVAL'],
  ['/proc/sys/vm/min_free_kbytes', '131072\n', { value: '131072\n' }],
  ['/proc/sys/vm/min_free_kbytes', '-0', { value: '0\n' }],
])

runTable(t, 'kernel.numa_balancing (0..4; tiering needs CONFIG_NUMA_BALANCING_TIERING)', [
  ['/proc/sys/kernel/numa_balancing', '5', 'EINVAL'],
  ['/proc/sys/kernel/numa_balancing', '-1', 'EINVAL'],
  ['/proc/sys/kernel/numa_balancing', 'x', 'EINVAL'],
  ['/proc/sys/kernel/numa_balancing', '0', { value: '0\n' }],
  ['/proc/sys/kernel/numa_balancing', '2', { value: '2\n' }],
  ['/proc/sys/kernel/numa_balancing', '3\n', { value: '3\n' }],
  ['/proc/sys/kernel/numa_balancing', '4', { value: '4\n' }],
])

t.test('kernel.numa_balancing=2 without CONFIG_NUMA_BALANCING_TIERING is EOPNOTSUPP, after parsing', async (t) => {
  const m = createMachine(resolveConfig({
    nodes: [{ id: 0, kind: 'dram', memoryMiB: 2048, cpus: '0-1' }, { id: 1, kind: 'cxl', memoryMiB: 1024 }],
    kernel: { config: { NUMA_BALANCING_TIERING: false } },
  }))
  const fs = new KernFs(m)
  const before = snapshot(fs)
  for (const [body, errno] of [['2', 'EOPNOTSUPP'], ['3', 'EOPNOTSUPP'], ['6', 'EINVAL'], ['+2', 'EINVAL']] as const) {
    const r = fs.write('/proc/sys/kernel/numa_balancing', body, { cpu: 0 })
    t.equal(r.ok ? 'accepted' : r.errno, errno, body)
  }
  t.same(snapshot(fs), before)
  t.equal(fs.write('/proc/sys/kernel/numa_balancing', '1', { cpu: 0 }).ok, true)
  // A kernel without the pghot series allows mode 2 with plain NUMA balancing.
  const plain = new KernFs(createMachine(resolveConfig({
    nodes: [{ id: 0, kind: 'dram', memoryMiB: 2048, cpus: '0-1' }, { id: 1, kind: 'cxl', memoryMiB: 1024 }],
    kernel: { config: { PATCH_PGHOT: false, PGHOT: false, NUMA_BALANCING_TIERING: false, HWMEM_PROFILER: false } },
  })))
  t.equal(plain.write('/proc/sys/kernel/numa_balancing', '2', { cpu: 0 }).ok, true)
})

runTable(t, 'vm.nr_hugepages (proc_doulongvec_minmax)', [
  ['/proc/sys/vm/nr_hugepages', '+5', 'EINVAL'],
  ['/proc/sys/vm/nr_hugepages', '-1', 'EINVAL'],
  ['/proc/sys/vm/nr_hugepages', '-0', 'EINVAL'],
  ['/proc/sys/vm/nr_hugepages', '18446744073709551616', 'EINVAL'],
  ['/proc/sys/vm/nr_hugepages', '5x', 'EINVAL'],
  ['/proc/sys/vm/nr_hugepages', '0x10', { value: '16\n' }],
  ['/proc/sys/vm/nr_hugepages', '4 6', { value: '4\n', consumed: 2 }],
  ['/proc/sys/vm/nr_hugepages', '12\n', { value: '12\n', consumed: 3 }],
])

runTable(t, 'vm.hugetlb_optimize_vmemmap (proc_dobool: an int stored as a bool)', [
  ['/proc/sys/vm/hugetlb_optimize_vmemmap', 'y', 'EINVAL'],
  ['/proc/sys/vm/hugetlb_optimize_vmemmap', '+1', 'EINVAL'],
  ['/proc/sys/vm/hugetlb_optimize_vmemmap', '5', { value: '1\n' }],
  ['/proc/sys/vm/hugetlb_optimize_vmemmap', '-1', { value: '1\n' }],
  ['/proc/sys/vm/hugetlb_optimize_vmemmap', '0', { value: '0\n' }],
])

runTable(t, 'nodeN/hugepages/.../nr_hugepages (kstrtoul base 10)', [
  [`${HP}/nr_hugepages`, '0x10', 'EINVAL'],
  [`${HP}/nr_hugepages`, ' 5', 'EINVAL'],
  [`${HP}/nr_hugepages`, '5 ', 'EINVAL'],
  [`${HP}/nr_hugepages`, '-1', 'EINVAL'],
  [`${HP}/nr_hugepages`, '5\n\n', 'EINVAL'],
  [`${HP}/nr_hugepages`, '18446744073709551616', 'ERANGE'],
  [`${HP}/nr_hugepages`, '+5', { value: '5\n' }],
  [`${HP}/nr_hugepages`, '010', { value: '10\n' }],
  [`${HP}/nr_hugepages`, '3\n', { value: '3\n' }],
])

runTable(t, 'demotion_enabled (kstrtobool)', [
  ['/sys/kernel/mm/numa/demotion_enabled', 'x', 'EINVAL'],
  ['/sys/kernel/mm/numa/demotion_enabled', '\n', 'EINVAL'],
  ['/sys/kernel/mm/numa/demotion_enabled', 'o', 'EINVAL'],
  ['/sys/kernel/mm/numa/demotion_enabled', '2', 'EINVAL'],
  ['/sys/kernel/mm/numa/demotion_enabled', 'yes', { value: 'true\n' }],
  ['/sys/kernel/mm/numa/demotion_enabled', 'T', { value: 'true\n' }],
  ['/sys/kernel/mm/numa/demotion_enabled', 'on', { value: 'true\n' }],
  ['/sys/kernel/mm/numa/demotion_enabled', 'off', { value: 'false\n' }],
  ['/sys/kernel/mm/numa/demotion_enabled', '1abc', { value: 'true\n' }],
  ['/sys/kernel/mm/numa/demotion_enabled', '', { value: 'false\n', consumed: 0 }],
])

t.test('writes change the model the way the kernel does', async (t) => {
  const { m, fs } = boot('default')
  const normalMin = () => m.nodes[0].zones.find((z) => z.type === 'Normal')!.wmark.min
  const before = normalMin()
  fs.write('/proc/sys/vm/min_free_kbytes', String(m.minFreeKbytes * 2), { cpu: 0 })
  t.ok(normalMin() > before * 1.9, 'min_free_kbytes recomputes the watermarks')
  t.match(read(fs, '/proc/zoneinfo'), new RegExp(`\\n        min      ${normalMin()}\\n`))

  t.ok(kv(read(fs, '/proc/vmstat')).get('numa_hit')! > 0)
  fs.write('/proc/sys/vm/numa_stat', '0', { cpu: 0 })
  t.equal(kv(read(fs, '/proc/vmstat')).get('numa_hit'), 0, 'numa_stat=0 zeroes the counters')
  m.alloc({ kind: 'anon', pages: 100, cpu: 0 })
  t.equal(kv(read(fs, '/proc/vmstat')).get('numa_hit'), 0, 'and freezes them')
  fs.write('/proc/sys/vm/numa_stat', '1', { cpu: 0 })
  m.alloc({ kind: 'anon', pages: 100, cpu: 0 })
  t.equal(kv(read(fs, '/proc/vmstat')).get('numa_hit'), 100)

  fs.write('/proc/sys/vm/nr_hugepages', '10', { cpu: 0 })
  t.equal(read(fs, `${NODE}/node0/hugepages/hugepages-2048kB/nr_hugepages`), '5\n', 'the pool is spread round robin over memory nodes')
  t.equal(read(fs, `${NODE}/node1/hugepages/hugepages-2048kB/nr_hugepages`), '5\n')
  fs.write(`${NODE}/node1/hugepages/hugepages-2048kB/nr_hugepages`, '0', { cpu: 0 })
  t.equal(read(fs, '/proc/sys/vm/nr_hugepages'), '5\n', 'a per-node write retargets only that node')
  t.match(read(fs, '/proc/meminfo'), /HugePages_Total:       5\n/)
})
