import { presetSpec } from '../../src/config/load.js'
import { createMachine } from '../../src/engine/index.js'
import { KernFs } from '../../src/kernfs/registry.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
const m = createMachine(presetSpec('default'))
const k = new KernFs(m)
const dir = process.argv[2]
let n = 0, bad: string[] = []
for (const e of k.entries()) {
  const r = k.read(e.path)
  if (!r.ok || r.type !== 'file') { bad.push(e.path + ' ' + JSON.stringify(r)); continue }
  mkdirSync(join(dir, dirname(e.path)), { recursive: true })
  writeFileSync(join(dir, e.path), r.text); n++
}
console.log(n, bad.slice(0, 20))
