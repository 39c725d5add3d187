/**
 * Scenario files: JSON validated against schemas/scenario with defaults applied,
 * then checked for what a schema cannot say (names that must match, exactly-one-of
 * fields, CPU lists). Every problem is reported with its JSON path, in the style of
 * the machine config loader. What depends on the machine (online CPUs, knob values,
 * counter names) is checked when the scenario is set up, with the same error type.
 */
import { Ajv, type ErrorObject } from 'ajv'
import { scenarioSchema, type ScenarioSpec } from '../../schemas/scenario.js'
import { parseList } from '../kernfs/format.js'
import { resolvePhases, type Pattern } from '../engine/workload.js'

export interface ScenarioProblem { path: string; message: string }

export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[], readonly source: string) {
    super(`invalid scenario (${source}):\n` + problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n'))
    this.name = 'ScenarioError'
  }
}

// strictRequired is off because the shared pattern schema names its conditional
// requirements in if/then without repeating the properties there.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, strictRequired: false, verbose: true })
const validate = ajv.compile(scenarioSchema)

function jsonType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (Number.isInteger(v)) return 'integer'
  return typeof v
}

type Branch = { type?: string | string[]; properties?: Record<string, { const?: unknown }> }

/** A branch fits when the data has its type and every const property it names. */
function branchFits(branch: Branch, data: unknown): boolean {
  if (branch.type) {
    const types = Array.isArray(branch.type) ? branch.type : [branch.type]
    const t = jsonType(data)
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return false
  }
  for (const [k, p] of Object.entries(branch.properties ?? {})) {
    if (p && 'const' in p && (data as Record<string, unknown> | null)?.[k] !== p.const) return false
  }
  return true
}

/** "kind must be one of ..." when the branches are told apart by a const property. */
function discriminatorMessage(branches: readonly Branch[]): string | null {
  const first = branches[0]?.properties ?? {}
  for (const k of Object.keys(first)) {
    const values = branches.map((b) => b.properties?.[k]?.const)
    if (values.every((v) => v !== undefined)) return `${k} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`
  }
  return null
}

/**
 * Ajv reports every branch of an anyOf/oneOf; only the branch meant for the data
 * (by type, or by its const discriminator) says something useful, so the others and
 * the summary error are dropped. When no branch fits, only the summary stays.
 */
export function ajvProblems(errors: readonly ErrorObject[]): ScenarioProblem[] {
  const drop = new Set<ErrorObject>()
  const summary = new Map<ErrorObject, string>()
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue
    const branches = (Array.isArray(e.schema) ? e.schema : []) as Branch[]
    const fitting = branches.map((b, i) => (branchFits(b, e.data) ? i : -1)).filter((i) => i >= 0)
    const fit = fitting.length === 1 ? fitting[0] : -1
    for (const other of errors) {
      if (other === e || !other.schemaPath.startsWith(`${e.schemaPath}/`)) continue
      const idx = Number(other.schemaPath.slice(e.schemaPath.length + 1).split('/')[0])
      if (fit < 0 || idx !== fit) drop.add(other)
    }
    if (fit >= 0) drop.add(e)
    else summary.set(e, discriminatorMessage(branches) ?? 'does not match any of the allowed forms')
  }
  // "must match \"then\" schema" only repeats what the errors inside the branch say.
  for (const e of errors) if (e.keyword === 'if') drop.add(e)
  return errors.filter((e) => !drop.has(e)).map((e) => {
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'additionalProperties') message = `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`
    if (e.keyword === 'enum') message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
    if (e.keyword === 'propertyNames') message = `unknown name "${(e.params as { propertyName: string }).propertyName}"`
    message = summary.get(e) ?? message
    return { path: e.instancePath, message }
  }).filter((p, i, all) => all.findIndex((q) => q.path === p.path && q.message === p.message) === i)
}

/** Validate a parsed scenario; returns it with defaults applied (the input is not changed). */
export function loadScenario(input: unknown, source = 'scenario'): ScenarioSpec {
  const s = structuredClone(input)
  if (!validate(s)) throw new ScenarioError(ajvProblems(validate.errors ?? []), source)
  const spec = s as ScenarioSpec
  const problems: ScenarioProblem[] = []
  const m = spec.machine
  if ((m.preset === undefined) === (m.config === undefined)) problems.push({ path: '/machine', message: 'needs exactly one of "preset" and "config"' })
  if (m.config !== undefined) {
    if (m.kernelConfig !== undefined) problems.push({ path: '/machine/kernelConfig', message: 'goes with "preset"; put kernel options in config.kernel.config' })
    if (m.nodes !== undefined) problems.push({ path: '/machine/nodes', message: 'goes with "preset"; put node changes in config.nodes' })
  }
  const seenNodePatch = new Set<number>()
  m.nodes?.forEach((n, i) => {
    if (seenNodePatch.has(n.id)) problems.push({ path: `/machine/nodes/${i}/id`, message: `node ${n.id} is changed twice` })
    seenNodePatch.add(n.id)
  })

  const cgroups = new Set<string>(['/'])
  spec.cgroups?.forEach((c, i) => {
    const norm = normalizeCgroup(c)
    if (norm === null) problems.push({ path: `/cgroups/${i}`, message: 'is not a cgroup path ("/name/..." without "." or ".." parts)' })
    else if (cgroups.has(norm)) problems.push({ path: `/cgroups/${i}`, message: `${norm} is listed twice` })
    else cgroups.add(norm)
  })

  const taskNames = new Set<string>()
  spec.tasks?.forEach((t, i) => {
    if (taskNames.has(t.name)) problems.push({ path: `/tasks/${i}/name`, message: `task name "${t.name}" is used twice` })
    taskNames.add(t.name)
    const cg = normalizeCgroup(t.cgroup)
    // A cgroup that is only an ancestor of a listed one is created too.
    const known = cg !== null && [...cgroups].some((c) => c === cg || c.startsWith(`${cg}/`))
    if (!known) problems.push({ path: `/tasks/${i}/cgroup`, message: `${t.cgroup} is not "/" and not in "cgroups"` })
    checkPolicy(t.mempolicy, `/tasks/${i}/mempolicy`, problems)
  })

  const workloadNames = new Set<string>()
  spec.workloads.forEach((w, i) => {
    const name = w.name ?? `w${i + 1}`
    if (workloadNames.has(name)) problems.push({ path: `/workloads/${i}/name`, message: `workload name "${name}" is used twice` })
    workloadNames.add(name)
    if (!taskNames.has(w.task)) problems.push({ path: `/workloads/${i}/task`, message: `no task named "${w.task}" in "tasks"` })
    if ((w.bytes === undefined) === (w.pages === undefined)) problems.push({ path: `/workloads/${i}`, message: 'needs exactly one of "bytes" and "pages"' })
    if (w.cpus !== undefined && parseList(w.cpus) === null) problems.push({ path: `/workloads/${i}/cpus`, message: 'is not a valid CPU list' })
    checkPolicy(w.placement, `/workloads/${i}/placement`, problems)
    checkPolicy(w.policy, `/workloads/${i}/policy`, problems)
    if (w.phases) {
      const ph = resolvePhases({ pattern: w.pattern as Pattern, rate: w.rate, loadFraction: w.loadFraction, mlp: w.mlp, accessesPerThread: w.accessesPerThread }, w.phases as never)
      if (!ph.ok) for (const p of ph.problems) problems.push({ path: `/workloads/${i}${p.path}`, message: p.message })
    }
  })

  const r = spec.report
  if (r.seriesMs !== undefined && r.seriesMs < spec.quantumMs) problems.push({ path: '/report/seriesMs', message: `must be at least quantumMs (${spec.quantumMs})` })
  r.memcg?.forEach((c, i) => {
    const norm = normalizeCgroup(c.cgroup)
    if (norm === null || (norm !== '/' && !cgroups.has(norm))) problems.push({ path: `/report/memcg/${i}/cgroup`, message: `${c.cgroup} is not "/" and not in "cgroups"` })
  })
  if (problems.length) throw new ScenarioError(problems, source)
  return spec
}

/** Parse scenario text (JSON) and validate it. */
export function parseScenario(text: string, source = 'scenario'): ScenarioSpec {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ScenarioError([{ path: '', message: `is not valid JSON: ${(err as Error).message}` }], source)
  }
  return loadScenario(json, source)
}

/** "/a//b/" → "/a/b"; null for "." and ".." parts. */
export function normalizeCgroup(path: string): string | null {
  const parts = path.split('/').filter(Boolean)
  if (parts.some((p) => p === '.' || p === '..')) return null
  return '/' + parts.join('/')
}

function checkPolicy(p: { nodes?: number[] | string } | undefined, path: string, problems: ScenarioProblem[]): void {
  if (p && typeof p.nodes === 'string' && p.nodes !== '' && parseList(p.nodes) === null) problems.push({ path: `${path}/nodes`, message: 'is not a valid node list' })
}

/** Node ids of a policy's nodes field (array or list string). */
export function policyNodes(nodes: number[] | string | undefined): number[] {
  if (nodes === undefined) return []
  return typeof nodes === 'string' ? parseList(nodes) ?? [] : nodes
}
