import type { PopArtState } from '../agent/popart';
import type { Batch } from './batch';
import type { BatchInspection } from './batchInspection';
import { Learner, type LearnerOptions, type LearnerState, type OptimizerState, type UpdateResult } from './learner';

/** The counters a remote learner mirrors after each call that changes them. */
export interface LearnerCounters {
  version: number;
  frames: number;
  popart?: PopArtState;
}

/**
 * A `Learner` behind a message boundary (a dedicated learner worker): every
 * call takes and returns plain data, and the calls that change the counters
 * return them, so that the other side (`RemoteLearner`) reads them without
 * a round trip. Node tests drive it directly; `learner.worker.ts` exposes it
 * through Comlink.
 */
export class LearnerService {
  private readonly learner: Learner;

  /** `now` (milliseconds) times the update's stages; the core keeps no clock of its own. */
  constructor(
    options: LearnerOptions,
    private readonly now: () => number = () => 0,
  ) {
    this.learner = new Learner(options);
  }

  counters(): LearnerCounters {
    const popart = this.learner.popart?.getState();
    return { version: this.learner.version, frames: this.learner.framesSeen, ...(popart ? { popart } : {}) };
  }

  weightShapes(): number[][] {
    return this.learner.weightShapes();
  }

  async update(batch: Batch): Promise<{ result: UpdateResult; counters: LearnerCounters }> {
    const result = await this.learner.update(batch, this.now);
    return { result, counters: this.counters() };
  }

  getWeights(): Promise<Float32Array[]> {
    return this.learner.getWeights();
  }

  getOptimizerState(): Promise<OptimizerState> {
    return this.learner.getOptimizerState();
  }

  snapshot(): Promise<LearnerState> {
    return this.learner.snapshot();
  }

  /** The last update's batch and numbers; the boundary copies them (they are not transferred: the learner keeps its own). */
  lastBatchInspection(): Promise<BatchInspection | null> {
    return this.learner.lastBatchInspection();
  }

  restore(state: LearnerState): LearnerCounters {
    this.learner.restore(state);
    return this.counters();
  }

  dispose(): void {
    this.learner.dispose();
  }
}

/** What a remote learner calls: `LearnerService`'s methods, each returning a promise (a Comlink proxy, or an in-process service in tests). */
export type LearnerServiceApi = {
  [K in 'counters' | 'weightShapes' | 'update' | 'getWeights' | 'getOptimizerState' | 'snapshot' | 'restore' | 'lastBatchInspection']: (
    ...args: Parameters<LearnerService[K]>
  ) => Promise<Awaited<ReturnType<LearnerService[K]>>>;
};
