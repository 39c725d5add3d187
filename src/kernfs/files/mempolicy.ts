/** /sys/kernel/mm/mempolicy/weighted_interleave (mm/mempolicy.c, auto-tuning form). */
import { kstrtou8 } from '../parse.js'
import { sysfsBool } from '../kinds.js'
import { fail, ok, type KFile } from '../types.js'

const DIR = '/sys/kernel/mm/mempolicy/weighted_interleave'
const DOC = 'Documentation/ABI/testing/sysfs-kernel-mm-mempolicy-weighted-interleave'

export const files: KFile[] = [
  {
    ...sysfsBool(`${DIR}/auto`, DOC, (m) => m.weightedInterleave.auto, (m, v) => m.weightedInterleave.setAuto(v)),
    mode: 0o664,
  },
  {
    path: `${DIR}/node{memnid}`, fs: 'sysfs', mode: 0o644, doc: DOC,
    writeRule: 'kstrtou8 base 0, 1..255 (else EINVAL); switches to manual weights',
    show: (m, p) => `${m.weightedInterleave.weight(Number(p.memnid))}\n`,
    store: (m, p, data) => {
      const r = kstrtou8(data, 0)
      if (!r.ok || r.value === 0) return fail('EINVAL')
      m.weightedInterleave.setWeight(Number(p.memnid), r.value)
      return ok(data.length)
    },
  },
]
