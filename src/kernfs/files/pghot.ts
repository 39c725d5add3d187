/**
 * The pghot knobs (mm/pghot-tunables.c, mm/pghot.c) and the NUMA balancing scanner
 * knobs (kernel/sched/debug.c), with their own write rules: the pghot debugfs files
 * copy at most 15 bytes and parse with kstrtouint; the plain u32 ones are
 * debugfs_create_u32 files; the sysctls are proc_dointvec_minmax with a lower bound of 0.
 */
import type { Machine } from '../../engine/machine.js'
import { freqMax } from '../../engine/pghot-record.js'
import { debugfsU32, kstrtouint, procDointvec } from '../parse.js'
import { fail, ok, type KFile, type StoreResult } from '../types.js'

const PGHOT = '/sys/kernel/debug/pghot'
const NUMAB = '/sys/kernel/debug/sched/numa_balancing'
const DOC = 'mm/pghot-tunables.c (pghot series)'
const PGHOT_WRITE_MAX = 15
const pghotOn = (m: Machine) => m.kconfig.PGHOT

/** A pghot debugfs file: at most 15 bytes are looked at, and that many are consumed. */
function pghotKnob(name: string, base: 0 | 10, rule: string, get: (m: Machine) => number,
  check: (m: Machine, v: number) => boolean, set: (m: Machine, v: number) => void): KFile {
  return {
    path: `${PGHOT}/${name}`, fs: 'debugfs', mode: 0o644, doc: DOC, when: pghotOn, writeRule: rule,
    show: (m) => `${get(m)}\n`,
    store: (m, _p, data): StoreResult => {
      const buf = data.slice(0, PGHOT_WRITE_MAX)
      const r = kstrtouint(buf, base)
      if (!r.ok || !check(m, r.value)) return fail('EINVAL')
      set(m, r.value)
      m.touch()
      return ok(buf.length)
    },
  }
}

/** A debugfs_create_u32 file. */
function u32Knob(path: string, doc: string, when: (m: Machine) => boolean, get: (m: Machine) => number, set: (m: Machine, v: number) => void): KFile {
  return {
    path, fs: 'debugfs', mode: 0o644, doc, when, writeRule: 'debugfs u32: kstrtoull base 0 on the first 23 bytes, truncated to 32 bits',
    show: (m) => `${get(m)}\n`,
    store: (m, _p, data) => {
      const r = debugfsU32(data)
      if (!r.ok) return fail(r.errno)
      set(m, r.value)
      m.touch()
      return ok(data.length)
    },
  }
}

/** A vm sysctl of the pghot series: proc_dointvec_minmax with extra1 = 0. */
function pghotSysctl(path: string, when: (m: Machine) => boolean, get: (m: Machine) => number, set: (m: Machine, v: number) => void): KFile {
  return {
    path, fs: 'sysctl', mode: 0o644, doc: 'Documentation/admin-guide/sysctl/vm.rst (pghot series)', when,
    writeRule: 'proc_dointvec_minmax 0..INT_MAX',
    show: (m) => `${get(m)}\n`,
    store: (m, _p, data) => {
      const r = procDointvec(data, { min: 0 })
      if (!r.ok) return fail(r.errno)
      if (r.values.length) { set(m, r.values[0]); m.touch() }
      return ok(r.consumed)
    },
  }
}

export const files: KFile[] = [
  pghotKnob('enabled_sources', 0, 'kstrtouint base 0 (15 bytes); a mask of 0x1 hint faults, 0x2 hardware hints',
    (m) => m.pghot.srcEnabled, (_m, v) => (v & ~0x3) === 0, (m, v) => { m.pghot.srcEnabled = v }),
  pghotKnob('target_nid', 10, 'kstrtouint base 10 (15 bytes); an online top-tier node',
    (m) => m.pghot.targetNid, (m, v) => v <= 1023 && !!m.node(v) && m.tiers.toptier.has(v), (m, v) => { m.pghot.targetNid = v }),
  pghotKnob('freq_threshold', 10, 'kstrtouint base 10 (15 bytes); 1..3, 1..7 in precision mode',
    (m) => m.pghot.freqThreshold, (m, v) => v >= 1 && v <= freqMax(m.pghot.layout), (m, v) => { m.pghot.freqThreshold = v }),
  u32Knob(`${PGHOT}/kmigrated_sleep_ms`, DOC, pghotOn, (m) => m.pghot.kmigratedSleepMs, (m, v) => { m.pghot.kmigratedSleepMs = v }),
  u32Knob(`${PGHOT}/kmigrated_batch_nr`, DOC, pghotOn, (m) => m.pghot.kmigratedBatchNr, (m, v) => { m.pghot.kmigratedBatchNr = v }),
  pghotSysctl('/proc/sys/vm/pghot_promote_freq_window_ms', pghotOn, (m) => m.pghot.freqWindowMs, (m, v) => { m.pghot.freqWindowMs = v }),
  pghotSysctl('/proc/sys/vm/pghot_promote_rate_limit_MBps', pghotOn, (m) => m.pghot.promoteRateLimitMBps, (m, v) => { m.pghot.promoteRateLimitMBps = v }),
  // The series keeps the old name as a second entry for the same variable.
  pghotSysctl('/proc/sys/vm/numa_balancing_promote_rate_limit_MBps', pghotOn, (m) => m.pghot.promoteRateLimitMBps, (m, v) => { m.pghot.promoteRateLimitMBps = v }),
  // Without the series the knob is the scheduler's.
  pghotSysctl('/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps', (m) => m.kconfig.NUMA_BALANCING && !m.kconfig.PATCH_PGHOT,
    (m) => m.pghot.promoteRateLimitMBps, (m, v) => { m.pghot.promoteRateLimitMBps = v }),
  ...(['scanDelayMs', 'scanPeriodMinMs', 'scanPeriodMaxMs', 'scanSizeMb'] as const).map((k) => u32Knob(
    `${NUMAB}/${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace('_mb', '_mb').replace('_ms', '_ms')}`,
    'kernel/sched/debug.c', (m) => m.kconfig.NUMA_BALANCING,
    (m) => m.sim.numab[k], (m, v) => { m.sim.numab[k] = v })),
  u32Knob(`${NUMAB}/hot_threshold_ms`, 'kernel/sched/debug.c', (m) => m.kconfig.NUMA_BALANCING && !m.kconfig.PATCH_PGHOT,
    (m) => m.sim.hotThresholdMs, (m, v) => { m.sim.hotThresholdMs = v }),
]
