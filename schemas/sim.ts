/** Bodies of the simulated-time and workload API (/api/v1/sim, /api/v1/workloads). */
export const stepSchema = {
  $id: 'numaemu/step',
  type: 'object', additionalProperties: false, required: ['ms'],
  properties: { ms: { type: 'number', minimum: 0, maximum: 86400000, description: 'simulated milliseconds to advance' } },
} as const

// One object schema with a conditional rather than oneOf: fastify's ajv strips unknown
// properties while it tries each branch, which would eat hotFraction/hotShare.
const patternVariants = {
  type: 'object', additionalProperties: false, required: ['kind'],
  properties: {
    kind: { enum: ['uniform', 'sequential', 'hotset'] },
    hotFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'hotset: share of the region that is hot' },
    hotShare: { type: 'number', minimum: 0, maximum: 1, description: 'hotset: share of accesses that go to the hot set' },
  },
  if: { properties: { kind: { const: 'hotset' } } },
  then: { required: ['hotFraction', 'hotShare'] },
  else: { not: { anyOf: [{ required: ['hotFraction'] }, { required: ['hotShare'] }] } },
} as const

export const patternSchema = { $id: 'numaemu/pattern', ...patternVariants } as const

export const workloadSchema = {
  $id: 'numaemu/workload',
  type: 'object', additionalProperties: false, required: ['pid', 'threads'],
  oneOf: [{ required: ['pages'] }, { required: ['bytes'] }],
  properties: {
    pid: { type: 'integer', minimum: 0, description: 'task whose memory (allocated now, under its policy) the threads touch' },
    pages: { type: 'integer', minimum: 1, maximum: 1073741824 },
    bytes: { type: 'integer', minimum: 4096, maximum: 4398046511104 },
    threads: { type: 'integer', minimum: 1, maximum: 4096 },
    cpus: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, description: 'CPUs the threads run on, round robin; default the task\'s CPU' },
    // Inline: a $ref inside a schema with a relative $id would resolve against that id.
    pattern: patternVariants,
    accessesPerThread: { type: ['number', 'null'], minimum: 1, default: null, description: 'work per thread; null runs until stopped' },
    loadFraction: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
    mlp: { type: 'number', minimum: 1, maximum: 64, default: 1, description: 'outstanding misses per thread' },
  },
} as const

export const SIM_SCHEMAS = [stepSchema, patternSchema, workloadSchema] as const
