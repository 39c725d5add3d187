/**
 * Simulated time. The engine reads time only from a Clock; the daemon advances it
 * from wall time, tests and scenarios step it by hand, so runs replay exactly.
 */
export const HZ = 1000
/** jiffies start 5 minutes before wrap, as INITIAL_JIFFIES does, to flush out wrap bugs. */
export const INITIAL_JIFFIES = (2 ** 32 - 300 * HZ) >>> 0

export class Clock {
  private ms = 0

  /** Milliseconds of simulated time since boot. */
  nowMs(): number { return this.ms }

  /** The kernel's 32-bit jiffies counter (HZ=1000). */
  jiffies(): number { return (INITIAL_JIFFIES + this.ms) >>> 0 }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`)
    this.ms += ms
  }
}
