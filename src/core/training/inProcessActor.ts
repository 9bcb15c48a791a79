import { Actor, type ActorOptions } from '../actor/actor';
import type { Unroll } from '../actor/unroll';
import type { StateValue } from '../envs/stateSnapshot';
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
  /** The actor's environments and random streams (`Actor.getState`), for a run that is to be resumed exactly. */
  getState(): StateValue {
    return this.actor.getState();
  }
  setState(state: StateValue): void {
    this.actor.setState(state);
  }
  dispose(): void {
    this.actor.dispose();
  }
}
