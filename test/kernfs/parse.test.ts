// Expected results come from the kernel reference tables (write-semantics.md §2.5, §3,
// §4 and cgroup-memory.md §4), copied here so the tests never read the reference at
// run time. Rows marked "extra" go beyond those tables and follow the kernel source.
import t from 'tap'
import {
  debugfsU32,
  isKernelSpace,
  kstrtobool,
  kstrtoint,
  kstrtoll,
  kstrtou8,
  kstrtouint,
  kstrtoul,
  kstrtoull,
  pageCounterMemparse,
  procDointvec,
  procDou8vecMinmax,
  procDouintvec,
  procDoulongvec,
  strstrip,
  sysfsStreq,
  type Errno,
  type Parsed,
  type SysctlWrite,
} from '../../src/kernfs/parse.js'

const ERRNOS: readonly string[] = ['EINVAL', 'ERANGE', 'EOPNOTSUPP', 'EPERM', 'EACCES', 'E2BIG', 'ENOMEM']
const isErrno = (x: unknown): x is Errno => typeof x === 'string' && ERRNOS.includes(x)

// Inputs are shown JSON-escaped; very long ones are shortened in the test name only.
function label(input: unknown): string {
  const j = JSON.stringify(input)
  return j.length > 60 ? `${j.slice(0, 40)}…${j.slice(-10)} (${String((input as string).length)} bytes)` : j
}

type Row<T> = [string, T | Errno]

function parsedTable<T>(title: string, fn: (s: string) => Parsed<T>, rows: Row<T>[]): void {
  t.test(title, async (t) => {
    for (const [input, exp] of rows) {
      const want: Parsed<T> = isErrno(exp) ? { ok: false, errno: exp } : { ok: true, value: exp as T }
      t.strictSame(fn(input), want, label(input))
    }
  })
}

function sysctlTable<T>(title: string, fn: (s: string) => SysctlWrite<T>, rows: [string, SysctlWrite<T>][]): void {
  t.test(title, async (t) => {
    for (const [input, exp] of rows) t.strictSame(fn(input), exp, label(input))
  })
}

/** stored value(s) and the count write() returns */
function ok<T>(v: T | T[], consumed: number): SysctlWrite<T> {
  return { ok: true, values: Array.isArray(v) ? v : [v], consumed }
}
/** EINVAL; `stored` = values of a vector stored before the failing one */
function inval<T>(stored: T[] = []): SysctlWrite<T> {
  return { ok: false, errno: 'EINVAL', values: stored }
}
/** 0-byte write: returns 0, nothing stored */
function nochange<T>(): SysctlWrite<T> {
  return { ok: true, values: [], consumed: 0 }
}

// ---------------------------------------------------------------------------
// isKernelSpace

t.test('isKernelSpace', async (t) => {
  const rows: [string, boolean][] = [
    ['\t', true], ['\n', true], ['\u000b', true], ['\f', true], ['\r', true], [' ', true],
    ['\u00a0', true],
    ['\b', false], ['\u000e', false], ['\u001c', false], ['\u0085', false], ['\u00ff', false],
    ['a', false], ['0', false], ['\u0000', false], ['', false], ['  ', false],
  ]
  for (const [input, exp] of rows) t.equal(isKernelSpace(input), exp, label(input))
})

// ---------------------------------------------------------------------------
// sysctl handlers: write-semantics.md §2.5, one table per column.
// "ok N" without a count in the reference means the whole write is consumed.

const LONG_PAD = ' '.repeat(5000)

sysctlTable('proc_dointvec (scalar)', (s) => procDointvec(s), [
  ['5', ok(5, 1)],
  ['5\n', ok(5, 2)],
  ['  5\n', ok(5, 4)],
  ['\t5', ok(5, 2)],
  ['5 ', ok(5, 2)],
  ['5\t\n', ok(5, 3)],
  ['5\r\n', inval()],
  ['+5', inval()],
  ['-1', ok(-1, 2)],
  ['-0', ok(0, 2)],
  ['-', inval()],
  ['0x10', ok(16, 4)],
  ['0X1f', ok(31, 4)],
  ['010', ok(8, 3)],
  ['08', inval()],
  ['09', inval()],
  ['0x', inval()],
  ['12abc', inval()],
  ['1.5', inval()],
  ['1e3', inval()],
  ['1 2', ok(1, 2)],
  ['1 2\n', ok(1, 2)],
  ['1 abc', ok(1, 2)],
  ['', nochange()],
  ['\n', inval()],
  ['   ', inval()],
  ['201', ok(201, 3)],
  ['2147483647', ok(2147483647, 10)],
  ['2147483648', inval()],
  ['-2147483648', ok(-2147483648, 11)],
  ['-2147483649', inval()],
  ['4294967295', inval()],
  ['4294967296', inval()],
  ['18446744073709551615', inval()],
  ['18446744073709551616', inval()],
  ['00000000000000000001', ok(1, 20)],
  ['000000000000000000001', inval()],
  ['\u00a05', ok(5, 2)],
  // extra
  ['-5\n', ok(-5, 3)],
  ['- 5', inval()], // '-' is taken as the sign, then a digit is required
  ['-\n', inval()],
  ['-0x10', ok(-16, 5)],
  ['-010', ok(-8, 4)],
  ['-0000000000000000001', ok(-1, 20)], // sign + 19 digits = 20 bytes
  ['-00000000000000000001', inval()], // sign + 20 digits fills all 21 bytes
  ['0x1g', inval()],
  ['5\u0000', inval()],
  ['5\u00a0', inval()], // only ' ', '\t', '\n' may follow a number
  ['5\f', inval()],
  ['5 \r', ok(5, 3)], // after a valid separator every isspace() byte is skipped
  ['\u000b\f\r5', ok(5, 4)],
  ['5' + LONG_PAD, ok(5, 5001)], // full count even beyond the 4095-byte window
  [' '.repeat(4095) + '5', inval()], // the digit lies outside the window
  [' '.repeat(4094) + '12', ok(1, 4096)], // the window cuts the number after '1'
  ['1 ' + 'x'.repeat(5000), ok(1, 909)], // 5002 - (4095 - 2)
])

sysctlTable('proc_dointvec_minmax [0,200] (scalar)', (s) => procDointvec(s, { min: 0, max: 200 }), [
  ['5', ok(5, 1)],
  ['5\n', ok(5, 2)],
  ['  5\n', ok(5, 4)],
  ['\t5', ok(5, 2)],
  ['5 ', ok(5, 2)],
  ['5\t\n', ok(5, 3)],
  ['5\r\n', inval()],
  ['+5', inval()],
  ['-1', inval()],
  ['-0', ok(0, 2)],
  ['-', inval()],
  ['0x10', ok(16, 4)],
  ['0X1f', ok(31, 4)],
  ['010', ok(8, 3)],
  ['08', inval()],
  ['09', inval()],
  ['0x', inval()],
  ['12abc', inval()],
  ['1.5', inval()],
  ['1e3', inval()],
  ['1 2', ok(1, 2)],
  ['1 2\n', ok(1, 2)],
  ['1 abc', ok(1, 2)],
  ['', nochange()],
  ['\n', inval()],
  ['   ', inval()],
  ['201', inval()],
  ['2147483647', inval()],
  ['2147483648', inval()],
  ['-2147483648', inval()],
  ['-2147483649', inval()],
  ['4294967295', inval()],
  ['4294967296', inval()],
  ['18446744073709551615', inval()],
  ['18446744073709551616', inval()],
  ['00000000000000000001', ok(1, 20)],
  ['000000000000000000001', inval()],
  ['\u00a05', ok(5, 2)],
  // extra
  ['0', ok(0, 1)],
  ['200', ok(200, 3)],
  ['200 201', ok(200, 4)], // the second token is never range-checked
])

t.test('proc_dointvec_minmax other bounds', async (t) => {
  // vm.drop_caches style [1,4] and a lower bound only (vm.zone_reclaim_mode)
  t.strictSame(procDointvec('0', { min: 1, max: 4 }), inval(), '"0" in [1,4]')
  t.strictSame(procDointvec('4\n', { min: 1, max: 4 }), ok(4, 2), '"4\\n" in [1,4]')
  t.strictSame(procDointvec('5', { min: 1, max: 4 }), inval(), '"5" in [1,4]')
  t.strictSame(procDointvec('-1', { min: 0 }), inval(), '"-1" with min 0')
  t.strictSame(procDointvec('2147483647', { min: 0 }), ok(2147483647, 10), 'INT_MAX with min 0')
})

sysctlTable('proc_dointvec vector (maxLen 3)', (s) => procDointvec(s, { maxLen: 3 }), [
  ['4096\t65536\t6291456\n', ok([4096, 65536, 6291456], 19)],
  ['1 2', ok([1, 2], 3)],
  ['1\n2\n', ok([1, 2], 4)],
  ['-1 -2 -3', ok([-1, -2, -3], 8)],
  ['1 2 3 4', ok([1, 2, 3], 6)], // short count: stops at the fourth token
  ['1 x 3', inval([1])],
  ['1 2 2147483648', inval([1, 2])],
  ['1 -', inval([1])], // a lone final '-' is not a sign
  ['1,2', inval()],
  ['  ', inval()],
  ['', nochange()],
])

sysctlTable('proc_dointvec_minmax vector [0,200] (maxLen 2)', (s) => procDointvec(s, { min: 0, max: 200, maxLen: 2 }), [
  ['5 200', ok([5, 200], 5)],
  ['5 300', inval([5])],
  ['300 5', inval()],
])

sysctlTable('proc_douintvec (scalar)', (s) => procDouintvec(s), [
  ['5', ok(5, 1)],
  ['5\n', ok(5, 2)],
  ['  5\n', ok(5, 4)],
  ['\t5', ok(5, 2)],
  ['5 ', ok(5, 2)],
  ['5\t\n', ok(5, 3)],
  ['5\r\n', inval()],
  ['+5', inval()],
  ['-1', inval()],
  ['-0', inval()],
  ['-', inval()],
  ['0x10', ok(16, 4)],
  ['0X1f', ok(31, 4)],
  ['010', ok(8, 3)],
  ['08', inval()],
  ['09', inval()],
  ['0x', inval()],
  ['12abc', inval()],
  ['1.5', inval()],
  ['1e3', inval()],
  ['1 2', ok(1, 3)],
  ['1 2\n', ok(1, 4)],
  ['1 abc', ok(1, 5)],
  ['', nochange()],
  ['\n', inval()],
  ['   ', inval()],
  ['201', ok(201, 3)],
  ['2147483647', ok(2147483647, 10)],
  ['2147483648', ok(2147483648, 10)],
  ['-2147483648', inval()],
  ['-2147483649', inval()],
  ['4294967295', ok(4294967295, 10)],
  ['4294967296', inval()],
  ['18446744073709551615', inval()],
  ['18446744073709551616', inval()],
  ['00000000000000000001', ok(1, 20)],
  ['000000000000000000001', inval()],
  ['\u00a05', ok(5, 2)],
  // extra
  ['1 -1', ok(1, 4)],
  ['5x', inval()],
  ['5 ' + 'x'.repeat(5000), ok(5, 5002)],
  [' '.repeat(4095) + '5', inval()],
])

sysctlTable('proc_douintvec_minmax [0,200] (scalar)', (s) => procDouintvec(s, { min: 0, max: 200 }), [
  ['5', ok(5, 1)],
  ['5\n', ok(5, 2)],
  ['  5\n', ok(5, 4)],
  ['\t5', ok(5, 2)],
  ['5 ', ok(5, 2)],
  ['5\t\n', ok(5, 3)],
  ['5\r\n', inval()],
  ['+5', inval()],
  ['-1', inval()],
  ['-0', inval()],
  ['-', inval()],
  ['0x10', ok(16, 4)],
  ['0X1f', ok(31, 4)],
  ['010', ok(8, 3)],
  ['08', inval()],
  ['09', inval()],
  ['0x', inval()],
  ['12abc', inval()],
  ['1.5', inval()],
  ['1e3', inval()],
  ['1 2', ok(1, 3)],
  ['1 2\n', ok(1, 4)],
  ['1 abc', ok(1, 5)],
  ['', nochange()],
  ['\n', inval()],
  ['   ', inval()],
  ['201', inval()],
  ['2147483647', inval()],
  ['2147483648', inval()],
  ['-2147483648', inval()],
  ['-2147483649', inval()],
  ['4294967295', inval()],
  ['4294967296', inval()],
  ['18446744073709551615', inval()],
  ['18446744073709551616', inval()],
  ['00000000000000000001', ok(1, 20)],
  ['000000000000000000001', inval()],
  ['\u00a05', ok(5, 2)],
  // extra
  ['200', ok(200, 3)],
  ['0', ok(0, 1)],
])

sysctlTable('proc_dou8vec_minmax (default 0..255)', (s) => procDou8vecMinmax(s), [
  ['255\n', ok(255, 4)],
  ['256', inval()],
  ['-1', inval()],
  ['0x7f', ok(127, 4)],
  ['', nochange()],
])

sysctlTable('proc_dou8vec_minmax with extra2 = 300', (s) => procDou8vecMinmax(s, { max: 300 }), [
  ['300', ok(44, 3)], // accepted by the range check, then stored in a u8
  ['301', inval()],
])

sysctlTable('proc_doulongvec_minmax (scalar)', (s) => procDoulongvec(s), [
  ['5', ok(5n, 1)],
  ['5\n', ok(5n, 2)],
  ['  5\n', ok(5n, 4)],
  ['\t5', ok(5n, 2)],
  ['5 ', ok(5n, 2)],
  ['5\t\n', ok(5n, 3)],
  ['5\r\n', inval()],
  ['+5', inval()],
  ['-1', inval()],
  ['-0', inval()],
  ['-', inval()],
  ['0x10', ok(16n, 4)],
  ['0X1f', ok(31n, 4)],
  ['010', ok(8n, 3)],
  ['08', inval()],
  ['09', inval()],
  ['0x', inval()],
  ['12abc', inval()],
  ['1.5', inval()],
  ['1e3', inval()],
  ['1 2', ok(1n, 2)],
  ['1 2\n', ok(1n, 2)],
  ['1 abc', ok(1n, 2)],
  ['', nochange()],
  ['\n', inval()],
  ['   ', inval()],
  ['201', ok(201n, 3)],
  ['2147483647', ok(2147483647n, 10)],
  ['2147483648', ok(2147483648n, 10)],
  ['-2147483648', inval()],
  ['-2147483649', inval()],
  ['4294967295', ok(4294967295n, 10)],
  ['4294967296', ok(4294967296n, 10)],
  ['18446744073709551615', ok(18446744073709551615n, 20)],
  ['18446744073709551616', inval()],
  ['00000000000000000001', ok(1n, 20)],
  ['000000000000000000001', inval()],
  ['\u00a05', ok(5n, 2)],
  // extra
  ['0xffffffffffffffff', ok(18446744073709551615n, 18)],
  ['0x10000000000000000', inval()],
  ['01777777777777777777777', inval()], // 23 bytes: over the 21-byte limit even though it fits 64 bits
])

sysctlTable('proc_doulongvec_minmax vector [1,10] (maxLen 2)', (s) => procDoulongvec(s, { min: 1n, max: 10n, maxLen: 2 }), [
  ['1 10', ok([1n, 10n], 4)],
  ['1 10 11', ok([1n, 10n], 5)],
  ['0', inval()],
  ['5 11', inval([5n])],
  ['5 -1', inval([5n])],
  ['5 -0', inval([5n])],
])

// ---------------------------------------------------------------------------
// kstrto*(): write-semantics.md §3, one table per column, then extra bases.

parsedTable('kstrtouint base 10', (s) => kstrtouint(s, 10), [
  ['5', 5], ['5\n', 5], ['+5', 5],
  ['5\n\n', 'EINVAL'],
  [' 5', 'EINVAL'], ['5 ', 'EINVAL'],
  ['-5', 'EINVAL'],
  ['-0', 'EINVAL'],
  ['0x10', 'EINVAL'],
  ['0X1F', 'EINVAL'],
  ['010', 10],
  ['08', 8],
  ['0x', 'EINVAL'],
  ['12abc', 'EINVAL'], ['1 2', 'EINVAL'],
  ['', 'EINVAL'], ['\n', 'EINVAL'],
  ['255', 255],
  ['256', 256],
  ['2147483648', 2147483648],
  ['-2147483649', 'EINVAL'],
  ['4294967295', 4294967295],
  ['4294967296', 'ERANGE'],
  ['18446744073709551615', 'ERANGE'],
  ['18446744073709551616', 'ERANGE'],
  // extra
  ['09\n', 9],
  ['+-5', 'EINVAL'],
  ['++5', 'EINVAL'],
  ['+', 'EINVAL'],
  ['5\u0000junk', 5], // the handler sees a C string
  ['99999999999999999999x', 'ERANGE'], // overflow is reported before trailing garbage
  ['\u00a05', 'EINVAL'],
])

parsedTable('kstrtouint base 0', (s) => kstrtouint(s, 0), [
  ['5', 5], ['5\n', 5], ['+5', 5],
  ['5\n\n', 'EINVAL'],
  [' 5', 'EINVAL'], ['5 ', 'EINVAL'],
  ['-5', 'EINVAL'],
  ['-0', 'EINVAL'],
  ['0x10', 16],
  ['0X1F', 31],
  ['010', 8],
  ['08', 'EINVAL'],
  ['0x', 'EINVAL'],
  ['12abc', 'EINVAL'], ['1 2', 'EINVAL'],
  ['', 'EINVAL'], ['\n', 'EINVAL'],
  ['255', 255],
  ['256', 256],
  ['2147483648', 2147483648],
  ['-2147483649', 'EINVAL'],
  ['4294967295', 4294967295],
  ['4294967296', 'ERANGE'],
  ['18446744073709551615', 'ERANGE'],
  ['18446744073709551616', 'ERANGE'],
  // extra
  ['0', 0],
  ['0x10\n', 16],
  ['+0x10', 16],
  ['0x1g', 'EINVAL'],
  ['0xffffffff', 4294967295],
  ['0x100000000', 'ERANGE'],
])

parsedTable('kstrtoul base 10', (s) => kstrtoul(s, 10), [
  ['5', 5n], ['5\n', 5n], ['+5', 5n],
  ['5\n\n', 'EINVAL'],
  [' 5', 'EINVAL'], ['5 ', 'EINVAL'],
  ['-5', 'EINVAL'],
  ['-0', 'EINVAL'],
  ['0x10', 'EINVAL'],
  ['0X1F', 'EINVAL'],
  ['010', 10n],
  ['08', 8n],
  ['0x', 'EINVAL'],
  ['12abc', 'EINVAL'], ['1 2', 'EINVAL'],
  ['', 'EINVAL'], ['\n', 'EINVAL'],
  ['255', 255n],
  ['256', 256n],
  ['2147483648', 2147483648n],
  ['-2147483649', 'EINVAL'],
  ['4294967295', 4294967295n],
  ['4294967296', 4294967296n],
  ['18446744073709551615', 18446744073709551615n],
  ['18446744073709551616', 'ERANGE'],
])

parsedTable('kstrtou8 base 0', (s) => kstrtou8(s, 0), [
  ['5', 5], ['5\n', 5], ['+5', 5],
  ['5\n\n', 'EINVAL'],
  [' 5', 'EINVAL'], ['5 ', 'EINVAL'],
  ['-5', 'EINVAL'],
  ['-0', 'EINVAL'],
  ['0x10', 16],
  ['0X1F', 31],
  ['010', 8],
  ['08', 'EINVAL'],
  ['0x', 'EINVAL'],
  ['12abc', 'EINVAL'], ['1 2', 'EINVAL'],
  ['', 'EINVAL'], ['\n', 'EINVAL'],
  ['255', 255],
  ['256', 'ERANGE'],
  ['2147483648', 'ERANGE'],
  ['-2147483649', 'EINVAL'],
  ['4294967295', 'ERANGE'],
  ['4294967296', 'ERANGE'],
  ['18446744073709551615', 'ERANGE'],
  ['18446744073709551616', 'ERANGE'],
  // extra
  ['0xff', 255],
  ['0377', 255],
  ['0400', 'ERANGE'],
])

parsedTable('kstrtoint base 0', (s) => kstrtoint(s, 0), [
  ['5', 5], ['5\n', 5], ['+5', 5],
  ['5\n\n', 'EINVAL'],
  [' 5', 'EINVAL'], ['5 ', 'EINVAL'],
  ['-5', -5],
  ['-0', 0],
  ['0x10', 16],
  ['0X1F', 31],
  ['010', 8],
  ['08', 'EINVAL'],
  ['0x', 'EINVAL'],
  ['12abc', 'EINVAL'], ['1 2', 'EINVAL'],
  ['', 'EINVAL'], ['\n', 'EINVAL'],
  ['255', 255],
  ['256', 256],
  ['2147483648', 'ERANGE'],
  ['-2147483649', 'ERANGE'],
  ['4294967295', 'ERANGE'],
  ['4294967296', 'ERANGE'],
  ['18446744073709551615', 'ERANGE'],
  ['18446744073709551616', 'ERANGE'],
  // extra
  ['2147483647', 2147483647],
  ['-2147483648', -2147483648],
  ['-2147483648\n', -2147483648],
  ['-0x10', -16],
  ['-010', -8],
  ['+-5', 'EINVAL'],
  ['-+5', 'EINVAL'],
  ['--5', 'EINVAL'],
  ['-', 'EINVAL'],
  ['-\n', 'EINVAL'],
])

parsedTable('kstrtoint base 10 (extra)', (s) => kstrtoint(s, 10), [
  ['-08', -8],
  ['0x10', 'EINVAL'],
  ['1\n', 1],
])

parsedTable('kstrtoll base 0 (extra)', (s) => kstrtoll(s, 0), [
  ['9223372036854775807', 9223372036854775807n],
  ['9223372036854775808', 'ERANGE'],
  ['-9223372036854775808', -9223372036854775808n],
  ['-9223372036854775809', 'ERANGE'],
  ['-18446744073709551615', 'ERANGE'],
  ['-18446744073709551616', 'ERANGE'],
  ['-0', 0n],
  ['-5\n', -5n],
  ['-0x8000000000000000', -9223372036854775808n],
  ['-+5', 'EINVAL'],
  ['+-5', 'EINVAL'],
])

parsedTable('kstrtoull base 0 (extra)', (s) => kstrtoull(s, 0), [
  ['0', 0n],
  ['00', 0n],
  ['0x0', 0n],
  ['+0', 0n],
  ['-1', 'EINVAL'],
  ['0xg', 'EINVAL'],
  ['01777777777777777777777', 18446744073709551615n],
  ['02000000000000000000000', 'ERANGE'],
  ['1777777777777777777777', 'ERANGE'], // decimal without a leading 0
  ['0xFFFFFFFFFFFFFFFF\n', 18446744073709551615n],
])

parsedTable('kstrtoull base 16 (extra)', (s) => kstrtoull(s, 16), [
  ['10', 16n],
  ['0x10', 16n],
  ['0X10', 16n],
  ['ff', 255n],
  ['FF\n', 255n],
  ['+0x1', 1n],
  ['0x', 'EINVAL'], // prefix skipped, no digits left
  ['g', 'EINVAL'],
  ['0xffffffffffffffff', 18446744073709551615n],
  ['0x10000000000000000', 'ERANGE'],
])

parsedTable('kstrtoull base 8 (extra)', (s) => kstrtoull(s, 8), [
  ['777', 511n],
  ['010', 8n],
  ['8', 'EINVAL'],
  ['0x10', 'EINVAL'],
])

parsedTable('kstrtoul base 16 (extra)', (s) => kstrtoul(s, 16), [
  ['dead\n', 57005n],
  ['0xdead', 57005n],
])

parsedTable('kstrtobool', kstrtobool, [
  ['y', true], ['Y', true], ['t', true], ['T', true], ['1', true],
  ['n', false], ['N', false], ['f', false], ['F', false], ['0', false],
  ['on', true], ['On', true], ['oN', true], ['ON', true],
  ['of', false], ['off', false], ['OFF\n', false],
  ['yes', true], ['1abc', true], ['false\n', false],
  ['', 'EINVAL'],
  // extra
  ['o', 'EINVAL'],
  ['ox', 'EINVAL'],
  ['\n', 'EINVAL'],
  [' 1', 'EINVAL'],
  ['2', 'EINVAL'],
  ['x', 'EINVAL'],
  ['\u0000y', 'EINVAL'],
])

// ---------------------------------------------------------------------------
// debugfs u32: write-semantics.md §4

parsedTable('debugfs u32 write', debugfsU32, [
  ['1000', 1000], ['1000\n', 1000], ['+1000', 1000],
  ['0x3e8', 1000],
  ['01750', 1000],
  ['08', 'EINVAL'],
  [' 1000', 'EINVAL'], ['1000 ', 'EINVAL'], ['1000\n\n', 'EINVAL'], ['-1', 'EINVAL'], ['', 'EINVAL'],
  ['4294967295', 4294967295],
  ['4294967296', 0],
  ['18446744073709551616', 'ERANGE'],
  // extra
  ['4294967297', 1],
  ['18446744073709551615', 4294967295],
  ['0x100000001', 1],
  ['00000000000000000000005' + '999', 5], // only the first 23 bytes are parsed
  ['1000\n' + 'x'.repeat(30), 'EINVAL'], // the garbage starts inside the 23 bytes
  ['1000' + '\u0000'.repeat(30), 1000],
])

// ---------------------------------------------------------------------------
// cgroup memory.min/low/high/max: cgroup-memory.md §4.
// Results are bytes rounded down to whole pages (what reads back), or 'max'.

parsedTable('page_counter_memparse', pageCounterMemparse, [
  ['max', 'max'], ['max\n', 'max'], ['  max  ', 'max'],
  ['MAX', 'EINVAL'], ['Max', 'EINVAL'], ['infinity', 'EINVAL'],
  ['1073741824', 1073741824n],
  ['1G', 1073741824n], ['1g', 1073741824n], ['1024M', 1073741824n], ['1048576K', 1073741824n],
  ['1GB', 'EINVAL'], ['1 G', 'EINVAL'], ['1.5G', 'EINVAL'], ['1Gi', 'EINVAL'],
  ['4097', 4096n],
  ['1K', 0n], ['4095', 0n],
  ['0x100000', 1048576n],
  ['010', 0n],
  ['-1', 'EINVAL'], ['+1G', 'EINVAL'],
  ['', 0n], ['\n', 0n],
  ['G', 0n],
  ['1e3', 'EINVAL'],
  ['1e', 1152921504606846976n],
  ['16E', 0n],
  ['0x10M', 16777216n],
  ['0x1E', 0n],
  ['9223372036854771712', 'max'],
  // extra
  ['9223372036854771711', 9223372036854767616n],
  ['9223372036854775807', 'max'],
  ['8E', 'max'],
  ['7E', 8070450532247928832n],
  ['17E', 1152921504606846976n], // 17 << 60 wraps to 1 << 60
  ['18446744073709551616', 0n], // 2^64 wraps to 0 without an error
  ['99999999999999999999', 7766279631452237824n], // wrapped mod 2^64, then page-rounded
  ['0xffffffffffffffff', 'max'],
  ['1t', 1099511627776n],
  ['1P', 1125899906842624n],
  ['m', 0n],
  ['maxx', 'EINVAL'],
  ['max max', 'EINVAL'],
  ['0x', 'EINVAL'],
  ['0x1e', 0n],
  ['1G\n\n', 1073741824n],
  ['\u00a0max\u00a0', 'max'],
  ['\tmax\r\n', 'max'],
  ['4096 ', 4096n],
  ['4096\u0000 junk', 4096n],
])

// ---------------------------------------------------------------------------
// lib/string_helpers.c helpers

t.test('strstrip', async (t) => {
  const rows: [string, string][] = [
    ['  a b \n', 'a b'],
    ['\u00a0x\u00a0', 'x'],
    ['\n\n', ''],
    ['', ''],
    ['a\u0000  b', 'a'],
    ['\u000b\fx\r', 'x'],
  ]
  for (const [input, exp] of rows) t.equal(strstrip(input), exp, label(input))
})

t.test('sysfs_streq', async (t) => {
  const rows: [[string, string], boolean][] = [
    [['abc', 'abc'], true],
    [['abc\n', 'abc'], true],
    [['abc', 'abc\n'], true],
    [['abc\n', 'abc\n'], true],
    [['abc\n\n', 'abc'], false],
    [['', '\n'], true],
    [['abc', 'ab'], false],
    [['abc ', 'abc'], false],
  ]
  for (const [input, exp] of rows) t.equal(sysfsStreq(input[0], input[1]), exp, label(input))
})
