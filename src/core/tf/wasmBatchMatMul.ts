import * as tf from '@tensorflow/tfjs';

const MARK = 'impalaLabTransposeFirst';

/**
 * tf.js 4.22's WASM `BatchMatMul` is 10-35x slower with `transposeA` or
 * `transposeB` set than an explicit `Transpose` followed by a plain
 * multiply (measured on a [672, 1024]^T x [672, 128] product: 277 ms
 * against 8 ms). Every dense layer's gradient uses those flags, so they
 * dominated a learner update. This wraps the kernel on `wasm` to transpose
 * first; the arithmetic is unchanged. Idempotent.
 */
export function registerWasmBatchMatMulTransposeFirst(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original || (original.kernelFunc as unknown as Record<string, unknown>)[MARK]) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, attrs, backend } = args;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
      return transpose({ inputs: { x: t }, attrs: { perm }, backend }) as tf.TensorInfo;
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    const out = original.kernelFunc({ inputs: { a: a2, b: b2 }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
    const wasm = backend as tf.KernelBackend;
    if (a2 !== a) wasm.disposeData(a2.dataId);
    if (b2 !== b) wasm.disposeData(b2.dataId);
    return out;
  };
  (kernelFunc as unknown as Record<string, unknown>)[MARK] = true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}
