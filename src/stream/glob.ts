/**
 * Path globs for stream subscriptions, as a shell would expand them against the
 * emulated tree: `*` and `?` stay within one path component, `**` spans any number
 * of components (none included), `[abc]` / `[!abc]` are character classes.
 */
import type { ErrnoName } from '../kernfs/errno.js'
import { KernFs } from '../kernfs/registry.js'

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}

export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/').filter((p, i) => i === 0 || p !== '')
  let re = ''
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]
    if (part === '**') {
      // Zero or more whole components; the slash before the next component is added by it.
      re += '(?:/[^/]+)*'
      continue
    }
    re += '/'
    for (let j = 0; j < part.length; j++) {
      const c = part[j]
      if (c === '*') re += '[^/]*'
      else if (c === '?') re += '[^/]'
      else if (c === '[') {
        const end = part.indexOf(']', j + 2)
        if (end < 0) { re += '\\['; continue }
        let body = part.slice(j + 1, end)
        const negate = body.startsWith('!') || body.startsWith('^')
        if (negate) body = body.slice(1)
        re += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
        j = end
      } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&')
    }
  }
  return new RegExp(`^${re}$`)
}

function literal(fs: KernFs, pattern: string): { ok: true; path: string } | { ok: false; errno: ErrnoName; reason: string } {
  const n = KernFs.normalize(pattern)
  if (!n.ok) return n
  if (fs.isDir(n.path)) return { ok: false, errno: 'EISDIR', reason: 'a directory cannot be streamed; use a glob such as dir/*' }
  const e = fs.lookup(n.path)
  if (!e) return { ok: false, errno: 'ENOENT', reason: 'no such file' }
  if (!e.file.show) return { ok: false, errno: 'EACCES', reason: 'file is write-only' }
  return { ok: true, path: n.path }
}

const natural = new Intl.Collator('en', { numeric: true })

/** Tree order: a directory's files before its subdirectories, names in natural order (node2 before node10). */
export function treeCompare(a: string, b: string): number {
  const x = a.split('/'), y = b.split('/')
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue
    const xFile = i === x.length - 1, yFile = i === y.length - 1
    if (xFile !== yFile) return xFile ? -1 : 1
    return natural.compare(x[i], y[i]) || (x[i] < y[i] ? -1 : 1)
  }
  return x.length - y.length
}

export type Expansion =
  | { ok: true; paths: string[] }
  | { ok: false; errno: ErrnoName; pattern: string; reason: string }

/**
 * The readable files the patterns name, in pattern order (each glob's matches in
 * tree order), without repeats. A literal path must be a
 * readable file; a glob may match nothing, as files such as cgroups come and go.
 * `skipMissing` leaves unreadable literals out instead (a later re-expansion, after
 * the cgroup a literal named was removed).
 */
export function expandPatterns(fs: KernFs, patterns: readonly string[], opts: { skipMissing?: boolean } = {}): Expansion {
  const out: string[] = []
  const seen = new Set<string>()
  const push = (p: string) => { if (!seen.has(p)) { seen.add(p); out.push(p) } }
  let files: string[] | null = null
  for (const pattern of patterns) {
    if (!isGlob(pattern)) {
      const r = literal(fs, pattern)
      if (r.ok) push(r.path)
      else if (!opts.skipMissing) return { ...r, pattern }
      continue
    }
    if (pattern.split('/').includes('..')) return { ok: false, errno: 'EACCES', pattern, reason: 'paths may not contain ".."' }
    files ??= fs.entries().filter((e) => e.file.show).map((e) => e.path)
    const re = globToRegExp(pattern)
    for (const p of files.filter((f) => re.test(f)).sort(treeCompare)) push(p)
  }
  return { ok: true, paths: out }
}
