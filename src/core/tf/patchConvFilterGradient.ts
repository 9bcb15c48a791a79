import * as tf from '@tensorflow/tfjs';
import { freeInfos, padAsForward, replaceKernel, restoreKernel, runKernel, strideOneConvGeometry, type ConvGradAttrs, type KernelArgs } from './kernelComposition';

const MARK = 'impalaLabPatchConvFilterGradient';

/**
 * The filter gradient of a stride-1 convolution (NHWC) as one matrix
 * product over image patches (im2col):
 *
 *   dW[kh, kw, ci, co] = sum_{b, oy, ox} xp[b, oy + kh, ox + kw, ci] dy[b, oy, ox, co]
 *
 * with xp the input zero-padded as the forward pass pads it. With the patch
 * matrix P[(b, oy, ox), (kh, kw, ci)] = xp[b, oy + kh, ox + kw, ci] (KH KW
 * slices of xp side by side on the channel axis) and dy read as
 * [(b, oy, ox), co], dW = P^T dy.
 *
 * Why: a MinAtar network's filter gradient has few outputs (3x3x4x16 = 576)
 * and a long sum (1,344 observations x 8 x 8 = 86,016 terms at
 * B = 4, T = 20 and 16 environments per unroll). tf.js's own
 * WebGPU kernel gives each output one thread that walks the whole sum; on an
 * NVIDIA H200 (Dawn, Vulkan) it took 22.7 of the update's 24 ms of GPU time
 * (`tf.profile`), and the update grew linearly with B. As a product, the
 * sum splits over many workgroups (tf.js's split-K program, its choice for
 * such a shape): 1.4 ms there.
 *
 * The patches hold KH KW times the input (12 MB at the size above), freed
 * at once.
 */
function patchConvFilterGradient(backendName: string): tf.KernelFunc {
  return (args: KernelArgs): tf.TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
    const info = strideOneConvGeometry(`Conv2DBackpropFilter on ${backendName}`, x.shape, a.filterShape, a);
    const { batchSize: N, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: KH, filterWidth: KW } = info;
    const run = (name: string, ins: tf.NamedTensorInfoMap | tf.TensorInfo[], at: tf.NamedAttrMap): tf.TensorInfo => runKernel(backendName, name, ins, at, backend);

    const padded = padAsForward(backendName, x, info, backend);
    const slices: tf.TensorInfo[] = [];
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) slices.push(run('Slice', { x: padded ?? x }, { begin: [0, kh, kw, 0], size: [N, OH, OW, CI] }));
    }
    const concatenated = slices.length > 1;
    const patches = concatenated ? run('Concat', slices, { axis: 3 }) : slices[0]!;
    const rows = N * OH * OW;
    const p = run('Reshape', { x: patches }, { shape: [1, rows, KH * KW * CI] });
    const g = run('Reshape', { x: dy }, { shape: [1, rows, CO] });
    const product = run('BatchMatMul', { a: p, b: g }, { transposeA: true, transposeB: false });
    const dw = run('Reshape', { x: product }, { shape: [KH, KW, CI, CO] });
    freeInfos(backend, ...(padded ? [padded] : []), ...slices, ...(concatenated ? [patches] : []), p, g, product);
    return dw;
  };
}

/**
 * Replaces `backendName`'s `Conv2DBackpropFilter` by the patch product
 * above, made of that backend's own kernels (padding, slices, a concat and
 * one matrix product), so the model stays plain `tf.conv2d`. Stride 1 (our
 * networks'). For WebGPU on a GPU, where the measurements say so; call
 * after the backend is registered. Idempotent.
 */
export function registerPatchConvFilterGradient(backendName: string): void {
  replaceKernel('Conv2DBackpropFilter', backendName, patchConvFilterGradient(backendName), MARK);
}

/** Gives `backendName` tf.js's own `Conv2DBackpropFilter` back. */
export function unregisterPatchConvFilterGradient(backendName: string): void {
  restoreKernel('Conv2DBackpropFilter', backendName);
}
