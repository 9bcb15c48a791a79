import * as tf from '@tensorflow/tfjs';
import { computeTargets, policyLogEpsilon, type Correction } from '../agent/corrections';
import { impalaLoss } from '../agent/losses';
import { policyEntropy } from '../agent/losses';
import { createNetwork, type Network, type NetworkConfig, type NetworkSpec } from '../model/networks';
import { getNetworkWeights, setNetworkWeights } from '../model/weights';
import { Adam } from '../optim/adam';
import { clipByGlobalNorm } from '../optim/clipByGlobalNorm';
import type { Optimizer } from '../optim/optimizer';
import { RmsProp } from '../optim/rmsprop';
import type { Batch } from './batch';
import { learningRateAt } from './learningRate';

export interface LearnerOptions {
  network: NetworkConfig;
  spec: NetworkSpec;
  /** Seed of the initial weights. */
  seed: number;
  optimizer: 'rmsprop' | 'adam';
  learningRate: number;
  lrSchedule: 'linear' | 'constant';
  /** Frames over which a linear schedule anneals the learning rate to zero. */
  totalFrames: number;
  rmspropDecay: number;
  rmspropEpsilon: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** gamma. */
  discount: number;
  baselineCost: number;
  entropyCost: number;
  correction: Correction;
  /** rho_bar. */
  clipRhoThreshold: number;
  /** The policy-gradient rho clip. */
  clipPgRhoThreshold: number;
  /** c_bar. */
  clipCThreshold: number;
  lambda: number;
  /** 'unit' clips rewards to [-1, 1] (the paper's Atari setting). */
  rewardClip: 'none' | 'unit';
}

/** What one update measured; loss terms are sums over the batch's T x cols steps, as optimised. */
export interface UpdateResult {
  /** The learner's version after the update (the number of updates applied). */
  version: number;
  learningRate: number;
  totalLoss: number;
  policyGradientLoss: number;
  baselineLoss: number;
  entropyLoss: number;
  /** Mean policy entropy per step, in nats. */
  entropy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Share of importance weights pi/mu above rho_bar. */
  clippedRhoFraction: number;
  /** False when the loss or gradient was not finite: the weights were left untouched. */
  applied: boolean;
  /** Milliseconds for the forward and backward pass (including reading the loss terms back). */
  timeForwardBackwardMs: number;
  /** Milliseconds to apply the optimiser step (dispatch; a GPU may finish it later). */
  timeApplyMs: number;
}

/**
 * The IMPALA learner (paper section 3): takes batches of unrolls, computes
 * the target policy's logits and values on them, corrects for policy lag
 * with V-trace (or the chosen correction), and applies one optimiser step.
 *
 * Episodes that ended by time limit are bootstrapped rather than treated as
 * terminal: at a truncated step t, r_t becomes r_t + gamma V(x_final) (the
 * learner's value of the state the episode was cut in, with no gradient) and
 * the discount becomes 0, so no trace crosses into the next episode.
 */
export class Learner {
  readonly network: Network;
  private readonly optimizer: Optimizer;
  private updates = 0;
  private frames = 0;

  constructor(readonly options: LearnerOptions) {
    this.network = createNetwork(options.network, options.spec, options.seed, true);
    this.optimizer =
      options.optimizer === 'adam'
        ? new Adam(this.network.variables)
        : new RmsProp(this.network.variables, options.rmspropDecay, options.rmspropEpsilon);
  }

  /** Updates applied so far; the version of the current weights. */
  get version(): number {
    return this.updates;
  }

  /** Environment frames consumed so far. */
  get framesSeen(): number {
    return this.frames;
  }

  async getWeights(): Promise<Float32Array[]> {
    return getNetworkWeights(this.network);
  }

  setWeights(weights: readonly Float32Array[]): void {
    setNetworkWeights(this.network, weights);
  }

  getOptimizerState(): Promise<{ step: number; slots: Float32Array[] }> {
    return this.optimizer.getState();
  }

  /** Restores counters, weights and optimiser state (e.g. from a checkpoint). */
  restore(state: { version: number; frames: number; weights: readonly Float32Array[]; optimizer?: { step: number; slots: Float32Array[] } }): void {
    setNetworkWeights(this.network, state.weights);
    if (state.optimizer) this.optimizer.setState(state.optimizer);
    this.updates = state.version;
    this.frames = state.frames;
  }

  /**
   * One learner update on a batch. Reads results back asynchronously (never
   * a sync GPU read). `now` (milliseconds) times the stages; it is passed in
   * so the core keeps no clock of its own.
   */
  async update(batch: Batch, now: () => number = () => 0): Promise<UpdateResult> {
    const o = this.options;
    const { T, cols: C, numActions: A, observationShape: shape } = batch;
    const K = batch.truncatedIndices.length;
    if (shape.join() !== this.network.spec.observationShape.join() || A !== this.network.spec.numActions) {
      throw new Error(`Learner: batch of shape [${shape}] with ${A} actions does not fit the network ([${this.network.spec.observationShape}], ${this.network.spec.numActions})`);
    }
    const learningRate = learningRateAt(o.learningRate, o.lrSchedule, this.frames, o.totalFrames);

    const rewards = o.rewardClip === 'unit' ? batch.rewards.map((r) => Math.max(-1, Math.min(1, r))) : batch.rewards;
    const discounts = new Float32Array(T * C);
    for (let i = 0; i < T * C; i++) discounts[i] = batch.terminated[i] || batch.truncated[i] ? 0 : o.discount;
    // Index into [V(x_final) of each truncated step ..., 0]: K (the zero) everywhere else.
    const bootstrapIndex = new Int32Array(T * C).fill(K);
    batch.truncatedIndices.forEach((flat, k) => (bootstrapIndex[flat] = k));

    const tStart = now();
    const results = tf.tidy(() => {
      const observations = tf.tensor(batch.observations, [(T + 1) * C, ...shape], 'float32');
      const actions = tf.tensor2d(batch.actions, [T, C], 'int32');
      const behaviourLogits = tf.tensor3d(batch.behaviourLogits, [T, C, A]);
      const discountsT = tf.tensor2d(discounts, [T, C]);
      let rewardsT: tf.Tensor = tf.tensor2d(rewards, [T, C]);
      if (K > 0) {
        // V(x_final) of each truncated episode: a constant, computed outside the gradient tape.
        const truncatedValues = this.network.apply(tf.tensor(batch.truncatedObservations, [K, ...shape], 'float32')).baseline;
        const padded = tf.concat([truncatedValues, tf.zeros([1])]);
        rewardsT = tf.add(rewardsT, tf.mul(tf.reshape(tf.gather(padded, tf.tensor1d(bootstrapIndex, 'int32')), [T, C]), o.discount));
      }
      const kept: tf.Scalar[] = [];

      const { value: total, grads } = tf.variableGrads(() => {
        const { policyLogits, baseline } = this.network.apply(observations);
        const logits = tf.reshape(tf.slice(policyLogits, [0, 0], [T * C, A]), [T, C, A]);
        const allValues = tf.reshape(baseline, [T + 1, C]);
        const values = tf.slice(allValues, [0, 0], [T, C]);
        const bootstrapValue = tf.reshape(tf.slice(allValues, [T, 0], [1, C]), [C]);
        const targets = computeTargets(o.correction, {
          behaviourLogits,
          targetLogits: logits,
          actions,
          discounts: discountsT,
          rewards: rewardsT,
          values,
          bootstrapValue,
          clipRhoThreshold: o.clipRhoThreshold,
          clipPgRhoThreshold: o.clipPgRhoThreshold,
          clipCThreshold: o.clipCThreshold,
          lambda: o.lambda,
        });
        const terms = impalaLoss(
          { logits, actions, vs: targets.vs, pgAdvantages: targets.pgAdvantages, values, logEpsilon: policyLogEpsilon(o.correction) },
          { baselineCost: o.baselineCost, entropyCost: o.entropyCost },
        );
        const meanEntropy = tf.mean(policyEntropy(logits)) as tf.Scalar;
        kept.push(
          tf.keep(terms.policyGradientLoss),
          tf.keep(terms.baselineLoss),
          tf.keep(terms.entropyLoss),
          tf.keep(meanEntropy),
          tf.keep(targets.clippedRhoFraction),
        );
        return terms.total;
      }, this.network.variables as tf.Variable[]);

      const gradList = this.network.variables.map((v) => grads[v.name]!);
      const { clipped, globalNorm } = clipByGlobalNorm(gradList, o.maxGradNorm);
      return { total, clipped, globalNorm, kept };
    });

    const [pg, baselineLoss, entropyLoss, entropy, clippedRho] = results.kept;
    const scalars = [results.total, pg!, baselineLoss!, entropyLoss!, entropy!, clippedRho!, results.globalNorm];
    const values = await Promise.all(scalars.map(async (s) => (await s.data())[0]!));
    const applied = Number.isFinite(values[0]!) && Number.isFinite(values[6]!);
    const tGradients = now();
    if (applied) {
      this.optimizer.apply(results.clipped, learningRate);
      this.updates++;
    }
    const tApplied = now();
    this.frames += batch.frames;
    tf.dispose([...scalars, ...results.clipped]);
    return {
      version: this.updates,
      learningRate,
      totalLoss: values[0]!,
      policyGradientLoss: values[1]!,
      baselineLoss: values[2]!,
      entropyLoss: values[3]!,
      entropy: values[4]!,
      clippedRhoFraction: values[5]!,
      gradNorm: values[6]!,
      applied,
      timeForwardBackwardMs: tGradients - tStart,
      timeApplyMs: tApplied - tGradients,
    };
  }

  dispose(): void {
    this.network.dispose();
    this.optimizer.dispose();
  }
}
