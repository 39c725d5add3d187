/**
 * File kinds shared by many entries: sysctl integers (ctl_table with
 * proc_dointvec_minmax and friends) and kstrtobool knobs. Each kind fixes the parse
 * rules; the entry supplies the value and what a write does to the machine.
 */
import type { Machine } from '../engine/machine.js'
import { TUNABLES, type TunableName } from '../engine/tunables.js'
import { kstrtobool, procDointvec } from './parse.js'
import { fail, ok, type KFile, type Params, type StoreResult, type WriteCtx } from './types.js'

export interface SysctlIntSpec {
  path: string
  tunable: TunableName
  doc: string
  when?: (m: Machine) => boolean
  get: (m: Machine) => number
  /** Apply a parsed, in-range value; may refuse with an errno. */
  set: (m: Machine, v: number, ctx: WriteCtx) => StoreResult | void
}

/** A scalar proc_dointvec_minmax sysctl whose bounds come from the tunables table. */
export function sysctlInt(spec: SysctlIntSpec): KFile {
  const t = TUNABLES[spec.tunable] as { min?: number; max?: number }
  return {
    path: spec.path, fs: 'sysctl', mode: 0o644, doc: spec.doc, when: spec.when,
    writeRule: `proc_dointvec_minmax ${t.min ?? 'INT_MIN'}..${t.max ?? 'INT_MAX'}`,
    show: (m) => `${spec.get(m)}\n`,
    store: (m, _p, data, ctx) => {
      const r = procDointvec(data, { min: t.min, max: t.max })
      if (!r.ok) return fail(r.errno)
      if (r.values.length === 0) return ok(r.consumed)
      const applied = spec.set(m, r.values[0], ctx)
      return applied && !applied.ok ? applied : ok(r.consumed)
    },
  }
}

/** A sysfs boolean read as true/false and written through kstrtobool. */
export function sysfsBool(path: string, doc: string, get: (m: Machine, p: Params) => boolean,
  set: (m: Machine, v: boolean, p: Params) => void, when?: (m: Machine) => boolean): KFile {
  return {
    path, fs: 'sysfs', mode: 0o644, doc, when, writeRule: 'kstrtobool',
    show: (m, p) => (get(m, p) ? 'true\n' : 'false\n'),
    store: (m, p, data) => {
      const r = kstrtobool(data)
      if (!r.ok) return fail(r.errno)
      set(m, r.value, p)
      return ok(data.length)
    },
  }
}
