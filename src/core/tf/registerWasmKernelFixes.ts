import { registerWasmConv2DBackpropFilter } from './wasmConv2DBackpropFilter';
import { registerWasmMaxPoolGrad } from './wasmMaxPoolGrad';
import { registerWasmBatchMatMulTransposeFirst } from './wasmBatchMatMul';

/**
 * Makes the tf.js WASM backend train our conv nets correctly: adds the
 * missing `Conv2DBackpropFilter`, replaces the faulty `MaxPoolGrad`, and
 * routes transposed matrix products through a fast path.
 * Call before the first gradient on `wasm` (in Node and in the browser's
 * WASM fallback). Idempotent.
 */
export function registerWasmKernelFixes(): void {
  registerWasmConv2DBackpropFilter();
  registerWasmMaxPoolGrad();
  registerWasmBatchMatMulTransposeFirst();
}
