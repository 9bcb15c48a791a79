import * as tf from '@tensorflow/tfjs';
import { readSlots, writeSlots, zeroSlots, type Optimizer } from './optimizer';

/**
 * RMSProp as the IMPALA paper trained with it (TensorFlow's ApplyRMSProp,
 * no momentum; paper appendix: decay 0.99, epsilon 0.01 — tf.js's own
 * default decay is 0.9):
 *
 *   ms  <- decay * ms + (1 - decay) * g^2
 *   var <- var - lr * g / sqrt(ms + epsilon)
 */
export class RmsProp implements Optimizer {
  readonly name = 'rmsprop';
  private readonly ms: tf.Variable[];
  private step = 0;

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly decay = 0.99,
    private readonly epsilon = 0.01,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`RmsProp: decay must be in [0, 1), got ${decay}`);
    if (!(epsilon > 0)) throw new RangeError(`RmsProp: epsilon must be positive, got ${epsilon}`);
    this.ms = zeroSlots(variables, 'rms');
  }

  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    tf.tidy(() => {
      grads.forEach((g, i) => {
        const ms = this.ms[i]!;
        const newMs = tf.add(tf.mul(ms, this.decay), tf.mul(tf.square(g), 1 - this.decay));
        ms.assign(newMs);
        const v = this.variables[i]!;
        v.assign(tf.sub(v, tf.mul(tf.div(g, tf.sqrt(tf.add(newMs, this.epsilon))), learningRate)));
      });
    });
    this.step++;
  }

  async getState(): Promise<{ step: number; slots: Float32Array[] }> {
    return { step: this.step, slots: await readSlots(this.ms) };
  }

  setState(state: { step: number; slots: Float32Array[] }): void {
    writeSlots(this.ms, state.slots, 'RmsProp');
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose(this.ms);
  }
}
