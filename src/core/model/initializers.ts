import type { RandomState } from '../rng/randomState';

/**
 * Glorot (Xavier) uniform initialisation (Glorot & Bengio 2010, eq. 16):
 * U(-l, l) with l = gain * sqrt(6 / (fanIn + fanOut)), drawn from a seeded
 * generator so that the same seed gives the same network everywhere.
 */
export function glorotUniform(random: RandomState, size: number, fanIn: number, fanOut: number, gain = 1): Float32Array {
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = random.uniform(-limit, limit);
  return out;
}
