import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, presetSpec, resolveConfig } from '../../src/config/load.js'
import { PRESET_NAMES } from '../../src/config/presets.js'

const node = (over: object = {}) => ({ id: 0, kind: 'dram', memoryMiB: 1024, cpus: '0-1', ...over })

function problems(cfg: unknown): Array<{ path: string; message: string }> {
  try {
    resolveConfig(cfg)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

t.test('every preset is a valid config', async (t) => {
  for (const name of PRESET_NAMES) t.ok(presetSpec(name).nodes.length > 0, name)
})

t.test('bad configs name the field and the reason', async (t) => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['no nodes', {}, '', /required property 'nodes'/],
    ['unknown node kind', { nodes: [node({ kind: 'gpu' })] }, '/nodes/0/kind', /must be one of "dram", "cxl", "private"/],
    ['too little memory', { nodes: [node({ memoryMiB: 64 })] }, '/nodes/0/memoryMiB', />= 128/],
    ['unknown property', { nodes: [node({ color: 'red' })] }, '/nodes/0', /unknown property "color"/],
    ['bad cpu list', { nodes: [node({ cpus: '3-1' })] }, '/nodes/0/cpus', /not a valid CPU list/],
    ['cpu list syntax', { nodes: [node({ cpus: 'all' })] }, '/nodes/0/cpus', /pattern/],
    ['shared cpu', { nodes: [node(), node({ id: 1, cpus: '1-2' })] }, '/nodes/1/cpus', /cpu 1 is already on node 0/],
    ['duplicate id', { nodes: [node(), node({ cpus: '4' })] }, '/nodes/1/id', /used twice/],
    ['cxl with cpus', { nodes: [node(), node({ id: 1, kind: 'cxl', cpus: '5' })] }, '/nodes/1/cpus', /a cxl node has no CPUs/],
    ['no cpus at all', { nodes: [node({ cpus: '' })] }, '/nodes', /at least one node needs CPUs/],
    ['distance rows', { nodes: [node(), node({ id: 1, kind: 'cxl', cpus: '' })], distances: [[10, 20]] }, '/distances', /needs 2 rows/],
    ['local distance', { nodes: [node(), node({ id: 1, kind: 'cxl', cpus: '' })], distances: [[10, 20], [20, 11]] }, '/distances/1/1', /local distance must be 10/],
    ['distance range', { nodes: [node()], distances: [[9]] }, '/distances/0/0', />= 10/],
    ['unknown kernel option', { nodes: [node()], kernel: { config: { FOO: true } } }, '/kernel/config', /unknown kernel option "FOO"/],
    ['kernel option dependency', { nodes: [node()], kernel: { config: { PGHOT: false } } }, '/kernel/config/NUMA_BALANCING_TIERING', /depends on PGHOT/],
    ['private node without the patch', { nodes: [node(), node({ id: 1, kind: 'private', cpus: '' })], kernel: { config: { PATCH_PRIVATE_NODES: false } } }, '/nodes/1/kind', /PATCH_PRIVATE_NODES/],
    ['opt-ins on a dram node', { nodes: [node({ optIn: { reclaim: true } })] }, '/nodes/0/optIn', /only private nodes/],
    ['movable boot node', { nodes: [node({ zone: 'movable' })] }, '/nodes/0/zone', /boot node/],
    ['seed out of range', { nodes: [node()], seed: -1 }, '/seed', />= 0/],
  ]
  for (const [name, cfg, path, message] of cases) {
    const p = problems(cfg)
    const hit = p.find((x) => x.path === path && message.test(x.message))
    t.ok(hit, `${name}: ${JSON.stringify(p)}`)
  }
})

t.test('all problems are reported at once', async (t) => {
  const p = problems({ nodes: [node({ kind: 'gpu', memoryMiB: 1 })], swapMiB: -1 })
  t.ok(p.length >= 3, JSON.stringify(p))
})

t.test('a valid config resolves with defaults filled in', async (t) => {
  const spec = resolveConfig({ nodes: [node({ id: 2, cpus: '0-3' }), node({ id: 5, kind: 'cxl', cpus: '', memoryMiB: 512 })] })
  t.same(spec.nodes.map((n) => n.id), [2, 5])
  t.same(spec.distances, [[10, 20], [20, 10]])
  t.equal(spec.nodes[1].adistance, 2880, 'cxl without performance data gets the dax default distance')
  t.equal(spec.kconfig.PGHOT, true)
})

t.test('the CLI refuses a bad config with every problem, and unsafe binds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'numaemu-'))
  const bad = join(dir, 'bad.json')
  writeFileSync(bad, JSON.stringify({ nodes: [node({ kind: 'gpu' })], distances: [[10]], extra: 1 }))
  const cli = (args: string[]) => spawnSync(process.execPath, [...process.execArgv, 'src/cli.ts', ...args], { encoding: 'utf8', timeout: 60000 })
  const r = cli(['--config', bad])
  t.equal(r.status, 2)
  t.match(r.stderr, /\/nodes\/0\/kind: must be one of/)
  t.match(r.stderr, /\/: unknown property "extra"/)
  const notJson = join(dir, 'x.json')
  writeFileSync(notJson, '{ nodes: ')
  t.match(cli(['--config', notJson]).stderr, /is not valid JSON/)
  const open = cli(['--host', '0.0.0.0', '--port', '0'])
  t.equal(open.status, 2)
  t.match(open.stderr, /refusing to listen on 0\.0\.0\.0 without --token or --read-only/)
  t.match(cli(['--preset', 'nope']).stderr, /unknown preset "nope"/)
  t.match(cli(['--port', 'http']).stderr, /not a port number/)
  const help = cli(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /Usage:/)
})
