import type { PopArtState } from '../agent/popart';
import { batchTransferables, type Batch } from './batch';
import type { BatchInspection } from './batchInspection';
import type { LearnerHandle } from './learnerHandle';
import type { LearnerOptions, LearnerState, OptimizerState, UpdateResult } from './learner';
import type { LearnerCounters, LearnerServiceApi } from './learnerService';

/** Hands buffers over to the other side without copying (Comlink.transfer in a page; a no-op in-process). */
export type Transfer = <T>(value: T, buffers: ArrayBuffer[]) => T;

/**
 * A learner in another thread (a dedicated learner worker), seen as a
 * `LearnerHandle`: batches go out as transferred buffers, and the counters
 * come back with every call that changes them, so `version`, `framesSeen`
 * and `stateWith` need no round trip. The page's main thread then only
 * assembles batches and forwards them: a WASM or CPU learner's compute no
 * longer blocks rendering.
 */
export class RemoteLearner implements LearnerHandle {
  private mirrored: LearnerCounters;
  private shapes: number[][] = [];

  private constructor(
    readonly options: LearnerOptions,
    private readonly remote: LearnerServiceApi,
    private readonly transfer: Transfer,
    private readonly release: () => void,
  ) {
    this.mirrored = { version: 0, frames: 0 };
  }

  /** A remote learner over a service already made with `options` on the other side. */
  static async connect(options: LearnerOptions, remote: LearnerServiceApi, transfer: Transfer, release: () => void): Promise<RemoteLearner> {
    const learner = new RemoteLearner(options, remote, transfer, release);
    const [counters, shapes] = await Promise.all([remote.counters(), remote.weightShapes()]);
    learner.mirrored = counters;
    learner.shapes = shapes;
    return learner;
  }

  get version(): number {
    return this.mirrored.version;
  }

  get framesSeen(): number {
    return this.mirrored.frames;
  }

  get popartState(): PopArtState | undefined {
    return this.mirrored.popart;
  }

  async update(batch: Batch): Promise<UpdateResult> {
    const { result, counters } = await this.remote.update(this.transfer(batch, batchTransferables(batch)));
    this.mirrored = counters;
    return result;
  }

  getWeights(): Promise<Float32Array[]> {
    return this.remote.getWeights();
  }

  getOptimizerState(): Promise<OptimizerState> {
    return this.remote.getOptimizerState();
  }

  snapshot(): Promise<LearnerState> {
    return this.remote.snapshot();
  }

  stateWith(weights: readonly Float32Array[], optimizer: OptimizerState | undefined): LearnerState {
    const { version, frames, popart } = this.mirrored;
    return { version, frames, weights, ...(optimizer ? { optimizer } : {}), ...(popart ? { popart: { mu: [...popart.mu], nu: [...popart.nu] } } : {}) };
  }

  lastBatchInspection(): Promise<BatchInspection | null> {
    return this.remote.lastBatchInspection();
  }

  async restore(state: LearnerState): Promise<void> {
    this.mirrored = await this.remote.restore(state);
  }

  weightShapes(): number[][] {
    return this.shapes.map((s) => [...s]);
  }

  dispose(): void {
    this.release();
  }
}
