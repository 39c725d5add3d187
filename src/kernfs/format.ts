/**
 * Text helpers reproducing the kernel's seq_file/sysfs formatting: meminfo label
 * columns, list and bitmask formats. Every width and unit used by a file comes from here.
 */

/** show_val_kb(): 16-character label, value right-aligned in 8, " kB". */
export function kbLine(label: string, kb: number): string {
  return `${label.padEnd(16)}${String(kb).padStart(8)} kB\n`
}

/** nodeN/meminfo: "Node N " then the /proc/meminfo-style line. */
export function nodeKbLine(nid: number, label: string, kb: number): string {
  return `Node ${nid} ${kbLine(label, kb)}`
}

/** HugePages_* in /proc/meminfo: 16-character label, 3 spaces, %5lu, no unit. */
export function hugeCountLine(label: string, n: number): string {
  return `${label.padEnd(16)}   ${String(n).padStart(5)}\n`
}

/** HugePages_* in nodeN/meminfo: label padded to 17, %5u. */
export function nodeHugeCountLine(nid: number, label: string, n: number): string {
  return `Node ${nid} ${label.padEnd(17)}${String(n).padStart(5)}\n`
}

/** "%*pbl": ascending ids, runs of two or more as first-last, comma separated. */
export function listFormat(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`)
    i = j + 1
  }
  return parts.join(',')
}

/** Parse the kernel list format ("0-3,8"); null when malformed. */
export function parseList(text: string): number[] | null {
  if (text === '') return []
  const out: number[] = []
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!m) return null
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2])
    if (hi < lo || hi - lo > 65536) return null
    for (let i = lo; i <= hi; i++) out.push(i)
  }
  return out
}

/** "%*pb": nbits-wide mask in 32-bit hex chunks, most significant first. */
export function maskFormat(ids: Iterable<number>, nbits: number): string {
  const set = new Set(ids)
  const chunks = Math.max(1, Math.ceil(nbits / 32))
  const out: string[] = []
  for (let c = chunks - 1; c >= 0; c--) {
    let v = 0
    for (let b = 0; b < 32; b++) {
      const bit = c * 32 + b
      if (bit < nbits && set.has(bit)) v = (v | (1 << b)) >>> 0
    }
    const width = c === chunks - 1 ? Math.ceil((nbits - c * 32) / 4) : 8
    out.push(v.toString(16).padStart(width, '0'))
  }
  return out.join(',')
}

/** "name value" lines (vmstat style). */
export function nameValue(rows: Iterable<readonly [string, number]>): string {
  let s = ''
  for (const [k, v] of rows) s += `${k} ${v}\n`
  return s
}
