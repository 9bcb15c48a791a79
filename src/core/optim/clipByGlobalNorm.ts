import * as tf from '@tensorflow/tfjs';

/**
 * Global gradient-norm clipping (Pascanu et al. 2013; TensorFlow's
 * `clip_by_global_norm`): with N = sqrt(sum_i ||g_i||^2), every gradient is
 * scaled by maxNorm / max(N, maxNorm).
 *
 * `clipByGlobalNormFlat` takes the gradients already laid end to end in one
 * vector (`FlatLayout.flatten`): six kernels whatever the number of
 * variables. (The norm is never a `tf.addN` of per-variable sums: AddN is
 * one WebGPU kernel reading every input from its own storage buffer, and
 * WebGPU devices allow only 8 per shader stage by default, which tf.js 4.22
 * does not raise: with 8 or more inputs the sum was garbage.)
 */
export function clipByGlobalNormFlat(g: tf.Tensor1D, maxNorm: number): { clipped: tf.Tensor1D; globalNorm: tf.Scalar } {
  return tf.tidy(() => {
    const globalNorm = tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar;
    const scale = tf.div(maxNorm, tf.maximum(globalNorm, maxNorm));
    return { clipped: tf.mul(g, scale) as tf.Tensor1D, globalNorm };
  });
}

/** The same on a list of gradients: returns the clipped gradients and the norm before clipping. The caller owns the results. */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; globalNorm: tf.Scalar } {
  return tf.tidy(() => {
    const flat = tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    const globalNorm = tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
    const scale = tf.div(maxNorm, tf.maximum(globalNorm, maxNorm));
    return { clipped: grads.map((g) => tf.mul(g, scale)), globalNorm };
  });
}
