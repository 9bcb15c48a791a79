import type { Unroll } from '../actor/unroll';
import type { ActorHandle } from '../training/trainingRun';
import type { LearnerLink } from './learnerLink';

/**
 * The swarm, as one actor of the core `TrainingRun`: each `unroll()` is the
 * next checked unroll from the run's stream (`LearnerLink.nextUnroll`),
 * whichever machine acted it. Weights reach the swarm through the run's
 * `onPublish` (`LearnerLink.publishWeights`), not through `setWeights`.
 * Once `ended()` is true, a waiting `unroll()` rejects within a second, so
 * that the run can finish while no actor is sending.
 */
export class SwarmSource implements ActorHandle {
  constructor(
    private readonly link: LearnerLink,
    private readonly learnerVersion: () => number,
    private readonly ended: () => boolean,
  ) {}

  async setWeights(): Promise<void> {}

  unroll(): Promise<Unroll> {
    return this.link.nextUnroll(this.learnerVersion, this.ended);
  }

  dispose(): void {}
}
