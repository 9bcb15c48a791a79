import type { RandomState } from '../rng/randomState';

/**
 * Samples one action per row from softmax(logits), by inverting the CDF
 * with one `rand()` per row, in float64. `logits` is `[N][A]` flat; writes
 * `out[n]`. Deterministic given the generator.
 */
export function sampleCategorical(logits: ArrayLike<number>, numActions: number, random: RandomState, out: Int32Array): void {
  const n = out.length;
  for (let row = 0; row < n; row++) {
    const base = row * numActions;
    let max = -Infinity;
    for (let a = 0; a < numActions; a++) max = Math.max(max, logits[base + a]!);
    let total = 0;
    for (let a = 0; a < numActions; a++) total += Math.exp(logits[base + a]! - max);
    const u = random.rand() * total;
    let cumulative = 0;
    let chosen = numActions - 1;
    for (let a = 0; a < numActions; a++) {
      cumulative += Math.exp(logits[base + a]! - max);
      if (u < cumulative) {
        chosen = a;
        break;
      }
    }
    out[row] = chosen;
  }
}
