import * as tf from '@tensorflow/tfjs';
import { RandomState } from '../rng/randomState';
import { glorotUniform } from './initializers';
import { LstmCore, type CoreInputs, type CoreOutputs, type LstmCoreConfig } from './lstmCore';
import { DEFAULT_CORE_SIZE, DEFAULT_NETWORK_SIZES, NETWORK_KINDS, type NetworkKind } from './networkKinds';

/**
 * Policy-and-baseline networks: each maps a batch of observations to policy
 * logits and a value estimate V(x) (the paper's agent, section 5 and figure
 * 3): a torso (MLP, MinAtar CNN or ResNet), optionally an LSTM core
 * (`lstmCore.ts`), then the policy and value heads. Parameters are plain
 * `tf.Variable`s in a fixed order (torso, core, heads), so that weights can
 * be published to actors and checkpointed as a list of float32 arrays.
 */

/**
 * A recurrent core between torso and heads; absent or null: none (a
 * feed-forward agent). Size defaults to `DEFAULT_CORE_SIZE` (128 for image
 * observations, 64 for vectors); both switches default to true.
 */
export interface CoreSetting {
  kind: 'lstm';
  size?: number;
  previousAction?: boolean;
  previousReward?: boolean;
}

/** A multilayer perceptron for vector observations (classic control). */
export interface MlpConfig {
  kind: 'mlp';
  core?: CoreSetting | null;
  /** Widths of the hidden layers. Default [64, 64]. */
  hiddenSizes?: number[];
  /** Default 'relu'. */
  activation?: 'relu' | 'tanh';
}

/** The MinAtar baselines' network (Young & Tian 2019): conv 16 3x3 (valid), ReLU, dense 128, ReLU. */
export interface MinAtarNetConfig {
  kind: 'minatar';
  core?: CoreSetting | null;
  /** Default 16. */
  convChannels?: number;
  /** Default 128. */
  hiddenSize?: number;
}

/**
 * A small residual network after the paper's deep "IMPALA CNN" (figure 3,
 * right), sized for 10x10 inputs: per section a 3x3 conv, a 3x3 max-pool of
 * stride 2 and two residual blocks (ReLU, conv, ReLU, conv, add); then ReLU,
 * a dense layer and ReLU. Channels [16, 32] take 10x10 to 5x5 to 3x3.
 */
export interface ResNetConfig {
  kind: 'resnet';
  core?: CoreSetting | null;
  /** Channels of each section. Default [16, 32]. */
  channels?: number[];
  /** Default 256, as the paper's. */
  hiddenSize?: number;
}

export type NetworkConfig = MlpConfig | MinAtarNetConfig | ResNetConfig;
// Every network config is of a kind `networkKinds.ts` lists, and every kind has a config.
const _kindsMatch: [NetworkConfig['kind'], NetworkKind] extends [NetworkKind, NetworkConfig['kind']] ? true : never = true;

export interface NetworkSpec {
  /** Shape of one observation: `[n]` or `[10, 10, C]`. */
  observationShape: readonly number[];
  numActions: number;
  /**
   * Tasks of a multi-task agent (default 1): the value head has one output
   * per task, and `apply` reads the one of each observation's task (the
   * per-task value heads of Hessel et al. 2019, which PopArt normalises).
   */
  numTasks?: number;
}

export type PolicyValue = {
  /** `[N, A]` unnormalised log-probabilities. */
  policyLogits: tf.Tensor2D;
  /** `[N]` value estimates V(x) of each observation's task (normalised ones under PopArt). */
  baseline: tf.Tensor1D;
  /** With a core: its state after each of the N rows. */
  coreOutputs?: CoreOutputs;
};

/** What `applyPolicy` returns: the logits, and with a core its new state. */
export type PolicyStep = {
  policyLogits: tf.Tensor2D;
  coreOutputs?: CoreOutputs;
};

/** The torso's part of a resolved config. */
type TorsoConfig = Required<NetworkConfig> extends infer C ? (C extends unknown ? Omit<C, 'core'> : never) : never;

/** A network config with defaults filled in (and its core resolved). */
export type ResolvedNetworkConfig = Required<NetworkConfig> & { core: LstmCoreConfig | null };

export interface Network {
  readonly config: ResolvedNetworkConfig;
  readonly spec: Required<NetworkSpec>;
  /** The recurrent core, or null for a feed-forward network. */
  readonly core: LstmCore | null;
  /** Every parameter, in a fixed order. */
  readonly variables: readonly tf.Variable[];
  /** The value head's weights `[features, numTasks]` and biases `[numTasks]` (PopArt rescales them). */
  readonly valueHead: { readonly w: tf.Variable; readonly b: tf.Variable };
  /**
   * Forward pass on a float32 or uint8 batch `[N, ...observationShape]`.
   * With several tasks, `taskIds` (N integers) picks each observation's
   * value output; it is ignored with one task. A network with a core needs
   * `core`: the N rows are then S steps of C columns, time-major, run from
   * `core.initialState` (see `lstmCore.ts`).
   */
  apply(observations: tf.Tensor, taskIds?: ArrayLike<number>, core?: CoreInputs): PolicyValue;
  /** The policy logits alone `[N, A]` (what an actor needs each step; with a core, also its new state): no value head, so no task ids. */
  applyPolicy(observations: tf.Tensor, core?: CoreInputs): PolicyStep;
  /** Number of scalar parameters. */
  readonly parameterCount: number;
  dispose(): void;
}

class ParamBuilder {
  readonly variables: tf.Variable[] = [];
  constructor(
    readonly random: RandomState,
    private readonly trainable: boolean,
  ) {}

  weight(name: string, shape: number[], fanIn: number, fanOut: number, gain = 1): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.add(tf.tensor(glorotUniform(this.random, size, fanIn, fanOut, gain), shape), name);
  }

  bias(name: string, size: number): tf.Variable {
    return this.add(tf.zeros([size]), name);
  }

  /** A parameter with the given initial values. */
  values(name: string, values: Float32Array, shape: number[]): tf.Variable {
    return this.add(tf.tensor(values, shape), name);
  }

  private add(init: tf.Tensor, name: string): tf.Variable {
    const v = tf.variable(init, this.trainable, `${name}_${nextId++}`);
    init.dispose();
    this.variables.push(v);
    return v;
  }
}
let nextId = 0;

function fail(message: string): never {
  throw new Error(`createNetwork: ${message}`);
}

function positiveInts(name: string, value: unknown, minLength: number): number[] {
  if (!Array.isArray(value) || value.length < minLength || !value.every((v) => Number.isInteger(v) && v > 0 && v <= 4096)) {
    fail(`${name} must be an array of at least ${minLength} integers in [1, 4096], got ${JSON.stringify(value)}`);
  }
  return value as number[];
}

function positiveInt(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 4096) {
    fail(`${name} must be an integer in [1, 4096], got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function resolveCore(core: CoreSetting | null | undefined, observationShape: readonly number[]): LstmCoreConfig | null {
  if (core === undefined || core === null) return null;
  if (core.kind !== 'lstm') fail(`unknown core kind ${JSON.stringify((core as { kind: unknown }).kind)}; valid: 'lstm' (or none)`);
  const flag = (name: string, value: unknown): boolean => {
    if (value === undefined) return true;
    if (typeof value !== 'boolean') fail(`core.${name} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  return {
    kind: 'lstm',
    size: positiveInt('core.size', core.size ?? (observationShape.length === 1 ? DEFAULT_CORE_SIZE.vector : DEFAULT_CORE_SIZE.image)),
    previousAction: flag('previousAction', core.previousAction),
    previousReward: flag('previousReward', core.previousReward),
  };
}

/** Fills in defaults and validates a network config against an environment spec. */
export function resolveNetworkConfig(config: NetworkConfig, spec: NetworkSpec): ResolvedNetworkConfig {
  const core = resolveCore(config.core, spec.observationShape);
  return { ...resolveTorso(config, spec), core };
}

function resolveTorso(config: NetworkConfig, spec: NetworkSpec): TorsoConfig {
  if (!Number.isInteger(spec.numActions) || spec.numActions < 1) fail(`numActions must be a positive integer, got ${spec.numActions}`);
  const numTasks = spec.numTasks ?? 1;
  if (!Number.isInteger(numTasks) || numTasks < 1 || numTasks > 1024) fail(`numTasks must be an integer in [1, 1024], got ${numTasks}`);
  const shape = spec.observationShape;
  switch (config.kind) {
    case 'mlp': {
      if (shape.length !== 1) fail(`the mlp network takes vector observations, got shape [${shape.join(', ')}]`);
      const activation = config.activation ?? 'relu';
      if (activation !== 'relu' && activation !== 'tanh') fail(`activation must be 'relu' or 'tanh', got ${JSON.stringify(activation)}`);
      return { kind: 'mlp', hiddenSizes: positiveInts('hiddenSizes', config.hiddenSizes ?? [...DEFAULT_NETWORK_SIZES.mlp.hiddenSizes], 1), activation };
    }
    case 'minatar':
    case 'resnet': {
      if (shape.length !== 3 || shape[0]! < 3 || shape[1]! < 3) {
        fail(`the ${config.kind} network takes [H, W, C] observations of at least 3x3, got shape [${shape.join(', ')}]`);
      }
      if (config.kind === 'minatar') {
        return {
          kind: 'minatar',
          convChannels: positiveInt('convChannels', config.convChannels ?? DEFAULT_NETWORK_SIZES.minatar.convChannels),
          hiddenSize: positiveInt('hiddenSize', config.hiddenSize ?? DEFAULT_NETWORK_SIZES.minatar.hiddenSize),
        };
      }
      return {
        kind: 'resnet',
        channels: positiveInts('channels', config.channels ?? [...DEFAULT_NETWORK_SIZES.resnet.channels], 1),
        hiddenSize: positiveInt('hiddenSize', config.hiddenSize ?? DEFAULT_NETWORK_SIZES.resnet.hiddenSize),
      };
    }
    default: {
      const unknown: never = config;
      return fail(`unknown network kind ${JSON.stringify((unknown as { kind: unknown }).kind)}; valid kinds: ${NETWORK_KINDS.join(', ')}`);
    }
  }
}

/** Output size of a 3x3 max-pool of stride 2 with 'same' padding. */
const pooled = (n: number): number => Math.ceil(n / 2);

/**
 * Builds a network with weights drawn from `seed`. `trainable: false` gives
 * an actor's copy (no gradients needed).
 */
export function createNetwork(config: NetworkConfig, spec: NetworkSpec, seed: number, trainable = true): Network {
  const resolved = resolveNetworkConfig(config, spec);
  const p = new ParamBuilder(new RandomState(seed), trainable);
  const A = spec.numActions;
  const K = spec.numTasks ?? 1;
  const shape = spec.observationShape;
  let torso: (x: tf.Tensor) => tf.Tensor2D;
  let features: number;

  switch (resolved.kind) {
    case 'mlp': {
      const layers: { w: tf.Variable; b: tf.Variable }[] = [];
      let width = shape[0]!;
      for (const [i, h] of resolved.hiddenSizes.entries()) {
        layers.push({ w: p.weight(`mlp${i}_w`, [width, h], width, h), b: p.bias(`mlp${i}_b`, h) });
        width = h;
      }
      const act = resolved.activation === 'relu' ? tf.relu : tf.tanh;
      torso = (x) => {
        let h = x as tf.Tensor2D;
        for (const l of layers) h = act(tf.add(tf.matMul(h, l.w), l.b)) as tf.Tensor2D;
        return h;
      };
      features = width;
      break;
    }
    case 'minatar': {
      const [H, W, C] = shape as [number, number, number];
      const K = resolved.convChannels;
      const flat = (H - 2) * (W - 2) * K;
      const convW = p.weight('conv_w', [3, 3, C, K], 9 * C, 9 * K);
      const convB = p.bias('conv_b', K);
      const fcW = p.weight('fc_w', [flat, resolved.hiddenSize], flat, resolved.hiddenSize);
      const fcB = p.bias('fc_b', resolved.hiddenSize);
      torso = (x) => {
        const h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, convW as tf.Tensor4D, 1, 'valid'), convB));
        return tf.relu(tf.add(tf.matMul(tf.reshape(h, [-1, flat]), fcW), fcB)) as tf.Tensor2D;
      };
      features = resolved.hiddenSize;
      break;
    }
    case 'resnet': {
      let [H, W, C] = shape as [number, number, number];
      const conv = (name: string, cin: number, cout: number) => ({
        w: p.weight(`${name}_w`, [3, 3, cin, cout], 9 * cin, 9 * cout),
        b: p.bias(`${name}_b`, cout),
      });
      const sections = resolved.channels.map((K, i) => {
        const section = { head: conv(`s${i}_conv`, C, K), blocks: [0, 1].map((j) => [conv(`s${i}_r${j}a`, K, K), conv(`s${i}_r${j}b`, K, K)]) };
        C = K;
        H = pooled(H);
        W = pooled(W);
        return section;
      });
      const flat = H * W * C;
      const fcW = p.weight('fc_w', [flat, resolved.hiddenSize], flat, resolved.hiddenSize);
      const fcB = p.bias('fc_b', resolved.hiddenSize);
      const apply = (x: tf.Tensor4D, c: { w: tf.Variable; b: tf.Variable }): tf.Tensor4D =>
        tf.add(tf.conv2d(x, c.w as tf.Tensor4D, 1, 'same'), c.b);
      torso = (x) => {
        let h = x as tf.Tensor4D;
        for (const s of sections) {
          h = tf.maxPool(apply(h, s.head), 3, 2, 'same');
          for (const [a, b] of s.blocks) h = tf.add(h, apply(tf.relu(apply(tf.relu(h), a!)), b!));
        }
        return tf.relu(tf.add(tf.matMul(tf.reshape(tf.relu(h), [-1, flat]), fcW), fcB)) as tf.Tensor2D;
      };
      features = resolved.hiddenSize;
      break;
    }
  }

  const core = resolved.core ? LstmCore.create(resolved.core, features, A, p.random, (name, values, shape) => p.values(name, values, shape)) : null;
  if (core) features = core.config.size;
  /** The heads' input: the torso's features, through the core if there is one. */
  const body = (observations: tf.Tensor, coreInputs: CoreInputs | undefined): { h: tf.Tensor2D; coreOutputs?: CoreOutputs } => {
    const x = torso(toFloat(observations));
    if (!core) return { h: x };
    if (!coreInputs) throw new Error('network: a network with an LSTM core needs its state and previous actions and rewards (core inputs)');
    const coreOutputs = core.apply(x, coreInputs);
    return { h: coreOutputs.h, coreOutputs };
  };

  // A small policy head makes the initial policy close to uniform.
  const piW = p.weight('policy_w', [features, A], features, A, 0.01);
  const piB = p.bias('policy_b', A);
  const vW = p.weight('baseline_w', [features, K], features, K);
  const vB = p.bias('baseline_b', K);
  const variables = p.variables;
  const checkShape = (observations: tf.Tensor): void => {
    if (observations.shape.slice(1).join() !== shape.join()) {
      throw new Error(`network: observations must have shape [N, ${shape.join(', ')}], got [${observations.shape.join(', ')}]`);
    }
  };
  const toFloat = (x: tf.Tensor): tf.Tensor => (x.dtype === 'float32' ? x : tf.cast(x, 'float32'));

  return {
    config: resolved,
    core,
    spec: { observationShape: [...shape], numActions: A, numTasks: K },
    variables,
    valueHead: { w: vW, b: vB },
    parameterCount: variables.reduce((n, v) => n + v.size, 0),
    apply(observations: tf.Tensor, taskIds?: ArrayLike<number>, coreInputs?: CoreInputs): PolicyValue {
      checkShape(observations);
      const N = observations.shape[0]!;
      if (K > 1 && (taskIds === undefined || taskIds.length !== N)) {
        throw new Error(`network: a ${K}-task network needs the task id of each of the ${N} observations, got ${taskIds === undefined ? 'none' : taskIds.length}`);
      }
      return tf.tidy(() => {
        const { h, coreOutputs } = body(observations, coreInputs);
        const values = tf.add(tf.matMul(h, vW), vB);
        let baseline: tf.Tensor1D;
        if (K === 1) {
          baseline = tf.reshape(values, [-1]);
        } else {
          // One-hot built as int32 and cast: tf.oneHot with a float dtype gives zeros on WASM (tf.js 4.22).
          const mask = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(taskIds!), 'int32'), K), 'float32');
          baseline = tf.sum(tf.mul(values, mask), 1);
        }
        return { policyLogits: tf.add(tf.matMul(h, piW), piB) as tf.Tensor2D, baseline, ...(coreOutputs ? { coreOutputs } : {}) };
      });
    },
    applyPolicy(observations: tf.Tensor, coreInputs?: CoreInputs): PolicyStep {
      checkShape(observations);
      return tf.tidy(() => {
        const { h, coreOutputs } = body(observations, coreInputs);
        return { policyLogits: tf.add(tf.matMul(h, piW), piB) as tf.Tensor2D, ...(coreOutputs ? { coreOutputs } : {}) };
      });
    },
    dispose(): void {
      for (const v of variables) v.dispose();
    },
  };
}
