/**
 * pghot hotness records bit for bit, against values worked out by hand from the
 * series' C code:
 *
 * mm/pghot-default.c (phi_t = u8): freq bits 0-1, time bits 2-6 holding
 *   (u8)(jiffies >> 7) & 31, ready bit 7; latency
 *   ((now & (31 << 7)) - (old_time << 7)) & (31 << 7), in ms at HZ=1000.
 * mm/pghot-precise.c (phi_t = u32): nid bits 0-9, freq bits 10-12, time bits
 *   13-26 holding jiffies & 0x3fff, ready bit 31; latency (time - old_time) & 0x3fff.
 *
 * pghot_update_record(): new window when latency > sysctl_pghot_freq_window
 * (freq restarts at 1), else freq + 1 up to PGHOT_FREQ_MAX; the ready bit is OR-ed
 * in when freq >= pghot_freq_threshold and never cleared by an update.
 */
import t from 'tap'
import fc from 'fast-check'
import {
  DEFAULT_LAYOUT, PRECISE_LAYOUT, accessLatency, decode, freqMax, isReady, nidMax, updateRecord,
} from '../../src/engine/pghot-record.js'
import { INITIAL_JIFFIES } from '../../src/engine/clock.js'

const hex = (v: number, w = 2) => `0x${(v >>> 0).toString(16).padStart(w, '0')}`

// ---------------------------------------------------------------- a C model in BigInt (64-bit unsigned long)

const U64 = (1n << 64n) - 1n

/** pghot-default.c, with unsigned long now and u8 phi_t. */
function cDefault(old: number, now: bigint, windowMs: number, threshold: number): number {
  const BUCKETS_MASK = 31n << 7n
  const latency = (oldTime: bigint, time: bigint) => (((time & BUCKETS_MASK) - (oldTime << 7n)) & U64) & BUCKETS_MASK
  const time = (now >> 7n) & 0xffn // phi_t time = now >> PGHOT_TIME_BUCKETS_SHIFT
  let hotness = BigInt(old & 0xff)
  const oldFreq = hotness & 3n
  const oldTime = (hotness >> 2n) & 31n
  const newWindow = latency(oldTime, now) > BigInt(windowMs)
  const freq = newWindow ? 1n : oldFreq < 3n ? oldFreq + 1n : oldFreq
  hotness &= ~3n & 0xffn
  hotness &= ~(31n << 2n) & 0xffn
  hotness |= freq & 3n
  hotness |= (time & 31n) << 2n
  if (freq >= BigInt(threshold)) hotness |= 1n << 7n
  return Number(hotness & 0xffn)
}

/** pghot-precise.c, with unsigned long now and u32 phi_t. */
function cPrecise(old: number, nid: number, now: bigint, windowMs: number, threshold: number): number {
  const TM = 0x3fffn
  const time = now & TM
  let hotness = BigInt(old >>> 0)
  const oldFreq = (hotness >> 10n) & 7n
  const oldTime = (hotness >> 13n) & TM
  const latency = ((time - oldTime) & U64) & TM
  const freq = latency > BigInt(windowMs) ? 1n : oldFreq < 7n ? oldFreq + 1n : oldFreq
  const M32 = 0xffffffffn
  hotness &= ~0x3ffn & M32
  hotness &= ~(7n << 10n) & M32
  hotness &= ~(TM << 13n) & M32
  hotness |= BigInt(nid) & 0x3ffn
  hotness |= (freq & 7n) << 10n
  hotness |= (time & TM) << 13n
  if (freq >= BigInt(threshold)) hotness |= 1n << 31n
  return Number(hotness & M32)
}

t.test('layout constants of both modes', async (t) => {
  t.match(DEFAULT_LAYOUT, { precise: false, bytes: 1, freqShift: 0, freqWidth: 2, timeShift: 2, timeWidth: 5, readyBit: 7, timeBucketShift: 7, defaultFreqWindowMs: 3000 })
  t.match(PRECISE_LAYOUT, { precise: true, bytes: 4, nidShift: 0, nidWidth: 10, freqShift: 10, freqWidth: 3, timeShift: 13, timeWidth: 14, readyBit: 31, defaultFreqWindowMs: 5000 })
  t.equal(freqMax(DEFAULT_LAYOUT), 3, 'PGHOT_FREQ_MAX default')
  t.equal(freqMax(PRECISE_LAYOUT), 7, 'PGHOT_FREQ_MAX precise')
  t.equal(nidMax(PRECISE_LAYOUT), 1023, 'PGHOT_NID_MAX')
  t.equal(nidMax(DEFAULT_LAYOUT), 0, 'default mode stores no nid')
})

type Row = [old: number, nid: number, now: number, window: number, threshold: number, expect: number, why: string]

// Default mode: every expected byte worked out by hand (see the file comment).
const DEFAULT_ROWS: Row[] = [
  [0x00, 0, 0, 3000, 2, 0x01, 'first access: bucket 0, freq 1, not ready'],
  [0x01, 0, 100, 3000, 2, 0x82, 'same bucket: latency 0, freq 2 >= 2 sets ready'],
  [0x82, 0, 640, 3000, 2, 0x97, 'bucket 5 (640 ms): latency 640, freq 3, time 5<<2'],
  [0x97, 0, 3640, 3000, 2, 0xf3, 'bucket 28: latency 3584-640=2944 <= 3000, freq stays at max 3'],
  [0x97, 0, 3740, 3000, 2, 0xf5, 'bucket 29: latency 3072 > 3000, new window freq 1, ready stays set'],
  [0x01, 0, 3071, 3000, 2, 0xde, 'bucket 23: latency 2944, freq 2, ready'],
  [0x01, 0, 3072, 3000, 2, 0x61, 'bucket 24: latency 3072 > 3000 although only 3072 ms passed: new window'],
  [0x79, 0, 4352, 3000, 2, 0x8a, 'bucket wraps 30 -> 34&31=2: latency (256-3840)&0xf80 = 512'],
  [0x09, 0, 4352, 3000, 2, 0x8a, 'exactly 4096 ms after an access in bucket 2 aliases to latency 0'],
  [0x7d, 0, 0xffffffff, 3000, 2, 0xfe, 'jiffies 0xffffffff: bucket 31, latency 0'],
  [0xfe, 0, 2 ** 32, 3000, 2, 0x83, 'jiffies wrap to bucket 0: latency (0-3968)&0xf80 = 128, freq 3'],
  [0x82, 0, 2 ** 32 + 640, 3000, 2, 0x97, 'only the low bits of a 64-bit jiffies matter'],
  [0x00, 0, INITIAL_JIFFIES, 3000, 2, 0x61, 'INITIAL_JIFFIES 0xfffb6c20: bucket 24, latency 3072 > 3000'],
  [0x01, 0, 0, 3000, 3, 0x02, 'threshold 3: freq 2 is not ready'],
  [0x02, 0, 0, 3000, 3, 0x83, 'threshold 3: freq 3 is ready'],
  [0x00, 0, 0, 3000, 1, 0x81, 'threshold 1: the first access is ready'],
  [0x83, 0, 0, 3000, 2, 0x83, 'saturated and ready stays as is'],
  [0x01, 0, 127, 0, 2, 0x82, 'window 0: latency 0 is not > 0'],
  [0x01, 0, 128, 0, 2, 0x05, 'window 0: the next bucket starts a new window'],
  [0x01, 0, 3968, 4000, 2, 0xfe, 'a window above 3968 ms never restarts: latency 3968 <= 4000'],
  [0x01, 7, 100, 3000, 2, 0x82, 'the nid argument is not stored in default mode'],
]

// Precision mode: every expected word worked out by hand.
const PRECISE_ROWS: Row[] = [
  [0x00000000, 0, 0, 5000, 2, 0x00000400, 'first access: freq 1 (bit 10), time 0'],
  [0x00000400, 0, 1000, 5000, 2, 0x807d0800, 'latency 1000: freq 2, time 1000<<13 = 0x7d0000, ready'],
  [0x80001c00, 0, 10, 5000, 2, 0x80015c00, 'freq saturates at 7'],
  [0x00000400, 0, 5000, 5000, 2, 0x82710800, 'latency 5000 is not > 5000: freq 2'],
  [0x00000400, 0, 5001, 5000, 2, 0x02712400, 'latency 5001 > 5000: new window, freq 1'],
  [0x07fe0400, 0, 16484, 5000, 2, 0x800c8800, 'time 16368 -> 100 wraps: latency (100-16368)&0x3fff = 116'],
  [0x000c8400, 0, 16484, 5000, 2, 0x800c8800, '16384 ms apart aliases to latency 0'],
  [0x00000000, 5, 0, 5000, 2, 0x00000405, 'nid 5 in bits 0-9'],
  [0x00000405, 7, 1, 5000, 2, 0x80002807, 'the nid is replaced by the latest access'],
  [0x00000000, 1023, 0, 5000, 2, 0x000007ff, 'nid 1023 = PGHOT_NID_MAX'],
  [0x00000000, 1024, 0, 5000, 2, 0x00000400, 'nid is masked to 10 bits'],
  [0x78000400, 0, 0, 5000, 2, 0xf8000800, 'unused bits 27-30 are carried over'],
  [0x00000000, 0, INITIAL_JIFFIES, 5000, 2, 0x05840400, 'INITIAL_JIFFIES & 0x3fff = 11296 > 5000: new window'],
  [0x00000000, 0, 2 ** 32 + 5, 5000, 2, 0x0000a400, 'only the low 14 bits of jiffies matter'],
  [0x00001800, 0, 0, 5000, 7, 0x80001c00, 'threshold 7: freq 7 is ready'],
  [0x00001400, 0, 0, 5000, 7, 0x00001800, 'threshold 7: freq 6 is not'],
]

t.test('default mode: (old, now, window, threshold) -> record', async (t) => {
  for (const [old, nid, now, window, th, expect, why] of DEFAULT_ROWS) {
    const got = updateRecord(DEFAULT_LAYOUT, old, nid, now, window, th)
    t.equal(hex(got), hex(expect), `${hex(old)} @${now} w=${window} th=${th}: ${why}`)
    t.equal(hex(cDefault(old, BigInt(now), window, th)), hex(expect), `C model agrees: ${why}`)
  }
})

t.test('precision mode: (old, nid, now, window, threshold) -> record', async (t) => {
  for (const [old, nid, now, window, th, expect, why] of PRECISE_ROWS) {
    const got = updateRecord(PRECISE_LAYOUT, old, nid, now, window, th)
    t.equal(hex(got, 8), hex(expect, 8), `${hex(old, 8)} nid=${nid} @${now} w=${window} th=${th}: ${why}`)
    t.equal(hex(cPrecise(old, nid, BigInt(now), window, th), 8), hex(expect, 8), `C model agrees: ${why}`)
  }
})

t.test('pghot_access_latency modulo the field', async (t) => {
  // Default: old_time is a bucket, now is jiffies.
  t.equal(accessLatency(DEFAULT_LAYOUT, 31, 0), 128, 'bucket 31 -> bucket 0 is one bucket later')
  t.equal(accessLatency(DEFAULT_LAYOUT, 0, 3967), 3840, 'bucket granularity: 3967 ms is bucket 30')
  t.equal(accessLatency(DEFAULT_LAYOUT, 5, 640), 0)
  t.equal(accessLatency(DEFAULT_LAYOUT, 6, 640), 3968, 'an access "in the future" wraps to 31 buckets')
  t.equal(accessLatency(DEFAULT_LAYOUT, 24, INITIAL_JIFFIES + 4096), 0, '4096 ms aliases to 0')
  // Precise: both times are jiffies & 0x3fff.
  t.equal(accessLatency(PRECISE_LAYOUT, 0x3fff, 0), 1)
  t.equal(accessLatency(PRECISE_LAYOUT, 5, 4), 16383)
  t.equal(accessLatency(PRECISE_LAYOUT, 11296, INITIAL_JIFFIES + 16384 + 3), 3)
})

t.test('decode and isReady', async (t) => {
  t.same(decode(DEFAULT_LAYOUT, 0xf5), { nid: -1, freq: 1, time: 29, ready: true })
  t.same(decode(DEFAULT_LAYOUT, 0x61), { nid: -1, freq: 1, time: 24, ready: false })
  t.same(decode(PRECISE_LAYOUT, 0x80002807), { nid: 7, freq: 2, time: 1, ready: true })
  t.same(decode(PRECISE_LAYOUT, 0x05840400), { nid: 0, freq: 1, time: 11296, ready: false })
  t.equal(isReady(DEFAULT_LAYOUT, 0x80), true)
  t.equal(isReady(DEFAULT_LAYOUT, 0x7f), false)
  t.equal(isReady(PRECISE_LAYOUT, 0x80000000), true)
  t.equal(isReady(PRECISE_LAYOUT, 0x7fffffff), false)
})

t.test('frequency window: increments to the max within the window, restarts after it, ready sticks', async (t) => {
  for (const l of [DEFAULT_LAYOUT, PRECISE_LAYOUT]) {
    const window = l.defaultFreqWindowMs
    let v = 0
    let now = 1 << 20 // a bucket boundary in both modes
    const freqs: number[] = []
    const ready: boolean[] = []
    for (let i = 0; i < 9; i++) {
      v = updateRecord(l, v, 0, now, window, 2)
      freqs.push(decode(l, v).freq)
      ready.push(isReady(l, v))
      now += 100
    }
    const max = freqMax(l)
    t.same(freqs, Array.from({ length: 9 }, (_, i) => Math.min(i + 1, max)), `${l.precise ? 'precise' : 'default'}: 1, 2, ... up to ${max}`)
    t.same(ready, [false, true, true, true, true, true, true, true, true], 'ready from the 2nd access on')
    // One access well after the window: freq back to 1, ready kept.
    const late = now + window + (l.precise ? 1 : 256)
    v = updateRecord(l, v, 0, late, window, 2)
    t.equal(decode(l, v).freq, 1, 'an access after the window restarts at 1')
    t.equal(isReady(l, v), true, 'the ready bit stays set')
  }
})

t.test('property: updateRecord is the C code for any input', async (t) => {
  const now = fc.bigInt({ min: 0n, max: 2n ** 48n })
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), now, fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 1, max: 3 }),
    (old, n, window, th) => updateRecord(DEFAULT_LAYOUT, old, 0, Number(n), window, th) === cDefault(old, n, window, th)), { numRuns: 3000 })
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 1023 }), now, fc.integer({ min: 0, max: 20000 }), fc.integer({ min: 1, max: 7 }),
    (old, nid, n, window, th) => updateRecord(PRECISE_LAYOUT, old, nid, Number(n), window, th) === cPrecise(old, nid, n, window, th)), { numRuns: 3000 })
  t.pass('3000 random records per mode match the C model')
})
