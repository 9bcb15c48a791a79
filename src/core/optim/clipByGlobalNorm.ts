import * as tf from '@tensorflow/tfjs';

/**
 * Sums scalar tensors two at a time. `tf.addN` over many tensors is one
 * WebGPU kernel reading every input from its own storage buffer, and WebGPU
 * devices allow only 8 per shader stage by default (tf.js 4.22 does not ask
 * for more): with 8 or more inputs the pipeline is invalid and the sum is
 * garbage. Pairwise `tf.add` needs 3 buffers whatever the count.
 */
export function sumPairwise(terms: readonly tf.Tensor[]): tf.Tensor {
  if (terms.length === 0) throw new Error('sumPairwise: nothing to sum');
  let level = [...terms];
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/**
 * Global gradient-norm clipping (Pascanu et al. 2013; TensorFlow's
 * `clip_by_global_norm`): with N = sqrt(sum_i ||g_i||^2), every gradient is
 * scaled by maxNorm / max(N, maxNorm). Returns the clipped gradients and the
 * norm before clipping (a scalar tensor). The caller owns the results.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; globalNorm: tf.Scalar } {
  return tf.tidy(() => {
    const globalNorm = tf.sqrt(sumPairwise(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    const scale = tf.div(maxNorm, tf.maximum(globalNorm, maxNorm));
    return { clipped: grads.map((g) => tf.mul(g, scale)), globalNorm };
  });
}
