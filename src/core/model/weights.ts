import * as tf from '@tensorflow/tfjs';
import type { Network } from './networks';

/** Reads every parameter of a network as float32 arrays, in the network's fixed order (async: safe on WebGPU). */
export async function getNetworkWeights(network: Network): Promise<Float32Array[]> {
  return Promise.all(network.variables.map(async (v) => Float32Array.from(await v.data())));
}

/**
 * Writes parameters into a network. Checks the count and each array's size
 * before touching anything, so a wrong set of weights leaves the network as
 * it was.
 */
export function setNetworkWeights(network: Network, weights: readonly Float32Array[]): void {
  const vars = network.variables;
  if (weights.length !== vars.length) {
    throw new Error(`weights: expected ${vars.length} arrays for this network, got ${weights.length}`);
  }
  vars.forEach((v, i) => {
    if (weights[i]!.length !== v.size) {
      throw new Error(`weights: array ${i} (${v.name}, shape [${v.shape.join(', ')}]) needs ${v.size} values, got ${weights[i]!.length}`);
    }
  });
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
}
