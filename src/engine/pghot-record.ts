/**
 * pghot hotness records, bit for bit as the pghot series lays them out.
 *
 * Default mode, one byte per PFN:
 *   bits 0-1 frequency, bits 2-6 bucketed time (jiffies >> 7, 5 bits ≈ 3.9 s at HZ=1000),
 *   bit 7 migrate-ready.
 * Precision mode (CONFIG_PGHOT_PRECISE), four bytes per PFN:
 *   bits 0-9 target nid, bits 10-12 frequency, bits 13-26 time (jiffies, 14 bits ≈ 16 s),
 *   bit 31 migrate-ready.
 * Times wrap within their bit width, and the access latency is computed modulo that
 * width, exactly as the kernel's unsigned arithmetic does.
 */

export interface RecordLayout {
  readonly precise: boolean
  readonly bytes: 1 | 4
  readonly nidShift: number
  readonly nidWidth: number
  readonly freqShift: number
  readonly freqWidth: number
  readonly timeShift: number
  readonly timeWidth: number
  readonly readyBit: number
  /** Default mode stores jiffies >> this. */
  readonly timeBucketShift: number
  /** Default sysctl_pghot_freq_window in ms. */
  readonly defaultFreqWindowMs: number
}

export const DEFAULT_LAYOUT: RecordLayout = {
  precise: false, bytes: 1, nidShift: 0, nidWidth: 0, freqShift: 0, freqWidth: 2, timeShift: 2, timeWidth: 5,
  readyBit: 7, timeBucketShift: 7, defaultFreqWindowMs: 3000,
}

export const PRECISE_LAYOUT: RecordLayout = {
  precise: true, bytes: 4, nidShift: 0, nidWidth: 10, freqShift: 10, freqWidth: 3, timeShift: 13, timeWidth: 14,
  readyBit: 31, timeBucketShift: 0, defaultFreqWindowMs: 5000,
}

const mask = (width: number) => (width >= 32 ? 0xffffffff : (1 << width) - 1) >>> 0

/** Low 32 bits of a jiffies value (all the arithmetic below needs is the low bits); ToUint32 is exactly that. */
const low32 = (j: number) => j >>> 0

export function freqMax(l: RecordLayout): number { return mask(l.freqWidth) }
export function nidMax(l: RecordLayout): number { return l.nidWidth ? mask(l.nidWidth) : 0 }

/** pghot_access_latency(old_time, now): ms between a stored time and now, modulo the field. */
export function accessLatency(l: RecordLayout, oldTime: number, now: number): number {
  if (l.precise) return ((low32(now) - oldTime) & mask(l.timeWidth)) >>> 0
  const bucketsMask = (mask(l.timeWidth) << l.timeBucketShift) >>> 0
  const t = (low32(now) & bucketsMask) >>> 0
  return ((t - ((oldTime << l.timeBucketShift) >>> 0)) & bucketsMask) >>> 0
}

export interface Decoded { nid: number; freq: number; time: number; ready: boolean }

export function decode(l: RecordLayout, v: number): Decoded {
  return {
    nid: l.nidWidth ? (v >>> l.nidShift) & mask(l.nidWidth) : -1,
    freq: (v >>> l.freqShift) & mask(l.freqWidth),
    time: (v >>> l.timeShift) & mask(l.timeWidth),
    ready: ((v >>> l.readyBit) & 1) === 1,
  }
}

/**
 * pghot_update_record(): a new access at `now` (jiffies) towards `nid`. Returns the
 * new record value; the ready bit, once set, stays until the record is consumed.
 */
export function updateRecord(l: RecordLayout, old: number, nid: number, now: number, freqWindowMs: number, freqThreshold: number): number {
  const time = l.precise ? low32(now) & mask(l.timeWidth) : (low32(now) >>> l.timeBucketShift) & 0xff
  const oldFreq = (old >>> l.freqShift) & mask(l.freqWidth)
  const oldTime = (old >>> l.timeShift) & mask(l.timeWidth)
  const newWindow = accessLatency(l, oldTime, now) > freqWindowMs
  const freq = newWindow ? 1 : oldFreq < mask(l.freqWidth) ? oldFreq + 1 : oldFreq
  let v = old >>> 0
  if (l.nidWidth) v = (v & ~(mask(l.nidWidth) << l.nidShift)) >>> 0
  v = (v & ~(mask(l.freqWidth) << l.freqShift) & ~(mask(l.timeWidth) << l.timeShift)) >>> 0
  if (l.nidWidth) v = (v | ((nid & mask(l.nidWidth)) << l.nidShift)) >>> 0
  v = (v | ((freq & mask(l.freqWidth)) << l.freqShift) | ((time & mask(l.timeWidth)) << l.timeShift)) >>> 0
  if (freq >= freqThreshold) v = (v | (1 << l.readyBit)) >>> 0
  return v
}

export function isReady(l: RecordLayout, v: number): boolean { return ((v >>> l.readyBit) & 1) === 1 }

/**
 * updateRecord() specialised for one layout, with every mask a constant: the same
 * arithmetic, fast enough for tens of millions of accesses a second.
 */
export function recordUpdater(l: RecordLayout): (old: number, nid: number, now: number, windowMs: number, threshold: number) => number {
  const fMask = mask(l.freqWidth), tMask = mask(l.timeWidth), nMask = l.nidWidth ? mask(l.nidWidth) : 0
  const fShift = l.freqShift, tShift = l.timeShift, nShift = l.nidShift, ready = (1 << l.readyBit) >>> 0
  if (l.precise) {
    const keep = ~((nMask << nShift) | (fMask << fShift) | (tMask << tShift)) >>> 0
    return (old, nid, now, windowMs, threshold) => {
      const time = (now >>> 0) & tMask
      const oldFreq = (old >>> fShift) & fMask
      const oldTime = (old >>> tShift) & tMask
      const latency = (time - oldTime) & tMask
      const freq = latency > windowMs ? 1 : oldFreq < fMask ? oldFreq + 1 : oldFreq
      let v = ((old & keep) | ((nid & nMask) << nShift) | (freq << fShift) | (time << tShift)) >>> 0
      if (freq >= threshold) v = (v | ready) >>> 0
      return v
    }
  }
  const bShift = l.timeBucketShift, bMask = (tMask << bShift) >>> 0
  const keep = ~((fMask << fShift) | (tMask << tShift)) & 0xff
  return (old, _nid, now, windowMs, threshold) => {
    const n32 = now >>> 0
    const time = (n32 >>> bShift) & tMask
    const oldFreq = (old >>> fShift) & fMask
    const oldTime = (old >>> tShift) & tMask
    const latency = ((n32 & bMask) - (oldTime << bShift)) & bMask
    const freq = latency > windowMs ? 1 : oldFreq < fMask ? oldFreq + 1 : oldFreq
    let v = (old & keep) | (freq << fShift) | (time << tShift)
    if (freq >= threshold) v |= ready
    return v
  }
}
