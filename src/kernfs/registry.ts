/**
 * All emulated files, expanded for one machine: template parameters ({nid}, {tier})
 * become concrete paths, directories are derived from the paths, and reads and writes
 * get the errno their filesystem gives when a file cannot do what was asked.
 */
import type { Machine } from '../engine/machine.js'
import type { ErrnoName } from './errno.js'
import { ALL_FILES } from './files/index.js'
import { CGROUP_ROOT, cgroupFileNames } from './files/cgroup.js'
import type { KFile, Params, WriteCtx } from './types.js'

/** How each template parameter enumerates its values on a machine. */
const ENUMERATORS: Record<string, (m: Machine) => Array<number | string>> = {
  nid: (m) => m.nodes.map((n) => n.id),
  memnid: (m) => m.memoryNodes().map((n) => n.id),
  tier: (m) => m.tiers.tiers.map((t) => t.id),
  // '' is the root cgroup (/sys/fs/cgroup itself), '/a/b' a cgroup below it.
  cg: (m) => m.kconfig.MEMCG ? m.tasks.allCgroups().map((c) => c.path) : [],
}

export interface Entry { file: KFile; params: Params; path: string }
export interface DirEntry { name: string; type: 'file' | 'dir'; mode: number }

export type ReadResult =
  | { ok: true; type: 'file'; text: string; entry: Entry }
  | { ok: true; type: 'dir'; entries: DirEntry[] }
  | { ok: false; errno: ErrnoName; reason?: string }

export type WriteResult =
  | { ok: true; written: number; consumed: number; entry: Entry }
  | { ok: false; errno: ErrnoName; reason?: string }

/** What root gets from write() on a file that has no store method, per filesystem. */
const NO_STORE: Record<KFile['fs'], ErrnoName> = { procfs: 'EIO', sysctl: 'EACCES', sysfs: 'EACCES', cgroupfs: 'EINVAL', debugfs: 'EACCES' }
/** What root gets from read() on a file that has no show method. */
const NO_SHOW: Record<KFile['fs'], ErrnoName> = { procfs: 'EIO', sysctl: 'EACCES', sysfs: 'EACCES', cgroupfs: 'EINVAL', debugfs: 'EACCES' }
/** Largest write each filesystem hands to its handler (sysfs passes a page, cgroup refuses more). */
const SYSFS_WRITE_MAX = 4096
const CGROUP_WRITE_MAX = 4096

export function expandTemplate(file: KFile, m: Machine): Entry[] {
  const names = [...file.path.matchAll(/\{(\w+)\}/g)].map((x) => x[1])
  let combos: Record<string, number | string>[] = [{}]
  for (const name of names) {
    const values = ENUMERATORS[name]?.(m)
    if (!values) throw new Error(`no enumerator for {${name}} in ${file.path}`)
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })))
  }
  const out: Entry[] = []
  for (const params of combos) {
    if (file.when && !file.when(m, params)) continue
    const path = file.path.replace(/\{(\w+)\}/g, (_, n: string) => String(params[n]))
    out.push({ file, params, path })
  }
  return out
}

export class KernFs {
  private files = new Map<string, Entry>()
  private dirs = new Map<string, Map<string, DirEntry>>()
  private builtFor = -1
  /** Rendered text per path, valid while the machine's generation is unchanged (show() is pure). */
  private textCache = new Map<string, string>()
  private textGeneration = -1

  constructor(private readonly m: Machine, private readonly all: readonly KFile[] = ALL_FILES) {}

  private build(): void {
    if (this.builtFor === this.m.structureGeneration) return
    this.files.clear()
    this.dirs.clear()
    this.dirs.set('/', new Map())
    for (const f of this.all) {
      for (const e of expandTemplate(f, this.m)) {
        if (this.files.has(e.path)) throw new Error(`${e.path} is declared twice`)
        this.files.set(e.path, e)
        const parts = e.path.split('/').filter(Boolean)
        let dir = '/'
        parts.forEach((name, i) => {
          const isFile = i === parts.length - 1
          const listing = this.dirs.get(dir)!
          listing.set(name, { name, type: isFile ? 'file' : 'dir', mode: isFile ? f.mode : 0o555 })
          const child = dir === '/' ? `/${name}` : `${dir}/${name}`
          if (!isFile && !this.dirs.has(child)) this.dirs.set(child, new Map())
          dir = child
        })
      }
    }
    this.builtFor = this.m.structureGeneration
  }

  /** Resolve a request path like the VFS: collapse slashes and ".", refuse "..". */
  static normalize(raw: string): { ok: true; path: string; trailingSlash: boolean } | { ok: false; errno: ErrnoName; reason: string } {
    if (!raw.startsWith('/')) return { ok: false, errno: 'ENOENT', reason: 'path must be absolute' }
    if (raw.includes('\0')) return { ok: false, errno: 'EINVAL', reason: 'path contains a NUL byte' }
    const parts: string[] = []
    for (const p of raw.split('/')) {
      if (p === '' || p === '.') continue
      if (p === '..') return { ok: false, errno: 'EACCES', reason: 'paths may not contain ".."' }
      parts.push(p)
    }
    return { ok: true, path: '/' + parts.join('/'), trailingSlash: raw.length > 1 && raw.endsWith('/') }
  }

  lookup(path: string): Entry | undefined { this.build(); return this.files.get(path) }
  isDir(path: string): boolean { this.build(); return this.dirs.has(path) }
  entries(): Entry[] { this.build(); return [...this.files.values()] }

  list(path: string): DirEntry[] | undefined {
    this.build()
    const d = this.dirs.get(path)
    return d ? [...d.values()].sort((a, b) => a.name.localeCompare(b.name)) : undefined
  }

  read(raw: string): ReadResult {
    const n = KernFs.normalize(raw)
    if (!n.ok) return n
    this.build()
    const dir = this.dirs.get(n.path)
    if (dir) return { ok: true, type: 'dir', entries: this.list(n.path)! }
    const entry = this.files.get(n.path)
    if (!entry) return { ok: false, errno: 'ENOENT' }
    if (n.trailingSlash) return { ok: false, errno: 'ENOTDIR' }
    if (!entry.file.show) return { ok: false, errno: NO_SHOW[entry.file.fs], reason: 'file is write-only' }
    if (this.textGeneration !== this.m.generation) { this.textCache.clear(); this.textGeneration = this.m.generation }
    let text = this.textCache.get(n.path)
    if (text === undefined) {
      text = entry.file.show(this.m, entry.params)
      this.textCache.set(n.path, text)
    }
    return { ok: true, type: 'file', text, entry }
  }

  /** mkdir(2): only cgroupfs makes directories; elsewhere the filesystems refuse with EPERM. */
  mkdir(raw: string): { ok: true; path: string } | { ok: false; errno: ErrnoName; reason?: string } {
    const n = KernFs.normalize(raw)
    if (!n.ok) return n
    this.build()
    if (this.dirs.has(n.path) || this.files.has(n.path)) return { ok: false, errno: 'EEXIST' }
    const parent = n.path.slice(0, n.path.lastIndexOf('/')) || '/'
    for (let p = parent; p !== '/' && p !== ''; p = p.slice(0, p.lastIndexOf('/')) || '/') {
      if (this.files.has(p)) return { ok: false, errno: 'ENOTDIR' }
    }
    if (!this.dirs.has(parent)) return { ok: false, errno: 'ENOENT' }
    if (!n.path.startsWith(`${CGROUP_ROOT}/`) || !this.m.kconfig.MEMCG) return { ok: false, errno: 'EPERM', reason: 'this filesystem does not create directories' }
    const r = this.m.tasks.mkdir(n.path.slice(CGROUP_ROOT.length), cgroupFileNames())
    return r.ok ? { ok: true, path: n.path } : { ok: false, errno: r.errno, reason: r.reason }
  }

  /** rmdir(2): removes a cgroup; other directories belong to the kernel (EPERM). */
  rmdir(raw: string): { ok: true } | { ok: false; errno: ErrnoName; reason?: string } {
    const n = KernFs.normalize(raw)
    if (!n.ok) return n
    this.build()
    if (this.files.has(n.path)) return { ok: false, errno: 'ENOTDIR' }
    if (!this.dirs.has(n.path)) return { ok: false, errno: 'ENOENT' }
    if (n.path === CGROUP_ROOT) return { ok: false, errno: 'EBUSY', reason: 'the root cgroup is a mount point' }
    if (!n.path.startsWith(`${CGROUP_ROOT}/`)) return { ok: false, errno: 'EPERM', reason: 'this filesystem does not remove directories' }
    const r = this.m.tasks.rmdir(n.path.slice(CGROUP_ROOT.length))
    return r.ok ? { ok: true } : { ok: false, errno: r.errno, reason: r.reason }
  }

  /**
   * write(2) of `data` (one buffer, offset 0) by root. Directory → EISDIR; no such
   * file → ENOENT; a file without a store method gets its filesystem's errno; size
   * limits and 0-byte writes follow each filesystem; nothing changes on error.
   */
  write(raw: string, data: string, ctx: WriteCtx): WriteResult {
    const n = KernFs.normalize(raw)
    if (!n.ok) return n
    this.build()
    if (this.dirs.has(n.path)) return { ok: false, errno: 'EISDIR' }
    const entry = this.files.get(n.path)
    if (!entry) return { ok: false, errno: 'ENOENT' }
    if (n.trailingSlash) return { ok: false, errno: 'ENOTDIR' }
    const { file } = entry
    if (!file.store || !(file.mode & 0o200)) return { ok: false, errno: NO_STORE[file.fs], reason: 'file is read-only' }
    let buf = data
    if (file.fs === 'cgroupfs' && buf.length > CGROUP_WRITE_MAX) return { ok: false, errno: 'E2BIG' }
    if (buf.length === 0 && file.fs !== 'debugfs' && file.fs !== 'procfs') return { ok: true, written: 0, consumed: 0, entry }
    if (file.fs === 'sysfs' && buf.length > SYSFS_WRITE_MAX) buf = buf.slice(0, SYSFS_WRITE_MAX)
    const r = file.store(this.m, entry.params, buf, ctx)
    if (!r.ok) return { ok: false, errno: r.errno, reason: r.reason }
    const consumed = file.fs === 'sysfs' ? Math.min(r.consumed, buf.length) : r.consumed
    return { ok: true, written: data.length, consumed, entry }
  }
}
