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

/** Reference max-pool gradient from the definition: dy goes to the first maximal cell of each window. */
function maxPoolGradReference(xs: Float32Array, dy: Float32Array, shape: number[], k: number, s: number, same: boolean): Float32Array {
  const [B, H, W, C] = shape as [number, number, number, number];
  const OH = same ? Math.ceil(H / s) : Math.floor((H - k) / s) + 1;
  const OW = same ? Math.ceil(W / s) : Math.floor((W - k) / s) + 1;
  const padTop = same ? Math.floor(Math.max((OH - 1) * s + k - H, 0) / 2) : 0;
  const padLeft = same ? Math.floor(Math.max((OW - 1) * s + k - W, 0) / 2) : 0;
  const out = new Float32Array(xs.length);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let fy = 0; fy < k; fy++)
            for (let fx = 0; fx < k; fx++) {
              const y = oy * s - padTop + fy;
              const x = ox * s - padLeft + fx;
              if (y < 0 || y >= H || x < 0 || x >= W) continue;
              const i = ((b * H + y) * W + x) * C + c;
              if (xs[i]! > best) {
                best = xs[i]!;
                at = i;
              }
            }
          out[at] = out[at]! + dy[((b * OH + oy) * OW + ox) * C + c]!;
        }
  return out;
}

describe('MaxPoolGrad on the WASM backend', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });
  const cases: [number[], number, number, boolean][] = [
    [[1, 10, 10, 3], 2, 2, false],
    [[2, 10, 10, 16], 3, 2, true],
    [[3, 5, 5, 32], 3, 2, true],
    [[1, 4, 6, 2], 2, 2, false],
  ];
  for (const [shape, k, s, same] of cases) {
    it(`routes gradients as the definition does: ${JSON.stringify(shape)}, ${k}x${k} stride ${s} ${same ? 'same' : 'valid'}`, async () => {
      await tf.setBackend('wasm');
      const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
      const upstream = tf.randomNormal(tf.maxPool(x as tf.Tensor4D, k, s, same ? 'same' : 'valid').shape, 0, 1, 'float32', 4);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, k, s, same ? 'same' : 'valid'), upstream)))(x);
      const ours = (await g.data()) as Float32Array;
      const ref = maxPoolGradReference((await x.data()) as Float32Array, (await upstream.data()) as Float32Array, shape, k, s, same);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThanOrEqual(1e-6);
      tf.dispose([x, upstream, g]);
    });
  }
});

describe('BatchMatMul with transposes on the WASM backend', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });
  for (const [ta, tb] of [[true, false], [false, true], [true, true]] as const) {
    it(`gives the CPU backend's product (transposeA ${ta}, transposeB ${tb}, batched and not)`, async () => {
      for (const batch of [[], [3]]) {
        await tf.setBackend('wasm');
        const a = tf.randomNormal([...batch, ...(ta ? [5, 4] : [4, 5])], 0, 1, 'float32', 1);
        const b = tf.randomNormal([...batch, ...(tb ? [6, 5] : [5, 6])], 0, 1, 'float32', 2);
        const ours = await tf.matMul(a, b, ta, tb).data();
        const [as, bs] = [await a.data(), await b.data()];
        await tf.setBackend('cpu');
        const ref = await tf.matMul(tf.tensor(as, a.shape), tf.tensor(bs, b.shape), ta, tb).data();
        expect(ours.length).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[i]!)));
      }
      await tf.setBackend('wasm');
    });
  }
});
