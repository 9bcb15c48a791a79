import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { freeInfos, restoreKernel, wrapKernel, runKernel, type KernelArgs } from './kernelComposition';
import { BLOCK_COLS, BLOCK_ROWS, blockAccumulators, blockFma, blockIndices, blockWrite, MAX_WORKGROUPS_PER_DIMENSION, WORKGROUP } from './registerBlock';

const MARK = 'impalaLabBlockedMatMul';

/**
 * A matrix product C[b] = op(A[b]) op(B[b]) (op: as is or transposed) as a
 * WebGPU program for software adapters: each invocation keeps a 4x4 block of
 * C in registers and walks the whole inner dimension, reading A and B from
 * storage, with no workgroup memory and no barriers.
 *
 * Why: tf.js's tiled program stages 32x32 tiles in workgroup memory between
 * barriers, which suits a GPU. SwiftShader runs each workgroup on the
 * processor, where a barrier suspends and resumes every invocation and the
 * staging is a copy to no purpose. Measured in headless Chromium here (ms,
 * median of 3, Breakout's dense layer at B = 4, T = 20, 16 environments):
 * the forward product 1344x1024 by 1024x128 took 876 with tf.js's tiled
 * program and 368 as register blocks; the input gradient (K = 128) 1759
 * against 446; the weight gradient (K = 1344) 733 against 409. Blocks of
 * 8x4, 4x8 and 2x2 and workgroups of 16x4 were no better.
 *
 * Inputs of rank 3 ([batch, rows, cols]) as tf.js's `BatchMatMul` kernel
 * gets them; a batch of 1 broadcasts. Rows and columns past the edge are
 * clamped to the last one, so the inner loop has no bounds tests, and only
 * the writes are masked.
 *
 * With `splits` > 1 the inner sum is cut into that many consecutive chunks,
 * each summed by its own invocations into its own output; the result is
 * [batch * splits, M, N], batch-major, for the caller to add up (the
 * products with few outputs and a long sum: see `splitsFor`).
 */
export function blockedMatMulProgram(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean, splits = 1): WebGPUProgram {
  const [batchA, rowsA, colsA] = aShape as [number, number, number];
  const [batchB, rowsB, colsB] = bShape as [number, number, number];
  const M = transposeA ? colsA : rowsA;
  const N = transposeB ? rowsB : colsB;
  const batch = Math.max(batchA, batchB);
  // A[m, k] and B[k, n] in their buffers: the start of block row i and column j, and the step from k to k + 1.
  const aStart = (i: number): string => (transposeA ? `aBase + r${i}` : `aBase + r${i} * K`);
  const aStep = transposeA ? 'M' : '1';
  const bStart = (j: number): string => (transposeB ? `bBase + c${j} * K` : `bBase + c${j}`);
  const bStep = transposeB ? '1' : 'N';
  return {
    outputShape: [batch * splits, M, N],
    shaderKey: `impalaLabBlockedMatMul_${transposeA}_${transposeB}`,
    dispatchLayout: { x: [2], y: [1], z: [0] },
    dispatch: [Math.ceil(N / BLOCK_COLS / WORKGROUP[0]), Math.ceil(M / BLOCK_ROWS / WORKGROUP[1]), batch * splits],
    variableNames: ['A', 'B'],
    workgroupSize: WORKGROUP,
    getUserCode: () => `
      fn main() {
        let M = uniforms.outShape.y;
        let N = uniforms.outShape.z;
        let K = uniforms.dimInner;
        let row = i32(globalId.y) * ${BLOCK_ROWS};
        let col = i32(globalId.x) * ${BLOCK_COLS};
        let z = i32(globalId.z);
        if (row >= M || col >= N || z >= uniforms.outShape.x) { return; }
        let b = z / uniforms.splits;
        let k0 = (z % uniforms.splits) * uniforms.chunk;
        let k1 = min(K, k0 + uniforms.chunk);
        let aBase = select(b, 0, uniforms.aShape.x == 1) * uniforms.aShape.y * uniforms.aShape.z;
        let bBase = select(b, 0, uniforms.bShape.x == 1) * uniforms.bShape.y * uniforms.bShape.z;
        ${blockIndices('rows').map((i) => `let r${i} = min(row + ${i}, M - 1);`).join('\n        ')}
        ${blockIndices('cols').map((j) => `let c${j} = min(col + ${j}, N - 1);`).join('\n        ')}
        ${blockIndices('rows').map((i) => `var ai${i} = ${aStart(i)} + k0 * ${aStep};`).join('\n        ')}
        ${blockIndices('cols').map((j) => `var bi${j} = ${bStart(j)} + k0 * ${bStep};`).join('\n        ')}
        ${blockAccumulators()}
        for (var k = k0; k < k1; k++) {
          ${blockIndices('rows').map((i) => `let a${i} = A[ai${i}]; ai${i} += ${aStep};`).join('\n          ')}
          ${blockIndices('cols').map((j) => `let b${j} = B[bi${j}]; bi${j} += ${bStep};`).join('\n          ')}
          ${blockFma()}
        }
        ${blockWrite('z * M * N', 'M', 'N')}
      }`,
    // The program reads its sizes from uniforms, so one compiled shader serves every shape.
    uniforms: 'dimInner : i32, splits : i32, chunk : i32,',
  };
}

/** Fewer workgroups than this leave a processor's cores idle... */
const MIN_WORKGROUPS = 8;
/** ...unless each chunk of the inner sum would be shorter than this. */
const MIN_CHUNK = 512;
const MAX_SPLITS = 64;

/**
 * How many chunks to cut a product's inner sum of `K` terms into, when its
 * output fills only `workgroups` workgroups: SwiftShader runs each
 * workgroup on one thread, so a product with few outputs and a long sum (a
 * convolution's filter gradient: 36x16 outputs, 86,016 terms at Breakout's
 * batch) would otherwise run on one core, one long loop.
 */
export function splitsFor(workgroups: number, K: number): number {
  if (workgroups >= MIN_WORKGROUPS) return 1;
  return Math.max(1, Math.min(MAX_SPLITS, Math.floor(K / MIN_CHUNK)));
}

/** tf.js's `BatchMatMul` attributes. */
interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

function blockedBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs): tf.TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args) as tf.TensorInfo;
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const outer = (s: number[]): number[] => s.slice(0, -2);
    const outerA = outer(a.shape);
    const outerB = outer(b.shape);
    const sizeA = outerA.reduce((p, d) => p * d, 1);
    const sizeB = outerB.reduce((p, d) => p * d, 1);
    // Batch broadcasting beyond "one side has a batch of 1" is left to tf.js's own kernel.
    if (sizeA !== sizeB && sizeA !== 1 && sizeB !== 1) return original(args) as tf.TensorInfo;
    const as3 = (x: tf.TensorInfo, size: number): tf.TensorInfo =>
      runKernel('webgpu', 'Reshape', { x }, { shape: [size, x.shape[x.shape.length - 2]!, x.shape[x.shape.length - 1]!] }, backend);
    const a3 = as3(a, sizeA);
    const b3 = as3(b, sizeB);
    const K = transposeA ? a3.shape[1]! : a3.shape[2]!;
    const whole = blockedMatMulProgram(a3.shape, b3.shape, transposeA, transposeB);
    const splits = splitsFor(whole.dispatch[0] * whole.dispatch[1] * whole.dispatch[2], K);
    const program = splits > 1 ? blockedMatMulProgram(a3.shape, b3.shape, transposeA, transposeB, splits) : whole;
    // tf.js would fold a dispatch over WebGPU's per-dimension limit into others, which this program does not expect.
    if (program.dispatch.some((d) => d > MAX_WORKGROUPS_PER_DIMENSION)) {
      freeInfos(backend, a3, b3);
      return original(args) as tf.TensorInfo;
    }
    const chunk = Math.ceil(K / splits);
    const uniforms = [K, splits, chunk].map((v) => ({ type: 'int32', data: [v] }));
    const product = (backend as WebGPUBackend).runWebGPUProgram(program, [a3, b3], 'float32', uniforms);
    const [, M, N] = program.outputShape as [number, number, number];
    const batch = Math.max(sizeA, sizeB);
    const outShape = [...(sizeA >= sizeB ? outerA : outerB), M, N];
    if (splits === 1) {
      const out = runKernel('webgpu', 'Reshape', { x: product }, { shape: outShape }, backend);
      freeInfos(backend, a3, b3, product);
      return out;
    }
    // The chunks' partial products, added up: [batch, splits, M, N] summed over the splits.
    const partials = runKernel('webgpu', 'Reshape', { x: product }, { shape: [batch, splits, M, N] }, backend);
    const sum = runKernel('webgpu', 'Sum', { x: partials }, { axis: [1], keepDims: false }, backend);
    const out = runKernel('webgpu', 'Reshape', { x: sum }, { shape: outShape }, backend);
    freeInfos(backend, a3, b3, product, partials, sum);
    return out;
  };
}

/**
 * Replaces WebGPU's `BatchMatMul` (every `tf.matMul`) by the register-block
 * program above, for software adapters; other dtypes and broadcasts go to
 * tf.js's kernel. Call after the WebGPU backend is registered. Idempotent.
 */
export function registerBlockedMatMul(): void {
  wrapKernel('BatchMatMul', 'webgpu', blockedBatchMatMul, MARK);
}

/** Puts tf.js's own WebGPU `BatchMatMul` back. */
export function unregisterBlockedMatMul(): void {
  restoreKernel('BatchMatMul', 'webgpu');
}
