/**
 * cgroup v2 under /sys/fs/cgroup: the core files (kernel/cgroup/cgroup.c) and the
 * memory controller's (mm/memcontrol.c memory_files[]). {cg} is '' for the root
 * cgroup and '/a/b' below it.
 */
import { EVENT_IDX } from '../../counters/vmstat-items.js'
import { memoryNumaStatRows, memoryStatRows, MEMORY_EVENTS, type MemcgStatRow } from '../../counters/memcg-stats.js'
import { CONTROLLERS, PAGE_COUNTER_MAX, type Cgroup, type Controller, type MemcgOnly } from '../../engine/cgroup.js'
import type { Machine } from '../../engine/machine.js'
import { PAGE_SIZE } from '../../engine/spec.js'
import { kstrtoint, memparse, pageCounterMemparse, strstrip } from '../parse.js'
import { fail, ok, type KFile, type Params } from '../types.js'

export const CGROUP_ROOT = '/sys/fs/cgroup'
const DOC = 'Documentation/admin-guide/cgroup-v2.rst'

const cgOf = (m: Machine, p: Params): Cgroup => m.tasks.cgroup(String(p.cg))!
const notRoot = (m: Machine, p: Params) => String(p.cg) !== ''
const memFile = (m: Machine, p: Params) => m.kconfig.MEMCG && cgOf(m, p).memoryEnabled
const memNotRoot = (m: Machine, p: Params) => memFile(m, p) && notRoot(m, p)

function statValue(m: Machine, cg: Cgroup, row: MemcgStatRow, values: Map<string, number>, pos?: number): number {
  const src = row.source
  switch (src.kind) {
    case 'node': {
      if (pos !== undefined) return cg.nodeStat(pos, src.item) * row.outputUnit
      let s = 0
      for (let i = 0; i < m.nodes.length; i++) s += cg.nodeStat(i, src.item)
      return s * row.outputUnit
    }
    case 'memcg': return cg.memcgStat(src.item as MemcgOnly) * row.outputUnit
    case 'sum': return src.of.reduce((s, name) => s + (values.get(name) ?? 0), 0)
    case 'event': return cg.event(EVENT_IDX[src.item]) * row.outputUnit
  }
}

export function memoryStat(m: Machine, cg: Cgroup): Array<[string, number]> {
  const rows = memoryStatRows(m.kconfig)
  const values = new Map<string, number>()
  // Sum rows (pgscan, pgsteal) add up rows printed after them, so they come last.
  for (const row of rows) if (row.source.kind !== 'sum') values.set(row.name, Math.max(0, statValue(m, cg, row, values)))
  for (const row of rows) if (row.source.kind === 'sum') values.set(row.name, statValue(m, cg, row, values))
  return rows.map((row) => [row.name, values.get(row.name)!])
}

/** memory.numa_stat: one line per item, a column per N_MEMORY node. */
export function memoryNumaStat(m: Machine, cg: Cgroup): Array<[string, Array<[number, number]>]> {
  const nodes = m.memoryNodes()
  return memoryNumaStatRows(m.kconfig).map((row) => [
    row.name,
    nodes.map((n) => [n.id, Math.max(0, statValue(m, cg, row, new Map(), m.nodeIndex(n.id)))] as [number, number]),
  ])
}

// BigInt: limits reach 2^63 bytes, beyond what a double holds exactly.
const limitText = (pages: number) => (pages >= PAGE_COUNTER_MAX ? 'max\n' : `${BigInt(pages) * BigInt(PAGE_SIZE)}\n`)

function limitFile(name: 'min' | 'low' | 'high' | 'max'): KFile {
  return {
    path: `${CGROUP_ROOT}{cg}/memory.${name}`, fs: 'cgroupfs', mode: 0o644, doc: DOC, when: memNotRoot,
    writeRule: 'strstrip, "max" or memparse (K/M/G/T/P/E), rounded down to pages',
    show: (m, p) => limitText(cgOf(m, p)[name]),
    store: (m, p, data) => {
      const r = pageCounterMemparse(data)
      if (!r.ok) return fail(r.errno)
      const pages = r.value === 'max' ? PAGE_COUNTER_MAX : Number(r.value / BigInt(PAGE_SIZE))
      m.tasks.setLimit(cgOf(m, p), name, pages)
      return ok(data.length)
    },
  }
}

const controllerLine = (list: readonly string[]) => (list.length ? `${list.join(' ')}\n` : '')

/** The names a cgroup directory holds as files, which mkdir must not reuse. */
export function cgroupFileNames(): Set<string> {
  return new Set(files.map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)))
}

export const files: KFile[] = [
  {
    path: `${CGROUP_ROOT}{cg}/cgroup.controllers`, fs: 'cgroupfs', mode: 0o444, doc: DOC,
    show: (m, p) => controllerLine(cgOf(m, p).controllers),
  },
  {
    path: `${CGROUP_ROOT}{cg}/cgroup.subtree_control`, fs: 'cgroupfs', mode: 0o644, doc: DOC,
    writeRule: '+name/-name tokens; EINVAL unknown, ENOENT unavailable, EBUSY with tasks',
    show: (m, p) => controllerLine(CONTROLLERS.filter((c) => cgOf(m, p).subtreeControl.has(c))),
    store: (m, p, data) => {
      const tokens: Array<{ enable: boolean; name: Controller }> = []
      for (const tok of strstrip(data).split(/[ \t\n]+/).filter(Boolean)) {
        const sign = tok[0]
        const name = tok.slice(1) as Controller
        if ((sign !== '+' && sign !== '-') || !CONTROLLERS.includes(name)) return fail('EINVAL', `bad token "${tok}"`)
        tokens.push({ enable: sign === '+', name })
      }
      const r = m.tasks.setSubtreeControl(cgOf(m, p), tokens)
      return r.ok ? ok(data.length) : fail(r.errno, r.reason)
    },
  },
  {
    path: `${CGROUP_ROOT}{cg}/cgroup.procs`, fs: 'cgroupfs', mode: 0o644, doc: DOC,
    writeRule: 'one PID (kstrtoint base 0 after strip); ESRCH unknown, EBUSY into a cgroup with controllers on',
    show: (m, p) => [...cgOf(m, p).procs].map((pid) => `${pid}\n`).join(''),
    store: (m, p, data) => {
      const r = kstrtoint(strstrip(data), 0)
      if (!r.ok || r.value < 0) return fail('EINVAL')
      // pid 0 is the writer itself: the shell writing over HTTP is no simulated task.
      const t = m.tasks.get(r.value)
      if (!t.ok) return fail('ESRCH', t.reason)
      const a = m.tasks.attach(t.value, cgOf(m, p))
      return a.ok ? ok(data.length) : fail(a.errno, a.reason)
    },
  },
  {
    path: `${CGROUP_ROOT}{cg}/cgroup.events`, fs: 'cgroupfs', mode: 0o444, doc: DOC, when: notRoot,
    show: (m, p) => `populated ${cgOf(m, p).populated ? 1 : 0}\nfrozen 0\n`,
  },
  {
    path: `${CGROUP_ROOT}{cg}/cgroup.type`, fs: 'cgroupfs', mode: 0o444, doc: DOC, when: notRoot,
    show: () => 'domain\n',
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.current`, fs: 'cgroupfs', mode: 0o444, doc: DOC, when: memNotRoot,
    show: (m, p) => `${cgOf(m, p).usage * PAGE_SIZE}\n`,
  },
  {
    // A write resets the watermark only for the open file it was written to, so a
    // read through a new request still shows the all-time peak.
    path: `${CGROUP_ROOT}{cg}/memory.peak`, fs: 'cgroupfs', mode: 0o644, doc: DOC, when: memNotRoot,
    writeRule: 'any non-empty write resets the peak for that open file only',
    show: (m, p) => `${cgOf(m, p).peak * PAGE_SIZE}\n`,
    store: (_m, _p, data) => ok(data.length),
  },
  limitFile('min'),
  limitFile('low'),
  limitFile('high'),
  limitFile('max'),
  {
    path: `${CGROUP_ROOT}{cg}/memory.events`, fs: 'cgroupfs', mode: 0o444, doc: DOC, when: memNotRoot,
    show: (m, p) => MEMORY_EVENTS.map((e) => `${e} ${cgOf(m, p).memoryEvent(e)}\n`).join(''),
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.events.local`, fs: 'cgroupfs', mode: 0o444, doc: DOC, when: memNotRoot,
    show: (m, p) => MEMORY_EVENTS.map((e) => `${e} ${cgOf(m, p).eventsLocal[e]}\n`).join(''),
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.stat`, fs: 'cgroupfs', mode: 0o444, doc: DOC, when: memFile,
    show: (m, p) => memoryStat(m, cgOf(m, p)).map(([k, v]) => `${k} ${v}\n`).join(''),
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.numa_stat`, fs: 'cgroupfs', mode: 0o444, doc: DOC,
    when: (m, p) => memFile(m, p) && m.kconfig.NUMA,
    show: (m, p) => memoryNumaStat(m, cgOf(m, p)).map(([k, cols]) => `${k}${cols.map(([nid, v]) => ` N${nid}=${v}`).join('')}\n`).join(''),
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.oom.group`, fs: 'cgroupfs', mode: 0o644, doc: DOC, when: memNotRoot,
    writeRule: 'kstrtoint base 0 after strip; only 0 or 1',
    show: (m, p) => `${cgOf(m, p).oomGroup}\n`,
    store: (m, p, data) => {
      const r = kstrtoint(strstrip(data), 0)
      if (!r.ok) return fail(r.errno)
      if (r.value !== 0 && r.value !== 1) return fail('EINVAL')
      cgOf(m, p).oomGroup = r.value
      m.touch()
      return ok(data.length)
    },
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.reclaim`, fs: 'cgroupfs', mode: 0o200, doc: DOC, when: memFile,
    writeRule: '"<size>[ swappiness=<0-200>]"; EAGAIN if less could be reclaimed',
    store: (m, p, data) => {
      const buf = strstrip(data)
      const r = memparse(buf)
      if (r.end === 0) return fail('EINVAL', 'no size')
      for (const tok of buf.slice(r.end).split(' ').filter(Boolean)) {
        const sw = /^swappiness=(.*)$/.exec(tok)
        const v = sw ? kstrtoint(sw[1], 10) : null
        if (!v || !v.ok || v.value < 0 || v.value > 200) return fail('EINVAL', `bad option "${tok}"`)
      }
      const want = Number(r.value / BigInt(PAGE_SIZE))
      const got = m.tasks.reclaim(cgOf(m, p), want)
      return got >= want ? ok(data.length) : fail('EAGAIN', `reclaimed ${got} of ${want} pages`)
    },
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.pressure`, fs: 'cgroupfs', mode: 0o644, doc: 'Documentation/accounting/psi.rst',
    when: (m, p) => memFile(m, p) && m.kconfig.PSI,
    // No task ever stalls on memory in the model yet.
    show: () => 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.swap.current`, fs: 'cgroupfs', mode: 0o444, doc: DOC,
    when: (m, p) => memNotRoot(m, p) && m.kconfig.SWAP, show: () => '0\n',
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.swap.max`, fs: 'cgroupfs', mode: 0o644, doc: DOC,
    when: (m, p) => memNotRoot(m, p) && m.kconfig.SWAP, show: (m, p) => limitText(cgOf(m, p).swapMax),
    writeRule: 'strstrip, "max" or memparse',
    store: (m, p, data) => {
      const r = pageCounterMemparse(data)
      if (!r.ok) return fail(r.errno)
      cgOf(m, p).swapMax = r.value === 'max' ? PAGE_COUNTER_MAX : Number(r.value / BigInt(PAGE_SIZE))
      m.touch()
      return ok(data.length)
    },
  },
  {
    path: `${CGROUP_ROOT}{cg}/memory.swap.events`, fs: 'cgroupfs', mode: 0o444, doc: DOC,
    when: (m, p) => memNotRoot(m, p) && m.kconfig.SWAP, show: () => 'high 0\nmax 0\nfail 0\n',
  },
]
