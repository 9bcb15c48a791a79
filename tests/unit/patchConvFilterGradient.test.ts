import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerPatchConvFilterGradient, unregisterPatchConvFilterGradient } from '../../src/core/tf/patchConvFilterGradient';

/**
 * The im2col filter gradient (registered for WebGPU in the lab) is made of
 * kernels every backend has, so it is checked here on the CPU backend, in
 * place of tf.js's own kernel, against the definition in float64:
 * dW[kh, kw, ci, co] = sum_{b, oy, ox} xp[b, oy + kh, ox + kw, ci] dy[b, oy, ox, co].
 */
function filterGradReference(xs: Float32Array, dy: Float32Array, x: number[], k: number[], out: number[], top: number, left: number): Float64Array {
  const [B, H, W, CI] = x as [number, number, number, number];
  const [KH, KW, , CO] = k as [number, number, number, number];
  const [, OH, OW] = out as [number, number, number, number];
  const dw = new Float64Array(KH * KW * CI * CO);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let ci = 0; ci < CI; ci++)
        for (let co = 0; co < CO; co++) {
          let sum = 0;
          for (let b = 0; b < B; b++)
            for (let oy = 0; oy < OH; oy++)
              for (let ox = 0; ox < OW; ox++) {
                const y = oy + kh - top;
                const xx = ox + kw - left;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                sum += xs[((b * H + y) * W + xx) * CI + ci]! * dy[((b * OH + oy) * OW + ox) * CO + co]!;
              }
          dw[((kh * KW + kw) * CI + ci) * CO + co] = sum;
        }
  return dw;
}

describe('Conv2DBackpropFilter as one product over image patches', () => {
  let tfjsKernel: tf.KernelConfig | undefined;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tfjsKernel = tf.getKernel('Conv2DBackpropFilter', 'cpu');
    registerPatchConvFilterGradient('cpu');
    registerPatchConvFilterGradient('cpu');
  });

  type Shape4 = [number, number, number, number];
  const cases: { name: string; x: Shape4; k: Shape4; pad: 'valid' | 'same'; top: number; left: number }[] = [
    { name: "MinAtar's 3x3 'valid'", x: [3, 10, 10, 4], k: [3, 3, 4, 16], pad: 'valid', top: 0, left: 0 },
    { name: "3x3 'same' (zero-padded)", x: [2, 7, 6, 3], k: [3, 3, 3, 5], pad: 'same', top: 1, left: 1 },
    { name: "2x2 'same' (padded after only)", x: [2, 5, 5, 2], k: [2, 2, 2, 3], pad: 'same', top: 0, left: 0 },
    { name: '1x1 (no concat)', x: [2, 4, 4, 3], k: [1, 1, 3, 4], pad: 'valid', top: 0, left: 0 },
  ];
  for (const c of cases) {
    it(`matches the definition in float64: ${c.name}`, async () => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 11) as tf.Tensor4D;
      const f = tf.randomNormal(c.k, 0, 1, 'float32', 12) as tf.Tensor4D;
      const out = tf.conv2d(x, f, 1, c.pad);
      const dy = tf.randomNormal(out.shape, 0, 1, 'float32', 13);
      // d/dW of sum(conv(x, W) * dy) is the filter gradient for upstream gradient dy.
      const dw = tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, c.pad).mul(dy).sum())(f);
      const ref = filterGradReference(await x.data() as Float32Array, await dy.data() as Float32Array, c.x, c.k, out.shape, c.top, c.left);
      const ours = await dw.data();
      expect(dw.shape).toEqual(c.k);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(ref[i]!)));
      tf.dispose([x, f, out, dy, dw]);
    });
  }

  it('leaves no tensors or backend buffers behind', () => {
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const step = (): void => tf.dispose(tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'same').square().sum())(f));
    step();
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([x, f]);
  });

  it('refuses strides it would get wrong', () => {
    const a = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const b = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const g = tf.grad((w: tf.Tensor) => tf.conv2d(a, w as tf.Tensor4D, 2, 'valid').sum());
    expect(() => g(b)).toThrow(/stride 1 only/);
    tf.dispose([a, b]);
  });

  it("gives tf.js's own kernel back, and can take it again", () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(tfjsKernel);
    unregisterPatchConvFilterGradient('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(tfjsKernel);
    unregisterPatchConvFilterGradient('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(tfjsKernel);
    registerPatchConvFilterGradient('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(tfjsKernel);
  });
});
