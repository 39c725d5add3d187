/**
 * JSON Schema of a machine configuration. Types are derived from it, and the
 * config loader compiles it with defaults applied, so every default lives here.
 */
import type { FromSchema } from 'json-schema-to-ts'
import { KCONFIG_NAMES } from '../src/kernel/kconfig.js'

export const nodeConfigSchema = {
  $id: 'numaemu/node-config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'memoryMiB'],
  properties: {
    id: { type: 'integer', minimum: 0, maximum: 1023, description: 'NUMA node id' },
    kind: { enum: ['dram', 'cxl', 'private'], description: 'dram: ordinary RAM; cxl: CPU-less expander memory; private: N_MEMORY_PRIVATE node (e.g. compressed RAM)' },
    memoryMiB: { type: 'integer', minimum: 128, maximum: 268435456, description: 'installed memory on the node, MiB (a multiple of the 128 MiB section size is typical)' },
    cpus: { type: 'string', default: '', pattern: '^$|^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$', description: 'CPU list in kernel list format, e.g. "0-7,16-23"; empty for a CPU-less node' },
    zone: { enum: ['normal', 'movable'], default: 'normal', description: 'zone the memory above 4 GiB is onlined to' },
    adistance: { type: 'integer', minimum: 0, maximum: 65535, description: 'abstract distance for memory tiering (tier = adistance >> 7); default 576 for dram, 2880 for cxl' },
    reservedKiB: { type: 'integer', minimum: 0, description: 'memblock reservations on this node besides the memmap (kernel image, swiotlb, firmware); default derived from the node' },
    pageExtBytes: { type: 'integer', minimum: 0, maximum: 256, default: 0, description: 'page_ext bytes per page allocated at boot next to the memmap' },
    latencyNs: { type: 'integer', minimum: 1, description: 'access latency used by the access cost model (loads; stores too unless storeLatencyNs is given)' },
    storeLatencyNs: { type: 'integer', minimum: 1, description: 'store latency for the access cost model; default latencyNs. An access costs loadFraction x latencyNs + (1 - loadFraction) x storeLatencyNs' },
    bandwidthMBps: { type: 'integer', minimum: 1, description: 'memory bandwidth (HMAT/CDAT-style), used by weighted-interleave auto weights; default by kind' },
    optIn: {
      type: 'object', additionalProperties: false, default: {},
      description: 'private nodes only: which kernel paths may use the node',
      properties: {
        reclaim: { type: 'boolean', default: false },
        tiering: { type: 'boolean', default: false },
        userMigrate: { type: 'boolean', default: false },
      },
    },
  },
} as const

export const machineConfigSchema = {
  $id: 'numaemu/machine-config',
  type: 'object',
  additionalProperties: false,
  required: ['nodes'],
  properties: {
    name: { type: 'string', default: 'custom', minLength: 1, maxLength: 64 },
    description: { type: 'string', default: '' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 1, description: 'seed of every random choice the simulation makes' },
    kernel: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        release: { type: 'string', default: '6.18.44-numaemu', minLength: 1 },
        config: {
          type: 'object', default: {},
          propertyNames: { enum: KCONFIG_NAMES },
          additionalProperties: { type: 'boolean' },
          description: 'kernel build options (names without CONFIG_) overriding the distro-like defaults',
        },
      },
    },
    nodes: { type: 'array', minItems: 1, maxItems: 64, items: nodeConfigSchema },
    distances: {
      type: 'array', minItems: 1, maxItems: 64,
      items: { type: 'array', items: { type: 'integer', minimum: 10, maximum: 255 } },
      description: 'SLIT distance matrix, rows and columns in node id order; defaults to 10 local, 20 remote',
    },
    swapMiB: { type: 'integer', minimum: 0, default: 0 },
    boot: {
      type: 'object', additionalProperties: false, default: {},
      description: 'what the idle machine has done since boot',
      properties: {
        uptimeSeconds: { type: 'integer', minimum: 0, default: 3600 },
        pageCacheMiB: { type: 'integer', minimum: 0, description: 'page cache filled at boot; default scales with memory' },
        anonMiB: { type: 'integer', minimum: 0, description: 'anonymous memory of the running services; default scales with CPUs' },
      },
    },
  },
} as const

/** A config as a user writes it: properties with defaults may be left out. */
export type NodeConfig = FromSchema<typeof nodeConfigSchema, { keepDefaultedPropertiesOptional: true }>
export type MachineConfigInput = FromSchema<typeof machineConfigSchema, { keepDefaultedPropertiesOptional: true }>
