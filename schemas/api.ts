/** Shapes of the JSON API (responses and errors). Registered once with the server. */
export const errorSchema = {
  $id: 'numaemu/error',
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'errno name (EINVAL, ENOENT, ...) or an HTTP error code' },
    errno: { type: 'integer' },
    message: { type: 'string' },
    path: { type: 'string' },
    reason: { type: 'string' },
  },
} as const

export const machineSchema = {
  $id: 'numaemu/machine',
  type: 'object',
  required: ['name', 'release', 'seed', 'kconfig', 'nodes', 'tiers', 'cpus', 'time'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    release: { type: 'string' },
    seed: { type: 'integer' },
    kconfig: { type: 'object', additionalProperties: { type: 'boolean' } },
    cpus: { type: 'integer', description: 'online CPUs' },
    time: {
      type: 'object', required: ['ms', 'jiffies'],
      properties: { ms: { type: 'number' }, jiffies: { type: 'integer' } },
    },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'cpus', 'memoryMiB', 'memTotalKiB', 'memFreeKiB', 'distances', 'zones'],
        properties: {
          id: { type: 'integer' },
          kind: { enum: ['dram', 'cxl', 'private'] },
          cpus: { type: 'string' },
          memoryMiB: { type: 'integer' },
          memTotalKiB: { type: 'integer' },
          memFreeKiB: { type: 'integer' },
          tier: { type: ['integer', 'null'] },
          toptier: { type: 'boolean' },
          adistance: { type: 'integer' },
          distances: { type: 'array', items: { type: 'integer' } },
          zones: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'present', 'managed', 'free'],
              properties: {
                type: { type: 'string' },
                startPfn: { type: 'integer' },
                spanned: { type: 'integer' },
                present: { type: 'integer' },
                managed: { type: 'integer' },
                free: { type: 'integer' },
                watermarks: {
                  type: 'object',
                  properties: { min: { type: 'integer' }, low: { type: 'integer' }, high: { type: 'integer' }, promo: { type: 'integer' } },
                },
              },
            },
          },
        },
      },
    },
    tiers: {
      type: 'array',
      items: { type: 'object', required: ['id', 'nodes'], properties: { id: { type: 'integer' }, nodes: { type: 'array', items: { type: 'integer' } } } },
    },
  },
} as const

export const healthSchema = {
  $id: 'numaemu/health',
  type: 'object',
  required: ['status'],
  properties: { status: { const: 'ok' }, machine: { type: 'string' }, readOnly: { type: 'boolean' } },
} as const

export const API_SCHEMAS = [errorSchema, machineSchema, healthSchema] as const
