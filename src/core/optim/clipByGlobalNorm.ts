import * as tf from '@tensorflow/tfjs';

/**
 * Global gradient-norm clipping (Pascanu et al. 2013; TensorFlow's
 * `clip_by_global_norm`): with N = sqrt(sum_i ||g_i||^2), every gradient is
 * scaled by maxNorm / max(N, maxNorm). Returns the clipped gradients and the
 * norm before clipping (a scalar tensor). The caller owns the results.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; globalNorm: tf.Scalar } {
  return tf.tidy(() => {
    const globalNorm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    const scale = tf.div(maxNorm, tf.maximum(globalNorm, maxNorm));
    return { clipped: grads.map((g) => tf.mul(g, scale)), globalNorm };
  });
}
