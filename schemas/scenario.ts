/**
 * JSON Schema of a scenario file (`numaemu run FILE`): a machine, the kernel files
 * written before anything runs, cgroups, tasks, access workloads and what to report.
 * The machine, mempolicy and access pattern shapes are the ones the config loader
 * and the HTTP API already accept. They are inlined without their $id rather than
 * referenced: a $ref inside a schema with a relative $id resolves against that id.
 */
import type { FromSchema } from 'json-schema-to-ts'
import { KCONFIG_NAMES } from '../src/kernel/kconfig.js'
import { PRESET_NAMES } from '../src/config/presets.js'
import { machineConfigSchema } from './machine-config.js'
import { mempolicySchema } from './control.js'
import { patternSchema, phasesSchema, rateSchema } from './sim.js'

const { $id: _machineId, ...machineConfigBody } = machineConfigSchema
const { $id: _policyId, ...mempolicyBody } = mempolicySchema
const { $id: _patternId, ...patternBody } = patternSchema

const LIST_PATTERN = '^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$'
const CGROUP_PATH = { type: 'string', pattern: '^/', maxLength: 4096 } as const

export const scenarioSchema = {
  $id: 'numaemu/scenario',
  type: 'object',
  additionalProperties: false,
  required: ['machine', 'workloads'],
  properties: {
    $schema: { type: 'string', description: 'ignored; lets editors find this schema' },
    name: { type: 'string', minLength: 1, maxLength: 128, description: 'scenario name for reports; default the file name' },
    description: { type: 'string', description: 'free text' },
    machine: {
      type: 'object', additionalProperties: false,
      description: 'the machine: a shipped preset (optionally with cost-model and kernel-option changes) or an inline machine config; exactly one of preset and config',
      properties: {
        preset: { enum: PRESET_NAMES, description: 'a shipped machine (see `numaemu --help`)' },
        config: { ...machineConfigBody, description: 'an inline machine config, as for `numaemu --config`' },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'seed of every random choice; default the machine\'s seed' },
        kernelConfig: {
          type: 'object', propertyNames: { enum: KCONFIG_NAMES }, additionalProperties: { type: 'boolean' },
          description: 'preset only: kernel build options (names without CONFIG_) changed from the preset',
        },
        nodes: {
          type: 'array', maxItems: 64,
          description: 'preset only: changes to the access cost model of the preset\'s nodes, by node id',
          items: {
            type: 'object', additionalProperties: false, required: ['id'],
            properties: {
              id: { type: 'integer', minimum: 0, maximum: 1023, description: 'a node of the preset' },
              latencyNs: { type: 'integer', minimum: 1, description: 'access latency of the node as the workloads see it (loaded latency)' },
              storeLatencyNs: { type: 'integer', minimum: 1, description: 'store latency, when stores cost other than loads (default: latencyNs)' },
              bandwidthMBps: { type: 'integer', minimum: 1, description: 'node bandwidth (weighted-interleave auto weights)' },
            },
          },
        },
      },
    },
    quantumMs: {
      type: 'number', minimum: 1, maximum: 1000, default: 10,
      description: 'simulation step in ms; IBS samples beyond the per-CPU ring (149 per step) are dropped, so long steps lose samples',
    },
    duration: {
      type: 'number', exclusiveMinimum: 0, maximum: 86400000, default: 600000,
      description: 'most simulated ms to run; the run ends earlier when every workload with finite work has finished',
    },
    writes: {
      type: 'array', maxItems: 1024,
      description: 'kernel file writes applied in order before the tasks start, as root writing `echo VALUE > PATH` (a newline is appended); a refused write is an error',
      items: {
        type: 'object', additionalProperties: false, required: ['path', 'value'],
        properties: {
          path: { type: 'string', pattern: '^/', maxLength: 4096, description: 'e.g. /proc/sys/kernel/numa_balancing, /sys/kernel/debug/pghot/enabled_sources' },
          value: { type: ['string', 'number'], description: 'what is written' },
        },
      },
    },
    cgroups: {
      type: 'array', maxItems: 256, items: CGROUP_PATH,
      description: 'cgroups to create below /sys/fs/cgroup (e.g. "/bench"), with the memory controller enabled in them (so their parents hand it down); created before the writes',
    },
    tasks: {
      type: 'array', maxItems: 1024,
      description: 'tasks to create, after the writes',
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'cpu'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64, description: 'referenced by workloads; also the comm (first 15 characters)' },
          cpu: { type: 'integer', minimum: 0, description: 'CPU the task runs on (its node is the local node)' },
          cgroup: { ...CGROUP_PATH, default: '/', description: 'cgroup path below /sys/fs/cgroup; "/" is the root' },
          mempolicy: { ...mempolicyBody, description: 'the task\'s running policy (set_mempolicy); default: the default policy' },
        },
      },
    },
    workloads: {
      type: 'array', maxItems: 256,
      description: 'memory regions of tasks and the threads that access them; all start together when the run starts',
      items: {
        type: 'object', additionalProperties: false, required: ['task', 'threads'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64, description: 'default w1, w2, ... in order' },
          task: { type: 'string', minLength: 1, description: 'name of the task whose memory this is' },
          bytes: { type: 'integer', minimum: 4096, maximum: 4398046511104, description: 'region size in bytes, rounded up to pages (exactly one of bytes and pages)' },
          pages: { type: 'integer', minimum: 1, maximum: 1073741824, description: 'region size in 4 KiB pages' },
          placement: {
            ...mempolicyBody,
            description: 'policy the region is allocated under (e.g. bind to node 1). Default: the task\'s policy',
          },
          policy: {
            ...mempolicyBody,
            description: 'policy the task runs under once the region is allocated (e.g. default). Default: the task\'s own mempolicy',
          },
          threads: { type: 'integer', minimum: 1, maximum: 4096, description: 'threads accessing the region' },
          cpus: { type: 'string', pattern: LIST_PATTERN, description: 'CPUs the threads run on, round robin, as a list ("0-63"); default the task\'s CPU' },
          pattern: { ...patternBody, default: { kind: 'uniform' }, description: 'which pages the accesses touch: uniform, sequential, or a hot set' },
          accessesPerThread: { type: ['number', 'null'], minimum: 1, default: null, description: 'accesses each thread makes; null runs until the duration ends' },
          loadFraction: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'share of the accesses that are loads; the rest are stores, which cost a node\'s storeLatencyNs when it has one' },
          mlp: { type: 'number', minimum: 1, maximum: 64, default: 1, description: 'outstanding misses per thread: an access costs the node latency / mlp' },
          rate: { ...rateSchema, default: null },
          phases: phasesSchema,
        },
      },
    },
    report: {
      type: 'object', additionalProperties: false, default: {},
      description: 'counters to report, each with its value when the run starts, at the end, and the difference',
      properties: {
        vmstat: {
          type: 'array', maxItems: 512, items: { type: 'string', minLength: 1 },
          description: '/proc/vmstat names; default: the promotion, NUMA balancing, pghot and IBS counters the machine has',
        },
        nodeVmstat: {
          type: 'array', maxItems: 64,
          description: 'per-node /sys/devices/system/node/nodeN/vmstat names',
          items: {
            type: 'object', additionalProperties: false, required: ['node', 'items'],
            properties: {
              node: { type: 'integer', minimum: 0, maximum: 1023 },
              items: { type: 'array', minItems: 1, maxItems: 512, items: { type: 'string', minLength: 1 } },
            },
          },
        },
        memcg: {
          type: 'array', maxItems: 256,
          description: 'memory cgroup files: a "key value" file (memory.stat, memory.events) with keys; memory.numa_stat with keys "item:N<node>"; a one-number file (memory.current) without keys',
          items: {
            type: 'object', additionalProperties: false, required: ['cgroup', 'file'],
            properties: {
              cgroup: CGROUP_PATH,
              file: { type: 'string', pattern: '^memory\\.[a-z_.]+$', description: 'e.g. memory.stat' },
              keys: { type: 'array', minItems: 1, maxItems: 512, items: { type: 'string', minLength: 1 } },
            },
          },
        },
        seriesMs: {
          type: 'number', minimum: 1, maximum: 86400000,
          description: 'also sample every counter (and each workload\'s pages per node) at this simulated interval; sampled at step boundaries',
        },
      },
    },
  },
} as const

/** A scenario as written: properties with defaults may be left out. */
export type ScenarioInput = FromSchema<typeof scenarioSchema, { keepDefaultedPropertiesOptional: true }>
/** A validated scenario, with the schema's defaults filled in. */
export type ScenarioSpec = FromSchema<typeof scenarioSchema>
