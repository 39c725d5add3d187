/** Every emulated file, by kernel source area. */
import type { KFile } from '../types.js'
import { files as baseNode } from './base-node.js'
import { files as cgroup } from './cgroup.js'
import { files as mempolicy } from './mempolicy.js'
import { files as pghot } from './pghot.js'
import { files as memoryTiers } from './memory-tiers.js'
import { files as meminfo } from './proc-meminfo.js'
import { files as sysctl } from './sysctl.js'
import { files as vmstat } from './mm-vmstat.js'

export const ALL_FILES: readonly KFile[] = [...meminfo, ...vmstat, ...baseNode, ...memoryTiers, ...mempolicy, ...sysctl, ...pghot, ...cgroup]
