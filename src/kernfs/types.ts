import type { Machine } from '../engine/machine.js'
import type { ErrnoName } from './errno.js'

/** The filesystem a file lives on decides the errno for reads and writes it does not support. */
export type FsKind = 'procfs' | 'sysctl' | 'sysfs' | 'cgroupfs' | 'debugfs'

/** Values of the template parameters in a file's path ({nid}, {tier}, {cg}, ...). */
export type Params = Readonly<Record<string, number | string>>

export type StoreResult = { ok: true; consumed: number } | { ok: false; errno: ErrnoName; reason?: string }

/** Who writes: the CPU the writing shell runs on decides local/other for allocations it causes. */
export interface WriteCtx { cpu: number }

/** One emulated kernel file, declared once. */
export interface KFile {
  /** Absolute path, with {param} placeholders expanded by the registry. */
  readonly path: string
  readonly fs: FsKind
  readonly mode: number
  /** Where the kernel documents the file. */
  readonly doc: string
  /** How a write is parsed, for the README's file table. */
  readonly writeRule?: string
  /** The file exists only when this holds (kernel config, machine shape). */
  readonly when?: (m: Machine, p: Params) => boolean
  /** Render the whole text; pure. */
  readonly show?: (m: Machine, p: Params) => string
  /** Parse and apply a write like the kernel; returns bytes consumed or an errno. */
  readonly store?: (m: Machine, p: Params, data: string, ctx: WriteCtx) => StoreResult
}

export const ok = (consumed: number): StoreResult => ({ ok: true, consumed })
export const fail = (errno: ErrnoName, reason?: string): StoreResult => ({ ok: false, errno, reason })
