import * as tf from '@tensorflow/tfjs';

/**
 * The identity whose gradient is zero: TensorFlow's `tf.stop_gradient`, which
 * tf.js lacks.
 *
 * IMPALA (Espeholt et al. 2018, section 4.2) treats the V-trace targets `vs`
 * and the policy-gradient advantages as constants: the baseline is regressed
 * towards `vs` and the policy follows `rho_s (r_s + gamma v_{s+1} - V(x_s))`,
 * but no gradient flows back through either (scalable_agent's `vtrace.py`
 * wraps both in `tf.stop_gradient`). Built with `tf.customGrad`: the forward
 * pass returns a copy of `x`, the backward pass returns zeros of its shape.
 * A tape that records through this op therefore sees `x` as an input (so
 * `tf.grad` finds a path and returns zeros rather than throwing), while
 * gradient-free code pays only for one clone.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

const stopGradientOp = tf.customGrad((...inputs) => {
  // customGrad passes the op's tensors first, then a save callback we do not use.
  const x = inputs[0] as tf.Tensor;
  return {
    value: x.clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  };
});

/**
 * `f()`, computed from `inputs` with the gradient tape off, as a constant:
 * its gradient with respect to every input is zero. Like `stopGradient(f())`,
 * but the ops inside `f` are neither recorded nor differentiated (they need
 * no gradient function), so a tape that sees the result holds one node.
 * `f` must read only `inputs` and tensors that need no gradient.
 */
export function withoutGradient<T extends tf.Tensor>(inputs: readonly tf.Tensor[], f: () => T): T {
  const op = tf.customGrad((...args) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: f(), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  });
  return op(...inputs) as T;
}
