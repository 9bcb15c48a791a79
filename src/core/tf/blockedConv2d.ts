import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { freeInfos, restoreKernel, wrapKernel, runKernel, type KernelArgs } from './kernelComposition';
import { BLOCK_COLS, BLOCK_ROWS, blockAccumulators, blockFma, blockIndices, blockWrite, MAX_WORKGROUPS_PER_DIMENSION, WORKGROUP } from './registerBlock';

const MARK = 'impalaLabBlockedConv2d';

/**
 * A stride-1 convolution (NHWC) as a WebGPU program for software adapters:
 *
 *   y[b, oy, ox, co] = sum_{kh, kw, ci} xp[b, oy + kh, ox + kw, ci] w[kh, kw, ci, co]
 *
 * with xp the input zero-padded by `padTop` rows and `padLeft` columns (and
 * whatever the output's size implies at the far edges). It is the product
 * of the image patches P[(b, oy, ox), (kh, kw, ci)] and the filter read as
 * [(kh, kw, ci), co], computed as register blocks (registerBlock.ts) that
 * read the patches straight from x instead of building them.
 *
 * Why: tf.js's convolution program stages tiles in workgroup memory between
 * barriers, costly where a workgroup runs on the processor (see
 * blockedMatMul.ts). By `tf.profile` in headless Chromium here, MinAtar
 * Breakout's first convolution (1344 images 10x10x4, 16 filters 3x3) took
 * 1.0-1.7 s of a 4-7 s update.
 */
export function blockedConv2dProgram(xShape: number[], filterShape: number[], outShape: number[], padded: boolean): WebGPUProgram {
  const [batch, outHeight, outWidth, outChannels] = outShape as [number, number, number, number];
  const rowsTotal = batch * outHeight * outWidth;
  const rows = blockIndices('rows');
  const cols = blockIndices('cols');
  const inBounds = (i: number): string => `iy${i} + kh >= 0 && iy${i} + kh < H && ix${i} + kw >= 0 && ix${i} + kw < W`;
  // The patch value of block row i: x at its image's (iy + kh, ix + kw), channel ci; zero in the padding.
  const read = (i: number): string =>
    padded ? `select(0.0, X[max(base${i} + offset + ci, 0)], inside${i})` : `X[base${i} + offset + ci]`;
  return {
    outputShape: [rowsTotal, outChannels],
    shaderKey: `impalaLabBlockedConv2d_${padded}`,
    dispatchLayout: { x: [1], y: [0] },
    dispatch: [Math.ceil(outChannels / BLOCK_COLS / WORKGROUP[0]), Math.ceil(rowsTotal / BLOCK_ROWS / WORKGROUP[1]), 1],
    variableNames: ['X', 'F'],
    workgroupSize: WORKGROUP,
    getUserCode: () => `
      fn main() {
        let M = uniforms.outShape.x;
        let N = uniforms.outShape.y;
        let H = uniforms.xShape.y;
        let W = uniforms.xShape.z;
        let CI = uniforms.xShape.w;
        let KH = uniforms.fShape.x;
        let KW = uniforms.fShape.y;
        let OH = uniforms.outHeight;
        let OW = uniforms.outWidth;
        let row = i32(globalId.y) * ${BLOCK_ROWS};
        let col = i32(globalId.x) * ${BLOCK_COLS};
        if (row >= M || col >= N) { return; }
        ${rows
          .map(
            (i) => `let r${i} = min(row + ${i}, M - 1);
        let b${i}img = r${i} / (OH * OW);
        let iy${i} = (r${i} / OW) % OH - uniforms.padTop;
        let ix${i} = r${i} % OW - uniforms.padLeft;
        let base${i} = ((b${i}img * H + iy${i}) * W + ix${i}) * CI;`,
          )
          .join('\n        ')}
        ${cols.map((j) => `let c${j} = min(col + ${j}, N - 1);`).join('\n        ')}
        ${blockAccumulators()}
        var fi = 0;
        for (var kh = 0; kh < KH; kh++) {
          for (var kw = 0; kw < KW; kw++) {
            let offset = (kh * W + kw) * CI;
            ${padded ? rows.map((i) => `let inside${i} = ${inBounds(i)};`).join('\n            ') : ''}
            for (var ci = 0; ci < CI; ci++) {
              ${rows.map((i) => `let a${i} = ${read(i)};`).join('\n              ')}
              ${cols.map((j) => `let b${j} = F[fi + c${j}];`).join('\n              ')}
              fi += N;
              ${blockFma()}
            }
          }
        }
        ${blockWrite('0', 'M', 'N')}
      }`,
    uniforms: 'outHeight : i32, outWidth : i32, padTop : i32, padLeft : i32,',
  };
}

/** tf.js's `Conv2D` attributes. */
interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const one = (v: number | [number, number]): boolean => (typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1);

function blockedConv2d(original: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs): tf.TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as Conv2DAttrs;
    // Our networks' convolutions: float32, NHWC, stride and dilation 1; anything else goes to tf.js's kernel.
    const supported =
      x.dtype === 'float32' && filter.dtype === 'float32' && (a.dataFormat ?? 'NHWC') === 'NHWC' && one(a.strides) && one(a.dilations ?? 1) && typeof a.pad !== 'object';
    if (!supported) return original(args) as tf.TensorInfo;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      1,
      1,
      a.pad as 'valid' | 'same' | number,
      a.dimRoundingMode,
    );
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    const { top, left, bottom, right } = info.padInfo;
    const program = blockedConv2dProgram(x.shape, filter.shape, outShape, top + left + bottom + right > 0);
    if (program.dispatch.some((d) => d > MAX_WORKGROUPS_PER_DIMENSION)) return original(args) as tf.TensorInfo;
    const webgpu = backend as WebGPUBackend;
    const flat = webgpu.runWebGPUProgram(program, [x, filter], 'float32', [
      { type: 'int32', data: [info.outHeight] },
      { type: 'int32', data: [info.outWidth] },
      { type: 'int32', data: [top] },
      { type: 'int32', data: [left] },
    ]);
    // The [rows, channels] result is the NHWC output's buffer: a reshape only relabels it.
    const out = runKernel('webgpu', 'Reshape', { x: flat }, { shape: outShape }, backend);
    freeInfos(backend, flat);
    return out;
  };
}

/**
 * Replaces WebGPU's `Conv2D` (every `tf.conv2d`'s forward pass) by the
 * register-block program above, for software adapters; other layouts,
 * strides and dilations go to tf.js's kernel. Idempotent.
 */
export function registerBlockedConv2d(): void {
  wrapKernel('Conv2D', 'webgpu', blockedConv2d, MARK);
}

/** Puts tf.js's own WebGPU `Conv2D` back. */
export function unregisterBlockedConv2d(): void {
  restoreKernel('Conv2D', 'webgpu');
}
