import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernelFixes } from '../core/tf/registerWasmKernelFixes';

/**
 * Sets up tf.js in Node on the WASM backend (tfjs-node cannot be installed
 * here; WASM is about 6x faster than the pure-JS CPU backend), with the
 * kernel fixes it needs to train conv nets. Returns the backend in use.
 */
export async function useWasmBackend(): Promise<string> {
  registerWasmKernelFixes();
  if (!(await tf.setBackend('wasm'))) throw new Error('the tf.js WASM backend failed to initialise');
  await tf.ready();
  return tf.getBackend();
}
