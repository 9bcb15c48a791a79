import { envInfo } from '../envs/envInfo';
import { parseTaskList } from '../envs/suite/minatarSuite';
import { DEFAULT_CORE_SIZE, DEFAULT_NETWORK_SIZES, type NetworkKind } from '../model/networkKinds';
import { configFieldByKey, DEFAULT_CONFIG, resolveNetworkKind, type ExperimentConfig } from './experimentConfig';

/**
 * How much memory an experiment's settings ask of one browser tab, before
 * anything is allocated, and the nearest settings that fit a budget.
 *
 * Notation as in the schema (IMPALA, Espeholt et al. 2018): T the unroll
 * length, N environments per actor, B unrolls per batch, M actors, Q the
 * queue's capacity (at least B), S the size of one observation, A actions.
 * One unroll holds x_0 .. x_T of N environments (`actor/unroll.ts`); a batch
 * is B unrolls side by side, `cols = B N` columns of T + 1 rows
 * (`learner/batch.ts`).
 *
 * The estimate counts what the settings scale: unrolls, batches, the
 * learner's tensors and the actors' copies. The fixed costs of a tab (the
 * page, tf.js and its WASM runtime in every worker: tens of megabytes) are
 * not counted; they are the headroom a budget leaves (`memoryBudgetBytes`).
 *
 * Cheap to import (no TensorFlow.js, no environments): the lab checks every
 * change of settings, and a share link as the page opens.
 */

/** Bytes of the numbers the typed arrays hold. */
const F32 = 4;
const I32 = 4;
const U8 = 1;

/** What the estimate needs to know of the experiment's environment and network. */
export interface MemoryShape {
  /** Shape of one observation: `[n]` or `[H, W, C]`. */
  observationShape: readonly number[];
  /** Bytes per observation value: 1 (MinAtar's uint8 planes) or 4 (float32 vectors). */
  observationBytes: 1 | 4;
  numActions: number;
  /** Value heads (the suite's games; 1 otherwise). */
  numTasks: number;
  network: NetworkKind;
  /** The LSTM core, resolved (`lstmCore.ts`), or null for a feed-forward network. */
  core: { size: number; previousAction: boolean; previousReward: boolean } | null;
}

/** The environment and network of a config, without creating either. */
export function memoryShapeOf(config: ExperimentConfig): MemoryShape {
  const env = envInfo(config.env);
  if (env === undefined) throw new Error(`memoryShapeOf: unknown environment '${config.env}'`);
  const minimal = config.actionSet === 'minimal' && env.options.includes('actionSet') && env.minimalActions !== undefined;
  const tasks = env.tasks !== undefined ? parseTaskList(config.tasks) : null;
  return {
    observationShape: env.observation.shape,
    observationBytes: env.observation.dtype === 'uint8' ? 1 : 4,
    numActions: minimal ? env.minimalActions!.length : env.actions.length,
    numTasks: tasks?.ok ? tasks.tasks.length : 1,
    network: resolveNetworkKind(config, env.observation.shape),
    core:
      config.core === 'lstm'
        ? {
            size: config.coreSize > 0 ? config.coreSize : DEFAULT_CORE_SIZE[env.observation.kind],
            previousAction: config.corePreviousAction,
            previousReward: config.corePreviousReward,
          }
        : null,
  };
}

// ---------------------------------------------------------------------------
// The networks (model/networks.ts at their default sizes)

/** One layer's activations per row: a conv's `[H, W, K]` output or a dense layer's width. */
interface NetworkSizes {
  /** Scalar parameters (`Network.parameterCount`). */
  parameters: number;
  /** Floats of every tensor the forward pass makes for one row (observation), heads included. */
  activationsPerRow: number;
  /** Floats per row of the largest im2col patch matrix a conv lowers to (WebGL's conv2d): outH outW 9 Cin. */
  im2colPerRow: number;
}

/** 3x3 max-pool of stride 2, 'same' padding. */
const pooled = (n: number): number => Math.ceil(n / 2);

/**
 * Parameters and activations of the network `createNetwork` builds, counted
 * op by op from its definition: every matMul, bias add, activation, conv,
 * pool, residual add and reshape makes a tensor (tf.js counts a reshape's
 * output as new bytes, so the estimate does too).
 */
export function networkSizes(shape: MemoryShape): NetworkSizes {
  const { observationShape: obs, numActions: A, numTasks: K } = shape;
  const dense = (inSize: number, outSize: number): number => inSize * outSize + outSize;
  const conv = (cin: number, cout: number): number => 9 * cin * cout + cout;
  let parameters = 0;
  let activations = 0;
  let im2col = 0;
  let features: number;
  switch (shape.network) {
    case 'mlp': {
      let width = obs[0]!;
      for (const h of DEFAULT_NETWORK_SIZES.mlp.hiddenSizes) {
        parameters += dense(width, h);
        activations += 3 * h; // matMul, add, activation
        width = h;
      }
      features = width;
      break;
    }
    case 'minatar': {
      const [H, W, C] = obs as [number, number, number];
      const { convChannels: k, hiddenSize: h } = DEFAULT_NETWORK_SIZES.minatar;
      const flat = (H - 2) * (W - 2) * k;
      parameters += conv(C, k) + dense(flat, h);
      activations += 4 * flat + 3 * h; // conv, add, relu, reshape; matMul, add, relu
      im2col = (H - 2) * (W - 2) * 9 * C;
      features = h;
      break;
    }
    case 'resnet': {
      let [H, W, C] = obs as [number, number, number];
      const { channels, hiddenSize: h } = DEFAULT_NETWORK_SIZES.resnet;
      for (const k of channels) {
        parameters += conv(C, k) + 4 * conv(k, k);
        activations += 2 * H * W * k; // head conv, add
        im2col = Math.max(im2col, H * W * 9 * C, pooled(H) * pooled(W) * 9 * k);
        H = pooled(H);
        W = pooled(W);
        C = k;
        // the pool, then two blocks of relu, conv, add, relu, conv, add, residual add
        activations += H * W * k * (1 + 2 * 7);
      }
      const flat = H * W * C;
      parameters += dense(flat, h);
      activations += 2 * flat + 3 * h; // relu, reshape; matMul, add, relu
      features = h;
      break;
    }
  }
  const core = shape.core;
  if (core) {
    // W_x, W_h and b (lstmCore.ts). Per row: the previous action's one-hot and reward, their concat with the features,
    // the projection (matMul, add: 8H), its reshape and unstack (8H); each step's h W_h and z (8H), the split (4H),
    // three sigmoids and tanh g (4H), f c, i g, c, tanh c and h (5H), the reset masks (2H); the concatenated h and c (2H).
    const H = core.size;
    const width = features + (core.previousAction ? A : 0) + (core.previousReward ? 1 : 0);
    parameters += dense(width, 4 * H) + H * 4 * H;
    activations += A + 1 + width + 41 * H;
    features = H;
  }
  parameters += dense(features, A) + dense(features, K);
  // Heads: policy matMul and add; value matMul, add and reshape, and with several tasks a one-hot mask, product and sum.
  activations += 2 * A + 3 * K + (K > 1 ? 2 * K + 1 : 0);
  return { parameters, activationsPerRow: activations, im2colPerRow: im2col };
}

// ---------------------------------------------------------------------------
// The estimate

/**
 * Tensors the backward pass keeps per forward activation: the tape holds
 * every forward tensor until the update's `tf.tidy` ends, and each gets a
 * gradient and about one intermediate of the same size (relu's mask, a conv's
 * input gradient), so 3 in all. Conservative: some ops need less.
 */
export const BACKWARD_FACTOR = 3;
/**
 * Floats per step (t, column) of the loss and V-trace: the target and
 * behaviour log-softmaxes, softmax, entropy and their gradients (about 16 of
 * size A), and some 30 scalars per step (rhos, cs, deltas, v_s, advantages,
 * losses) with their gradients. Rounded up.
 */
const LOSS_FLOATS_PER_STEP = (A: number): number => 16 * A + 64;

export interface MemoryEstimate {
  /** One unroll's arrays (`Unroll`): observations `[T + 1][N][S]`, actions, rewards, terminated, truncated, logits `[T][N][A]`, task ids `[N]`. Exact. */
  unrollBytes: number;
  /** Unrolls alive at once: Q in the queue, one per actor (in the making or waiting to be queued), B the learner has taken, and the replay buffer's. */
  unrollsHeld: number;
  /** `unrollsHeld` x `unrollBytes`. */
  queueBytes: number;
  /** One assembled `Batch`'s arrays: B unrolls' worth, as `cols = B N` columns. Exact. */
  batchBytes: number;
  /**
   * The learner's update: its own arrays (discounts, bootstrap indices, row
   * tasks), the observations as a float32 tensor `[(T + 1) cols, S]` (and
   * the float32 copy tf.js makes of uint8 ones), the forward activations
   * and their gradients (`BACKWARD_FACTOR`), the loss, and the parameters
   * with their gradients, optimiser slots and the published copies a policy
   * lag keeps.
   */
  learnerBytes: number;
  /** Every actor's network copy, its forward pass on N observations and its environments' observation buffers. */
  actorsBytes: number;
  totalBytes: number;
  /** Rows of the learner's forward pass: (T + 1) B N. */
  learnerRows: number;
  parameters: number;
}

/** The estimate for `config` (see `MemoryEstimate` for what each part counts). */
export function estimateMemory(config: ExperimentConfig, shape: MemoryShape = memoryShapeOf(config)): MemoryEstimate {
  const { unrollLength: T, envsPerActor: N, batchSize: B, actors: M } = config;
  const Q = Math.max(config.queueCapacity, config.batchSize);
  const S = shape.observationShape.reduce((a, b) => a * b, 1);
  const d = shape.observationBytes;
  const A = shape.numActions;
  const net = networkSizes(shape);

  /** The fixed arrays of T steps of `n` columns (an unroll: n = N; a batch: n = B N). */
  // With a core, each column also carries its starting h and c and previous action and reward (`Unroll.core`).
  const coreBytes = shape.core ? 2 * shape.core.size * F32 + I32 + F32 : 0;
  const stepArrays = (n: number): number => (T + 1) * n * S * d + T * n * (I32 + F32 + U8 + U8 + A * F32) + n * (I32 + coreBytes);
  const unrollBytes = stepArrays(N);
  const unrollsHeld = Q + M + B + (config.replayShare > 0 ? config.replayCapacity : 0);
  const batchBytes = stepArrays(B * N);

  const cols = B * N;
  const rows = (T + 1) * cols;
  const learnerArrays = T * cols * (F32 + F32 + F32) + rows * I32; // discounts, bootstrap indices, clipped rewards; row tasks
  const inputs = rows * S * F32 * (d === 1 ? 2 : 1);
  const activations = rows * (net.activationsPerRow * BACKWARD_FACTOR + net.im2colPerRow) * F32;
  const loss = T * cols * LOSS_FLOATS_PER_STEP(A) * F32;
  const slots = config.optimizer === 'adam' ? 2 : 1;
  // Weights, gradients, clipped gradients, optimiser slots, their copy kept for a replacement learner, and lag + 1 published versions.
  const parameterCopies = 3 + 2 * slots + 1 + (config.policyLag + 1);
  const learnerBytes = learnerArrays + inputs + activations + loss + net.parameters * F32 * parameterCopies;

  const perActor = net.parameters * F32 + N * (S * F32 + net.activationsPerRow * F32 + net.im2colPerRow * F32) + 2 * N * S * d;
  const actorsBytes = M * perActor;

  const queueBytes = unrollsHeld * unrollBytes;
  return {
    unrollBytes,
    unrollsHeld,
    queueBytes,
    batchBytes,
    learnerBytes,
    actorsBytes,
    totalBytes: queueBytes + batchBytes + learnerBytes + actorsBytes,
    learnerRows: rows,
    parameters: net.parameters,
  };
}

// ---------------------------------------------------------------------------
// The budget

/**
 * The budget where the browser gives no figure (Firefox, Safari): 512 MB.
 * Safari on phones ends tabs at around 1 to 1.5 GB, and the page, tf.js and
 * one WASM runtime per worker need their own share beyond what the estimate
 * counts; 512 MB still holds every preset (the largest, MinAtar with the
 * ResNet, needs some 100 MB).
 */
export const FALLBACK_BUDGET_BYTES = 512e6;
/** At most this share of the device's memory (`navigator.deviceMemory`) for one tab. */
export const DEVICE_MEMORY_SHARE = 1 / 4;
/** At most this share of the JavaScript heap's limit (Chromium's `performance.memory.jsHeapSizeLimit`). */
export const HEAP_LIMIT_SHARE = 1 / 2;
/**
 * Never more than this: the learner's tensors on tf.js's WASM backend live in
 * one WebAssembly memory of at most 4 GiB (and a browser's figures may be large).
 */
export const MAX_BUDGET_BYTES = 2 ** 31;

/** What a browser tells of its memory: either may be missing. */
export interface BrowserMemoryFigures {
  /** `navigator.deviceMemory`: the device's RAM in GiB, rounded (Chromium reports 0.25 to 8). */
  deviceMemoryGiB?: number;
  /** `performance.memory.jsHeapSizeLimit` in bytes (Chromium). */
  jsHeapSizeLimit?: number;
}

/**
 * The bytes the lab lets one experiment's settings take: the smaller of a
 * quarter of the device's memory and half the JavaScript heap's limit,
 * where the browser gives them, capped at `MAX_BUDGET_BYTES`; otherwise
 * `FALLBACK_BUDGET_BYTES`. Takes numbers, so the core reads no `navigator`.
 */
export function memoryBudgetBytes(figures: BrowserMemoryFigures): number {
  const known: number[] = [];
  const { deviceMemoryGiB, jsHeapSizeLimit } = figures;
  if (deviceMemoryGiB !== undefined && Number.isFinite(deviceMemoryGiB) && deviceMemoryGiB > 0) known.push(deviceMemoryGiB * 2 ** 30 * DEVICE_MEMORY_SHARE);
  if (jsHeapSizeLimit !== undefined && Number.isFinite(jsHeapSizeLimit) && jsHeapSizeLimit > 0) known.push(jsHeapSizeLimit * HEAP_LIMIT_SHARE);
  if (known.length === 0) return FALLBACK_BUDGET_BYTES;
  return Math.min(MAX_BUDGET_BYTES, ...known);
}

// ---------------------------------------------------------------------------
// The check and the nearest settings that fit

/** Bytes as people read them: '12 MB', '1.0 GB' (decimal units). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toString()} ${units[unit]}`;
}

/**
 * The settings a suggestion may lower, in the order that changes the
 * experiment's meaning least: environments per actor and the queue change
 * throughput and staleness, actors too; B changes each gradient, and T the
 * V-trace horizon (section 4.1) most of all.
 */
export const SCALABLE_KEYS = ['envsPerActor', 'queueCapacity', 'replayCapacity', 'actors', 'batchSize', 'unrollLength'] as const;
export type ScalableKey = (typeof SCALABLE_KEYS)[number];

export interface MemoryProblem {
  /** What the settings need and what the tab allows, in one sentence. */
  text: string;
  /** The suggestion in words: 'Nearest settings that fit: Envs per actor 16 (was 1024), ...'. */
  suggestionText: string;
  /** The nearest settings that fit, or null when none do (a budget below even the smallest settings). */
  suggestion: ExperimentConfig | null;
  /** The settings the suggestion lowers, from and to. */
  changes: { key: ScalableKey; from: number; to: number }[];
  estimate: MemoryEstimate;
}

/** `config` with `key` set to `value`, the queue raised to at least B. */
function withValue(config: ExperimentConfig, key: ScalableKey, value: number): ExperimentConfig {
  const next = { ...config, [key]: value };
  next.queueCapacity = Math.max(next.queueCapacity, next.batchSize);
  return next;
}

/**
 * The nearest settings to `config` that fit `budget` bytes, changing only
 * `SCALABLE_KEYS`. Down: halve, one at a time, the setting furthest above
 * its default (as a ratio; ties in `SCALABLE_KEYS` order), so that an
 * outsized setting goes first and the others keep their proportions. Back
 * up: raise each, T first, to the largest value up to its original that
 * still fits. So settings already modest stay as they were and the changed
 * ones stay as large as the budget allows. Null when even every one at its
 * minimum does not fit. The estimate only grows with each of these
 * settings, which the searches rely on.
 */
export function nearestFittingConfig(config: ExperimentConfig, budget: number, shape: MemoryShape = memoryShapeOf(config)): ExperimentConfig | null {
  const fits = (c: ExperimentConfig): boolean => estimateMemory(c, shape).totalBytes <= budget;
  if (fits(config)) return config;
  const min = (key: ScalableKey): number => configFieldByKey(key).min;
  let next = { ...config };
  while (!fits(next)) {
    const lowerable = SCALABLE_KEYS.filter(
      (key) => next[key] > min(key) && !(key === 'queueCapacity' && next.queueCapacity <= next.batchSize) && !(key === 'replayCapacity' && next.replayShare === 0),
    );
    if (lowerable.length === 0) return null;
    const ratio = (key: ScalableKey): number => next[key] / DEFAULT_CONFIG[key];
    const key = lowerable.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
    next = withValue(next, key, Math.max(min(key), Math.floor(next[key] / 2)));
  }
  for (const key of [...SCALABLE_KEYS].reverse()) {
    let lo = next[key];
    let hi = config[key];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(withValue(next, key, mid))) lo = mid;
      else hi = mid - 1;
    }
    next = withValue(next, key, lo);
  }
  return next;
}

/** Null when `config` fits `budget` bytes; otherwise what it needs, in words, and the nearest settings that fit. */
export function checkMemory(config: ExperimentConfig, budget: number): MemoryProblem | null {
  const shape = memoryShapeOf(config);
  const estimate = estimateMemory(config, shape);
  if (estimate.totalBytes <= budget) return null;
  const suggestion = nearestFittingConfig(config, budget, shape);
  const changes = SCALABLE_KEYS.filter((key) => suggestion !== null && suggestion[key] !== config[key]).map((key) => ({ key, from: config[key], to: suggestion![key] }));
  const text =
    `These settings need about ${formatBytes(estimate.totalBytes)} of memory, more than the ${formatBytes(budget)} this lab allows in this tab: ` +
    `one unroll is ${formatBytes(estimate.unrollBytes)} (T = ${config.unrollLength} steps of ${config.envsPerActor} environments), ` +
    `up to ${estimate.unrollsHeld} unrolls are held at once, and the learner's pass takes ${formatBytes(estimate.learnerBytes)}.`;
  const suggestionText =
    suggestion === null
      ? 'No smaller settings fit either.'
      : `Nearest settings that fit: ${changes.map((c) => `${configFieldByKey(c.key).label} ${c.to} (was ${c.from})`).join(', ')}.`;
  return { text, suggestionText, suggestion, changes, estimate };
}
