import { registerWasmConvGradients } from './wasmConvGradients';
import { registerWasmMaxPoolGrad } from './wasmMaxPoolGrad';
import { registerWasmBatchMatMulTransposeFirst } from './wasmBatchMatMul';

/**
 * Makes the tf.js WASM backend train our conv nets correctly: adds the
 * missing `Conv2DBackpropFilter` and a fast `Conv2DBackpropInput`, replaces the
 * faulty `MaxPoolGrad`, and
 * routes transposed matrix products through a fast path.
 * Call before the first gradient on `wasm` (in Node and in the browser's
 * WASM fallback). Idempotent.
 */
export function registerWasmKernelFixes(): void {
  registerWasmConvGradients();
  registerWasmMaxPoolGrad();
  registerWasmBatchMatMulTransposeFirst();
}
