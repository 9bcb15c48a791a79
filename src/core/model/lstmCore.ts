import * as tf from '@tensorflow/tfjs';
import type { RandomState } from '../rng/randomState';
import { glorotUniform } from './initializers';
import { lstmRecurrence } from './lstmRecurrence';

/**
 * The recurrent core of the paper's agents (Espeholt et al. 2018, figure 3):
 * torso -> LSTM -> policy and value heads. At step t the core reads the
 * torso's features f_t, and, as in the paper, the previous action a_{t-1}
 * (one-hot) and the previous reward r_{t-1} clipped to [-1, 1], each with a
 * switch:
 *
 *   u_t = [f_t, onehot(a_{t-1}), clip(r_{t-1})]
 *   z_t = u_t W_x + h_{t-1} W_h + b                 (4H gates, laid out [i | f | g | o])
 *   i_t = sigmoid(z_i), f_t = sigmoid(z_f), g_t = tanh(z_g), o_t = sigmoid(z_o)
 *   c_t = f_t * c_{t-1} + i_t * g_t
 *   h_t = o_t * tanh(c_t)                            (the heads read h_t)
 *
 * (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000;
 * the gate order is Keras's.) Initialisation: W_x and W_h Glorot-uniform over
 * the whole 4H columns; b zero except the forget gate's, 1 (Jozefowicz et al.
 * 2015), so that early on the cell keeps what it holds.
 *
 * Episode boundaries: where an episode starts at step t the state (h, c) is
 * reset to zero before the step, and there is no previous action or reward
 * (zero one-hot, reward 0), so nothing leaks from one episode into the next.
 * An unroll carries the state its first step starts from and the previous
 * action and reward of that step (`CoreInputs`), so that the learner can run
 * the core over the unroll from where the actor ran it (scalable_agent's
 * `initial_agent_state`).
 */

/** An LSTM core's settings, resolved. */
export interface LstmCoreConfig {
  kind: 'lstm';
  /** H, the size of h and c. */
  size: number;
  /** Feed the previous action (one-hot) to the core. */
  previousAction: boolean;
  /** Feed the previous reward, clipped to [-1, 1], to the core. */
  previousReward: boolean;
}

/** The state (h, c) of C columns, `[C * H]` each, row-major. */
export interface CoreState {
  h: Float32Array;
  c: Float32Array;
}

/**
 * What the core needs besides observations to run S steps of C columns
 * (rows time-major: row s * C + c is step s of column c).
 */
export interface CoreInputs {
  /**
   * The state before step 0 of each column: arrays, or tensors `[C, H]`
   * already on the backend (the learner's bootstrap from a state it computed).
   */
  initialState: CoreState | CoreOutputs;
  /** a_{t-1} of each row; -1 where there is none (the first step of an episode): `[S * C]`. */
  previousActions: Int32Array;
  /** r_{t-1} of each row, unclipped (the core clips); 0 where there is none: `[S * C]`. */
  previousRewards: Float32Array;
  /** 1 where the state is reset to zero before the row's step (an episode starts there): `[S * C]`. */
  resets: Uint8Array;
}

/** The state after each step: h_t and c_t, `[S * C, H]` each. (A type, not an interface, so that `tf.tidy` may return it.) */
export type CoreOutputs = {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
};

/** Width of the core's input u_t for torso features of width `features`. */
export function coreInputWidth(core: LstmCoreConfig, features: number, numActions: number): number {
  return features + (core.previousAction ? numActions : 0) + (core.previousReward ? 1 : 0);
}

/** The zero state of `columns` columns. */
export function zeroCoreState(columns: number, size: number): CoreState {
  return { h: new Float32Array(columns * size), c: new Float32Array(columns * size) };
}

/** The parameters of one LSTM core, and its forward pass. */
export class LstmCore {
  readonly inputWidth: number;

  constructor(
    readonly config: LstmCoreConfig,
    readonly features: number,
    readonly numActions: number,
    readonly wx: tf.Variable,
    readonly wh: tf.Variable,
    readonly b: tf.Variable,
  ) {
    this.inputWidth = coreInputWidth(config, features, numActions);
  }

  /**
   * Creates the parameters with `make(name, initialValues, shape)` (the
   * network's parameter list, so they join its fixed order: W_x, W_h, b).
   */
  static create(
    config: LstmCoreConfig,
    features: number,
    numActions: number,
    random: RandomState,
    make: (name: string, values: Float32Array, shape: number[]) => tf.Variable,
  ): LstmCore {
    const H = config.size;
    const width = coreInputWidth(config, features, numActions);
    const wx = make('lstm_wx', glorotUniform(random, width * 4 * H, width, 4 * H), [width, 4 * H]);
    const wh = make('lstm_wh', glorotUniform(random, H * 4 * H, H, 4 * H), [H, 4 * H]);
    const bias = new Float32Array(4 * H);
    bias.fill(1, H, 2 * H); // forget gate
    const b = make('lstm_b', bias, [4 * H]);
    return new LstmCore(config, features, numActions, wx, wh, b);
  }

  /** Checks `inputs` against S steps of C columns; returns C. */
  columnsOf(rows: number, inputs: CoreInputs): number {
    const H = this.config.size;
    const { initialState: s } = inputs;
    const hSize = s.h instanceof tf.Tensor ? s.h.size : s.h.length;
    const cSize = s.c instanceof tf.Tensor ? s.c.size : s.c.length;
    if (hSize !== cSize || hSize % H !== 0 || hSize === 0) {
      throw new Error(`LSTM core: the initial state needs h and c of C x ${H} values each, got ${hSize} and ${cSize}`);
    }
    const C = hSize / H;
    if (rows % C !== 0) throw new Error(`LSTM core: ${rows} rows are not whole steps of ${C} columns`);
    for (const [name, a] of [['previousActions', inputs.previousActions], ['previousRewards', inputs.previousRewards], ['resets', inputs.resets]] as const) {
      if (a.length !== rows) throw new Error(`LSTM core: ${name} needs one value per row (${rows}), got ${a.length}`);
    }
    return C;
  }

  /**
   * Runs the core over S steps of C columns from `inputs.initialState`:
   * `features` is `[S * C, F]`, time-major. Returns h_t and c_t of every row.
   * The input projection u_t W_x + b is one matrix product for all rows;
   * only h_{t-1} W_h is stepped, in one op with its gradient written out
   * (lstmRecurrence.ts).
   */
  apply(features: tf.Tensor2D, inputs: CoreInputs): CoreOutputs {
    const H = this.config.size;
    const A = this.numActions;
    const rows = features.shape[0];
    const C = this.columnsOf(rows, inputs);
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [features];
      if (this.config.previousAction) {
        // One-hot built in plain arrays: these are data, not parameters.
        const oneHot = new Float32Array(rows * A);
        inputs.previousActions.forEach((a, k) => {
          if (a >= 0 && a < A) oneHot[k * A + a] = 1;
        });
        parts.push(tf.tensor2d(oneHot, [rows, A]));
      }
      if (this.config.previousReward) {
        parts.push(tf.tensor2d(Float32Array.from(inputs.previousRewards, (r) => Math.max(-1, Math.min(1, r))), [rows, 1]));
      }
      const u = parts.length === 1 ? features : tf.concat(parts, 1);
      const projected = tf.add(tf.matMul(u, this.wx), this.b) as tf.Tensor2D;
      const s = inputs.initialState;
      const h0: tf.Tensor2D = s.h instanceof tf.Tensor ? tf.reshape(s.h, [C, H]) : tf.tensor2d(s.h, [C, H]);
      const c0: tf.Tensor2D = s.c instanceof tf.Tensor ? tf.reshape(s.c, [C, H]) : tf.tensor2d(s.c, [C, H]);
      return lstmRecurrence({ projected, wh: this.wh as tf.Tensor as tf.Tensor2D, h0, c0, resets: inputs.resets });
    });
  }
}
