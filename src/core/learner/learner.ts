import * as tf from '@tensorflow/tfjs';
import { policyLogEpsilon, type Correction } from '../agent/corrections';
import { actionMask, behaviourActionLogProbs, impalaObjective, objectiveLength, objectiveTotal, readObjective } from '../agent/impalaObjective';
import { PopArt, type PopArtState } from '../agent/popart';
import { createNetwork, type Network, type NetworkConfig, type NetworkSpec } from '../model/networks';
import { checkLearnerState, learnerStateOf } from './learnerStateCheck';
import { getNetworkWeights, setNetworkWeights } from '../model/weights';
import { Adam } from '../optim/adam';
import { clipByGlobalNormFlat } from '../optim/clipByGlobalNorm';
import { FlatLayout, type Optimizer } from '../optim/optimizer';
import { RmsProp } from '../optim/rmsprop';
import type { Batch } from './batch';
import { recordBatchInspection, type BatchInspection } from './batchInspection';
import { coreInputsOf } from './coreInputs';
import { stopGradient } from '../agent/stopGradient';
import type { LearnerHandle } from './learnerHandle';
import { entropyCostAt, learningRateAt } from './learningRate';

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
  /** 'linear' anneals the entropy cost to zero over `totalFrames`; absent: 'constant'. */
  entropySchedule?: 'linear' | 'constant';
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
  /** PopArt value normalisation per task (`spec.numTasks` of them) with this step size; null for none. */
  popart?: { beta: number } | null;
}

export type OptimizerName = LearnerOptions['optimizer'];

/** An optimiser's statistics (`Optimizer.getState()`), tagged with the optimiser that keeps them. */
export interface OptimizerState {
  name: OptimizerName;
  /** Updates the optimiser has applied. */
  step: number;
  /** Its slot arrays in the optimiser's order (RMSProp: one per weight array; Adam: m then v). */
  slots: Float32Array[];
}

/**
 * Everything a learner learned, as plain arrays: what `Learner.snapshot()`
 * returns and `Learner.restore()` takes. A model file (`Checkpoint`) and a
 * saved run (`SavedSlot`) are this plus their own fields; states from
 * outside are checked by `checkLearnerState`.
 */
export interface LearnerState {
  /** Updates applied (the weights' version). */
  version: number;
  /** Environment frames learned from. */
  frames: number;
  /** The network's parameters, in `network.variables` order. */
  weights: readonly Float32Array[];
  /** Optimiser statistics; absent: the learner keeps its own (fresh, for a new learner). */
  optimizer?: OptimizerState;
  /** PopArt's per-task statistics, for a learner with PopArt. */
  popart?: PopArtState;
}

/**
 * What of `state` a learner with `options` can take, for a model continued
 * under changed settings: the optimiser statistics only if the same
 * optimiser kept them, PopArt's only if the learner uses PopArt (a learner
 * with PopArt still refuses a state without). `restore` itself refuses any
 * mismatch.
 */
export function compatibleState(state: LearnerState, options: Pick<LearnerOptions, 'optimizer' | 'popart'>): LearnerState {
  const { optimizer, popart, ...rest } = learnerStateOf(state);
  return {
    ...rest,
    ...(optimizer && optimizer.name === options.optimizer ? { optimizer } : {}),
    ...(popart && options.popart ? { popart } : {}),
  };
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
  /** PopArt's statistics per task after the update (absent without PopArt). */
  popart?: { mu: number[]; sigma: number[] };
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
export class Learner implements LearnerHandle {
  readonly network: Network;
  private readonly optimizer: Optimizer;
  /** The network's variables laid end to end: the gradients are flattened once and clipped and applied flat. */
  private readonly layout: FlatLayout;
  /** Per-task value normalisation, when enabled. */
  readonly popart: PopArt | null;
  private updates = 0;
  private frames = 0;
  /**
   * What the last update used, for the V-trace inspector: references to its
   * batch and read-back (which nothing writes to afterwards), made into an
   * inspection record only when one is asked for, so that updates copy
   * nothing for it. Null before the first update and after `restore`.
   */
  private lastUpdate: Parameters<typeof recordBatchInspection> | null = null;

  constructor(readonly options: LearnerOptions) {
    this.network = createNetwork(options.network, options.spec, options.seed, true);
    this.optimizer =
      options.optimizer === 'adam'
        ? new Adam(this.network.variables)
        : new RmsProp(this.network.variables, options.rmspropDecay, options.rmspropEpsilon);
    this.layout = new FlatLayout(this.network.variables);
    this.popart = options.popart ? new PopArt(this.network.spec.numTasks, { beta: options.popart.beta }) : null;
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

  /** The shape of each weight array, in `getWeights()` order. */
  weightShapes(): number[][] {
    return this.network.variables.map((v) => [...v.shape]);
  }

  setWeights(weights: readonly Float32Array[]): void {
    setNetworkWeights(this.network, weights);
  }

  async getOptimizerState(): Promise<OptimizerState> {
    return { name: this.optimizer.name, ...(await this.optimizer.getState()) };
  }

  /**
   * Everything this learner learned, the exact inverse of `restore`. The
   * counters and PopArt's statistics are read now and the weight and
   * optimiser reads are issued now, so called between updates the state is
   * of one version even if the next update starts before it resolves.
   */
  async snapshot(): Promise<LearnerState> {
    const now = this.counters();
    const [weights, optimizer] = await Promise.all([this.getWeights(), this.getOptimizerState()]);
    return { ...now, weights, optimizer };
  }

  /**
   * This learner's state with weights and optimiser statistics the caller
   * already holds (a training run reads the weights after every update and
   * copies the optimiser only now and then): the counters and PopArt's
   * statistics as of now.
   */
  stateWith(weights: readonly Float32Array[], optimizer: OptimizerState | undefined): LearnerState {
    return { ...this.counters(), weights, ...(optimizer ? { optimizer } : {}) };
  }

  private counters(): Pick<LearnerState, 'version' | 'frames' | 'popart'> {
    return { version: this.updates, frames: this.frames, ...(this.popart ? { popart: this.popart.getState() } : {}) };
  }

  /**
   * Restores counters, weights, optimiser state and PopArt statistics (a
   * `snapshot()`, a checkpoint's, a saved run's). Everything is checked
   * first (`checkLearnerState` against this learner's settings, then the
   * weights' sizes against the network), so a state that does not fit
   * throws and leaves the learner as it was. An optimiser state of another
   * optimiser is refused: pass the state through `compatibleState` to drop it.
   */
  restore(state: LearnerState): void {
    let checked: LearnerState;
    try {
      checked = checkLearnerState(state, { numTasks: this.network.spec.numTasks ?? 1, optimizer: this.optimizer.name, popart: this.popart !== null });
    } catch (e) {
      throw new Error(`Learner: cannot restore this state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    setNetworkWeights(this.network, checked.weights);
    if (checked.optimizer) this.optimizer.setState(checked.optimizer);
    if (checked.popart) this.popart!.setState(checked.popart);
    this.updates = checked.version;
    this.frames = checked.frames;
    // The last batch's numbers were computed by the weights just replaced.
    this.lastUpdate = null;
  }

  /**
   * The batch of the last update and the numbers it computed on it
   * (log pi(a_t|x_t), V(x_t), the truncations' V(x_final)), read in the
   * update's own read-back: exactly what the update used. Null before the
   * first update and after `restore`. The record owns copies of its arrays.
   */
  async lastBatchInspection(): Promise<BatchInspection | null> {
    return this.lastUpdate && recordBatchInspection(...this.lastUpdate);
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
    const numTasks = this.network.spec.numTasks;
    if (batch.taskIds.length !== C || batch.taskIds.some((t) => !(t >= 0 && t < numTasks))) {
      throw new Error(`Learner: the batch's task ids must be ${C} integers in [0, ${numTasks})`);
    }
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

    // Task of every observation x_0 .. x_T (column c plays task taskIds[c]), and of each truncated episode's last one.
    const rowTasks = new Int32Array((T + 1) * C);
    for (let i = 0; i < rowTasks.length; i++) rowTasks[i] = batch.taskIds[i % C]!;
    const truncatedTasks = Int32Array.from(batch.truncatedIndices, (flat) => batch.taskIds[flat % C]!);
    const popart = this.popart;
    const sigmas = popart?.sigmas();
    const behaviourLogProbs = behaviourActionLogProbs(batch.behaviourLogits, batch.actions, A);
    // The objective appends v_s under PopArt (for its statistics) and, always, what the V-trace inspector shows.
    const readout = { withTargets: popart !== null, withInspection: true };
    // The version of the weights this update computes pi and V with.
    const weightsVersion = this.updates;

    // A recurrent network replays its core over x_0 .. x_T from the state the actors stored (`coreInputsOf`).
    const recurrent = this.network.core !== null;
    if (recurrent !== (batch.core !== undefined)) {
      throw new Error(recurrent ? 'Learner: this network has an LSTM core, but the batch carries no core state' : 'Learner: the batch carries a core state, but this network has no core');
    }
    const coreInputs = recurrent ? coreInputsOf(batch) : undefined;

    const tStart = now();
    const { objective, clipped } = tf.tidy(() => {
      let truncatedValues: tf.Tensor | null = null;
      // PopArt: V = sigma n + mu per column, with n the network's normalised output (Hessel et al. 2019).
      const columnScale = popart ? tf.tensor1d(Float32Array.from(batch.taskIds, (t) => sigmas![t]!)) : null;
      const columnShift = popart ? tf.tensor1d(Float32Array.from(batch.taskIds, (t) => popart.mu[t]!)) : null;
      const observations = tf.tensor(batch.observations, [(T + 1) * C, ...shape], 'float32');
      const rewardsT: tf.Tensor2D = tf.tensor2d(rewards, [T, C]);
      /** V(x_final) of each truncated episode in V's scale, from the network's normalised output n. */
      const unnormalised = (normalised: tf.Tensor1D): tf.Tensor1D =>
        popart
          ? tf.add(tf.mul(normalised, tf.tensor1d(Float32Array.from(truncatedTasks, (t) => sigmas![t]!))), tf.tensor1d(Float32Array.from(truncatedTasks, (t) => popart.mu[t]!)))
          : normalised;
      /** r_t + gamma V(x_final) at truncated steps: a constant to the objective (its gradient flows to logits and values only). */
      const bootstrapped = (values: tf.Tensor): tf.Tensor2D => {
        const padded = tf.concat([values, tf.zeros([1])]);
        return tf.add(rewardsT, tf.mul(tf.reshape(tf.gather(padded, tf.tensor1d(bootstrapIndex, 'int32')), [T, C]), o.discount));
      };
      if (K > 0 && !recurrent) {
        // V(x_final) of each truncated episode: a constant, computed outside the gradient tape.
        truncatedValues = unnormalised(this.network.apply(tf.tensor(batch.truncatedObservations, [K, ...shape], 'float32'), truncatedTasks).baseline);
      }
      const objectiveInputs = {
        actionMask: tf.tensor3d(actionMask(batch.actions, A), [T, C, A]),
        behaviourActionLogProbs: tf.tensor2d(behaviourLogProbs, [T, C]),
        discounts: tf.tensor2d(discounts, [T, C]),
        ...(columnScale && columnShift ? { popart: { scale: columnScale, shift: columnShift } } : {}),
      };
      let objective: tf.Tensor1D | null = null;
      const { grads } = tf.variableGrads(() => {
        const { policyLogits, baseline, coreOutputs } = this.network.apply(observations, rowTasks, coreInputs);
        if (K > 0 && recurrent) {
          // x_final follows x_t after a_t: one more core step from the state after x_t, with no gradient.
          const rows = tf.tensor1d(batch.truncatedIndices, 'int32');
          const finalInputs = {
            initialState: { h: stopGradient(tf.gather(coreOutputs!.h, rows)), c: stopGradient(tf.gather(coreOutputs!.c, rows)) },
            previousActions: Int32Array.from(batch.truncatedIndices, (flat) => batch.actions[flat]!),
            previousRewards: Float32Array.from(batch.truncatedIndices, (flat) => batch.rewards[flat]!),
            resets: new Uint8Array(K),
          };
          const finalObservations = tf.tensor(batch.truncatedObservations, [K, ...shape], 'float32');
          truncatedValues = tf.keep(stopGradient(unnormalised(this.network.apply(finalObservations, truncatedTasks, finalInputs).baseline)));
        }
        objective = impalaObjective(
          {
            ...objectiveInputs,
            rewards: truncatedValues ? bootstrapped(truncatedValues) : rewardsT,
            logits: tf.reshape(tf.slice(policyLogits, [0, 0], [T * C, A]), [T, C, A]),
            outputs: tf.reshape(baseline, [T + 1, C]),
          },
          {
            correction: o.correction,
            clipRhoThreshold: o.clipRhoThreshold,
            clipPgRhoThreshold: o.clipPgRhoThreshold,
            clipCThreshold: o.clipCThreshold,
            lambda: o.lambda,
            baselineCost: o.baselineCost,
            entropyCost: entropyCostAt(o.entropyCost, o.entropySchedule ?? 'constant', this.frames, o.totalFrames),
            logEpsilon: policyLogEpsilon(o.correction),
            ...readout,
          },
        );
        return objectiveTotal(tf.keep(objective));
      }, this.network.variables as tf.Variable[]);

      const flat = this.layout.flatten(this.network.variables.map((v) => grads[v.name]!));
      const { clipped, globalNorm } = clipByGlobalNormFlat(flat, o.maxGradNorm);
      // Every number the update reports, in one vector: one read.
      const reported = tf.concat([tf.reshape(globalNorm, [1]), objective!, ...(truncatedValues ? [truncatedValues] : [])]);
      tf.dispose(objective!); // kept out of the gradient scope above
      if (recurrent && truncatedValues) tf.dispose(truncatedValues); // likewise
      return { objective: reported, clipped };
    });

    // [globalNorm, ...the objective's vector (readObjective), ...V(x_final) of the K truncated steps].
    const values = (await objective.data()) as Float32Array;
    const objectiveEnd = 1 + objectiveLength(T, C, readout);
    const read = readObjective(values.subarray(1, objectiveEnd), T, C, readout);
    const gradNorm = values[0]!;
    const [totalLoss, policyGradientLoss, baselineLoss, entropyLoss, clippedRhoFraction] = Array.from(read.terms);
    const applied = Number.isFinite(totalLoss!) && Number.isFinite(gradNorm);
    const tGradients = now();
    if (applied) {
      this.optimizer.applyFlat(clipped, learningRate);
      this.updates++;
    }
    if (applied && popart) {
      // After the step: statistics move towards this batch's targets, then the head is rescaled to preserve outputs.
      const before = popart.updateStatistics(read.vs!, (k) => batch.taskIds[k % C]!);
      popart.preserveOutputs(this.network.valueHead, before);
    }
    const tApplied = now();
    // What the V-trace inspector shows of this update (kept by reference; copied only on request).
    this.lastUpdate = [
      batch,
      {
        version: weightsVersion,
        applied,
        rewards,
        behaviourActionLogProbs: behaviourLogProbs,
        targetActionLogProbs: read.targetActionLogProbs!,
        values: read.values!,
        truncatedValues: values.subarray(objectiveEnd),
      },
      { correction: o.correction, discount: o.discount, clipRhoThreshold: o.clipRhoThreshold, clipPgRhoThreshold: o.clipPgRhoThreshold, clipCThreshold: o.clipCThreshold, lambda: o.lambda },
    ];
    this.frames += batch.frames;
    tf.dispose([objective, clipped]);
    return {
      version: this.updates,
      learningRate,
      totalLoss: totalLoss!,
      policyGradientLoss: policyGradientLoss!,
      baselineLoss: baselineLoss!,
      entropyLoss: entropyLoss!,
      // H = -entropyLoss / (T x cols): the mean per-step entropy.
      entropy: -entropyLoss! / (T * C),
      clippedRhoFraction: clippedRhoFraction!,
      gradNorm,
      applied,
      timeForwardBackwardMs: tGradients - tStart,
      timeApplyMs: tApplied - tGradients,
      ...(popart ? { popart: { mu: Array.from(popart.mu), sigma: Array.from(popart.sigmas()) } } : {}),
    };
  }

  dispose(): void {
    this.network.dispose();
    this.optimizer.dispose();
  }
}
