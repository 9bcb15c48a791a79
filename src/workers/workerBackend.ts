import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmKernelFixes } from '../core/tf/registerWasmKernelFixes';

let wasmPathsSet = false;

/**
 * Points tf.js at the WASM binaries Vite emitted (URLs relative to this
 * module, so the built site works from any sub-path) and registers our
 * WASM kernel fixes. No SharedArrayBuffer is needed: without cross-origin
 * isolation tf.js uses the single-threaded SIMD build.
 */
export function prepareWasm(): void {
  if (!wasmPathsSet) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
    });
    wasmPathsSet = true;
  }
  registerWasmKernelFixes();
}

/** Sets a worker's tf backend: WASM if it initialises, else the pure-JS CPU backend. Returns the one in use. */
export async function initWorkerBackend(preferred: 'wasm' | 'cpu'): Promise<string> {
  if (preferred === 'wasm') {
    prepareWasm();
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
    } catch {
      // fall through to the CPU backend
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}
