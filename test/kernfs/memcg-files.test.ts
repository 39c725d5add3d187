/**
 * cgroup v2 with the memory controller, through the emulated cgroupfs: directory
 * operations, cgroup.subtree_control, cgroup.procs, the limit files and what the
 * limits do (reclaim, memory.high throttling, OOM kills), hierarchical statistics,
 * memory.events vs memory.events.local, memory.oom.group, memory.reclaim, the root
 * cgroup's files, and rmdir handing remaining charges to the parent.
 * Expected values follow mm/memcontrol.c, kernel/cgroup/cgroup.c and the VFS.
 */
import t from 'tap'
import { boot, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'
import {
  CG, PAGE, changedFiles, current, memcg, memEvents, memStat, must, numaStat, procs, snapshot, spawn, vmstat, write,
} from '../engine/memory-model-helpers.js'


const errnoOf = (r: { ok: boolean; errno?: string }) => (r.ok ? 'ok' : r.errno)

t.test('mkdir and rmdir under /sys/fs/cgroup', async (t) => {
  const { m, fs } = boot('default')
  t.equal(errnoOf(fs.mkdir(`${CG}/a`)), 'ok', 'mkdir /a')
  t.ok(fs.isDir(`${CG}/a`), '/a is a directory')
  t.equal(read(fs, `${CG}/a/cgroup.procs`), '', 'a new cgroup has no tasks')
  t.equal(read(fs, `${CG}/a/cgroup.events`), 'populated 0\nfrozen 0\n')
  t.equal(errnoOf(fs.mkdir(`${CG}/a`)), 'EEXIST', 'mkdir /a again')
  t.equal(errnoOf(fs.mkdir(`${CG}/a/`)), 'EEXIST', 'mkdir /a/ again')
  t.equal(errnoOf(fs.mkdir(`${CG}/memory.stat`)), 'EEXIST', 'mkdir over a file')
  t.equal(errnoOf(fs.mkdir(`${CG}/x/y`)), 'ENOENT', 'missing parent')
  t.equal(errnoOf(fs.mkdir(`${CG}/bad\nname`)), 'EINVAL', 'a newline in the name')
  t.equal(errnoOf(fs.mkdir(CG)), 'EEXIST', 'the root exists')
  t.equal(errnoOf(fs.mkdir('/proc/foo')), 'EPERM', 'procfs makes no directories')
  t.equal(errnoOf(fs.mkdir('/sys/devices/system/node/node9')), 'EPERM', 'sysfs makes no directories')
  t.equal(errnoOf(fs.mkdir('/sys/kernel/mm/foo')), 'EPERM', 'sysfs makes no directories (2)')
  t.equal(errnoOf(fs.mkdir(`${CG}/a/b`)), 'ok', 'mkdir /a/b')

  t.equal(errnoOf(fs.rmdir(`${CG}/a`)), 'EBUSY', 'rmdir of a cgroup with a child')
  t.equal(errnoOf(fs.rmdir(`${CG}/nope`)), 'ENOENT', 'rmdir of a missing cgroup')
  t.equal(errnoOf(fs.rmdir(`${CG}/a/cgroup.procs`)), 'ENOTDIR', 'rmdir of a file')
  t.equal(errnoOf(fs.rmdir(`${CG}/memory.stat`)), 'ENOTDIR', 'rmdir of a root file')
  t.equal(errnoOf(fs.rmdir(CG)), 'EBUSY', 'rmdir of the root cgroup')
  t.equal(errnoOf(fs.rmdir('/proc/sys')), 'EPERM', 'rmdir in procfs')
  t.equal(errnoOf(fs.rmdir('/sys/devices/system/node/node0')), 'EPERM', 'rmdir in sysfs')

  const task = spawn(m, 0, '/a/b')
  t.equal(read(fs, `${CG}/a/cgroup.events`), 'populated 1\nfrozen 0\n', 'a task below makes /a populated')
  t.equal(errnoOf(fs.rmdir(`${CG}/a/b`)), 'EBUSY', 'rmdir of a populated cgroup')
  m.tasks.exit(task)
  t.equal(errnoOf(fs.rmdir(`${CG}/a/b`)), 'ok', 'rmdir once the task is gone')
  t.notOk(fs.isDir(`${CG}/a/b`), '/a/b is gone')
  t.equal(errnoOf(fs.read(`${CG}/a/b/cgroup.procs`)), 'ENOENT', 'its files are gone')
  t.equal(errnoOf(fs.rmdir(`${CG}/a`)), 'ok', 'rmdir /a')
  t.equal(errnoOf(fs.mkdir(`${CG}/a`)), 'ok', 'the name can be used again')
  t.same(checkInvariants(fs), [])
})

t.test('mkdir below a file is ENOTDIR', async (t) => {
  // path_lookupat(): a non-final component that is not a directory gives ENOTDIR.
  const { fs } = boot('default')
  t.equal(errnoOf(fs.mkdir(`${CG}/memory.stat/x`)), 'ENOTDIR', 'mkdir /sys/fs/cgroup/memory.stat/x')
})

t.test('memory files exist in a child only while its parent enables memory', async (t) => {
  const { m, fs } = boot('default')
  must(m.tasks.mkdir('/q'))
  t.equal(read(fs, `${CG}/q/cgroup.controllers`), '', 'nothing enabled for the children of the root yet')
  t.equal(fs.lookup(`${CG}/q/memory.current`), undefined, 'no memory.current')
  t.equal(fs.lookup(`${CG}/q/memory.stat`), undefined, 'no memory.stat')
  const task = spawn(m, 0, '/q')
  must(m.tasks.allocate(task, 'anon', 100))
  t.equal(m.tasks.memcgOf(task), m.root, 'charged to the root while /q has no memory controller')
  t.equal(write(fs, `${CG}/cgroup.subtree_control`, '+memory'), 'ok')
  t.equal(read(fs, `${CG}/q/cgroup.controllers`), 'memory\n')
  t.not(fs.lookup(`${CG}/q/memory.current`), undefined, 'memory.current appears')
  t.equal(current(fs, '/q'), 0, 'earlier charges stay with the root')
  must(m.tasks.allocate(task, 'file', 10))
  t.equal(current(fs, '/q'), 10 * PAGE, 'new charges go to /q')
})

t.test('cgroup.subtree_control', async (t) => {
  const { m, fs } = boot('default')
  const sc = (cg: string) => `${CG}${cg}/cgroup.subtree_control`
  t.equal(read(fs, sc('')), '', 'nothing enabled at boot')
  for (const body of ['+foo', 'memory', '+', '-', '++memory', '+memory +bogus', 'memory+', '*memory']) {
    const before = snapshot(m)
    t.equal(write(fs, sc(''), body), 'EINVAL', `root <- ${JSON.stringify(body)}`)
    t.same(changedFiles(before, snapshot(m)), [], `${JSON.stringify(body)} changes nothing`)
  }
  t.equal(write(fs, sc(''), '+pids +memory\n'), 'ok')
  t.equal(read(fs, sc('')), 'memory pids\n', 'printed in controller order')
  t.equal(write(fs, sc(''), '-pids'), 'ok')
  t.equal(read(fs, sc('')), 'memory\n')
  must(m.tasks.mkdir('/a'))
  must(m.tasks.mkdir('/a/b'))
  t.equal(read(fs, `${CG}/a/cgroup.controllers`), 'memory\n')
  t.equal(write(fs, sc('/a'), '+cpu'), 'ENOENT', 'a controller the parent does not hand down')
  t.equal(write(fs, sc('/a'), '+memory'), 'ok')
  t.equal(read(fs, `${CG}/a/b/cgroup.controllers`), 'memory\n')
  t.equal(write(fs, sc(''), '-memory'), 'EBUSY', 'a child still uses memory')
  t.equal(read(fs, sc('')), 'memory\n', 'unchanged after EBUSY')
  // No internal processes: a non-root cgroup with tasks cannot enable controllers.
  must(m.tasks.mkdir('/busy'))
  spawn(m, 0, '/busy')
  t.equal(write(fs, sc('/busy'), '+memory'), 'EBUSY', 'a cgroup with tasks')
  t.equal(read(fs, sc('/busy')), '')
  // The root is exempt.
  spawn(m, 1, '')
  t.equal(write(fs, sc(''), '+pids'), 'ok', 'the root with tasks may enable controllers')
  // And a cgroup that hands controllers down can take no tasks.
  t.equal(m.tasks.create({ cgroup: '/a', cpu: 0 }).ok, false, 'no task may start in /a')
  t.equal(write(fs, sc('/a'), '-memory'), 'ok')
  t.equal(m.tasks.create({ cgroup: '/a', cpu: 0 }).ok, true, 'once /a hands nothing down it may hold tasks')
})

t.test('cgroup.procs moves a task; its charges stay where they were made', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/a')
  memcg(fs, '/b')
  const task = spawn(m, 0, '/a')
  must(m.tasks.allocate(task, 'file', 100))
  const a0 = current(fs, '/a')
  t.equal(a0, (100 + 4) * PAGE, '100 page-cache pages and a 4-page kernel stack')
  t.same(procs(fs, '/a'), [task.pid])
  t.equal(write(fs, `${CG}/b/cgroup.procs`, ` ${task.pid}\n`), 'ok')
  t.same(procs(fs, '/a'), [], 'gone from /a')
  t.same(procs(fs, '/b'), [task.pid], 'listed in /b')
  t.equal(current(fs, '/a'), a0, 'the pages stay charged to /a')
  t.equal(current(fs, '/b'), 0)
  must(m.tasks.allocate(task, 'file', 10))
  t.equal(current(fs, '/b'), 10 * PAGE, 'new pages are charged to /b')
  must(m.tasks.release(task, 'file', 110))
  t.equal(current(fs, '/a'), 4 * PAGE, 'freeing uncharges the memcg that was charged')
  t.equal(current(fs, '/b'), 0)
  t.equal(write(fs, `${CG}/b/cgroup.procs`, `0x${task.pid.toString(16)}`), 'ok', 'kstrtoint base 0 takes hex')

  for (const [body, errno] of [['99999', 'ESRCH'], ['abc', 'EINVAL'], ['-1', 'EINVAL'], ['12x', 'EINVAL'], ['1 2', 'EINVAL'], ['99999999999', 'EINVAL']] as const) {
    const before = snapshot(m)
    t.equal(write(fs, `${CG}/a/cgroup.procs`, body), errno, `cgroup.procs <- ${JSON.stringify(body)}`)
    t.same(changedFiles(before, snapshot(m)), [], `${JSON.stringify(body)} changes nothing`)
  }
  // Into a cgroup that hands controllers to its children: EBUSY.
  memcg(fs, '/p/c')
  t.equal(write(fs, `${CG}/p/cgroup.procs`, String(task.pid)), 'EBUSY')
  t.equal(write(fs, `${CG}/p/c/cgroup.procs`, String(task.pid)), 'ok')
  t.equal(write(fs, `${CG}/cgroup.procs`, String(task.pid)), 'ok', 'back to the root')
  t.ok(procs(fs, '').includes(task.pid))
})

type LimitRow = [body: string, expect: string, todo?: string]
const LIMIT_ROWS: LimitRow[] = [
  ['max', 'max\n'],
  ['1G', '1073741824\n'],
  ['4097', '4096\n'],
  ['  512M\n', '536870912\n'],
  ['garbage', 'EINVAL'],
  ['-1', 'EINVAL'],
  ['+1G', 'EINVAL'],
  ['MAX', 'EINVAL'],
  ['1GB', 'EINVAL'],
  ['1.5G', 'EINVAL'],
  ['1 G', 'EINVAL'],
  ['1e3', 'EINVAL'],
  ['  max  ', 'max\n'],
  ['1073741824', '1073741824\n'],
  ['1048576K', '1073741824\n'],
  ['1024m', '1073741824\n'],
  ['4095', '0\n'],
  ['0x100000', '1048576\n'],
  ['010', '0\n'],
  ['1e', '1152921504606846976\n'],
  ['9223372036854771712', 'max\n'],
  ['8192\n', '8192\n'],
  ['16E', '0\n'],
  ['0x10M', '16777216\n'],
  ['G', '0\n'],
  ['\n', '0\n'],
]

for (const name of ['max', 'high', 'min', 'low'] as const) {
  t.test(`memory.${name} writes`, async (t) => {
    const { m, fs } = boot('default')
    memcg(fs, '/l')
    const path = `${CG}/l/memory.${name}`
    t.equal(read(fs, path), name === 'max' || name === 'high' ? 'max\n' : '0\n', 'default')
    for (const [body, expect, todo] of LIMIT_ROWS) {
      const before = snapshot(m)
      const r = fs.write(path, body, { cpu: 0 })
      const label = `memory.${name} <- ${JSON.stringify(body)}`
      if (expect.endsWith('\n')) {
        t.equal(r.ok ? r.written : r.errno, body.length, `${label} returns the byte count`)
        t.equal(read(fs, path), expect, `${label} reads back ${JSON.stringify(expect)}`, todo ? { todo } : {})
      } else {
        t.equal(r.ok ? 'ok' : r.errno, expect, label)
        t.same(changedFiles(before, snapshot(m)), [], `${label} changes nothing`)
      }
    }
    // A 0-byte write never reaches the handler.
    t.equal(write(fs, path, '8192'), 'ok')
    const before = snapshot(m)
    const r = fs.write(path, '', { cpu: 0 })
    t.equal(r.ok && r.written, 0, '0-byte write returns 0')
    t.same(changedFiles(before, snapshot(m)), [], '0-byte write changes nothing')
    t.equal(errnoOf(fs.write(`${CG}/memory.${name}`, '1G', { cpu: 0 })), 'ENOENT', `the root cgroup has no memory.${name}`)
  })
}

t.test('memory.max written below usage: page cache is reclaimed first, then the OOM killer runs', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/c')
  const task = spawn(m, 0, '/c')
  must(m.tasks.allocate(task, 'file', 1000))
  must(m.tasks.allocate(task, 'anon', 1000))
  // 1000 file + 1000 anon + 5 page tables (ceil(1000/512) + 3) + 4 stack pages.
  const usage = current(fs, '/c')
  t.equal(usage, 2009 * PAGE)
  const vmBefore = vmstat(fs)

  t.equal(write(fs, `${CG}/c/memory.max`, String(usage - 600 * PAGE)), 'ok')
  let st = memStat(fs, '/c')
  t.equal(current(fs, '/c'), usage - 600 * PAGE, 'reclaimed exactly down to the limit')
  t.equal(st.get('file'), 400 * PAGE, '600 page-cache pages reclaimed')
  t.equal(st.get('anon'), 1000 * PAGE, 'anon untouched (no swap)')
  t.equal(st.get('pgsteal_direct'), 600)
  t.equal(st.get('pgscan_direct'), 600)
  t.equal(memEvents(fs, '/c').get('oom'), 0, 'no OOM while page cache was enough')
  t.equal(memEvents(fs, '/c').get('oom_kill'), 0)
  t.same(procs(fs, '/c'), [task.pid], 'the task lives')
  t.equal(vmstat(fs).get('pgsteal_direct')! - vmBefore.get('pgsteal_direct')!, 600, '/proc/vmstat pgsteal_direct')

  t.equal(write(fs, `${CG}/c/memory.max`, String(500 * PAGE)), 'ok', 'the write succeeds even though it OOM-kills')
  const ev = memEvents(fs, '/c')
  t.equal(ev.get('oom'), 1, 'memory.events oom')
  t.equal(ev.get('oom_kill'), 1, 'memory.events oom_kill')
  t.equal(ev.get('oom_group_kill'), 0)
  t.same(procs(fs, '/c'), [], 'the task is gone')
  t.equal(m.tasks.get(task.pid).ok, false, 'no such pid any more')
  t.equal(read(fs, `${CG}/c/cgroup.events`), 'populated 0\nfrozen 0\n')
  t.equal(current(fs, '/c'), 0, 'memory.current drops to 0')
  st = memStat(fs, '/c')
  t.equal(st.get('anon'), 0)
  t.equal(st.get('file'), 0)
  t.equal(st.get('pgsteal_direct'), 1000, 'the other 400 page-cache pages were reclaimed before the kill')
  t.equal(vmstat(fs).get('oom_kill')! - vmBefore.get('oom_kill')!, 1, '/proc/vmstat oom_kill')
  t.equal(read(fs, `${CG}/c/memory.peak`), `${usage}\n`, 'memory.peak keeps the high watermark')
  t.same(checkInvariants(fs), [])
})

t.test('memory.stat pgscan and pgsteal are the sums of their kswapd/direct/khugepaged/proactive lines', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/c')
  const task = spawn(m, 0, '/c')
  must(m.tasks.allocate(task, 'file', 300))
  t.equal(write(fs, `${CG}/c/memory.reclaim`, String(100 * PAGE)), 'ok')
  const st = memStat(fs, '/c')
  t.equal(st.get('pgsteal_direct'), 100, 'pgsteal_direct')
  t.equal(st.get('pgsteal'), 100, 'pgsteal = Σ pgsteal_*')
  t.equal(st.get('pgscan'), 100, 'pgscan = Σ pgscan_*')
  const root = memStat(fs, '')
  t.equal(root.get('slab'), root.get('slab_reclaimable')! + root.get('slab_unreclaimable')!, 'slab = reclaimable + unreclaimable')
})

t.test('charging past memory.max: the max event, reclaim, and the OOM killer picks the largest task', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/c')
  const big = spawn(m, 0, '/c')
  const small = spawn(m, 1, '/c')
  must(m.tasks.allocate(big, 'anon', 2000))
  must(m.tasks.allocate(small, 'file', 200))
  const usage = current(fs, '/c') / PAGE
  t.equal(write(fs, `${CG}/c/memory.max`, String((usage + 50) * PAGE)), 'ok')
  t.same([...memEvents(fs, '/c').values()], [0, 0, 0, 0, 0, 0], 'a limit above usage does nothing')

  // 150 pages more: 100 over the limit, taken from the page cache.
  must(m.tasks.allocate(small, 'kernel', 150))
  let ev = memEvents(fs, '/c')
  t.equal(ev.get('max'), 1, 'memory.events max')
  t.equal(ev.get('oom'), 0)
  t.equal(memStat(fs, '/c').get('file'), 100 * PAGE, '100 page-cache pages reclaimed')
  t.equal(memStat(fs, '/c').get('pgsteal_direct'), 100)
  t.equal(current(fs, '/c'), (usage + 50) * PAGE, 'at the limit')

  // Nothing reclaimable is left but 100 page-cache pages; 400 more pages need the OOM killer.
  must(m.tasks.allocate(small, 'kernel', 400))
  ev = memEvents(fs, '/c')
  t.equal(ev.get('max'), 2)
  t.equal(ev.get('oom'), 1)
  t.equal(ev.get('oom_kill'), 1)
  t.same(procs(fs, '/c'), [small.pid], 'the largest task was killed, the allocating one lives')
  t.equal(small.pagesOf('kernel'), 550, 'the allocation went through')

  // The requester itself as the only victim: ENOMEM, and it is gone.
  t.equal(write(fs, `${CG}/c/memory.max`, String(current(fs, '/c'))), 'ok')
  const r = m.tasks.allocate(small, 'kernel', 10)
  t.equal(r.ok ? 'ok' : r.errno, 'ENOMEM')
  t.same(procs(fs, '/c'), [])
  t.equal(memEvents(fs, '/c').get('oom_kill'), 2)
  t.equal(current(fs, '/c'), 0)
  t.same(checkInvariants(fs), [])
})

t.test('memory.high: charges above it count a high event and reclaim; a write below usage reclaims but never OOMs', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/h')
  const task = spawn(m, 0, '/h')
  must(m.tasks.allocate(task, 'file', 500))
  must(m.tasks.allocate(task, 'anon', 500))
  const usage = current(fs, '/h') / PAGE
  t.equal(write(fs, `${CG}/h/memory.high`, String((usage + 100) * PAGE)), 'ok')
  t.equal(memEvents(fs, '/h').get('high'), 0)
  must(m.tasks.allocate(task, 'kernel', 300))
  t.equal(memEvents(fs, '/h').get('high'), 1, 'memory.events high')
  t.equal(current(fs, '/h'), (usage + 100) * PAGE, 'reclaimed back to memory.high')
  t.equal(memStat(fs, '/h').get('file'), 300 * PAGE, '200 page-cache pages reclaimed')
  t.equal(memStat(fs, '/h').get('pgsteal_direct'), 200)

  // Below what page cache can give: reclaim all of it, no OOM kill, the write succeeds.
  t.equal(write(fs, `${CG}/h/memory.high`, '1M'), 'ok')
  const ev = memEvents(fs, '/h')
  t.equal(ev.get('oom'), 0, 'memory.high never OOMs')
  t.equal(ev.get('oom_kill'), 0)
  t.same(procs(fs, '/h'), [task.pid], 'the task lives')
  t.equal(memStat(fs, '/h').get('file'), 0, 'all page cache reclaimed')
  t.ok(current(fs, '/h') > 256 * PAGE, 'still above memory.high (anon cannot be reclaimed without swap)')
  t.equal(read(fs, `${CG}/h/memory.high`), '1048576\n')
})

t.test('memory.low and memory.min protect a child from its parent\'s limit reclaim', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/p/prot')
  memcg(fs, '/p/free')
  const a = spawn(m, 0, '/p/prot')
  const b = spawn(m, 1, '/p/free')
  must(m.tasks.allocate(a, 'file', 400))
  must(m.tasks.allocate(b, 'file', 400))
  t.equal(write(fs, `${CG}/p/prot/memory.min`, '1G'), 'ok')
  t.equal(write(fs, `${CG}/p/memory.reclaim`, String(300 * PAGE)), 'ok')
  t.equal(memStat(fs, '/p/prot').get('file'), 400 * PAGE, 'memory.min protected')
  t.equal(memStat(fs, '/p/free').get('file'), 100 * PAGE, 'the unprotected sibling gave 300 pages')
  t.equal(write(fs, `${CG}/p/memory.reclaim`, String(200 * PAGE)), 'EAGAIN', 'only 100 unprotected pages were left')
  t.equal(memStat(fs, '/p/prot').get('file'), 400 * PAGE, 'memory.min still protected')
  t.equal(memStat(fs, '/p/free').get('file'), 0)

  t.equal(write(fs, `${CG}/p/prot/memory.min`, '0'), 'ok')
  t.equal(write(fs, `${CG}/p/prot/memory.low`, '1G'), 'ok')
  // memory.low yields when nothing else is left, and counts a low event.
  t.equal(write(fs, `${CG}/p/memory.reclaim`, String(100 * PAGE)), 'ok')
  t.equal(memStat(fs, '/p/prot').get('file'), 300 * PAGE, 'memory.low is best effort')
  t.equal(memEvents(fs, '/p/prot', true).get('low'), 1, 'memory.events.local low')
})

t.test('hierarchical memory.stat, memory.numa_stat and memory.current', async (t) => {
  const { m, fs } = boot('four-node')
  memcg(fs, '/p/c1')
  memcg(fs, '/p/c2')
  const a = spawn(m, 0, '/p/c1', ['bind', [0]])
  const b = spawn(m, 16, '/p/c2', ['bind', [2]])
  must(m.tasks.allocate(a, 'anon', 300))
  must(m.tasks.allocate(a, 'file', 50))
  must(m.tasks.allocate(b, 'anon', 700))
  must(m.tasks.allocate(b, 'shmem', 20))
  const s1 = memStat(fs, '/p/c1'), s2 = memStat(fs, '/p/c2'), sp = memStat(fs, '/p')
  for (const k of ['anon', 'file', 'shmem', 'kernel_stack', 'pagetables', 'kernel', 'pgfault', 'numa_mpol_bind_hit', 'active_anon', 'inactive_anon', 'inactive_file']) {
    t.equal(sp.get(k), s1.get(k)! + s2.get(k)!, `/p ${k} = /p/c1 + /p/c2`)
  }
  t.equal(sp.get('anon'), 1000 * PAGE)
  t.equal(sp.get('shmem'), 20 * PAGE)
  t.equal(sp.get('file'), 70 * PAGE, 'file includes shmem')
  t.equal(sp.get('kernel_stack'), 2 * 16384, 'two 16 KiB stacks')
  const n1 = numaStat(fs, '/p/c1'), n2 = numaStat(fs, '/p/c2'), np = numaStat(fs, '/p')
  for (const [name, row] of np) for (const [nid, v] of row) t.equal(v, n1.get(name)!.get(nid)! + n2.get(name)!.get(nid)!, `numa_stat ${name} N${nid}`)
  t.same([...np.get('anon')!], [[0, 300 * PAGE], [1, 0], [2, 700 * PAGE]], 'anon per node')
  t.equal(current(fs, '/p'), current(fs, '/p/c1') + current(fs, '/p/c2'), 'memory.current')
  t.equal(read(fs, `${CG}/p/memory.peak`), `${current(fs, '/p')}\n`)
  // The root's stat includes everything below it.
  const root = numaStat(fs, '')
  t.ok(root.get('anon')!.get(2)! >= 700 * PAGE, 'root anon on node 2 includes /p/c2')
})

t.test('memory.events is hierarchical, memory.events.local is not', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/p/c1')
  memcg(fs, '/p/c2')
  const a = spawn(m, 0, '/p/c1')
  spawn(m, 0, '/p/c2')
  must(m.tasks.allocate(a, 'anon', 100))
  t.equal(write(fs, `${CG}/p/c1/memory.max`, '0'), 'ok')
  const lines = (cg: string, local: boolean) => read(fs, `${CG}${cg}/memory.events${local ? '.local' : ''}`)
  t.equal(lines('/p/c1', true), lines('/p/c1', false), 'a leaf: both views agree')
  t.match(lines('/p/c1', true), /^low 0\nhigh 0\nmax \d+\noom 1\noom_kill 1\noom_group_kill 0\n$/)
  t.match(lines('/p', false), /^low 0\nhigh 0\nmax \d+\noom 1\noom_kill 1\noom_group_kill 0\n$/, '/p sees its child\'s events')
  t.equal(lines('/p', true), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n', '/p had none of its own')
  t.equal(lines('/p/c2', false), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n', 'the sibling had none')
})

t.test('memory.oom.group', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/g')
  const path = `${CG}/g/memory.oom.group`
  t.equal(read(fs, path), '0\n')
  for (const [body, want] of [['1', '1\n'], ['0', '0\n'], [' 1\n', '1\n'], ['0x0', '0\n'], ['2', 'EINVAL'], ['-1', 'EINVAL'], ['x', 'EINVAL'], ['1 1', 'EINVAL'], ['', '0\n']] as const) {
    const r = write(fs, path, body)
    if (want.endsWith('\n')) {
      t.equal(r, 'ok', `oom.group <- ${JSON.stringify(body)}`)
      t.equal(read(fs, path), want)
    } else t.equal(r, want, `oom.group <- ${JSON.stringify(body)}`)
  }
  t.equal(write(fs, `${CG}/memory.oom.group`, '1'), 'ENOENT', 'not on the root')

  // With the group set, the OOM killer takes every task of the group.
  t.equal(write(fs, path, '1'), 'ok')
  const a = spawn(m, 0, '/g')
  const b = spawn(m, 1, '/g')
  const c = spawn(m, 2, '/g')
  must(m.tasks.allocate(a, 'anon', 300))
  must(m.tasks.allocate(b, 'anon', 100))
  must(m.tasks.allocate(c, 'anon', 10))
  t.equal(write(fs, `${CG}/g/memory.max`, String(200 * PAGE)), 'ok')
  t.same(procs(fs, '/g'), [], 'the whole group is gone')
  const ev = memEvents(fs, '/g')
  t.equal(ev.get('oom'), 1, 'one OOM')
  // Every member gets __oom_kill_process() (the chosen victim possibly twice), each counting MEMCG_OOM_KILL.
  t.ok(ev.get('oom_kill')! >= 3, `at least three kills (${ev.get('oom_kill')})`)
  // oom_kill_process() counts MEMCG_OOM_GROUP_KILL once, on the oom_group memcg, per group kill.
  t.equal(ev.get('oom_group_kill'), 1, 'one group kill')
  t.equal(memEvents(fs, '/g', true).get('oom_group_kill'), 1, 'one group kill (local)')
  t.equal(current(fs, '/g'), 0)

  // Without it only the largest task goes.
  memcg(fs, '/n')
  const x = spawn(m, 0, '/n')
  const y = spawn(m, 1, '/n')
  must(m.tasks.allocate(x, 'anon', 300))
  must(m.tasks.allocate(y, 'anon', 100))
  t.equal(write(fs, `${CG}/n/memory.max`, String(200 * PAGE)), 'ok')
  t.same(procs(fs, '/n'), [y.pid], 'only the largest task was killed')
  t.equal(memEvents(fs, '/n').get('oom_group_kill'), 0)
})

t.test('memory.reclaim', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/r')
  const task = spawn(m, 0, '/r')
  must(m.tasks.allocate(task, 'file', 1000))
  must(m.tasks.allocate(task, 'anon', 100))
  const path = `${CG}/r/memory.reclaim`
  t.equal(errnoOf(fs.read(path)), 'EINVAL', 'reading the write-only file')
  t.equal(write(fs, path, '1M'), 'ok', '1M = 256 pages')
  t.equal(memStat(fs, '/r').get('file'), 744 * PAGE)
  t.equal(write(fs, path, '400K swappiness=60\n'), 'ok', 'with swappiness')
  t.equal(memStat(fs, '/r').get('file'), 644 * PAGE)
  for (const body of ['foo', ' ', '\n', '1M swappiness=201', '1M swappiness=-1', '1M bogus=1', '1M swappiness=', '1M swappiness=x', 'x1M']) {
    const before = snapshot(m)
    t.equal(write(fs, path, body), 'EINVAL', `memory.reclaim <- ${JSON.stringify(body)}`)
    t.same(changedFiles(before, snapshot(m)), [], `${JSON.stringify(body)} changes nothing`)
  }
  // More than the page cache: EAGAIN, and what could be reclaimed was.
  t.equal(write(fs, path, '100M'), 'EAGAIN')
  t.equal(memStat(fs, '/r').get('file'), 0, 'all page cache reclaimed')
  t.equal(memStat(fs, '/r').get('anon'), 100 * PAGE, 'anon stays (no swap)')
  t.equal(write(fs, path, '4K'), 'EAGAIN', 'nothing reclaimable left')
  t.equal(write(fs, path, '0'), 'ok', 'reclaiming nothing succeeds')
  t.same(procs(fs, '/r'), [task.pid], 'memory.reclaim never kills')
  t.same(checkInvariants(fs), [])
})

t.test('the root cgroup: memory.stat, memory.numa_stat and memory.reclaim but no limits or counters', async (t) => {
  const { fs } = boot('default')
  for (const f of ['memory.current', 'memory.max', 'memory.high', 'memory.min', 'memory.low', 'memory.peak', 'memory.events', 'memory.events.local', 'memory.oom.group', 'cgroup.events', 'cgroup.type']) {
    t.equal(errnoOf(fs.read(`${CG}/${f}`)), 'ENOENT', `no ${f} in the root`)
  }
  for (const f of ['memory.stat', 'memory.numa_stat', 'cgroup.procs', 'cgroup.controllers', 'cgroup.subtree_control']) {
    t.equal(fs.read(`${CG}/${f}`).ok, true, `${f} in the root`)
  }
  t.not(fs.lookup(`${CG}/memory.reclaim`), undefined, 'memory.reclaim in the root')
  t.match(read(fs, `${CG}/memory.numa_stat`), /^anon N0=\d+ N1=\d+$/m, 'a column per memory node')
  const st = memStat(fs, '')
  t.ok(st.get('anon')! > 0 && st.get('file')! > 0, 'the root holds the boot services\' memory')
})

t.test('rmdir hands the remaining charges to the parent', async (t) => {
  const { m, fs } = boot('default')
  memcg(fs, '/p/c')
  const task = spawn(m, 0, '/p/c')
  must(m.tasks.allocate(task, 'file', 300))
  must(m.tasks.allocate(task, 'anon', 100))
  // A max event in /p/c (charging at its limit reclaims some page cache).
  t.equal(write(fs, `${CG}/p/c/memory.max`, String(current(fs, '/p/c'))), 'ok')
  must(m.tasks.allocate(task, 'kernel', 10))
  t.equal(memEvents(fs, '/p/c', true).get('max'), 1, 'the child had a max event')
  t.equal(write(fs, `${CG}/cgroup.procs`, String(task.pid)), 'ok', 'move the task out to the root')
  const cur = current(fs, '/p')
  const st = memStat(fs, '/p')
  const ns = read(fs, `${CG}/p/memory.numa_stat`)
  const evLocal = read(fs, `${CG}/p/memory.events.local`)
  const ev = read(fs, `${CG}/p/memory.events`)
  t.equal(cur, current(fs, '/p/c'), '/p holds nothing but what /p/c holds')
  t.equal(errnoOf(fs.rmdir(`${CG}/p/c`)), 'ok')
  t.notOk(fs.isDir(`${CG}/p/c`))
  t.equal(current(fs, '/p'), cur, '/p memory.current unchanged')
  t.same(memStat(fs, '/p'), st, '/p memory.stat unchanged')
  t.equal(read(fs, `${CG}/p/memory.numa_stat`), ns, '/p memory.numa_stat unchanged')
  t.equal(read(fs, `${CG}/p/memory.events`), ev, '/p memory.events unchanged')
  t.equal(read(fs, `${CG}/p/memory.events.local`), evLocal, '/p memory.events.local unchanged')
  // Freeing the pages now uncharges /p.
  must(m.tasks.release(task, 'file', task.pagesOf('file')))
  must(m.tasks.release(task, 'anon', 100))
  must(m.tasks.release(task, 'kernel', 10))
  t.equal(current(fs, '/p'), 4 * PAGE, 'everything charged to /p/c was uncharged from /p but the kernel stack')
  m.tasks.exit(task)
  t.equal(current(fs, '/p'), 0, 'and the stack on exit')
  t.equal(memStat(fs, '/p').get('anon'), 0)
  t.equal(memStat(fs, '/p').get('file'), 0)
  t.same(checkInvariants(fs), [])
})

