/**
 * Derives independent 32-bit seeds from one experiment seed and a path of
 * indices (actor, environment, ...), so that every source of randomness in a
 * run is seeded from the one number the user chose, and two paths never share
 * a stream by accident (seed + i would make actor 0's env 1 equal actor 1's
 * env 0).
 *
 * The mixing function is the splitmix32 finaliser applied along the path.
 */
export function deriveSeed(seed: number, ...path: number[]): number {
  if (!Number.isInteger(seed)) throw new RangeError(`deriveSeed: seed must be an integer, got ${String(seed)}`);
  let h = mix32(seed >>> 0);
  for (const part of path) {
    if (!Number.isInteger(part)) throw new RangeError(`deriveSeed: path entries must be integers, got ${String(part)}`);
    h = mix32((h ^ Math.imul(part >>> 0, 0x9e3779b9)) >>> 0);
  }
  return h;
}

function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
