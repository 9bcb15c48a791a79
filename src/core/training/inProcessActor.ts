import { Actor, type ActorOptions } from '../actor/actor';
import type { Unroll } from '../actor/unroll';
import type { ActorHandle } from './trainingRun';

/** An actor running in the learner's own thread (deterministic mode, tests). */
export class InProcessActor implements ActorHandle {
  private readonly actor: Actor;
  constructor(options: ActorOptions) {
    this.actor = new Actor(options);
  }
  async setWeights(version: number, weights: Float32Array[]): Promise<void> {
    this.actor.setWeights(version, weights);
  }
  unroll(): Promise<Unroll> {
    return this.actor.unroll();
  }
  dispose(): void {
    this.actor.dispose();
  }
}
