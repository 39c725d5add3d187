import { bootMachine } from './boot.js'
import { Machine, type MachineOptions } from './machine.js'
import type { MachineSpec } from './spec.js'

/** Build a machine from its spec and bring it to its idle after-boot state. */
export function createMachine(spec: MachineSpec, opts: MachineOptions = {}): Machine {
  const m = new Machine(spec, opts)
  bootMachine(m)
  return m
}

export { Machine } from './machine.js'
export type { MachineSpec } from './spec.js'
