import t from 'tap'
import { PRESET_NAMES } from '../../src/config/presets.js'
import { boot, meminfo, read } from '../helpers.js'
import { checkInvariants } from '../invariants.js'

for (const preset of PRESET_NAMES) {
  t.test(`${preset}: every file agrees with every other after boot`, async (t) => {
    const { fs } = boot(preset)
    t.same(checkInvariants(fs), [])
  })
}

t.test('the same seed boots the same machine; another seed another one', async (t) => {
  const a = read(boot('default', 7).fs, '/proc/vmstat')
  t.equal(read(boot('default', 7).fs, '/proc/vmstat'), a)
  t.not(read(boot('default', 8).fs, '/proc/vmstat'), a)
})

t.test('the idle box looks booted: kernel memory, page cache, anon, allocations counted', async (t) => {
  const { fs } = boot('default')
  const mi = meminfo(read(fs, '/proc/meminfo'))
  for (const k of ['Cached', 'AnonPages', 'Slab', 'KernelStack', 'PageTables', 'VmallocUsed', 'Percpu', 'Committed_AS']) t.ok(mi.get(k)! > 0, `${k} > 0`)
  t.ok(mi.get('MemFree')! < mi.get('MemTotal')!)
  // Nothing runs on the CPU-less CXL node at boot, so the kernel put nothing there.
  const n1 = meminfo(read(fs, '/sys/devices/system/node/node1/meminfo'))
  t.equal(n1.get('AnonPages'), 0)
  t.equal(n1.get('MemUsed'), 0)
})

t.test('seed-002 preset: numactl -H node sizes of the pghot test system', async (t) => {
  const { fs } = boot('seed-002')
  const mb = (nid: number) => Math.floor(meminfo(read(fs, `/sys/devices/system/node/node${nid}/meminfo`)).get('MemTotal')! / 1024)
  t.equal(mb(0), 515563)
  t.equal(mb(1), 258034)
  t.equal(read(fs, '/sys/devices/system/node/node0/distance'), '10 50\n')
  t.equal(read(fs, '/sys/devices/system/node/node1/distance'), '255 10\n')
  t.equal(read(fs, '/sys/devices/system/node/node0/cpulist'), '0-255\n')
  t.equal(read(fs, '/sys/devices/system/node/node1/cpulist'), '\n')
  t.equal(read(fs, '/sys/devices/system/node/node1/cpumap'), '00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000\n')
})
