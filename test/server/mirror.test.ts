import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Mirror } from '../../src/server/mirror.js'
import { boot, read } from '../helpers.js'

t.test('the mirror holds every readable file at its real path and follows changes', async (t) => {
  const { m, fs } = boot('default')
  const dir = mkdtempSync(join(tmpdir(), 'numaemu-mirror-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const mirror = new Mirror(fs, dir, () => m.generation)
  const first = mirror.sync()
  t.ok(first.files > 50)
  for (const p of ['/proc/meminfo', '/proc/vmstat', '/sys/devices/system/node/node1/meminfo', '/sys/fs/cgroup/memory.stat']) {
    t.equal(readFileSync(join(dir, p), 'utf8'), read(fs, p), p)
  }
  t.notOk(existsSync(join(dir, '/sys/fs/cgroup/memory.reclaim')), 'write-only files are not mirrored')
  t.same(mirror.sync(), { files: 0, removed: 0 }, 'nothing changed, nothing written')
  fs.mkdir('/sys/fs/cgroup/job')
  fs.write('/proc/sys/vm/nr_hugepages', '8', { cpu: 0 })
  mirror.sync()
  t.equal(readFileSync(join(dir, '/proc/sys/vm/nr_hugepages'), 'utf8'), '8\n')
  t.ok(existsSync(join(dir, '/sys/fs/cgroup/job/cgroup.procs')))
  fs.rmdir('/sys/fs/cgroup/job')
  const r = mirror.sync()
  t.ok(r.removed > 0)
  t.notOk(existsSync(join(dir, '/sys/fs/cgroup/job')), 'a removed cgroup leaves the mirror')
  t.notOk(readFileSync(join(dir, '/proc/meminfo'), 'utf8').length === 0)
})
