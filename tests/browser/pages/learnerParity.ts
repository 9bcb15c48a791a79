/**
 * A test page (served by Vite's dev server in tests/browser/learnerParity.test.ts):
 * the same learner updates on the same batches on each tf.js backend the
 * page can run, for the test to compare with the CPU backend's.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { Unroll } from '../../../src/core/actor/unroll';
import { assembleBatch } from '../../../src/core/learner/batch';
import { Learner, type LearnerOptions } from '../../../src/core/learner/learner';
import type { NetworkConfig } from '../../../src/core/model/networks';
import { RandomState } from '../../../src/core/rng/randomState';
import { tuneWebGpu } from '../../../src/core/tf/webgpuTuning';

export interface ParityResult {
  backend: string;
  case: string;
  /** gradNorm, totalLoss, baselineLoss, entropy of each update. */
  updates: number[][];
  /** Every weight after the updates, flattened. */
  weights: number[];
}

const BASE: Omit<LearnerOptions, 'network' | 'spec'> = {
  seed: 5, optimizer: 'rmsprop', learningRate: 0.01, lrSchedule: 'constant', totalFrames: 1e6, rmspropDecay: 0.99,
  rmspropEpsilon: 0.01, maxGradNorm: 40, discount: 0.99, baselineCost: 0.5, entropyCost: 0.01, correction: 'vtrace',
  clipRhoThreshold: 1, clipPgRhoThreshold: 1, clipCThreshold: 1, lambda: 1, rewardClip: 'none',
};

function unroll(shape: number[], numTasks: number, seed: number, coreSize = 0): Unroll {
  const [T, N, A] = [6, 4, 3];
  const r = new RandomState(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const image = shape.length === 3;
  const terminated = new Uint8Array(T * N);
  terminated[2 * N + 1] = 1;
  return {
    actorIndex: 0, policyVersion: 0, T, numEnvs: N, numActions: A, observationShape: shape, observationDtype: image ? 'uint8' : 'float32',
    observations: image ? Uint8Array.from({ length: (T + 1) * N * size }, () => (r.rand() < 0.2 ? 1 : 0)) : Float32Array.from({ length: (T + 1) * N * size }, () => r.uniform(-1, 1)),
    actions: Int32Array.from({ length: T * N }, () => r.randint(A)),
    rewards: Float32Array.from({ length: T * N }, () => r.uniform(0, 2)),
    terminated, truncated: new Uint8Array(T * N),
    behaviourLogits: Float32Array.from({ length: T * N * A }, () => r.uniform(-1, 1)),
    truncatedIndices: new Int32Array(0), truncatedObservations: image ? new Uint8Array(0) : new Float32Array(0),
    episodeReturns: new Float64Array(0), episodeLengths: new Int32Array(0),
    taskIds: Int32Array.from({ length: N }, (_, n) => n % numTasks), episodeTaskIds: new Int32Array(0),
    // A recurrent network's stored state at x_0 (the terminated step above resets column 1 inside the unroll).
    ...(coreSize > 0
      ? {
          core: {
            initialState: { h: Float32Array.from({ length: N * coreSize }, () => r.uniform(-0.5, 0.5)), c: Float32Array.from({ length: N * coreSize }, () => r.uniform(-1, 1)) },
            previousActions: Int32Array.from({ length: N }, (_, n) => (n === 0 ? -1 : r.randint(A))),
            previousRewards: Float32Array.from({ length: N }, () => r.uniform(-2, 2)),
          },
        }
      : {}),
  };
}

const CASES: { name: string; network: NetworkConfig; shape: number[]; numTasks: number; popart: boolean }[] = [
  { name: 'mlp', network: { kind: 'mlp' }, shape: [4], numTasks: 1, popart: false },
  { name: 'minatar, 2 tasks, PopArt', network: { kind: 'minatar' }, shape: [10, 10, 5], numTasks: 2, popart: true },
  { name: 'resnet', network: { kind: 'resnet' }, shape: [10, 10, 4], numTasks: 1, popart: false },
  { name: 'minatar + LSTM', network: { kind: 'minatar', core: { kind: 'lstm', size: 16 } }, shape: [10, 10, 4], numTasks: 1, popart: false },
];

/** One op on small random inputs, on one backend: its output, flattened. */
export interface KernelResult {
  backend: string;
  case: string;
  values: number[];
}

/**
 * The ops the lab's own WebGPU kernels for software adapters replace
 * (webgpuTuning.ts), at shapes the learner cases above do not reach:
 * transposed and batched products, a batch that broadcasts, a long inner sum
 * that the matrix product splits (K = 4,096 with few outputs), 'same'
 * convolutions with an even filter, and adds of a vector on either side.
 */
const KERNEL_CASES: { name: string; shapes: number[][]; op: (x: tf.Tensor[]) => tf.Tensor }[] = [
  { name: 'matMul 33x17 17x9', shapes: [[33, 17], [17, 9]], op: ([a, b]) => tf.matMul(a!, b!) },
  { name: 'matMul A^T', shapes: [[7, 5], [7, 3]], op: ([a, b]) => tf.matMul(a!, b!, true, false) },
  { name: 'matMul B^T', shapes: [[5, 7], [3, 7]], op: ([a, b]) => tf.matMul(a!, b!, false, true) },
  { name: 'matMul batched, both transposed', shapes: [[2, 6, 5], [2, 3, 6]], op: ([a, b]) => tf.matMul(a!, b!, true, true) },
  { name: 'matMul batch broadcast', shapes: [[9, 5], [3, 9, 6]], op: ([a, b]) => tf.matMul(a!, b!, true, false) },
  { name: 'matMul split sum', shapes: [[4096, 5], [4096, 3]], op: ([a, b]) => tf.matMul(a!, b!, true, false) },
  { name: 'matMul split sum, batched', shapes: [[2, 3000, 6], [2, 3000, 5]], op: ([a, b]) => tf.matMul(a!, b!, true, false) },
  { name: 'conv2d valid', shapes: [[3, 10, 10, 4], [3, 3, 4, 16]], op: ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid') },
  { name: 'conv2d same, 3x2 filter', shapes: [[1, 7, 9, 2], [3, 2, 2, 6]], op: ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same') },
  { name: 'conv2d 1x1', shapes: [[2, 5, 6, 3], [1, 1, 3, 5]], op: ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid') },
  { name: 'add bias, 16 channels', shapes: [[3, 8, 8, 16], [16]], op: ([a, b]) => tf.add(a!, b!) },
  { name: 'add bias first, 6 values', shapes: [[6], [3, 6]], op: ([a, b]) => tf.add(a!, b!) },
  { name: 'add broadcast row', shapes: [[7, 3], [1, 3]], op: ([a, b]) => tf.add(a!, b!) },
];

async function runKernelCases(backend: string, label: string): Promise<KernelResult[]> {
  if (!(await tf.setBackend(backend))) return [];
  const results: KernelResult[] = [];
  for (const c of KERNEL_CASES) {
    const r = new RandomState(c.name.length);
    const inputs = c.shapes.map((shape) => tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => r.uniform(-1, 1)), shape));
    const y = c.op(inputs);
    results.push({ backend: label, case: c.name, values: Array.from(await y.data()) });
    tf.dispose([...inputs, y]);
  }
  return results;
}

export const SOFTWARE_LABEL = 'webgpu, software-adapter kernels';

/** `label` names the run in the results: the backend, or the backend and its tuning. */
async function run(backend: string, label = backend, softwareTuning = false): Promise<ParityResult[]> {
  if (!(await tf.setBackend(backend))) return [];
  await tf.ready();
  if (backend === 'webgpu') replaced = tuneWebGpu(softwareTuning);
  const results: ParityResult[] = [];
  for (const c of CASES) {
    const learner = new Learner({
      ...BASE,
      network: c.network,
      spec: { observationShape: c.shape, numActions: 3, numTasks: c.numTasks },
      popart: c.popart ? { beta: 0.1 } : null,
    });
    const updates: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const r = await learner.update(assembleBatch([unroll(c.shape, c.numTasks, i + 1, c.network.core ? c.network.core.size ?? 0 : 0)]));
      updates.push([r.gradNorm, r.totalLoss, r.baselineLoss, r.entropy]);
    }
    results.push({ backend: label, case: c.name, updates, weights: (await learner.getWeights()).flatMap((w) => Array.from(w)) });
    learner.dispose();
  }
  return results;
}

/** The kernels the last `tuneWebGpu` replaced. */
let replaced: readonly string[] = [];

void (async () => {
  const all: ParityResult[] = [];
  for (const backend of ['cpu', 'webgpu', 'webgl']) all.push(...(await run(backend)));
  // The kernels the lab uses on a software adapter (webgpuTuning.ts), as SwiftShader here is.
  all.push(...(await run('webgpu', SOFTWARE_LABEL, true)));
  const softwareKernels = replaced;
  const kernels = [...(await runKernelCases('cpu', 'cpu'))];
  // The backend's buffers before and after the cases, each of which frees what it made: equal unless a kernel leaks.
  let kernelDataIds: number[] = [];
  if (await tf.setBackend('webgpu')) {
    tuneWebGpu(true);
    const before = tf.engine().backend.numDataIds();
    kernels.push(...(await runKernelCases('webgpu', SOFTWARE_LABEL)));
    kernelDataIds = [before, tf.engine().backend.numDataIds()];
  }
  Object.assign(window, { parityResults: all, kernelResults: kernels, softwareKernels, kernelDataIds });
})();
