import * as tf from '@tensorflow/tfjs';
import { readSlots, writeSlots, zeroSlots, type Optimizer } from './optimizer';

/**
 * Adam (Kingma & Ba 2015, algorithm 1), an option beside the paper's RMSProp:
 *
 *   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
 *   var <- var - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 */
export class Adam implements Optimizer {
  readonly name = 'adam';
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private step = 0;

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = zeroSlots(variables, 'adam_m');
    this.v = zeroSlots(variables, 'adam_v');
  }

  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      grads.forEach((g, i) => {
        const m = this.m[i]!;
        const v = this.v[i]!;
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(newM);
        v.assign(newV);
        const x = this.variables[i]!;
        x.assign(tf.sub(x, tf.mul(tf.div(tf.div(newM, c1), tf.add(tf.sqrt(tf.div(newV, c2)), this.epsilon)), learningRate)));
      });
    });
  }

  async getState(): Promise<{ step: number; slots: Float32Array[] }> {
    return { step: this.step, slots: [...(await readSlots(this.m)), ...(await readSlots(this.v))] };
  }

  setState(state: { step: number; slots: Float32Array[] }): void {
    const n = this.m.length;
    if (state.slots.length !== 2 * n) throw new Error(`Adam: state has ${state.slots.length} slots, expected ${2 * n}`);
    writeSlots(this.m, state.slots.slice(0, n), 'Adam');
    writeSlots(this.v, state.slots.slice(n), 'Adam');
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
