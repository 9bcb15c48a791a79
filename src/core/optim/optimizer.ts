import * as tf from '@tensorflow/tfjs';

/**
 * A first-order optimiser over a fixed list of variables, with its state
 * exposed as plain float32 arrays so that a run can be checkpointed and
 * resumed exactly. Written here rather than taken from tf.train so that the
 * paper's RMSProp settings, the annealed learning rate and the state are in
 * our hands.
 *
 * The optimisers keep their statistics as one flat vector over all the
 * variables (`FlatLayout`), so that a step is a handful of element-wise
 * kernels whatever the number of variables, plus one subtraction per
 * variable to write the step back. The state they expose is still one slot
 * array per variable.
 */
export interface Optimizer {
  readonly name: 'rmsprop' | 'adam';
  /** Applies one update with the given gradients (same order as the variables) and learning rate. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void;
  /** The same with the gradients flattened into one vector (`FlatLayout.flatten`). */
  applyFlat(grad: tf.Tensor1D, learningRate: number): void;
  /** Optimiser state (slots and step count) as arrays, for checkpoints. */
  getState(): Promise<{ step: number; slots: Float32Array[] }>;
  setState(state: { step: number; slots: Float32Array[] }): void;
  dispose(): void;
}

/**
 * The variables laid end to end in one vector of `size` numbers, each
 * flattened row-major, in order. Concatenating many tensors is safe on
 * WebGPU: tf.js's Concat splits itself into groups of at most
 * `maxStorageBuffersPerShaderStage - 1` inputs (unlike AddN, see
 * `sumPairwise`).
 */
export class FlatLayout {
  readonly sizes: readonly number[];
  readonly size: number;

  constructor(readonly variables: readonly tf.Variable[]) {
    this.sizes = variables.map((v) => v.size);
    this.size = this.sizes.reduce((a, b) => a + b, 0);
  }

  /** One vector `[size]` from tensors shaped like the variables. */
  flatten(tensors: readonly tf.Tensor[]): tf.Tensor1D {
    if (tensors.length !== this.sizes.length) throw new Error(`FlatLayout: ${tensors.length} tensors for ${this.sizes.length} variables`);
    return tf.tidy(() => {
      const flat = tensors.map((t) => (t.rank === 1 ? t : tf.reshape(t, [-1])));
      return (flat.length === 1 ? flat[0]!.clone() : tf.concat(flat)) as tf.Tensor1D;
    });
  }

  /** x_i <- x_i - step_i for every variable, with `step` a flat vector `[size]`. */
  subtractFrom(step: tf.Tensor1D): void {
    tf.tidy(() => {
      const pieces = this.variables.length === 1 ? [step] : tf.split(step, this.sizes as number[]);
      this.variables.forEach((x, i) => {
        const piece = pieces[i]!;
        x.assign(tf.sub(x, x.rank === 1 ? piece : tf.reshape(piece, x.shape)));
      });
    });
  }

  /** A zero-initialised flat slot variable `[size]`, named after the first variable. */
  zeroSlot(name: string): tf.Variable<tf.Rank.R1> {
    const zeros = tf.zeros([this.size]);
    const slot = tf.variable(zeros, false, `${this.variables[0]?.name ?? 'empty'}/${name}/${nextSlotId++}`) as tf.Variable<tf.Rank.R1>;
    zeros.dispose();
    return slot;
  }

  /** A flat slot as one array per variable (one read). */
  async readSlot(slot: tf.Variable): Promise<Float32Array[]> {
    const all = await slot.data();
    let offset = 0;
    return this.sizes.map((n) => Float32Array.from(all.subarray(offset, (offset += n))));
  }

  /** Writes one array per variable into a flat slot, checking their sizes first. */
  writeSlot(slot: tf.Variable, values: readonly Float32Array[], owner: string, first = 0): void {
    const all = new Float32Array(this.size);
    let offset = 0;
    this.sizes.forEach((n, i) => {
      const v = values[i]!;
      if (v.length !== n) throw new Error(`${owner}: slot ${first + i} has ${v.length} values, expected ${n}`);
      all.set(v, offset);
      offset += n;
    });
    tf.tidy(() => slot.assign(tf.tensor1d(all)));
  }
}
let nextSlotId = 0;
