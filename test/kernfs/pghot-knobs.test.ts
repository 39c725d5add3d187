/**
 * The pghot knobs written through KernFs.write, with the errno and read-back the
 * series' handlers give:
 *
 * - freq_threshold, target_nid, enabled_sources (mm/pghot-tunables.c): at most 15
 *   bytes are copied and NUL-terminated, parsed with kstrtouint (base 10, base 10,
 *   base 0), any parse error or range failure is -EINVAL, success returns the 15
 *   (or fewer) bytes looked at.
 * - kmigrated_sleep_ms, kmigrated_batch_nr and the NUMA balancing scanner knobs:
 *   debugfs_create_u32 (simple_attr_write: kstrtoull base 0 on 23 bytes, errors as
 *   is, the value truncated to u32, the whole count claimed).
 * - vm.pghot_promote_freq_window_ms, vm.pghot_promote_rate_limit_MBps and its alias
 *   vm.numa_balancing_promote_rate_limit_MBps: proc_dointvec_minmax, extra1 = 0.
 * - kernel.numa_balancing: mode 2 needs CONFIG_NUMA_BALANCING_TIERING (EOPNOTSUPP).
 */
import t from 'tap'
import { resolveConfig, presetSpec } from '../../src/config/load.js'
import { createMachine } from '../../src/engine/index.js'
import { KernFs } from '../../src/kernfs/registry.js'
import { read } from '../helpers.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0] // the last overload: test(cb)
type Expect = string | { value: string; consumed?: number }
type Row = [path: string, body: string, expect: Expect]

const NODES_2DRAM_CXL = [
  { id: 0, kind: 'dram', memoryMiB: 4096, cpus: '0-3' },
  { id: 1, kind: 'dram', memoryMiB: 4096, cpus: '4-7' },
  { id: 2, kind: 'cxl', memoryMiB: 4096, cpus: '' },
]

const MACHINES = {
  default: () => new KernFs(createMachine(presetSpec('default'))),
  precise: () => new KernFs(createMachine(resolveConfig({ nodes: NODES_2DRAM_CXL, kernel: { config: { PGHOT_PRECISE: true } } }))),
  twoDram: () => new KernFs(createMachine(resolveConfig({ nodes: NODES_2DRAM_CXL }))),
  fourNode: () => new KernFs(createMachine(presetSpec('four-node'))),
  noTiering: () => new KernFs(createMachine(resolveConfig({ nodes: NODES_2DRAM_CXL, kernel: { config: { NUMA_BALANCING_TIERING: false } } }))),
  plain: () => new KernFs(createMachine(presetSpec('host-618'))),
}

function runTable(t: Test, name: string, rows: Row[], machine: keyof typeof MACHINES = 'default'): void {
  t.test(name, async (t) => {
    // One machine per table: an accepted write is undone by writing the old value back.
    const fs = MACHINES[machine]()
    for (const [path, body, expect] of rows) {
      const before = read(fs, path)
      const r = fs.write(path, body, { cpu: 0 })
      const label = `${path.replace(/^.*\//, '')} <- ${JSON.stringify(body)}`
      if (typeof expect === 'string') {
        t.equal(r.ok ? 'accepted' : r.errno, expect, label)
        t.equal(read(fs, path), before, `${label}: refused, unchanged`)
      } else {
        t.equal(r.ok ? 'accepted' : r.errno, 'accepted', label)
        if (r.ok && expect.consumed !== undefined) t.equal(r.consumed, expect.consumed, `${label} consumes ${expect.consumed}`)
        t.equal(read(fs, path), expect.value, `${label} reads back ${JSON.stringify(expect.value)}`)
        if (!fs.write(path, before, { cpu: 0 }).ok || read(fs, path) !== before) throw new Error(`cannot restore ${path}`)
      }
    }
  })
}

const P = '/sys/kernel/debug/pghot'
const FT = `${P}/freq_threshold`
const ES = `${P}/enabled_sources`
const TN = `${P}/target_nid`

t.test('defaults', async (t) => {
  const fs = MACHINES.default()
  t.equal(read(fs, ES), '0\n', 'enabled_sources 0 (disabled)')
  t.equal(read(fs, TN), '0\n')
  t.equal(read(fs, FT), '2\n')
  t.equal(read(fs, `${P}/kmigrated_sleep_ms`), '100\n')
  t.equal(read(fs, `${P}/kmigrated_batch_nr`), '512\n')
  t.equal(read(fs, '/proc/sys/vm/pghot_promote_freq_window_ms'), '3000\n', 'default mode window 3 s')
  t.equal(read(fs, '/proc/sys/vm/pghot_promote_rate_limit_MBps'), '65536\n')
  t.equal(read(fs, '/proc/sys/vm/numa_balancing_promote_rate_limit_MBps'), '65536\n')
  t.equal(read(fs, '/proc/sys/kernel/numa_balancing'), '1\n')
  t.equal(read(MACHINES.precise(), '/proc/sys/vm/pghot_promote_freq_window_ms'), '5000\n', 'precision mode window 5 s')
})

runTable(t, 'freq_threshold: kstrtouint base 10 on 15 bytes, 1..PGHOT_FREQ_MAX (3)', [
  [FT, '1', { value: '1\n', consumed: 1 }],
  [FT, '2', { value: '2\n', consumed: 1 }],
  [FT, '3', { value: '3\n', consumed: 1 }],
  [FT, '3\n', { value: '3\n', consumed: 2 }],
  [FT, '+3', { value: '3\n', consumed: 2 }],
  [FT, '03', { value: '3\n', consumed: 2 }],
  [FT, '0', 'EINVAL'],
  [FT, '4', 'EINVAL'],
  [FT, '9', 'EINVAL'],
  [FT, '7', 'EINVAL'],
  [FT, '0x2', 'EINVAL'],
  [FT, '-1', 'EINVAL'],
  [FT, ' 3', 'EINVAL'],
  [FT, '3 ', 'EINVAL'],
  [FT, '3\n\n', 'EINVAL'],
  [FT, '', 'EINVAL'],
  [FT, 'three', 'EINVAL'],
  [FT, '4294967299', 'EINVAL'],
  [FT, '3\0junk', { value: '3\n', consumed: 6 }],
  // Only buf[0..14] is parsed: 15 digits then 5 more.
  [FT, '0'.repeat(14) + '3' + '99999', { value: '3\n', consumed: 15 }],
  [FT, '0'.repeat(14) + '2\n', { value: '2\n', consumed: 15 }],
  [FT, '12345678901234567890', 'EINVAL'],
  [FT, '3\nxxxxxxxxxxxxxxxxxx', 'EINVAL'],
])

runTable(t, 'freq_threshold in precision mode: 1..7', [
  [FT, '4', { value: '4\n', consumed: 1 }],
  [FT, '5', { value: '5\n', consumed: 1 }],
  [FT, '6', { value: '6\n', consumed: 1 }],
  [FT, '7', { value: '7\n', consumed: 1 }],
  [FT, '1', { value: '1\n', consumed: 1 }],
  [FT, '8', 'EINVAL'],
  [FT, '0', 'EINVAL'],
], 'precise')

runTable(t, 'enabled_sources: kstrtouint base 0, mask 0x3', [
  [ES, '0', { value: '0\n', consumed: 1 }],
  [ES, '1', { value: '1\n', consumed: 1 }],
  [ES, '2', { value: '2\n', consumed: 1 }],
  [ES, '3', { value: '3\n', consumed: 1 }],
  [ES, '0x3', { value: '3\n', consumed: 3 }],
  [ES, '0X2', { value: '2\n', consumed: 3 }],
  [ES, '0x3\n', { value: '3\n', consumed: 4 }],
  [ES, '03', { value: '3\n', consumed: 2 }],
  [ES, '+1', { value: '1\n', consumed: 2 }],
  [ES, '4', 'EINVAL'],
  [ES, '0x4', 'EINVAL'],
  [ES, '0x7', 'EINVAL'],
  [ES, '-1', 'EINVAL'],
  [ES, '08', 'EINVAL'],
  [ES, '0x', 'EINVAL'],
  [ES, '', 'EINVAL'],
  [ES, '4294967295', 'EINVAL'],
  [ES, '0x' + '0'.repeat(12) + '3', { value: '3\n', consumed: 15 }],
  [ES, '0x' + '0'.repeat(13) + '3', { value: '0\n', consumed: 15 }], // the 3 is byte 16
])

runTable(t, 'target_nid: base 10, an online top-tier node <= PGHOT_NID_MAX', [
  [TN, '0', { value: '0\n', consumed: 1 }],
  [TN, '0\n', { value: '0\n', consumed: 2 }],
  [TN, '1', 'EINVAL'], // the CXL node is not top tier
  [TN, '2', 'EINVAL'], // no such node
  [TN, '1024', 'EINVAL'],
  [TN, '0x0', 'EINVAL'],
  [TN, '-0', 'EINVAL'],
  [TN, '', 'EINVAL'],
])

runTable(t, 'target_nid on a machine with two DRAM nodes', [
  [TN, '1', { value: '1\n', consumed: 1 }],
  [TN, '2', 'EINVAL'],
  [TN, '3', 'EINVAL'],
], 'twoDram')

runTable(t, 'target_nid on four-node: only the DRAM sockets', [
  [TN, '1', { value: '1\n', consumed: 1 }],
  [TN, '2', 'EINVAL'], // CXL
  [TN, '3', 'EINVAL'], // private node
], 'fourNode')

for (const knob of ['kmigrated_sleep_ms', 'kmigrated_batch_nr']) {
  const K = `${P}/${knob}`
  runTable(t, `${knob}: debugfs u32`, [
    [K, '0', { value: '0\n', consumed: 1 }],
    [K, '250', { value: '250\n', consumed: 3 }],
    [K, '250\n', { value: '250\n', consumed: 4 }],
    [K, '0x10', { value: '16\n', consumed: 4 }],
    [K, '010', { value: '8\n', consumed: 3 }],
    [K, '+7', { value: '7\n', consumed: 2 }],
    [K, '4294967295', { value: '4294967295\n', consumed: 10 }],
    [K, '4294967296', { value: '0\n', consumed: 10 }],
    [K, '4294967297', { value: '1\n', consumed: 10 }],
    [K, '18446744073709551615', { value: '4294967295\n', consumed: 20 }],
    [K, '18446744073709551616', 'ERANGE'],
    [K, '', 'EINVAL'],
    [K, '-1', 'EINVAL'],
    [K, ' 5', 'EINVAL'],
    [K, '5x', 'EINVAL'],
    [K, '08', 'EINVAL'],
    // 23 bytes are looked at (21 zeros and "12": octal), the whole write is claimed.
    [K, '0'.repeat(21) + '12345', { value: '10\n', consumed: 26 }],
  ])
}

const NB = '/sys/kernel/debug/sched/numa_balancing'
runTable(t, 'NUMA balancing scanner knobs: debugfs u32', [
  [`${NB}/scan_delay_ms`, '0x10', { value: '16\n', consumed: 4 }],
  [`${NB}/scan_period_min_ms`, '500', { value: '500\n', consumed: 3 }],
  [`${NB}/scan_period_max_ms`, '4294967296', { value: '0\n', consumed: 10 }],
  [`${NB}/scan_size_mb`, '', 'EINVAL'],
  [`${NB}/scan_size_mb`, '18446744073709551616', 'ERANGE'],
])

for (const name of ['pghot_promote_freq_window_ms', 'pghot_promote_rate_limit_MBps', 'numa_balancing_promote_rate_limit_MBps']) {
  const S = `/proc/sys/vm/${name}`
  runTable(t, `vm.${name}: proc_dointvec_minmax, min 0`, [
    [S, '0', { value: '0\n', consumed: 1 }],
    [S, '1', { value: '1\n', consumed: 1 }],
    [S, '5000\n', { value: '5000\n', consumed: 5 }],
    [S, '2147483647', { value: '2147483647\n', consumed: 10 }],
    [S, ' 42 ', { value: '42\n', consumed: 4 }],
    [S, '0x10', { value: '16\n', consumed: 4 }],
    [S, '-1', 'EINVAL'],
    [S, '-0', { value: '0\n', consumed: 2 }],
    [S, '2147483648', 'EINVAL'],
    [S, '4294967295', 'EINVAL'],
    [S, '+5', 'EINVAL'],
    [S, 'x', 'EINVAL'],
    [S, '5x', 'EINVAL'],
  ])
}

t.test('the two rate-limit sysctls are one variable', async (t) => {
  const fs = MACHINES.default()
  const a = '/proc/sys/vm/pghot_promote_rate_limit_MBps'
  const b = '/proc/sys/vm/numa_balancing_promote_rate_limit_MBps'
  t.ok(fs.write(a, '1234', { cpu: 0 }).ok)
  t.equal(read(fs, b), '1234\n', 'written through the new name, read through the old')
  t.ok(fs.write(b, '77', { cpu: 0 }).ok)
  t.equal(read(fs, a), '77\n', 'and the other way round')
  t.equal(fs.write(b, '-5', { cpu: 0 }).ok, false)
  t.equal(read(fs, a), '77\n', 'a refused write changes neither')
})

t.test('files the series removes or moves', async (t) => {
  const fs = MACHINES.default()
  const errno = (p: string) => { const r = fs.read(p); return r.ok ? 'ok' : r.errno }
  t.equal(errno(`${NB}/hot_threshold_ms`), 'ENOENT', 'hot_threshold_ms is replaced by freq_threshold')
  t.equal(errno('/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps'), 'ENOENT', 'the rate limit moved from kernel. to vm.')
  const plain = MACHINES.plain()
  const perrno = (p: string) => { const r = plain.read(p); return r.ok ? 'ok' : r.errno }
  t.equal(perrno(`${NB}/hot_threshold_ms`), 'ok', 'a plain 6.18 kernel still has hot_threshold_ms')
  t.equal(perrno('/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps'), 'ok')
  t.equal(perrno(FT), 'ENOENT', 'and no pghot')
  t.equal(perrno('/proc/sys/vm/pghot_promote_freq_window_ms'), 'ENOENT')
})

const KNB = '/proc/sys/kernel/numa_balancing'
runTable(t, 'kernel.numa_balancing with CONFIG_NUMA_BALANCING_TIERING', [
  [KNB, '2', { value: '2\n', consumed: 1 }],
  [KNB, '3', { value: '3\n', consumed: 1 }],
  [KNB, '0', { value: '0\n', consumed: 1 }],
  [KNB, '4', { value: '4\n', consumed: 1 }],
  [KNB, '5', 'EINVAL'],
  [KNB, '-1', 'EINVAL'],
])

runTable(t, 'kernel.numa_balancing without CONFIG_NUMA_BALANCING_TIERING: mode 2 is EOPNOTSUPP', [
  [KNB, '2', 'EOPNOTSUPP'],
  [KNB, '3', 'EOPNOTSUPP'],
  [KNB, '6', 'EINVAL'], // proc_dointvec_minmax (0..4) refuses first
  [KNB, '1', { value: '1\n', consumed: 1 }],
  [KNB, '0', { value: '0\n', consumed: 1 }],
  [KNB, '4', { value: '4\n', consumed: 1 }],
  [KNB, '5', 'EINVAL'],
], 'noTiering')

runTable(t, 'kernel.numa_balancing on a plain 6.18 kernel (no series): mode 2 is the old tiering mode', [
  [KNB, '2', { value: '2\n', consumed: 1 }],
], 'plain')

t.test('knob values reach the engine', async (t) => {
  const m = createMachine(resolveConfig({ nodes: NODES_2DRAM_CXL, kernel: { config: { PGHOT_PRECISE: true } } }))
  const fs = new KernFs(m)
  const w = (p: string, v: string) => t.ok(fs.write(p, v, { cpu: 0 }).ok, `${p} <- ${v}`)
  w(FT, '6'); w(ES, '0x3'); w(TN, '1'); w(`${P}/kmigrated_sleep_ms`, '0x20'); w(`${P}/kmigrated_batch_nr`, '4294967297')
  w('/proc/sys/vm/pghot_promote_freq_window_ms', '1234'); w('/proc/sys/vm/numa_balancing_promote_rate_limit_MBps', '9')
  t.match(m.pghot, { freqThreshold: 6, srcEnabled: 3, targetNid: 1, kmigratedSleepMs: 32, kmigratedBatchNr: 1, freqWindowMs: 1234, promoteRateLimitMBps: 9 })
})
