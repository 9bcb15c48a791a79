import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useWasmBackend } from '../../src/node/tfWasm';

/** Gradients of sum(conv2d(x, f)^2) with respect to x and f on the current backend. */
async function convGrads(x: tf.Tensor4D, f: tf.Tensor4D, pad: 'valid' | 'same'): Promise<Float32Array[]> {
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad).square().sum());
  const grads = g([x, f]);
  const out = await Promise.all(grads.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(grads);
  return out;
}

describe('Conv2DBackpropFilter on the WASM backend', () => {
  let x: tf.Tensor4D;
  let f: tf.Tensor4D;
  beforeAll(async () => {
    await useWasmBackend();
  });
  afterAll(() => tf.dispose([x, f]));

  for (const pad of ['valid', 'same'] as const) {
    it(`matches the CPU backend's own kernel (pad ${pad})`, async () => {
      await tf.setBackend('wasm');
      x = tf.randomNormal([3, 10, 10, 4], 0, 1, 'float32', 1);
      f = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 2);
      const [gxWasm, gfWasm] = await convGrads(x, f, pad);
      const xs = await x.data();
      const fs = await f.data();
      await tf.setBackend('cpu');
      const xc = tf.tensor4d(xs, [3, 10, 10, 4]);
      const fc = tf.tensor4d(fs, [3, 3, 4, 5]);
      const [gxCpu, gfCpu] = await convGrads(xc, fc, pad);
      tf.dispose([xc, fc]);
      for (const [ours, ref] of [[gfWasm!, gfCpu!], [gxWasm!, gxCpu!]] as const) {
        expect(ours.length).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(ref[i]!)));
      }
      await tf.setBackend('wasm');
    });
  }

  it('refuses strides it would get wrong', async () => {
    await tf.setBackend('wasm');
    const a = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const b = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const g = tf.grad((w: tf.Tensor) => tf.conv2d(a, w as tf.Tensor4D, 2, 'valid').sum());
    expect(() => g(b)).toThrow(/stride 1 only/);
    tf.dispose([a, b]);
  });
});
