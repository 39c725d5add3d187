/** /proc/vmstat, /proc/zoneinfo and /proc/buddyinfo (mm/vmstat.c). */
import {
  EVENT_ITEMS, NODE_ITEMS, NUMA_ITEMS, VM_ITEMS, ZONE_ITEMS, enabled, nodeItemPrinted,
} from '../../counters/vmstat-items.js'
import type { Machine } from '../../engine/machine.js'
import type { NumaNode } from '../../engine/node.js'
import type { Zone } from '../../engine/zone.js'
import type { KFile } from '../types.js'

/** Values of the node_stat items of one node (or all nodes) as vmstat-style files print them. */
export function nodeItemRows(m: Machine, node: NumaNode | null): Array<[string, number]> {
  const nodes = node ? [node] : m.nodes
  return enabled(NODE_ITEMS, m.kconfig).map((it) => {
    let v = 0
    for (const n of nodes) v += m.nodeStat(n, it.name)
    return [it.name, nodeItemPrinted(it.unit, v, m.kconfig)]
  })
}

const DERIVED_ZONE_ITEMS = new Set<string>(['nr_free_pages_blocks', 'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file', 'nr_zone_active_file'])

export function zoneItemRows(m: Machine, zones: readonly Zone[]): Array<[string, number]> {
  return enabled(ZONE_ITEMS, m.kconfig).map((it) => {
    let s = 0
    if (DERIVED_ZONE_ITEMS.has(it.name)) for (const z of zones) s += m.zoneStat(z, it.name)
    else for (const z of zones) s += z.stats[it.index]
    return [it.name, s]
  })
}

export function numaItemRows(m: Machine, zones: readonly Zone[], names: 'vmstat' | 'numastat'): Array<[string, number]> {
  if (!m.kconfig.NUMA) return []
  return NUMA_ITEMS.map((it, i) => {
    let s = 0
    for (const z of zones) s += z.numa[i]
    return [names === 'vmstat' ? it.name : it.numastat, s]
  })
}

export function vmItemValue(m: Machine, name: (typeof VM_ITEMS)[number]['name']): number {
  switch (name) {
    case 'nr_dirty_threshold': return m.dirtyLimits()[1]
    case 'nr_dirty_background_threshold': return m.dirtyLimits()[0]
    case 'nr_memmap_pages': return m.nodes.reduce((s, n) => s + n.memmapPages, 0)
    case 'nr_memmap_boot_pages': return m.nodes.reduce((s, n) => s + n.memmapBootPages, 0)
  }
}

export function vmstatRows(m: Machine): Array<[string, number]> {
  const rows: Array<[string, number]> = [
    ...zoneItemRows(m, m.zones),
    ...numaItemRows(m, m.zones, 'vmstat'),
    ...nodeItemRows(m, null),
    ...enabled(VM_ITEMS, m.kconfig).map((it): [string, number] => [it.name, vmItemValue(m, it.name)]),
  ]
  if (m.kconfig.VM_EVENT_COUNTERS) for (const it of enabled(EVENT_ITEMS, m.kconfig)) rows.push([it.name, m.events[it.index]])
  return rows
}

function showVmstat(m: Machine): string {
  let out = ''
  for (const [k, v] of vmstatRows(m)) out += `${k} ${v}\n`
  // Kept for userspace that still parses the retired counter.
  return out + 'nr_unstable 0\n'
}

const pad12 = (name: string, v: number) => `\n      ${name.padEnd(12)} ${v}`

function zoneinfoZone(m: Machine, node: NumaNode, z: Zone, firstPopulated: boolean): string {
  let s = `Node ${node.id}, zone ${z.type.padStart(8)}`
  if (firstPopulated) {
    s += '\n  per-node stats'
    for (const [k, v] of nodeItemRows(m, node)) s += pad12(k, v)
  }
  s += `\n  pages free     ${z.free}` +
    `\n        boost    ${z.boost}` +
    `\n        min      ${z.wmark.min}` +
    `\n        low      ${z.wmark.low}` +
    `\n        high     ${z.wmark.high}` +
    `\n        promo    ${z.wmark.promo}` +
    `\n        spanned  ${z.spanned}` +
    `\n        present  ${z.present}` +
    `\n        managed  ${z.managed}` +
    `\n        cma      0`
  s += `\n        protection: (${z.lowmemReserve.join(', ')})`
  if (!z.populated) return s + '\n'
  for (const [k, v] of zoneItemRows(m, [z])) s += pad12(k, v)
  for (const [k, v] of numaItemRows(m, [z], 'vmstat')) s += pad12(k, v)
  s += '\n  pagesets'
  const ps = z.pageset
  for (const cpu of m.onlineCpus()) {
    const local = m.cpuNode.get(cpu) === node
    s += `\n    cpu: ${cpu}` +
      `\n              count:    ${ps.count}` +
      `\n              high:     ${local ? ps.high : 0}` +
      `\n              batch:    ${ps.batch}` +
      `\n              high_min: ${ps.highMin}` +
      `\n              high_max: ${ps.highMax}` +
      `\n  vm stats threshold: ${z.statThreshold}`
  }
  return s + `\n  node_unreclaimable:  0\n  start_pfn:           ${z.startPfn}\n`
}

function showZoneinfo(m: Machine): string {
  let out = ''
  for (const node of m.nodes) {
    const first = node.zones.find((z) => z.populated)
    for (const z of node.zones) out += zoneinfoZone(m, node, z, z === first)
  }
  return out
}

function showBuddyinfo(m: Machine): string {
  let out = ''
  for (const node of m.nodes) {
    for (const z of node.zones) {
      if (!z.populated) continue
      out += `Node ${node.id}, zone ${z.type.padStart(8)} `
      for (const c of m.freeAreaOf(z)) out += `${String(c).padStart(6)} `
      out += '\n'
    }
  }
  return out
}

export const files: KFile[] = [
  { path: '/proc/vmstat', fs: 'procfs', mode: 0o444, doc: 'Documentation/admin-guide/mm/ (vmstat); mm/vmstat.c vmstat_text[]', show: showVmstat },
  { path: '/proc/zoneinfo', fs: 'procfs', mode: 0o444, doc: 'Documentation/filesystems/proc.rst (zoneinfo)', show: showZoneinfo },
  { path: '/proc/buddyinfo', fs: 'procfs', mode: 0o444, doc: 'Documentation/filesystems/proc.rst (buddyinfo)', show: showBuddyinfo },
]
