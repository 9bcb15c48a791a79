import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createNetwork, type NetworkConfig } from '../../src/core/model/networks';
import { useWasmBackend } from '../../src/node/tfWasm';
import { RandomState } from '../../src/core/rng/randomState';

beforeAll(async () => {
  await useWasmBackend();
});

function randomBatch(shape: number[], seed: number): tf.Tensor {
  const r = new RandomState(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => r.uniform(-1, 1)), shape);
}

describe('networks', () => {
  const cases: { config: NetworkConfig; obs: number[]; A: number; params: number }[] = [
    // 4*64+64 + 64*64+64 + 64*2+2 + 64*1+1
    { config: { kind: 'mlp' }, obs: [4], A: 2, params: 320 + 4160 + 130 + 65 },
    // conv 3*3*4*16+16, fc 8*8*16*128+128, heads 128*6+6 + 128+1
    { config: { kind: 'minatar' }, obs: [10, 10, 4], A: 6, params: 592 + 131200 + 774 + 129 },
    { config: { kind: 'resnet' }, obs: [10, 10, 10], A: 6, params: -1 },
  ];

  for (const { config, obs, A, params } of cases) {
    it(`${config.kind}: logits [N, A] and baseline [N], seeded weights, gradients reach every variable`, () => {
      const net = createNetwork(config, { observationShape: obs, numActions: A }, 7);
      if (params > 0) expect(net.parameterCount).toBe(params);
      const x = randomBatch([5, ...obs], 1);
      const { policyLogits, baseline } = net.apply(x);
      expect(policyLogits.shape).toEqual([5, A]);
      expect(baseline.shape).toEqual([5]);
      const same = createNetwork(config, { observationShape: obs, numActions: A }, 7);
      const other = createNetwork(config, { observationShape: obs, numActions: A }, 8);
      const a = net.apply(x).policyLogits.arraySync();
      expect(same.apply(x).policyLogits.arraySync()).toEqual(a);
      expect(other.apply(x).baseline.arraySync()).not.toEqual(baseline.arraySync());
      const { grads } = tf.variableGrads(() => {
        const out = net.apply(x);
        return tf.add(tf.sum(tf.square(out.baseline)), tf.sum(tf.square(out.policyLogits)));
      }, net.variables as tf.Variable[]);
      for (const v of net.variables) {
        const g = grads[v.name]!;
        expect(g.shape).toEqual(v.shape);
        if (!v.name.includes('policy_b') && !v.name.includes('baseline_b')) expect(tf.max(tf.abs(g)).arraySync()).toBeGreaterThan(0);
      }
      tf.dispose([x, policyLogits, baseline, Object.values(grads)]);
      [net, same, other].forEach((n) => n.dispose());
    });
  }

  it('computes the MLP forward pass as a float64 re-computation does', () => {
    const net = createNetwork({ kind: 'mlp', hiddenSizes: [3], activation: 'tanh' }, { observationShape: [2], numActions: 2 }, 3);
    const [w1, b1, pw, pb, vw, vb] = net.variables.map((v) => Array.from(v.dataSync()));
    const x = [0.3, -0.7];
    const h = [0, 1, 2].map((j) => Math.tanh(x[0]! * w1![j]! + x[1]! * w1![3 + j]! + b1![j]!));
    const logits = [0, 1].map((k) => h.reduce((s, hj, j) => s + hj * pw![j * 2 + k]!, pb![k]!));
    const value = h.reduce((s, hj, j) => s + hj * vw![j]!, vb![0]!);
    const out = net.apply(tf.tensor2d([x]));
    const got = out.policyLogits.arraySync()[0]!;
    for (let k = 0; k < 2; k++) expect(got[k]).toBeCloseTo(logits[k]!, 5);
    expect(out.baseline.arraySync()[0]).toBeCloseTo(value, 5);
    net.dispose();
  });

  it('accepts uint8 MinAtar observations as they come from the environment', () => {
    const net = createNetwork({ kind: 'minatar' }, { observationShape: [10, 10, 4], numActions: 6 }, 1);
    const x = tf.tensor(new Uint8Array(2 * 400).map((_, i) => i % 3 === 0 ? 1 : 0), [2, 10, 10, 4], 'int32');
    expect(net.apply(x).policyLogits.shape).toEqual([2, 6]);
    net.dispose();
  });

  it('validates its arguments with messages that name the problem', () => {
    const vec = { observationShape: [4], numActions: 2 };
    const img = { observationShape: [10, 10, 4], numActions: 6 };
    expect(() => createNetwork({ kind: 'minatar' }, vec, 1)).toThrow(/\[H, W, C\] observations/);
    expect(() => createNetwork({ kind: 'mlp' }, img, 1)).toThrow(/vector observations/);
    expect(() => createNetwork({ kind: 'mlp', hiddenSizes: [] }, vec, 1)).toThrow(/hiddenSizes/);
    expect(() => createNetwork({ kind: 'mlp', hiddenSizes: [0] }, vec, 1)).toThrow(/hiddenSizes/);
    expect(() => createNetwork({ kind: 'mlp', activation: 'gelu' as never }, vec, 1)).toThrow(/activation/);
    expect(() => createNetwork({ kind: 'resnet', channels: [16, 2.5] }, img, 1)).toThrow(/channels/);
    expect(() => createNetwork({ kind: 'lstm' } as never, vec, 1)).toThrow(/unknown network kind "lstm".*mlp, minatar, resnet/);
    expect(() => createNetwork({ kind: 'mlp' }, { observationShape: [4], numActions: 0 }, 1)).toThrow(/numActions/);
    const net = createNetwork({ kind: 'mlp' }, vec, 1);
    expect(() => net.apply(tf.zeros([3, 5]))).toThrow(/shape \[N, 4\]/);
    net.dispose();
  });

  it('trains the conv nets on the WASM backend with the same gradients as the CPU backend', async () => {
    for (const kind of ['minatar', 'resnet'] as const) {
      const spec = { observationShape: [10, 10, 4], numActions: 6 };
      const grads = async (): Promise<Float32Array[]> => {
        const net = createNetwork({ kind }, spec, 5);
        const x = randomBatch([4, 10, 10, 4], 9);
        const { grads: g } = tf.variableGrads(() => {
          const out = net.apply(x);
          return tf.add(tf.sum(tf.square(out.baseline)), tf.sum(tf.square(out.policyLogits)));
        }, net.variables as tf.Variable[]);
        const out = await Promise.all(net.variables.map(async (v) => (await g[v.name]!.data()) as Float32Array));
        tf.dispose([x, Object.values(g)]);
        net.dispose();
        return out;
      };
      await tf.setBackend('wasm');
      const onWasm = await grads();
      await tf.setBackend('cpu');
      const onCpu = await grads();
      await tf.setBackend('wasm');
      onCpu.forEach((ref, i) => {
        for (let j = 0; j < ref.length; j++) {
          expect(Math.abs(onWasm[i]![j]! - ref[j]!)).toBeLessThanOrEqual(1e-3 * Math.max(1e-2, Math.abs(ref[j]!)));
        }
      });
    }
  });

  it('computes the MinAtar net, and its gradients, as conv + bias + ReLU and the dense layers written out op by op', async () => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const spec = { observationShape: [10, 10, 4], numActions: 6 };
      const net = createNetwork({ kind: 'minatar' }, spec, 5);
      const byName = (prefix: string): tf.Variable => net.variables.find((v) => v.name.startsWith(prefix + '_'))!;
      // Biases start at zero; give them values, so that a bias added in the wrong place or not at all shows.
      const r = new RandomState(3);
      for (const v of net.variables) if (v.rank === 1) v.assign(tf.tensor1d(Float32Array.from({ length: v.size }, () => r.uniform(-0.5, 0.5))));
      const [convW, convB, fcW, fcB] = ['conv_w', 'conv_b', 'fc_w', 'fc_b'].map(byName) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      const { w: vW, b: vB } = net.valueHead;
      const piW = net.variables.find((v) => v.shape.join() === '128,6')!;
      const piB = net.variables.find((v) => v.shape.join() === '6')!;
      const x = randomBatch([4, 10, 10, 4], 9);
      const objective = (policyLogits: tf.Tensor, baseline: tf.Tensor): tf.Scalar => tf.add(tf.sum(tf.square(baseline)), tf.sum(tf.sin(policyLogits)));
      const reference = (): tf.Scalar => {
        const h1 = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, convW as tf.Tensor4D, 1, 'valid'), convB));
        const h = tf.relu(tf.add(tf.matMul(tf.reshape(h1, [4, -1]), fcW), fcB));
        return objective(tf.add(tf.matMul(h, piW), piB), tf.reshape(tf.add(tf.matMul(h, vW), vB), [-1]));
      };
      const ours = tf.variableGrads(() => {
        const out = net.apply(x);
        return objective(out.policyLogits, out.baseline);
      }, net.variables as tf.Variable[]);
      const theirs = tf.variableGrads(reference, net.variables as tf.Variable[]);
      expect(Math.abs(ours.value.dataSync()[0]! - theirs.value.dataSync()[0]!), backend).toBeLessThanOrEqual(1e-4 * Math.abs(theirs.value.dataSync()[0]!));
      for (const v of net.variables) {
        const a = ours.grads[v.name]!.dataSync() as Float32Array;
        const b = theirs.grads[v.name]!.dataSync() as Float32Array;
        const scale = b.reduce((m, y) => Math.max(m, Math.abs(y)), 0);
        expect(scale, `${backend}, ${v.name}`).toBeGreaterThan(0);
        for (let j = 0; j < b.length; j++) expect(Math.abs(a[j]! - b[j]!), `${backend}, ${v.name}[${j}]`).toBeLessThanOrEqual(1e-4 * scale);
      }
      tf.dispose([x, ours.value, theirs.value, Object.values(ours.grads), Object.values(theirs.grads)]);
      net.dispose();
    }
    await tf.setBackend('wasm');
  });
});
