import * as tf from '@tensorflow/tfjs';

/**
 * The WASM backend of tf.js 4.22 has no `Conv2DBackpropFilter` kernel, so a
 * conv net cannot train on it as it stands. It does have
 * `Conv3DBackpropFilterV2`, and a 2-D convolution over NHWC input is the
 * 3-D one over a depth of 1:
 *   dW[kh, kw, ci, co] = sum_{b, oh, ow} x[b, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[b, oh, ow, co],
 * the same sum with one extra unit axis. This registers the missing kernel
 * for the `wasm` backend by reshaping (free: the WASM backend aliases the
 * data) and delegating, so one model definition (plain `tf.conv2d`) trains
 * on every backend. Stride 1 only (see below). Idempotent; a no-op where
 * the kernel exists.
 */
export function registerWasmConv2DBackpropFilter(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const reshape = tf.getKernel('Reshape', 'wasm')?.kernelFunc;
      const conv3dFilterGrad = tf.getKernel('Conv3DBackpropFilterV2', 'wasm')?.kernelFunc;
      if (!reshape || !conv3dFilterGrad) throw new Error('wasm backend lacks Reshape or Conv3DBackpropFilterV2');
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
        strides: number | [number, number];
        pad: 'valid' | 'same' | number;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: string;
        filterShape: [number, number, number, number];
      };
      if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
      if (dimRoundingMode !== undefined && typeof pad === 'number') {
        throw new Error('Conv2DBackpropFilter on wasm does not support dimRoundingMode');
      }
      if (typeof pad === 'object') throw new Error('Conv2DBackpropFilter on wasm does not support explicit padding');
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      // WASM's Conv3DBackpropFilterV2 disagrees with the CPU kernel for strides > 1 (checked in
      // tests/unit/wasmConv.test.ts); our networks downsample by pooling, so refuse rather than be wrong.
      if (sh !== 1 || sw !== 1) throw new Error(`Conv2DBackpropFilter on wasm supports stride 1 only, got [${sh}, ${sw}]`);
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const [, oh, ow, co] = dy.shape as [number, number, number, number];
      const x5 = reshape({ inputs: { x }, attrs: { shape: [b, 1, h, w, c] }, backend }) as tf.TensorInfo;
      const dy5 = reshape({ inputs: { x: dy }, attrs: { shape: [b, 1, oh, ow, co] }, backend }) as tf.TensorInfo;
      const dw5 = conv3dFilterGrad({
        inputs: { x: x5, dy: dy5 },
        attrs: { strides: [1, 1, 1], pad, filterShape: [1, ...filterShape] },
        backend,
      }) as tf.TensorInfo;
      const dw = reshape({ inputs: { x: dw5 }, attrs: { shape: filterShape }, backend }) as tf.TensorInfo;
      const wasm = backend as tf.KernelBackend;
      wasm.disposeData(x5.dataId);
      wasm.disposeData(dy5.dataId);
      wasm.disposeData(dw5.dataId);
      return dw;
    },
  });
}
