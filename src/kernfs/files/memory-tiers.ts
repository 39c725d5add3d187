/** Memory tiers (mm/memory-tiers.c) and the demotion switch. */
import { listFormat } from '../format.js'
import { sysfsBool } from '../kinds.js'
import type { KFile } from '../types.js'

export const files: KFile[] = [
  {
    path: '/sys/devices/virtual/memory_tiering/memory_tier{tier}/nodelist', fs: 'sysfs', mode: 0o444,
    doc: 'Documentation/ABI/testing/sysfs-kernel-mm-memory-tiers',
    show: (m, p) => listFormat(m.tiers.tiers.find((t) => t.id === p.tier)?.nodes ?? []) + '\n',
  },
  sysfsBool('/sys/kernel/mm/numa/demotion_enabled', 'Documentation/ABI/testing/sysfs-kernel-mm-numa',
    (m) => m.demotionEnabled, (m, v) => { m.demotionEnabled = v; m.touch() }),
]
