import * as tf from '@tensorflow/tfjs';

/**
 * The LSTM's recurrence over S steps of C columns (lstmCore.ts) as one op
 * whose gradient is written out: backpropagation through time, so that an
 * update dispatches about 30 kernels per step instead of the 70-odd that
 * tf.js's automatic gradients of the step's ops take (on a GPU each is a
 * dispatch, and the LSTM's update was bound by them).
 *
 * Forward, at step t (z_t's input projection u_t W_x + b given for all rows):
 *
 *   h', c' = keep_t h_{t-1}, keep_t c_{t-1}        (keep_t = 0 where an episode starts)
 *   z_t = P_t + h' W_h
 *   a_t = sigmoid(z_t * s) * s - o                   (s = 2, o = 1 on the g block, else 1 and 0:
 *                                                    [sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o)],
 *                                                    since tanh(x) = 2 sigmoid(2x) - 1)
 *   c_t = f_t * c' + i_t * g_t,   h_t = o_t * tanh(c_t)
 *
 * Backward, t = S-1 .. 0, with dh, dc the gradients reaching h_t, c_t from
 * the outputs and from step t + 1:
 *
 *   do = dh * tanh(c_t);  dc += dh * o_t * (1 - tanh(c_t)^2)
 *   di = dc * g_t;  df = dc * c';  dg = dc * i_t
 *   dz_t = [di, df, dg, do] * (1 - a_t) * (a_t + o)  (sigmoid' = a(1 - a), tanh' = (1 - a)(1 + a))
 *   dh_{t-1} = keep_t (dz_t W_h^T);  dc_{t-1} = keep_t (dc * f_t)
 *
 * and dP = [dz_0; ...; dz_{S-1}], dW_h = [h'_0; ...]^T dP, dh_0, dc_0 last.
 * Checked against float64 finite differences (tests/unit/lstmCore.test.ts).
 */

/** The recurrence's inputs: `projected` `[S * C, 4H]` (time-major), `wh` `[H, 4H]`, `h0` and `c0` `[C, H]`. */
export interface RecurrenceInputs {
  projected: tf.Tensor2D;
  wh: tf.Tensor2D;
  h0: tf.Tensor2D;
  c0: tf.Tensor2D;
  /** 1 where the state resets to zero before the row's step: `[S * C]`. */
  resets: Uint8Array;
}

/** A `[1, 4H]` row: `inG` on the g block, `elsewhere` on the others (the scale s and offset o above). */
function gateRow(H: number, elsewhere: number, inG: number): tf.Tensor2D {
  const row = new Float32Array(4 * H).fill(elsewhere);
  row.fill(inG, 2 * H, 3 * H);
  return tf.tensor2d(row, [1, 4 * H]);
}

/** keep_t of each step as data (1, or 0 where a column resets), or null for a step where no column resets. */
function keepMasks(resets: Uint8Array, S: number, C: number): (Float32Array | null)[] {
  return Array.from({ length: S }, (_, t) => {
    const rows = resets.subarray(t * C, (t + 1) * C);
    return rows.some((r) => r !== 0) ? Float32Array.from(rows, (r) => (r ? 0 : 1)) : null;
  });
}

/** h_t and c_t of every row, `[S * C, H]` each. */
export function lstmRecurrence({ projected, wh, h0, c0, resets }: RecurrenceInputs): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [C, H] = h0.shape;
  const S = projected.shape[0] / C;
  if (!Number.isInteger(S) || projected.shape[1] !== 4 * H || resets.length !== S * C) {
    throw new Error(`lstmRecurrence: projected [${projected.shape}] is not S x ${C} rows of ${4 * H}, or resets (${resets.length}) not one per row`);
  }
  // Read by both passes; as plain data, so that no tensor must outlive the forward pass's scope for the backward one.
  const keeps = keepMasks(resets, S, C);
  const op = tf.customGrad((p, w, hInit, cInit, save) => {
    const scale = gateRow(H, 1, 2);
    const offset = gateRow(H, 0, 1);
    const steps = S === 1 ? [p as tf.Tensor2D] : tf.unstack(tf.reshape(p as tf.Tensor2D, [S, C, 4 * H]));
    let h = hInit as tf.Tensor2D;
    let c = cInit as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    const cs: tf.Tensor2D[] = [];
    // Per step, for the gradient: h', c', a_t, i_t, f_t, g_t, o_t, tanh(c_t).
    const saved: tf.Tensor[] = [];
    for (let t = 0; t < S; t++) {
      const keep = keeps[t] ? tf.tensor2d(keeps[t]!, [C, 1]) : null;
      if (keep) {
        h = tf.mul(h, keep);
        c = tf.mul(c, keep);
      }
      const z = tf.add(steps[t]!, tf.matMul(h, w as tf.Tensor2D));
      const a = tf.sub(tf.mul(tf.sigmoid(tf.mul(z, scale)), scale), offset) as tf.Tensor2D;
      const [i, f, g, o] = tf.split(a, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const cNext = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
      const tanhC = tf.tanh(cNext);
      const hNext = tf.mul(o, tanhC) as tf.Tensor2D;
      saved.push(h, c, a, i, f, g, o, tanhC);
      hs.push(hNext);
      cs.push(cNext);
      h = hNext;
      c = cNext;
    }
    (save as tf.GradSaveFunc)(saved);
    const hAll = S === 1 ? hs[0]! : tf.concat(hs, 0);
    const cAll = S === 1 ? cs[0]! : tf.concat(cs, 0);
    return {
      value: tf.concat([hAll, cAll], 1),
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const off = gateRow(H, 0, 1);
        const [dHAll, dCAll] = tf.split(dy, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        const dHs = S === 1 ? [dHAll] : tf.unstack(tf.reshape(dHAll, [S, C, H]));
        const dCs = S === 1 ? [dCAll] : tf.unstack(tf.reshape(dCAll, [S, C, H]));
        const dZs: tf.Tensor2D[] = new Array<tf.Tensor2D>(S);
        let dhNext: tf.Tensor | null = null;
        let dcNext: tf.Tensor | null = null;
        for (let t = S - 1; t >= 0; t--) {
          const [, cPrev, a, i, f, g, o, tanhC] = kept.slice(8 * t, 8 * t + 8) as tf.Tensor2D[];
          const dh = dhNext ? tf.add(dHs[t]!, dhNext) : dHs[t]!;
          let dc = dcNext ? tf.add(dCs[t]!, dcNext) : dCs[t]!;
          const dO = tf.mul(dh, tanhC!);
          dc = tf.add(dc, tf.mul(tf.mul(dh, o!), tf.sub(1, tf.square(tanhC!))));
          const dGates = tf.concat([tf.mul(dc, g!), tf.mul(dc, cPrev!), tf.mul(dc, i!), dO], 1);
          const dZ = tf.mul(dGates, tf.mul(tf.sub(1, a!), tf.add(a!, off))) as tf.Tensor2D;
          dZs[t] = dZ;
          let dhPrev: tf.Tensor = tf.matMul(dZ, w as tf.Tensor2D, false, true);
          let dcPrev: tf.Tensor = tf.mul(dc, f!);
          const keep = keeps[t] ? tf.tensor2d(keeps[t]!, [C, 1]) : null;
          if (keep) {
            dhPrev = tf.mul(dhPrev, keep);
            dcPrev = tf.mul(dcPrev, keep);
          }
          dhNext = dhPrev;
          dcNext = dcPrev;
        }
        const dP = S === 1 ? dZs[0]! : tf.concat(dZs, 0);
        const hPrevAll = S === 1 ? kept[0]! : tf.concat(Array.from({ length: S }, (_, t) => kept[8 * t]!), 0);
        const dW = tf.matMul(hPrevAll, dP, true, false);
        return [dP, dW, dhNext!, dcNext!];
      },
    };
  });
  const both = op(projected, wh, h0, c0) as tf.Tensor2D;
  const [h, c] = tf.split(both, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return { h, c };
}
