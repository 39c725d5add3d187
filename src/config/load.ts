/**
 * Machine configs: JSON validated against schemas/machine-config with defaults
 * applied, then checked for what a schema cannot say (distance matrix shape, CPU
 * overlap, kernel option dependencies). Every problem is reported with its JSON path.
 */
import { Ajv, type ErrorObject } from 'ajv'
import { machineConfigSchema, nodeConfigSchema, type MachineConfigInput } from '../../schemas/machine-config.js'
import { resolveKconfig } from '../kernel/kconfig.js'
import type { MachineSpec, NodeSpec } from '../engine/spec.js'
import { MEMTIER_ADISTANCE_DRAM, MEMTIER_DEFAULT_DAX_ADISTANCE } from '../engine/tiers.js'
import { parseList } from '../kernfs/format.js'
import { PRESETS, type PresetName } from './presets.js'

export interface ConfigProblem { path: string; message: string }

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[], source: string) {
    super(`invalid machine config (${source}):\n` + problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n'))
    this.name = 'ConfigError'
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false })
ajv.addSchema(nodeConfigSchema)
const validate = ajv.compile(machineConfigSchema)

const DEFAULT_LATENCY_NS: Record<NodeSpec['kind'], number> = { dram: 110, cxl: 270, private: 1500 }
const DEFAULT_BANDWIDTH_MBPS: Record<NodeSpec['kind'], number> = { dram: 102400, cxl: 32768, private: 8192 }

function ajvProblems(errors: ErrorObject[]): ConfigProblem[] {
  return errors.map((e) => {
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'additionalProperties') message = `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`
    if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
    if (e.keyword === 'propertyNames') message = `unknown kernel option "${(e.params as { propertyName: string }).propertyName}"`
    return { path: e.instancePath, message }
  })
}

/** Validate a parsed JSON config and resolve it into the engine's MachineSpec. */
export function resolveConfig(input: unknown, source = 'config'): MachineSpec {
  const cfg = structuredClone(input) as MachineConfigInput
  if (!validate(cfg)) throw new ConfigError(ajvProblems(validate.errors ?? []), source)
  const problems: ConfigProblem[] = []
  const { config: kconfig, problems: kp } = resolveKconfig((cfg.kernel?.config ?? {}) as Record<string, boolean>)
  for (const p of kp) problems.push({ path: `/kernel/config/${p.option}`, message: p.reason })

  const order = cfg.nodes.map((n, i) => ({ n, i })).sort((a, b) => a.n.id - b.n.id)
  const seenIds = new Set<number>()
  const cpuOwner = new Map<number, number>()
  const nodes: NodeSpec[] = order.map(({ n, i }) => {
    const path = `/nodes/${i}`
    if (seenIds.has(n.id)) problems.push({ path: `${path}/id`, message: `node id ${n.id} is used twice` })
    seenIds.add(n.id)
    const cpus = parseList(n.cpus ?? '') ?? []
    if (parseList(n.cpus ?? '') === null) problems.push({ path: `${path}/cpus`, message: 'is not a valid CPU list' })
    for (const c of cpus) {
      if (cpuOwner.has(c)) problems.push({ path: `${path}/cpus`, message: `cpu ${c} is already on node ${cpuOwner.get(c)}` })
      else cpuOwner.set(c, n.id)
    }
    if (c4096(cpus)) problems.push({ path: `${path}/cpus`, message: 'cpu ids must be below 8192' })
    if (n.kind !== 'dram' && cpus.length > 0) problems.push({ path: `${path}/cpus`, message: `a ${n.kind} node has no CPUs` })
    if (n.kind === 'private' && !kconfig.PATCH_PRIVATE_NODES) problems.push({ path: `${path}/kind`, message: 'private nodes need kernel option PATCH_PRIVATE_NODES' })
    if (n.kind !== 'private' && n.optIn && Object.values(n.optIn).some(Boolean)) problems.push({ path: `${path}/optIn`, message: 'only private nodes take opt-ins' })
    if (n.zone === 'movable' && i === order[0].i) problems.push({ path: `${path}/zone`, message: 'the boot node cannot be all ZONE_MOVABLE' })
    return {
      id: n.id,
      kind: n.kind,
      memoryMiB: n.memoryMiB,
      cpus,
      zone: n.zone ?? 'normal',
      adistance: n.adistance ?? (n.kind === 'dram' ? MEMTIER_ADISTANCE_DRAM : MEMTIER_DEFAULT_DAX_ADISTANCE),
      reservedKiB: n.reservedKiB ?? null,
      pageExtBytes: n.pageExtBytes ?? 0,
      latencyNs: n.latencyNs ?? DEFAULT_LATENCY_NS[n.kind],
      storeLatencyNs: n.storeLatencyNs ?? null,
      bandwidthMBps: n.bandwidthMBps ?? DEFAULT_BANDWIDTH_MBPS[n.kind],
      optIn: { reclaim: n.optIn?.reclaim ?? false, tiering: n.optIn?.tiering ?? false, userMigrate: n.optIn?.userMigrate ?? false },
    }
  })
  if (cpuOwner.size === 0) problems.push({ path: '/nodes', message: 'at least one node needs CPUs' })

  const size = nodes.length
  let distances: number[][]
  if (cfg.distances) {
    // Rows are given in node id order.
    distances = cfg.distances as number[][]
    if (distances.length !== size) problems.push({ path: '/distances', message: `needs ${size} rows, one per node, got ${distances.length}` })
    distances.forEach((row, i) => {
      if (row.length !== size) problems.push({ path: `/distances/${i}`, message: `needs ${size} entries, got ${row.length}` })
      else if (row[i] !== 10) problems.push({ path: `/distances/${i}/${i}`, message: 'local distance must be 10' })
      row.forEach((d, j) => { if (i !== j && d <= 10) problems.push({ path: `/distances/${i}/${j}`, message: 'remote distance must be above 10' }) })
    })
  } else {
    distances = nodes.map((_, i) => nodes.map((__, j) => (i === j ? 10 : 20)))
  }
  if (problems.length) throw new ConfigError(problems, source)
  return {
    name: cfg.name ?? 'custom',
    description: cfg.description ?? '',
    seed: cfg.seed ?? 1,
    release: cfg.kernel?.release ?? '6.18.44-numaemu',
    kconfig,
    nodes,
    distances,
    swapMiB: cfg.swapMiB ?? 0,
    boot: { uptimeSeconds: cfg.boot?.uptimeSeconds ?? 3600, pageCacheMiB: cfg.boot?.pageCacheMiB ?? null, anonMiB: cfg.boot?.anonMiB ?? null },
  }
}

function c4096(cpus: number[]): boolean { return cpus.some((c) => c >= 8192) }

export function presetSpec(name: string, seed?: number): MachineSpec {
  const preset = (PRESETS as unknown as Record<string, MachineConfigInput>)[name]
  if (!preset) throw new ConfigError([{ path: '', message: `unknown preset "${name}"; presets: ${Object.keys(PRESETS).join(', ')}` }], 'preset')
  const spec = resolveConfig(preset, `preset ${name as PresetName}`)
  return seed === undefined ? spec : { ...spec, seed }
}
