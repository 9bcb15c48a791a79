/**
 * A bit-exact port of numpy's legacy `RandomState` (the MT19937 Mersenne
 * Twister, Matsumoto & Nishimura 1998) for the calls MinAtar makes.
 *
 * MinAtar's golden traces were recorded with `np.random.RandomState(seed)`;
 * every spawn, ball start and sticky-action test depends on the exact stream,
 * so these methods reproduce numpy's algorithms, not just its distributions:
 * - `RandomState(seed)` for an integer seed is `init_genrand(seed)`;
 * - `rand()` is numpy's 53-bit double from two 32-bit outputs
 *   (`random_standard_uniform` / `genrand_res53`);
 * - `randint(low, high)` is numpy's legacy masked rejection sampler: draw
 *   32-bit outputs, mask them to the smallest all-ones mask covering
 *   `high - low - 1`, reject values above it; no draw when the range is one.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  /** @param seed an integer in [0, 2^32), as numpy requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`RandomState: seed must be an integer in [0, 2^32), got ${String(seed)}`);
    }
    this.initGenrand(seed);
  }

  private initGenrand(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  /** Refills the state vector: the "twist" of the reference implementation. */
  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.mti = 0;
  }

  /** The next raw 32-bit output (`genrand_int32`), as an unsigned integer. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy `rand()`: a double in [0, 1) with 53 random bits. */
  rand(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** numpy `rand(n)`: `n` doubles drawn one after another. */
  randArray(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.rand();
    return out;
  }

  /** numpy `uniform(low, high)` (legacy): `low + (high - low) * rand()`. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.rand();
  }

  /**
   * numpy `randint(high)` or `randint(low, high)`: an integer in [low, high).
   * Ranges up to 2^32 values, which covers every call MinAtar makes.
   */
  randint(lowOrHigh: number, high?: number): number {
    const low = high === undefined ? 0 : lowOrHigh;
    const hi = high === undefined ? lowOrHigh : high;
    const range = hi - low - 1;
    if (!Number.isInteger(low) || !Number.isInteger(hi) || range < 0 || range > 0xffffffff) {
      throw new RangeError(`RandomState.randint: need integers low < high with high - low <= 2^32, got [${low}, ${hi})`);
    }
    if (range === 0) return low;
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > range);
    return low + value;
  }

  /** numpy `randint(low, high, size)`: `size` integers drawn one after another. */
  randintArray(low: number, high: number, size: number): Int32Array {
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.randint(low, high);
    return out;
  }
}
