/**
 * A real directory tree kept in step with the emulated files (DIR/proc/...,
 * DIR/sys/...), for agents that read files rather than HTTP: point node_exporter's
 * --path.procfs/--path.sysfs at it, or bind-mount it over the host's paths in a
 * private mount namespace. Each file is replaced atomically (write, then rename), so
 * a reader never sees half a file.
 */
import { mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { KernFs } from '../kernfs/registry.js'

export class Mirror {
  private written = new Set<string>()
  private lastGeneration = -1

  constructor(private readonly fs: KernFs, readonly dir: string, private readonly generation: () => number) {}

  /** Write every readable file whose content may have changed; remove files that no longer exist. */
  sync(): { files: number; removed: number } {
    const gen = this.generation()
    if (gen === this.lastGeneration) return { files: 0, removed: 0 }
    this.lastGeneration = gen
    const now = new Set<string>()
    for (const e of this.fs.entries()) {
      if (!(e.file.mode & 0o444)) continue
      const r = this.fs.read(e.path)
      if (!r.ok || r.type !== 'file') continue
      const target = join(this.dir, e.path)
      mkdirSync(dirname(target), { recursive: true })
      const tmp = `${target}.numaemu-tmp`
      writeFileSync(tmp, r.text)
      renameSync(tmp, target)
      now.add(e.path)
    }
    let removed = 0
    for (const path of this.written) {
      if (now.has(path)) continue
      const target = join(this.dir, path)
      try { unlinkSync(target); removed++ } catch { /* already gone */ }
      // Directories of removed cgroups go too, when nothing else is left in them.
      for (let d = dirname(target); d.startsWith(this.dir) && d !== this.dir; d = dirname(d)) {
        try { rmdirSync(d) } catch { break }
      }
    }
    this.written = now
    return { files: now.size, removed }
  }
}
