import * as tf from '@tensorflow/tfjs';
import type { Network } from './networks';

/**
 * Reads every parameter of a network as float32 arrays, in the network's
 * fixed order (async: safe on WebGPU). One read back for all of them: the
 * variables are flattened into one vector first, since on a GPU each read
 * is a round trip (the learner publishes its weights after every update).
 * Each array gets its own buffer, so that callers may transfer them.
 */
export async function getNetworkWeights(network: Network): Promise<Float32Array[]> {
  const vars = network.variables;
  if (vars.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))));
  let values: Float32Array;
  try {
    values = (await flat.data()) as Float32Array;
  } finally {
    flat.dispose();
  }
  const out: Float32Array[] = [];
  let offset = 0;
  for (const v of vars) {
    out.push(values.slice(offset, offset + v.size));
    offset += v.size;
  }
  return out;
}

/**
 * Writes parameters into a network. Checks the count and each array's size
 * before touching anything, so a wrong set of weights leaves the network as
 * it was.
 */
export function setNetworkWeights(network: Network, weights: readonly Float32Array[]): void {
  const vars = network.variables;
  if (weights.length !== vars.length) {
    // An LSTM core adds three arrays (W_x, W_h, b): say so when that is the difference.
    const core = network.core ? `an LSTM core of size ${network.core.config.size}` : 'no LSTM core';
    const hint = Math.abs(weights.length - vars.length) === 3 ? ` (the settings' network has ${core}; the weights look like a network ${network.core ? 'without' : 'with'} one)` : '';
    throw new Error(`weights: expected ${vars.length} arrays for this network, got ${weights.length}${hint}`);
  }
  vars.forEach((v, i) => {
    if (weights[i]!.length !== v.size) {
      throw new Error(`weights: array ${i} (${v.name}, shape [${v.shape.join(', ')}]) needs ${v.size} values, got ${weights[i]!.length}`);
    }
  });
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
}
