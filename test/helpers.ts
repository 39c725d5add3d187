import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { presetSpec } from '../src/config/load.js'
import { createMachine } from '../src/engine/index.js'
import type { Machine } from '../src/engine/machine.js'
import { KernFs } from '../src/kernfs/registry.js'

const here = dirname(fileURLToPath(import.meta.url))

/** A real 6.18 file from test/fixtures/host-linux-6.18 at its kernel path. */
export function fixture(path: string): string {
  return readFileSync(join(here, 'fixtures', 'host-linux-6.18', path), 'utf8')
}

export function boot(preset: string, seed?: number): { m: Machine; fs: KernFs } {
  const m = createMachine(presetSpec(preset, seed))
  return { m, fs: new KernFs(m) }
}

export function read(fs: KernFs, path: string): string {
  const r = fs.read(path)
  if (!r.ok || r.type !== 'file') throw new Error(`cannot read ${path}: ${JSON.stringify(r)}`)
  return r.text
}

/** name → value of a "name value" file. */
export function kv(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line) continue
    const [k, v] = line.split(' ')
    out.set(k, Number(v))
  }
  return out
}

/** label → kB of a meminfo-style file ("Node N " prefix removed). */
export function meminfo(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(?:Node \d+ )?([^:]+):\s+(\d+)/.exec(line)
    if (m) out.set(m[1], Number(m[2]))
  }
  return out
}

/** Every run of digits replaced by N, so two files can be compared line by line for shape. */
export function shape(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\d+/g, 'N'))
}

/** Write a kernel file as root on CPU 0; a refusal fails the test setup. */
export function write(fs: KernFs, path: string, data: string): void {
  const r = fs.write(path, data, { cpu: 0 })
  if (!r.ok) throw new Error(`write ${path} <- ${data}: ${r.errno}`)
}
