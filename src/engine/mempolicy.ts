/**
 * NUMA memory policies (mm/mempolicy.c): validation as set_mempolicy(2) does it,
 * where each policy puts pages, and the per-policy hit/miss/foreign counters of the
 * mempolicy series:
 *   hit     counted on the node that got the page, when it is the intended node
 *           (for bind and preferred_many: when it is in the policy's nodes);
 *   miss    counted on the node that got the page when it was not;
 *   foreign counted on the intended node in that case.
 * The global counters count even without a memcg, as the series' review asked.
 */
import { MPOL_MODES, type MpolMode, type NodeItem } from '../counters/vmstat-items.js'
import type { Cgroup } from './cgroup.js'
import type { AllocRequest, Errno, Machine, Placement, Result } from './machine.js'
import type { PageKind } from './page-kinds.js'

export type PolicyMode = 'default' | 'local' | 'preferred' | 'preferred_many' | 'bind' | 'interleave' | 'weighted_interleave'
export const POLICY_MODES: readonly PolicyMode[] = ['default', 'local', 'preferred', 'preferred_many', 'bind', 'interleave', 'weighted_interleave']
export type PolicyFlag = 'static_nodes' | 'relative_nodes' | 'numa_balancing' | 'private'
export const POLICY_FLAGS: readonly PolicyFlag[] = ['static_nodes', 'relative_nodes', 'numa_balancing', 'private']

export interface Mempolicy {
  /** 'default' means no task policy: the kernel then uses the local node's preferred policy. */
  mode: PolicyMode
  /** Effective nodes after masking with the allowed memory nodes (and relative mapping). */
  nodes: number[]
  /** The nodes as the user gave them. */
  userNodes: number[]
  flags: PolicyFlag[]
}

export const DEFAULT_POLICY: Mempolicy = { mode: 'default', nodes: [], userNodes: [], flags: [] }

/** Interleave position of a task (il_prev / il_weight). */
export interface InterleaveState { prev: number; weightLeft: number }

type Bad = { ok: false; errno: Errno; reason: string }
const bad = (reason: string, errno: Errno = 'EINVAL'): Bad => ({ ok: false, errno, reason })

/** set_mempolicy(2): sanitize_mpol_flags, mpol_new and mpol_set_nodemask. */
export function makePolicy(m: Machine, mode: PolicyMode, userNodes: readonly number[], flags: readonly PolicyFlag[]): Result<Mempolicy> {
  if (!POLICY_MODES.includes(mode)) return bad(`unknown mode ${mode}`)
  const f = new Set(flags)
  for (const x of f) if (!POLICY_FLAGS.includes(x)) return bad(`unknown flag ${x}`)
  if (f.has('static_nodes') && f.has('relative_nodes')) return bad('static_nodes and relative_nodes exclude each other')
  if (f.has('numa_balancing') && mode !== 'bind' && mode !== 'preferred_many') return bad('numa_balancing goes only with bind or preferred_many')
  if (f.has('private') && !m.kconfig.PATCH_PRIVATE_NODES) return bad('private-node policies need the private memory nodes series')
  if (f.has('private') && !['bind', 'preferred', 'preferred_many'].includes(mode)) return bad('private goes only with bind, preferred or preferred_many')
  const nodes = [...new Set(userNodes)].sort((a, b) => a - b)
  for (const n of nodes) if (!Number.isInteger(n) || n < 0 || n > 1023) return bad(`node ${n} is outside the nodemask`)
  if (mode === 'default') {
    if (nodes.length) return bad('the default policy takes no nodes')
    return { ok: true, value: { ...DEFAULT_POLICY, flags: [...f] } }
  }
  let effMode = mode
  if (mode === 'preferred' && nodes.length === 0) {
    if (f.has('static_nodes') || f.has('relative_nodes')) return bad('preferred with no nodes cannot take static or relative nodes')
    effMode = 'local'
  }
  if (effMode === 'local') {
    if (nodes.length || f.has('static_nodes') || f.has('relative_nodes')) return bad('local takes no nodes')
    return { ok: true, value: { mode: 'local', nodes: [], userNodes: nodes, flags: [...f] } }
  }
  if (nodes.length === 0) return bad(`${mode} needs at least one node`)
  // Allowed: N_MEMORY, plus the private nodes a private policy may name.
  const allowed = m.memoryNodes().map((n) => n.id)
  if (f.has('private')) allowed.push(...m.privateNodes().map((n) => n.id))
  allowed.sort((a, b) => a - b)
  let eff: number[]
  if (f.has('relative_nodes')) {
    const folded = new Set(nodes.map((n) => n % allowed.length))
    eff = allowed.filter((_, i) => folded.has(i))
  } else {
    eff = nodes.filter((n) => allowed.includes(n))
  }
  if (eff.length === 0) return bad(`none of nodes ${nodes.join(',')} has memory this policy may use`)
  if (effMode === 'preferred') eff = [eff[0]]
  return { ok: true, value: { mode: effMode, nodes: eff, userNodes: nodes, flags: [...f] } }
}

/** Which numa_mpol_* triplet an allocation under this policy counts in. */
export function countedMode(p: Mempolicy): MpolMode {
  // With no task policy the kernel uses preferred_node_policy[local node]: MPOL_PREFERRED.
  if (p.mode === 'default') return 'preferred'
  return p.mode
}

export interface PolicyAllocRequest {
  kind: PageKind
  pages: number
  cpu: number
  memcg: Cgroup | null
  policy: Mempolicy
  il: InterleaveState
}

interface Step { req: AllocRequest; intended: number; inMask: ((nid: number) => boolean) | null; interleaveTarget: boolean }

/** Interleave targets for `pages` pages: nodes in round robin after il.prev, weight[n] pages in a row each. */
export function interleaveCounts(nodes: readonly number[], weights: (nid: number) => number, il: InterleaveState, pages: number): Map<number, number> {
  const out = new Map<number, number>()
  const add = (n: number, k: number) => out.set(n, (out.get(n) ?? 0) + k)
  const w = (n: number) => Math.max(1, weights(n))
  let idx = nodes.indexOf(il.prev)
  let left = il.weightLeft
  if (idx < 0) { idx = nodes.length - 1; left = 0 }
  let remaining = pages
  const first = Math.min(left, remaining)
  if (first > 0) { add(nodes[idx], first); left -= first; remaining -= first }
  if (remaining > 0) {
    const round = nodes.reduce((s, n) => s + w(n), 0)
    const rounds = Math.floor(remaining / round)
    if (rounds > 0) { for (const n of nodes) add(n, rounds * w(n)); remaining -= rounds * round }
    while (remaining > 0) {
      idx = (idx + 1) % nodes.length
      const take = Math.min(w(nodes[idx]), remaining)
      add(nodes[idx], take)
      remaining -= take
      left = w(nodes[idx]) - take
    }
  }
  il.prev = nodes[idx]
  il.weightLeft = left
  return out
}

/** The allocator requests a policy makes for `pages` pages of a kind (advances `il`). */
function policySteps(m: Machine, r: PolicyAllocRequest, kind: PageKind, pages: number): Step[] {
  const local = m.nodeOfCpu(r.cpu).id
  const p = r.policy
  const base = { kind, cpu: r.cpu, memcg: r.memcg, allowPrivate: p.flags.includes('private') }
  const steps: Step[] = []
  if (pages === 0) return steps
  switch (p.mode) {
    case 'default':
    case 'local':
      steps.push({ req: { ...base, pages, nid: local }, intended: local, inMask: null, interleaveTarget: false })
      break
    case 'preferred':
      steps.push({ req: { ...base, pages, nid: p.nodes[0] }, intended: p.nodes[0], inMask: null, interleaveTarget: false })
      break
    case 'bind':
      steps.push({ req: { ...base, pages, nid: local, nodemask: p.nodes }, intended: local, inMask: (n) => p.nodes.includes(n), interleaveTarget: false })
      break
    case 'preferred_many': {
      // First only the policy's nodes; what they cannot take falls back anywhere.
      const inMask = (n: number) => p.nodes.includes(n)
      const first = Math.min(pages, m.allocatable({ ...base, pages, nid: local, nodemask: p.nodes }))
      if (first > 0) steps.push({ req: { ...base, pages: first, nid: local, nodemask: p.nodes }, intended: local, inMask, interleaveTarget: false })
      if (pages - first > 0) steps.push({ req: { ...base, pages: pages - first, nid: local, allowPrivate: false }, intended: local, inMask, interleaveTarget: false })
      break
    }
    case 'interleave':
    case 'weighted_interleave': {
      const weights = p.mode === 'weighted_interleave' ? (n: number) => m.weightedInterleave.weight(n) : () => 1
      for (const [nid, n] of interleaveCounts(p.nodes, weights, r.il, pages)) {
        steps.push({ req: { ...base, pages: n, nid }, intended: nid, inMask: null, interleaveTarget: true })
      }
      break
    }
  }
  return steps
}

/**
 * Allocate under a policy: split into the allocator requests the policy makes,
 * plan them all (and `extra` allocations placed by the same policy, such as the
 * page tables mapping the pages) against the same free pages, then commit and count
 * the numa_mpol_* triplets. All or nothing.
 */
export function policyAlloc(m: Machine, r: PolicyAllocRequest, extra: ReadonlyArray<{ kind: PageKind; pages: number }> = []): Result<Placement[][]> {
  const il = { ...r.il }
  const groups = [{ kind: r.kind, pages: r.pages }, ...extra].map((g) => policySteps(m, { ...r, il }, g.kind, g.pages))
  const steps = groups.flat()
  const plans = m.planAllocMany(steps.map((s) => s.req))
  if (!plans.ok) return plans
  Object.assign(r.il, il)
  const out: Placement[][] = groups.map(() => [])
  let i = 0
  groups.forEach((g, gi) => {
    for (const s of g) {
      const placements = plans.value[i++]
      m.commitAlloc({ ...s.req, interleave: s.interleaveTarget }, placements)
      countMpol(m, countedMode(r.policy), s.intended, s.inMask, placements, r.memcg)
      out[gi].push(...placements)
    }
  })
  return { ok: true, value: out }
}

function mpolItem(mode: MpolMode, what: 'hit' | 'miss' | 'foreign'): NodeItem {
  return `numa_mpol_${mode}_${what}` as NodeItem
}

/** mpol_count_numa_alloc() of the mempolicy series, per placement. */
export function countMpol(m: Machine, mode: MpolMode, intended: number, inMask: ((nid: number) => boolean) | null,
  placements: readonly Placement[], memcg: Cgroup | null): void {
  if (!MPOL_MODES.includes(mode)) return
  for (const { zone, pages } of placements) {
    const actual = zone.nid
    const hit = inMask ? inMask(actual) : actual === intended
    if (hit) {
      m.addNodeStat(actual, mpolItem(mode, 'hit'), pages, memcg)
    } else {
      m.addNodeStat(actual, mpolItem(mode, 'miss'), pages, memcg)
      m.addNodeStat(intended, mpolItem(mode, 'foreign'), pages, memcg)
    }
  }
}
