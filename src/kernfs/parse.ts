// Kernel number parsers for emulated write() handlers, mirroring Linux 6.12:
// lib/kstrtox.c, lib/vsprintf.c (simple_strtoull), lib/cmdline.c (memparse),
// lib/string_helpers.c (strim, sysfs_streq), kernel/sysctl.c (proc_get_long and the
// proc_do*vec handlers), fs/libfs.c (simple_attr_write) and mm/page_counter.c.
//
// Strings are byte strings: each JS char is one byte (latin1), so 0xA0 is '\u00a0'.
// Deliberately imports nothing so it can be used from any layer.

export type Errno = 'EINVAL' | 'ERANGE' | 'EOPNOTSUPP' | 'EPERM' | 'EACCES' | 'E2BIG' | 'ENOMEM'
export type Parsed<T> = { ok: true; value: T } | { ok: false; errno: Errno }

export type SysctlWrite<T> =
  | { ok: true; values: T[]; consumed: number }
  | { ok: false; errno: Errno; values: T[] }

export const PAGE_SIZE = 4096
/** LONG_MAX / PAGE_SIZE on 64-bit: the value memory.max & co. print as "max". */
export const PAGE_COUNTER_MAX = ((1n << 63n) - 1n) / 4096n

/** proc_sys_call_handler handlers only look at PAGE_SIZE - 1 bytes of a write. */
export const SYSCTL_WRITE_WINDOW = PAGE_SIZE - 1
/** simple_attr set_buf is 24 bytes including the terminating NUL. */
export const DEBUGFS_WRITE_WINDOW = 23

const U64_MAX = (1n << 64n) - 1n
const S64_MAX = (1n << 63n) - 1n
const U32_MAX = 0xffffffffn
const INT_MAX = 2147483647
const INT_MIN = -2147483648

/** proc_get_long copies at most TMPBUFLEN - 1 bytes into its scratch buffer. */
const PROC_GET_LONG_MAX = 21

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value }
}
function fail<T>(errno: Errno): Parsed<T> {
  return { ok: false, errno }
}

/** Byte value at i, or 0 past the end: C code reads the terminating NUL there. */
function byteAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0
}

/**
 * Handlers that receive a NUL-terminated copy (sysfs, cgroup, debugfs) use C string
 * functions, so an embedded NUL ends the text they see.
 */
function cstr(s: string): string {
  const nul = s.indexOf('\0')
  return nul < 0 ? s : s.slice(0, nul)
}

// lib/ctype.c marks 0xA0 (latin1 NBSP) as _S|_SP, so it is whitespace for the kernel.
function isSpaceCode(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0
}

export function isKernelSpace(ch: string): boolean {
  return ch.length === 1 && isSpaceCode(ch.charCodeAt(0))
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function isXDigitCode(c: number): boolean {
  return isDigitCode(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** _parse_integer_fixup_radix: base 0 autodetection and the optional 0x prefix for base 16. */
function fixupRadix(s: string, i: number, base: number): { i: number; base: number } {
  if (base === 0) {
    if (byteAt(s, i) === 0x30) {
      base = (byteAt(s, i + 1) | 0x20) === 0x78 && isXDigitCode(byteAt(s, i + 2)) ? 16 : 8
    } else {
      base = 10
    }
  }
  // For an explicit base 16 the prefix is skipped even when no hex digit follows,
  // which then leaves zero digits to parse (EINVAL from kstrto*).
  if (base === 16 && byteAt(s, i) === 0x30 && (byteAt(s, i + 1) | 0x20) === 0x78) i += 2
  return { i, base }
}

/**
 * _parse_integer: consumes digits of `base`; the result wraps modulo 2^64 (as the C
 * unsigned long long does) and `overflow` records whether it ever exceeded 64 bits.
 */
function parseInteger(s: string, i: number, base: number): { value: bigint; count: number; overflow: boolean } {
  const b = BigInt(base)
  let res = 0n
  let count = 0
  let overflow = false
  for (; i < s.length; i++, count++) {
    const c = s.charCodeAt(i)
    let val: number
    if (isDigitCode(c)) val = c - 0x30
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) val = (c | 0x20) - 0x61 + 10
    else break
    if (val >= base) break
    res = res * b + BigInt(val)
    if (res > U64_MAX) {
      overflow = true
      res &= U64_MAX
    }
  }
  return { value: res, count, overflow }
}

// ---------------------------------------------------------------------------
// lib/kstrtox.c

/** _kstrtoull: no sign handling; the number must fill the string except one '\n'. */
function kstrtoullNoSign(s: string, base: number): Parsed<bigint> {
  const fx = fixupRadix(s, 0, base)
  const r = parseInteger(s, fx.i, fx.base)
  // Overflow is checked before trailing garbage, so "99999999999999999999x" is ERANGE.
  if (r.overflow) return fail('ERANGE')
  if (r.count === 0) return fail('EINVAL')
  let end = fx.i + r.count
  if (byteAt(s, end) === 0x0a) end++
  if (end < s.length) return fail('EINVAL')
  return ok(r.value)
}

export function kstrtoull(s: string, base: 0 | 8 | 10 | 16): Parsed<bigint> {
  s = cstr(s)
  return kstrtoullNoSign(s.startsWith('+') ? s.slice(1) : s, base)
}

export function kstrtoll(s: string, base: 0 | 8 | 10 | 16): Parsed<bigint> {
  s = cstr(s)
  if (s.startsWith('-')) {
    // No '+' skipping after '-': "-+5" is EINVAL.
    const r = kstrtoullNoSign(s.slice(1), base)
    if (!r.ok) return r
    if (r.value > S64_MAX + 1n) return fail('ERANGE')
    return ok(-r.value)
  }
  const r = kstrtoull(s, base)
  if (!r.ok) return r
  if (r.value > S64_MAX) return fail('ERANGE')
  return r
}

/** unsigned long is 64 bits on the emulated x86_64 machine. */
export function kstrtoul(s: string, base: 0 | 10 | 16): Parsed<bigint> {
  return kstrtoull(s, base)
}

export function kstrtouint(s: string, base: 0 | 10 | 16): Parsed<number> {
  const r = kstrtoull(s, base)
  if (!r.ok) return r
  if (r.value > U32_MAX) return fail('ERANGE')
  return ok(Number(r.value))
}

export function kstrtou8(s: string, base: 0 | 10 | 16): Parsed<number> {
  const r = kstrtoull(s, base)
  if (!r.ok) return r
  if (r.value > 255n) return fail('ERANGE')
  return ok(Number(r.value))
}

export function kstrtoint(s: string, base: 0 | 10 | 16): Parsed<number> {
  const r = kstrtoll(s, base)
  if (!r.ok) return r
  if (r.value > BigInt(INT_MAX) || r.value < BigInt(INT_MIN)) return fail('ERANGE')
  return ok(Number(r.value))
}

/** Only the first byte (two for "on"/"of…") matters; the rest of the buffer is ignored. */
export function kstrtobool(s: string): Parsed<boolean> {
  s = cstr(s)
  switch (s.charAt(0)) {
    case 'y': case 'Y': case 't': case 'T': case '1':
      return ok(true)
    case 'n': case 'N': case 'f': case 'F': case '0':
      return ok(false)
    case 'o': case 'O':
      switch (s.charAt(1)) {
        case 'n': case 'N':
          return ok(true)
        case 'f': case 'F':
          return ok(false)
      }
      break
  }
  return fail('EINVAL')
}

// ---------------------------------------------------------------------------
// lib/string_helpers.c

/** strstrip()/strim(): drop leading and trailing kernel whitespace of the C string. */
export function strstrip(s: string): string {
  s = cstr(s)
  let start = 0
  let end = s.length
  while (end > 0 && isSpaceCode(s.charCodeAt(end - 1))) end--
  while (start < end && isSpaceCode(s.charCodeAt(start))) start++
  return s.slice(start, end)
}

/** sysfs_streq(): equal, ignoring one trailing '\n' on either side. */
export function sysfsStreq(a: string, b: string): boolean {
  a = cstr(a)
  b = cstr(b)
  if (a === b) return true
  if (a + '\n' === b || a === b + '\n') return true
  return false
}

// ---------------------------------------------------------------------------
// kernel/sysctl.c

type GetLong = { ok: true; val: bigint; neg: boolean; len: number } | { ok: false }

/**
 * proc_get_long on buf[pos .. pos+size). Parsing happens in a copy of at most 21 bytes,
 * so digits (or a hex digit after "0x") beyond it are not seen; '-' is a sign only if more
 * bytes follow; the byte after the number, if any, must be ' ', '\t' or '\n'.
 */
function procGetLong(buf: string, pos: number, size: number): GetLong {
  if (size <= 0) return { ok: false }
  const tmp = buf.slice(pos, pos + Math.min(size, PROC_GET_LONG_MAX))
  let p = 0
  let neg = false
  if (byteAt(tmp, 0) === 0x2d && size > 1) {
    neg = true
    p = 1
  }
  if (!isDigitCode(byteAt(tmp, p))) return { ok: false }
  const fx = fixupRadix(tmp, p, 0)
  const r = parseInteger(tmp, fx.i, fx.base)
  // strtoul_lenient's ERANGE is turned into EINVAL by the caller.
  if (r.overflow) return { ok: false }
  const len = fx.i + r.count
  // A number filling the whole scratch buffer may continue beyond it.
  if (len === PROC_GET_LONG_MAX) return { ok: false }
  if (len < size) {
    const c = byteAt(tmp, len)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a) return { ok: false }
  }
  return { ok: true, val: r.value, neg, len }
}

/**
 * Loop shared by __do_proc_dointvec and __do_proc_doulongvec_minmax. `conv` returns
 * null when the value must be rejected (EINVAL).
 *
 * Writes longer than 4095 bytes: only the first 4095 bytes are parsed, and, as in the
 * kernel (`*lenp -= left` with `left` counted inside the truncated window), the count
 * returned is the full length minus what was left unparsed in that window. So a value
 * followed only by whitespace up to byte 4095 returns the full length whatever follows.
 */
function doVecWrite<T>(s: string, maxLen: number, conv: (neg: boolean, val: bigint) => T | null): SysctlWrite<T> {
  if (maxLen <= 0 || s.length === 0) return { ok: true, values: [], consumed: 0 }
  let left = Math.min(s.length, SYSCTL_WRITE_WINDOW)
  let p = 0
  let vleft = maxLen
  let first = true
  let err = false
  const values: T[] = []
  const skipSpaces = (): void => {
    while (left > 0 && isSpaceCode(s.charCodeAt(p))) {
      left--
      p++
    }
  }
  while (left > 0 && vleft-- > 0) {
    skipSpaces()
    if (left === 0) break
    const r = procGetLong(s, p, left)
    if (!r.ok) {
      err = true
      break
    }
    p += r.len
    left -= r.len
    const v = conv(r.neg, r.val)
    if (v === null) {
      err = true
      break
    }
    values.push(v)
    first = false
  }
  if (!err) skipSpaces()
  // Nothing but whitespace is EINVAL even though no conversion failed.
  if (first) return { ok: false, errno: 'EINVAL', values: [] }
  if (err) return { ok: false, errno: 'EINVAL', values }
  return { ok: true, values, consumed: s.length - left }
}

/**
 * proc_dointvec / proc_dointvec_minmax. Unparsed bytes after the last accepted value
 * give a short count (see doVecWrite for writes over 4095 bytes).
 */
export function procDointvec(s: string, opts: { min?: number; max?: number; maxLen?: number } = {}): SysctlWrite<number> {
  const { min, max, maxLen = 1 } = opts
  return doVecWrite(s, maxLen, (neg, val) => {
    let v: number
    if (neg) {
      if (val > BigInt(INT_MAX) + 1n) return null
      v = Number(-val) // via bigint so that "-0" stores 0, not -0
    } else {
      if (val > BigInt(INT_MAX)) return null
      v = Number(val)
    }
    if ((min !== undefined && min > v) || (max !== undefined && max < v)) return null
    return v
  })
}

/**
 * proc_douintvec / proc_douintvec_minmax (scalar only). Anything after the value is
 * ignored and the full count is returned; only the first 4095 bytes are looked at.
 */
export function procDouintvec(s: string, opts: { min?: number; max?: number } = {}): SysctlWrite<number> {
  const { min, max } = opts
  if (s.length === 0) return { ok: true, values: [], consumed: 0 }
  let left = Math.min(s.length, SYSCTL_WRITE_WINDOW)
  let p = 0
  while (left > 0 && isSpaceCode(s.charCodeAt(p))) {
    left--
    p++
  }
  const bad: SysctlWrite<number> = { ok: false, errno: 'EINVAL', values: [] }
  if (left === 0) return bad
  const r = procGetLong(s, p, left)
  if (!r.ok || r.neg) return bad
  if (r.val > U32_MAX) return bad
  const v = Number(r.val)
  // The minmax converter returns ERANGE here, but do_proc_douintvec_w reports every
  // conversion failure as EINVAL.
  if ((min !== undefined && min > v) || (max !== undefined && max < v)) return bad
  return { ok: true, values: [v], consumed: s.length }
}

/**
 * proc_dou8vec_minmax: proc_douintvec_minmax with a default range 0..255, whose result
 * is stored in a u8 (a table bound above 255 would let the value wrap on store).
 */
export function procDou8vecMinmax(s: string, opts: { min?: number; max?: number } = {}): SysctlWrite<number> {
  const r = procDouintvec(s, { min: opts.min ?? 0, max: opts.max ?? 255 })
  if (!r.ok) return r
  return { ok: true, values: r.values.map((v) => v & 0xff), consumed: r.consumed }
}

/** proc_doulongvec_minmax: like proc_dointvec (short counts) but unsigned 64-bit, no '-'. */
export function procDoulongvec(s: string, opts: { min?: bigint; max?: bigint; maxLen?: number } = {}): SysctlWrite<bigint> {
  const { min, max, maxLen = 1 } = opts
  return doVecWrite(s, maxLen, (neg, val) => {
    if (neg) return null
    if ((min !== undefined && val < min) || (max !== undefined && val > max)) return null
    return val
  })
}

// ---------------------------------------------------------------------------
// fs/libfs.c simple_attr_write + debugfs_u32_set

/**
 * debugfs_create_u32 file write. Only the first 23 bytes are parsed; on success the
 * caller must return the full write length. Values above 32 bits are truncated silently.
 */
export function debugfsU32(s: string): Parsed<number> {
  const r = kstrtoull(s.slice(0, DEBUGFS_WRITE_WINDOW), 0)
  if (!r.ok) return r
  return ok(Number(r.value & U32_MAX))
}

// ---------------------------------------------------------------------------
// lib/vsprintf.c, lib/cmdline.c, mm/page_counter.c

/** simple_strtoull: no sign, no overflow detection (wraps modulo 2^64). */
function simpleStrtoull(s: string, base: number): { value: bigint; end: number } {
  const fx = fixupRadix(s, 0, base)
  const r = parseInteger(s, fx.i, fx.base)
  return { value: r.value, end: fx.i + r.count }
}

/** Suffix letters in order of their power of 1024, upper then lower case. */
const MEMPARSE_SUFFIXES = 'KMGTPEkmgtpe'

/** memparse(): number (base 0) plus an optional K..E suffix; returns where parsing stopped. */
export function memparse(s: string): { value: bigint; end: number } {
  const r = simpleStrtoull(s, 0)
  const c = s.charAt(r.end)
  // indexOf('') would be 0, so the end of the string needs its own test.
  const idx = c === '' ? -1 : MEMPARSE_SUFFIXES.indexOf(c)
  if (idx < 0) return r
  // The kernel shifts a u64, so oversized values wrap ("16E" is 0).
  return { value: (r.value << BigInt(10 * ((idx % 6) + 1))) & U64_MAX, end: r.end + 1 }
}

/**
 * cgroup memory.min/low/high/max (and swap/zswap limits): strstrip, then page_counter_memparse.
 * Returns 'max' for PAGE_COUNTER_MAX, otherwise bytes rounded down to whole pages
 * (the kernel stores pages, so that is what reads back). Values at or above
 * PAGE_COUNTER_MAX pages are clamped and so also come back as 'max'.
 *
 * The cgroup file layer rules (E2BIG above 4096 bytes, 0-byte writes never reaching
 * the handler) belong to the caller; "" here means a write of only whitespace.
 */
export function pageCounterMemparse(s: string): Parsed<bigint | 'max'> {
  const buf = strstrip(s)
  if (buf === 'max') return ok('max')
  const r = memparse(buf)
  if (r.end !== buf.length) return fail('EINVAL')
  const pages = r.value / BigInt(PAGE_SIZE)
  if (pages >= PAGE_COUNTER_MAX) return ok('max')
  return ok(pages * BigInt(PAGE_SIZE))
}
