import * as tf from '@tensorflow/tfjs';
import { FlatLayout, type Optimizer } from './optimizer';

/**
 * Adam (Kingma & Ba 2015, algorithm 1), an option beside the paper's RMSProp:
 *
 *   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
 *   var <- var - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * computed once over all the variables laid end to end (`FlatLayout`).
 */
export class Adam implements Optimizer {
  readonly name = 'adam';
  private readonly layout: FlatLayout;
  private readonly m: tf.Variable<tf.Rank.R1>;
  private readonly v: tf.Variable<tf.Rank.R1>;
  private step = 0;

  constructor(
    variables: readonly tf.Variable[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.layout = new FlatLayout(variables);
    this.m = this.layout.zeroSlot('adam_m');
    this.v = this.layout.zeroSlot('adam_v');
  }

  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    tf.tidy(() => this.applyFlat(this.layout.flatten(grads), learningRate));
  }

  applyFlat(g: tf.Tensor1D, learningRate: number): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      const newM = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1)) as tf.Tensor1D;
      const newV = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)) as tf.Tensor1D;
      this.m.assign(newM);
      this.v.assign(newV);
      this.layout.subtractFrom(tf.mul(tf.div(tf.div(newM, c1), tf.add(tf.sqrt(tf.div(newV, c2)), this.epsilon)), learningRate) as tf.Tensor1D);
    });
  }

  async getState(): Promise<{ step: number; slots: Float32Array[] }> {
    const [m, v] = await Promise.all([this.layout.readSlot(this.m), this.layout.readSlot(this.v)]);
    return { step: this.step, slots: [...m, ...v] };
  }

  setState(state: { step: number; slots: Float32Array[] }): void {
    const n = this.layout.sizes.length;
    if (state.slots.length !== 2 * n) throw new Error(`Adam: state has ${state.slots.length} slots, expected ${2 * n}`);
    this.layout.writeSlot(this.m, state.slots.slice(0, n), 'Adam');
    this.layout.writeSlot(this.v, state.slots.slice(n), 'Adam', n);
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([this.m, this.v]);
  }
}
