import * as tf from '@tensorflow/tfjs';

/**
 * A first-order optimiser over a fixed list of variables, with its state
 * exposed as plain float32 arrays so that a run can be checkpointed and
 * resumed exactly. Written here rather than taken from tf.train so that the
 * paper's RMSProp settings, the annealed learning rate and the state are in
 * our hands.
 */
export interface Optimizer {
  readonly name: 'rmsprop' | 'adam';
  /** Applies one update with the given gradients (same order as the variables) and learning rate. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void;
  /** Optimiser state (slots and step count) as arrays, for checkpoints. */
  getState(): Promise<{ step: number; slots: Float32Array[] }>;
  setState(state: { step: number; slots: Float32Array[] }): void;
  dispose(): void;
}

/** Creates zero-initialised slot variables shaped like `variables`. */
export function zeroSlots(variables: readonly tf.Variable[], name: string): tf.Variable[] {
  return variables.map((v) => {
    const zeros = tf.zerosLike(v);
    const slot = tf.variable(zeros, false, `${v.name}/${name}`);
    zeros.dispose();
    return slot;
  });
}

export async function readSlots(slots: readonly tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(slots.map(async (s) => Float32Array.from(await s.data())));
}

export function writeSlots(slots: readonly tf.Variable[], values: readonly Float32Array[], owner: string): void {
  if (values.length !== slots.length) throw new Error(`${owner}: state has ${values.length} slots, expected ${slots.length}`);
  slots.forEach((s, i) => {
    const v = values[i]!;
    if (v.length !== s.size) throw new Error(`${owner}: slot ${i} has ${v.length} values, expected ${s.size}`);
    tf.tidy(() => s.assign(tf.tensor(v, s.shape)));
  });
}
