/**
 * Machines that ship with numaemu. Each is an ordinary config (validated like a
 * user's file), so a preset is also an example of the config format.
 */
import type { MachineConfigInput } from '../../schemas/machine-config.js'

export const PRESETS = {
  default: {
    name: 'default',
    description: 'A small tiered box: one DRAM node with 8 CPUs and one CPU-less CXL expander.',
    nodes: [
      { id: 0, kind: 'dram', memoryMiB: 16384, cpus: '0-7' },
      { id: 1, kind: 'cxl', memoryMiB: 8192, cpus: '' },
    ],
    distances: [[10, 20], [20, 10]],
  },
  'seed-002': {
    name: 'seed-002',
    description: 'The pghot test system: node 0 with 256 CPUs and 515563 MB, node 1 a 258034 MB CXL node (numactl -H of the pghot series).',
    nodes: [
      { id: 0, kind: 'dram', memoryMiB: 524288, cpus: '0-255', reservedKiB: 419960 },
      { id: 1, kind: 'cxl', memoryMiB: 262144, cpus: '', reservedKiB: 14336 },
    ],
    distances: [[10, 50], [255, 10]],
  },
  'four-node': {
    name: 'four-node',
    description: 'Two DRAM sockets, one CXL expander and one private compressed-RAM node.',
    nodes: [
      { id: 0, kind: 'dram', memoryMiB: 32768, cpus: '0-15' },
      { id: 1, kind: 'dram', memoryMiB: 32768, cpus: '16-31' },
      { id: 2, kind: 'cxl', memoryMiB: 65536, cpus: '' },
      { id: 3, kind: 'private', memoryMiB: 16384, cpus: '', optIn: { reclaim: true, tiering: false, userMigrate: true } },
    ],
    distances: [[10, 21, 24, 30], [21, 10, 24, 30], [24, 24, 10, 40], [30, 30, 40, 10]],
  },
  'seed-004': {
    name: 'seed-004',
    description: 'The per-page metadata series\' test machine: 2 nodes of 16 GiB, 64-byte struct page plus 8-byte page_ext, MemTotal 32918196 kB.',
    nodes: [
      { id: 0, kind: 'dram', memoryMiB: 16384, cpus: '0-7', pageExtBytes: 8, reservedKiB: 30212 },
      { id: 1, kind: 'dram', memoryMiB: 16384, cpus: '8-15', pageExtBytes: 8, reservedKiB: 8000 },
    ],
    distances: [[10, 21], [21, 10]],
  },
  'host-618': {
    name: 'host-618',
    description: 'A plain Linux 6.18 x86_64 VM with one node and 2 CPUs, no seed patches: the shape of the real sample files.',
    kernel: {
      config: {
        PATCH_PGHOT: false, NUMA_BALANCING_TIERING: false, PGHOT: false, HWMEM_PROFILER: false,
        PATCH_MPOL_STATS: false, PATCH_PERCPU_NODE_STAT: false, PATCH_PAGE_METADATA: false, PATCH_PRIVATE_NODES: false,
      },
    },
    nodes: [{ id: 0, kind: 'dram', memoryMiB: 24576, cpus: '0-1' }],
  },
} as const satisfies Record<string, MachineConfigInput>

export type PresetName = keyof typeof PRESETS
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[]
