/**
 * Seeded PRNG (xoshiro128**, seeded through splitmix32) so that every run of the
 * simulation can be replayed exactly from its seed. The engine never calls Math.random.
 */
export class Rng {
  // The state words are kept as signed 32-bit integers (the same bits as the unsigned
  // words of the algorithm): V8 then stores them as small integers rather than as
  // boxed doubles, which roughly halves the cost of a draw.
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(seed: number) {
    let x = seed >>> 0
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) | 0
    }
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next()
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const s0 = this.s0, s1 = this.s1
    let s2 = this.s2, s3 = this.s3
    const m = Math.imul(s1, 5)
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0
    const t = s1 << 9
    s2 ^= s0; s3 ^= s1
    this.s1 = s1 ^ s2
    this.s0 = s0 ^ s3
    this.s2 = s2 ^ t
    this.s3 = (s3 << 11) | (s3 >>> 21)
    return result
  }

  /** Uniform in [0, 1). */
  float(): number { return this.u32() / 4294967296 }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.float() * (hi - lo + 1)) }

  /** x scaled by a factor drawn uniformly from [1 - spread, 1 + spread]. */
  jitter(x: number, spread: number): number { return x * (1 - spread + 2 * spread * this.float()) }

  /** An independent stream derived from this one (for subsystems that must not perturb each other). */
  fork(): Rng { return new Rng(this.u32()) }
}
