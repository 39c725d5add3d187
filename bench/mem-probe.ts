/**
 * Memory of one booted preset, measured in a fresh process so presets do not
 * inherit each other's heap. Run as `node --expose-gc mem-probe.js PRESET`; the
 * preset "none" loads the same modules without booting a machine and is the
 * baseline the others are compared with. Prints one JSON object on stdout.
 */
import { presetSpec } from '../src/config/load.js'
import { createMachine } from '../src/engine/index.js'
import { KernFs } from '../src/kernfs/registry.js'

const preset = process.argv[2] ?? 'none'
const gc = (globalThis as { gc?: () => void }).gc

function settle(): void {
  // Two passes: the first can leave weakly reachable objects for the second.
  gc?.()
  gc?.()
}

let keep: unknown = null
if (preset !== 'none') {
  const machine = createMachine(presetSpec(preset))
  // The daemon builds the path table on first request; count it as part of booting.
  const kernfs = new KernFs(machine)
  kernfs.lookup('/proc/vmstat')
  keep = { machine, kernfs }
}
settle()
const mu = process.memoryUsage()
process.stdout.write(JSON.stringify({ preset, rss: mu.rss, heapUsed: mu.heapUsed, gc: gc !== undefined, kept: keep !== null }) + '\n')
