/**
 * Bodies and replies of the control API (/api/v1/tasks, /api/v1/cgroups): create
 * tasks, set their mempolicy, allocate, free and migrate memory, percpu objects.
 */
import { POLICY_FLAGS, POLICY_MODES } from '../src/engine/mempolicy.js'
import { TASK_KINDS } from '../src/engine/tasks.js'

const amount = {
  pages: { type: 'integer', minimum: 0, maximum: 68719476736, description: 'number of 4 KiB pages' },
  bytes: { type: 'integer', minimum: 0, maximum: 281474976710656, description: 'bytes, rounded up to whole pages' },
} as const

export const taskCreateSchema = {
  $id: 'numaemu/task-create',
  type: 'object', additionalProperties: false, required: ['cpu'],
  properties: {
    cpu: { type: 'integer', minimum: 0, description: 'CPU the task runs on; its node is the local node' },
    cgroup: { type: 'string', default: '/', maxLength: 4096, description: 'cgroup path below /sys/fs/cgroup, e.g. /workload' },
    comm: { type: 'string', default: 'task', minLength: 1, maxLength: 15, description: 'task name (comm is 16 bytes with the NUL)' },
  },
} as const

export const mempolicySchema = {
  $id: 'numaemu/mempolicy',
  type: 'object', additionalProperties: false, required: ['mode'],
  properties: {
    mode: { enum: POLICY_MODES },
    nodes: {
      description: 'node ids, as an array or a kernel list string ("0-1,3")',
      anyOf: [
        { type: 'array', items: { type: 'integer', minimum: 0, maximum: 1023 }, maxItems: 1024 },
        { type: 'string', pattern: '^$|^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$' },
      ],
    },
    flags: { type: 'array', items: { enum: POLICY_FLAGS }, uniqueItems: true, default: [] },
  },
} as const

export const allocSchema = {
  $id: 'numaemu/alloc',
  type: 'object', additionalProperties: false, required: ['kind'],
  oneOf: [{ required: ['pages'] }, { required: ['bytes'] }],
  properties: { kind: { enum: TASK_KINDS }, ...amount },
} as const

export const freeSchema = {
  $id: 'numaemu/free',
  type: 'object', additionalProperties: false, required: ['kind'],
  oneOf: [{ required: ['pages'] }, { required: ['bytes'] }],
  properties: { kind: { enum: TASK_KINDS }, ...amount, node: { type: 'integer', minimum: 0, description: 'free only pages on this node' } },
} as const

export const migrateSchema = {
  $id: 'numaemu/migrate',
  type: 'object', additionalProperties: false, required: ['nodes'],
  properties: {
    nodes: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 1023 }, minItems: 1, maxItems: 1024 },
    kind: { enum: ['anon', 'file', 'file_mapped', 'shmem'] },
  },
} as const

export const percpuSchema = {
  $id: 'numaemu/percpu',
  type: 'object', additionalProperties: false, required: ['size'],
  properties: {
    size: { type: 'integer', minimum: 1, maximum: 32768, description: 'bytes per CPU' },
    count: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
  },
} as const

export const moveSchema = {
  $id: 'numaemu/task-move',
  type: 'object', additionalProperties: false, required: ['cgroup'],
  properties: { cgroup: { type: 'string', maxLength: 4096 } },
} as const

export const cgroupCreateSchema = {
  $id: 'numaemu/cgroup-create',
  type: 'object', additionalProperties: false, required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 4096, description: 'e.g. /workload/a' },
    enableMemory: { type: 'boolean', default: true, description: 'also write +memory to the parent\'s cgroup.subtree_control first' },
  },
} as const

export const taskSchema = {
  $id: 'numaemu/task',
  type: 'object',
  required: ['pid', 'comm', 'cpu', 'node', 'cgroup', 'policy', 'pages', 'percpuObjects'],
  properties: {
    pid: { type: 'integer' },
    comm: { type: 'string' },
    cpu: { type: 'integer' },
    node: { type: 'integer' },
    cgroup: { type: 'string' },
    policy: {
      type: 'object', required: ['mode', 'nodes', 'flags'],
      properties: { mode: { type: 'string' }, nodes: { type: 'array', items: { type: 'integer' } }, flags: { type: 'array', items: { type: 'string' } } },
    },
    pages: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } }, description: 'kind → nodeN → pages' },
    percpuObjects: { type: 'integer' },
  },
} as const

export const placementSchema = {
  $id: 'numaemu/placement',
  type: 'object', required: ['pages', 'nodes'],
  properties: {
    pages: { type: 'integer' },
    nodes: { type: 'object', additionalProperties: { type: 'integer' }, description: 'nodeN → pages placed there' },
    task: { $ref: 'numaemu/task#' },
  },
} as const

export const CONTROL_SCHEMAS = [taskCreateSchema, mempolicySchema, allocSchema, freeSchema, migrateSchema, percpuSchema, moveSchema, cgroupCreateSchema, taskSchema, placementSchema] as const
