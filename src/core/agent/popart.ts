import * as tf from '@tensorflow/tfjs';

/**
 * PopArt: "Preserving Outputs Precisely, while Adaptively Rescaling
 * Targets" (van Hasselt et al. 2016), per task, as Hessel et al. 2019 use it
 * with IMPALA ("Multi-task Deep Reinforcement Learning with PopArt").
 *
 * The network's value head outputs a normalised value n_i(x) per task i;
 * the value in the task's own reward scale is V_i(x) = sigma_i n_i(x) + mu_i.
 * Per task, mu_i and nu_i track the first and second moments of the value
 * targets with step size beta, and sigma_i = sqrt(nu_i - mu_i^2):
 *
 *   mu_i  <- (1 - beta) mu_i  + beta E[v_s]      (v_s of task i in the batch)
 *   nu_i  <- (1 - beta) nu_i  + beta E[v_s^2]
 *
 * Whenever the statistics change, the last layer is rescaled so that every
 * unnormalised output is preserved exactly (van Hasselt et al. 2016, eq. 4):
 *
 *   w_i' = (sigma_i / sigma_i') w_i,   b_i' = (sigma_i b_i + mu_i - mu_i') / sigma_i'.
 *
 * Statistics are kept in float64 on the CPU: there are two numbers per task.
 */
export interface PopArtOptions {
  /** Step size of the statistics (default 3e-4, Hessel et al. 2019's). */
  beta?: number;
  /** sigma is clipped to [sigmaMin, sigmaMax] (default [1e-4, 1e6], as Hessel et al. 2019). */
  sigmaMin?: number;
  sigmaMax?: number;
}

export interface PopArtState {
  mu: number[];
  nu: number[];
}

/**
 * Hessel et al. 2019's step size: this class's default, and the one the
 * MinAtar presets and the suite were measured with. The lab's configured
 * default (`popartBeta`) is smaller, for short runs.
 */
export const HESSEL_POPART_BETA = 3e-4;

export class PopArt {
  readonly mu: Float64Array;
  readonly nu: Float64Array;
  readonly beta: number;
  private readonly sigmaMin: number;
  private readonly sigmaMax: number;

  constructor(
    readonly numTasks: number,
    options: PopArtOptions = {},
  ) {
    if (!Number.isInteger(numTasks) || numTasks < 1) throw new RangeError(`PopArt: numTasks must be a positive integer, got ${numTasks}`);
    this.beta = options.beta ?? HESSEL_POPART_BETA;
    if (!(this.beta > 0 && this.beta <= 1)) throw new RangeError(`PopArt: beta must be in (0, 1], got ${this.beta}`);
    this.sigmaMin = options.sigmaMin ?? 1e-4;
    this.sigmaMax = options.sigmaMax ?? 1e6;
    // mu = 0, sigma = 1: the identity until targets arrive.
    this.mu = new Float64Array(numTasks);
    this.nu = new Float64Array(numTasks).fill(1);
  }

  /** sigma_i = sqrt(nu_i - mu_i^2), clipped. */
  sigma(task: number): number {
    const variance = this.nu[task]! - this.mu[task]! ** 2;
    return Math.min(this.sigmaMax, Math.max(this.sigmaMin, Math.sqrt(Math.max(variance, 0))));
  }

  /** Every task's sigma. */
  sigmas(): Float64Array {
    return Float64Array.from({ length: this.numTasks }, (_, i) => this.sigma(i));
  }

  /**
   * Moves each task's statistics towards the targets of that task in the
   * batch (tasks without targets keep theirs). `taskOf(k)` is the task of
   * `targets[k]`. Returns the statistics before the update.
   */
  updateStatistics(targets: ArrayLike<number>, taskOf: (k: number) => number): { mu: Float64Array; sigma: Float64Array } {
    const before = { mu: this.mu.slice(), sigma: this.sigmas() };
    const K = this.numTasks;
    const sum = new Float64Array(K);
    const sumSq = new Float64Array(K);
    const count = new Float64Array(K);
    for (let k = 0; k < targets.length; k++) {
      const v = targets[k]!;
      if (!Number.isFinite(v)) continue;
      const i = taskOf(k);
      sum[i] = sum[i]! + v;
      sumSq[i] = sumSq[i]! + v * v;
      count[i] = count[i]! + 1;
    }
    const b = this.beta;
    for (let i = 0; i < K; i++) {
      if (count[i] === 0) continue;
      this.mu[i] = (1 - b) * this.mu[i]! + (b * sum[i]!) / count[i]!;
      this.nu[i] = (1 - b) * this.nu[i]! + (b * sumSq[i]!) / count[i]!;
    }
    return before;
  }

  /**
   * Rescales the value head (`w` `[F, K]`, `b` `[K]`) so that its
   * unnormalised outputs are what they were under the statistics `before`
   * (van Hasselt et al. 2016, eq. 4).
   */
  preserveOutputs(head: { w: tf.Variable; b: tf.Variable }, before: { mu: Float64Array; sigma: Float64Array }): void {
    const K = this.numTasks;
    const scale = new Float32Array(K);
    const shift = new Float32Array(K);
    for (let i = 0; i < K; i++) {
      const sigmaNew = this.sigma(i);
      scale[i] = before.sigma[i]! / sigmaNew;
      shift[i] = (before.mu[i]! - this.mu[i]!) / sigmaNew;
    }
    tf.tidy(() => {
      const s = tf.tensor1d(scale);
      head.w.assign(tf.mul(head.w, s));
      head.b.assign(tf.add(tf.mul(head.b, s), tf.tensor1d(shift)));
    });
  }

  /** The statistics as plain numbers (checkpoints). */
  getState(): PopArtState {
    return { mu: Array.from(this.mu), nu: Array.from(this.nu) };
  }

  setState(state: PopArtState): void {
    const ok = (a: unknown): a is number[] => Array.isArray(a) && a.length === this.numTasks && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok(state.mu) || !ok(state.nu)) throw new Error(`PopArt: the saved statistics must hold ${this.numTasks} finite numbers each`);
    this.mu.set(state.mu);
    this.nu.set(state.nu);
  }
}
