/** The kv parser against real 6.18 files, and path globs against the emulated tree. */
import t from 'tap'
import { expandPatterns, globToRegExp, treeCompare } from '../../src/stream/glob.js'
import { kvObject, parseKernelText, textOnlyPath } from '../../src/stream/parse-text.js'
import { boot, fixture, kv, meminfo } from '../helpers.js'

t.test('name value files: vmstat, numastat, node vmstat', async (t) => {
  for (const path of ['proc/vmstat', 'sys/devices/system/node/node0/vmstat', 'sys/devices/system/node/node0/numastat']) {
    const p = parseKernelText(fixture(path))!
    t.ok(p, path)
    t.same(new Map(Object.entries(kvObject(p))), kv(fixture(path)), `${path}: every line, in order`)
  }
})

t.test('meminfo-style files: labels, kB as printed, rows without a unit, "Node N " dropped', async (t) => {
  for (const path of ['proc/meminfo', 'sys/devices/system/node/node0/meminfo']) {
    const p = parseKernelText(fixture(path))!
    t.ok(p, path)
    t.same(new Map(Object.entries(kvObject(p))), meminfo(fixture(path)), path)
  }
  const p = kvObject(parseKernelText(fixture('proc/meminfo'))!)
  t.equal(p.HugePages_Total, Number(/^HugePages_Total:\s+(\d+)$/m.exec(fixture('proc/meminfo'))![1]))
  t.ok('Active(anon)' in p && 'DirectMap4k' in p)
  const n = kvObject(parseKernelText('Node 1 MemTotal:        8388608 kB\nNode 1 HugePages_Free:      0\n')!)
  t.same(n, { MemTotal: 8388608, HugePages_Free: 0 })
})

t.test('memory.numa_stat, memory.events, memory.pressure, single values', async (t) => {
  t.same(kvObject(parseKernelText('anon N0=4096 N1=0\nfile N0=12288 N1=8192\n')!), { 'anon.N0': 4096, 'anon.N1': 0, 'file.N0': 12288, 'file.N1': 8192 })
  t.same(kvObject(parseKernelText('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n')!), { low: 0, high: 0, max: 3, oom: 1, oom_kill: 1, oom_group_kill: 0 })
  t.same(kvObject(parseKernelText('some avg10=0.12 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n')!),
    { 'some.avg10': 0.12, 'some.avg60': 0, 'some.avg300': 0, 'some.total': 1234, 'full.avg10': 0, 'full.avg60': 0, 'full.avg300': 0, 'full.total': 0 })
  t.same(kvObject(parseKernelText(fixture('proc/sys/vm/min_free_kbytes'))!), { value: Number(fixture('proc/sys/vm/min_free_kbytes')) })
  t.same(kvObject(parseKernelText('-1\n')!), { value: -1 })
})

t.test('files that are not key/value stay text', async (t) => {
  for (const path of ['proc/zoneinfo', 'proc/buddyinfo', 'sys/devices/system/node/node0/cpulist']) {
    t.equal(parseKernelText(fixture(path)), null, path)
  }
  // One-node host: distance "10", cpumap "3" (hex), possible "0" look like single values.
  for (const path of ['sys/devices/system/node/node0/distance', 'sys/devices/system/node/node0/cpumap', 'sys/devices/system/node/possible', 'sys/devices/system/node/has_cpu', 'sys/devices/virtual/memory_tiering/memory_tier4/nodelist']) {
    t.ok(textOnlyPath(`/${path}`), `${path} stays text by path`)
  }
  t.notOk(textOnlyPath('/proc/sys/vm/min_free_kbytes'))
  t.equal(parseKernelText('max\n'), null, 'a "max" limit')
  t.equal(parseKernelText('cpuset cpu io memory\n'), null)
  t.equal(parseKernelText(''), null)
  t.equal(parseKernelText('a 1\na 2\n'), null, 'a repeated key')
  t.equal(parseKernelText('a 1\nb x\n'), null, 'one line of another shape')
})

t.test('globs', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['/sys/devices/system/node/node*/vmstat', '/sys/devices/system/node/node12/vmstat', true],
    ['/sys/devices/system/node/node*/vmstat', '/sys/devices/system/node/node1/hugepages/vmstat', false],
    ['/sys/devices/system/node/node?/meminfo', '/sys/devices/system/node/node3/meminfo', true],
    ['/sys/devices/system/node/node?/meminfo', '/sys/devices/system/node/node10/meminfo', false],
    ['/sys/devices/system/node/node[02]/meminfo', '/sys/devices/system/node/node2/meminfo', true],
    ['/sys/devices/system/node/node[!02]/meminfo', '/sys/devices/system/node/node2/meminfo', false],
    ['/sys/fs/cgroup/**/memory.stat', '/sys/fs/cgroup/memory.stat', true],
    ['/sys/fs/cgroup/**/memory.stat', '/sys/fs/cgroup/a/b/c/memory.stat', true],
    ['/sys/fs/cgroup/**/memory.stat', '/sys/fs/cgroup/a/memory.stat.x', false],
    ['/proc/*', '/proc/sys/vm/min_free_kbytes', false],
    ['/proc/**', '/proc/sys/vm/min_free_kbytes', true],
    ['/sys/fs/cgroup/memory.(stat)', '/sys/fs/cgroup/memory.(stat)', true],
  ]
  for (const [glob, path, want] of cases) t.equal(globToRegExp(glob).test(path), want, `${glob} ${want ? '~' : '!~'} ${path}`)
  t.same(['/a/node10/x', '/a/z', '/a/node2/x', '/a/b/c/y', '/a/b/x'].sort(treeCompare), ['/a/z', '/a/b/x', '/a/b/c/y', '/a/node2/x', '/a/node10/x'])

  const { fs } = boot('four-node')
  const e = expandPatterns(fs, ['/proc/vmstat', '/sys/devices/system/node/node*/numastat', '/proc/vmstat', '/proc/sys/vm/*'])
  t.ok(e.ok)
  if (e.ok) {
    t.same(e.paths.slice(0, 5), ['/proc/vmstat', ...[0, 1, 2, 3].map((n) => `/sys/devices/system/node/node${n}/numastat`)], 'pattern order, no repeats')
    t.ok(e.paths.includes('/proc/sys/vm/min_free_kbytes'))
  }
  t.same(expandPatterns(fs, ['/nope/*']), { ok: true, paths: [] }, 'a glob may match nothing')
  t.match(expandPatterns(fs, ['/proc/nope']), { ok: false, errno: 'ENOENT' })
  t.same(expandPatterns(fs, ['/proc/nope', '/proc/vmstat'], { skipMissing: true }), { ok: true, paths: ['/proc/vmstat'] })
})
