import * as tf from '@tensorflow/tfjs';
import { FlatLayout, type Optimizer } from './optimizer';

/**
 * RMSProp as the IMPALA paper trained with it (TensorFlow's ApplyRMSProp,
 * no momentum; paper appendix: decay 0.99, epsilon 0.01 — tf.js's own
 * default decay is 0.9):
 *
 *   ms  <- decay * ms + (1 - decay) * g^2
 *   var <- var - lr * g / sqrt(ms + epsilon)
 *
 * computed once over all the variables laid end to end (`FlatLayout`).
 */
export class RmsProp implements Optimizer {
  readonly name = 'rmsprop';
  private readonly layout: FlatLayout;
  private readonly ms: tf.Variable<tf.Rank.R1>;
  private step = 0;

  constructor(
    variables: readonly tf.Variable[],
    private readonly decay = 0.99,
    private readonly epsilon = 0.01,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`RmsProp: decay must be in [0, 1), got ${decay}`);
    if (!(epsilon > 0)) throw new RangeError(`RmsProp: epsilon must be positive, got ${epsilon}`);
    this.layout = new FlatLayout(variables);
    this.ms = this.layout.zeroSlot('rms');
  }

  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    tf.tidy(() => this.applyFlat(this.layout.flatten(grads), learningRate));
  }

  applyFlat(g: tf.Tensor1D, learningRate: number): void {
    tf.tidy(() => {
      const newMs = tf.add(tf.mul(this.ms, this.decay), tf.mul(tf.square(g), 1 - this.decay));
      this.ms.assign(newMs as tf.Tensor1D);
      this.layout.subtractFrom(tf.mul(tf.div(g, tf.sqrt(tf.add(newMs, this.epsilon))), learningRate) as tf.Tensor1D);
    });
    this.step++;
  }

  async getState(): Promise<{ step: number; slots: Float32Array[] }> {
    return { step: this.step, slots: await this.layout.readSlot(this.ms) };
  }

  setState(state: { step: number; slots: Float32Array[] }): void {
    const n = this.layout.sizes.length;
    if (state.slots.length !== n) throw new Error(`RmsProp: state has ${state.slots.length} slots, expected ${n}`);
    this.layout.writeSlot(this.ms, state.slots, 'RmsProp');
    this.step = state.step;
  }

  dispose(): void {
    this.ms.dispose();
  }
}
