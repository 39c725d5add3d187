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
    hotOffset: { type: 'number', minimum: 0, maximum: 1, description: 'hotset: where the hot set starts, as a share of the region (default 0; clamped so the set fits); a later phase can move the hot set with it' },
  },
  if: { properties: { kind: { const: 'hotset' } } },
  then: { required: ['hotFraction', 'hotShare'] },
  else: { not: { anyOf: [{ required: ['hotFraction'] }, { required: ['hotShare'] }, { required: ['hotOffset'] }] } },
} as const

/** Accesses per second per thread at most. */
const rateSchema = {
  type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1e12,
  description: 'accesses per second per thread at most; null: as fast as memory answers (latency / mlp per access)',
} as const

/**
 * One phase of a workload. Fields left out keep the previous phase's value (the first
 * phase's, the workload's). A phase ends after durationMs, after accessesPerThread,
 * whichever comes first; only the last phase may have neither (it runs until stopped).
 */
export const phaseSchemaBody = {
  type: 'object', additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64, description: 'default p1, p2, ... in order' },
    durationMs: { type: 'number', exclusiveMinimum: 0, maximum: 86400000, description: 'simulated ms the phase lasts' },
    accessesPerThread: { type: 'number', minimum: 1, description: 'accesses each thread makes in the phase' },
    pattern: patternVariants,
    rate: rateSchema,
    loadFraction: { type: 'number', minimum: 0, maximum: 1, description: 'share of loads; stores cost a node\'s storeLatencyNs when it has one' },
    mlp: { type: 'number', minimum: 1, maximum: 64 },
  },
} as const

const phasesSchema = {
  type: 'array', minItems: 1, maxItems: 64, items: phaseSchemaBody,
  description: 'phases run in order, each changing the pattern, rate, load share or mlp; a field a phase leaves out keeps the previous phase\'s value. With phases, accessesPerThread goes in the phases; the workload finishes when its last phase ends',
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
    loadFraction: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'share of loads; stores cost a node\'s storeLatencyNs when it has one' },
    mlp: { type: 'number', minimum: 1, maximum: 64, default: 1, description: 'outstanding misses per thread' },
    rate: { ...rateSchema, default: null },
    phases: phasesSchema,
  },
} as const

export { rateSchema, phasesSchema }

export const SIM_SCHEMAS = [stepSchema, patternSchema, workloadSchema] as const
