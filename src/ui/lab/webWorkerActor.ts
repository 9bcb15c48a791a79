import * as Comlink from 'comlink';
import type { ActorOptions } from '../../core/actor/actor';
import type { Unroll } from '../../core/actor/unroll';
import type { ActorHandle } from '../../core/training/trainingRun';
import { InFlightCalls } from '../../core/training/inFlightCalls';
import type { ActorWorkerApi } from '../../workers/actor.worker';
import { withInjectedFaults } from './faultInjection';

/**
 * An actor in a module Web Worker, seen by the learner as an ActorHandle.
 * An error in the worker rejects the pending call instead of hanging.
 */
export class WebWorkerActor implements ActorHandle {
  /** Pending calls; all reject when the worker fails. */
  private readonly calls = new InFlightCalls();
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Comlink.Remote<ActorWorkerApi>,
    readonly backend: string,
  ) {
    worker.addEventListener('error', (e) => this.calls.stop(new Error(`actor worker failed: ${e.message || 'unknown error'}`)));
  }

  static async create(options: ActorOptions, backend: 'wasm' | 'cpu'): Promise<WebWorkerActor> {
    const worker = new Worker(new URL('../../workers/actor.worker.ts', import.meta.url), { type: 'module', name: `actor-${options.actorIndex}` });
    const remote = Comlink.wrap<ActorWorkerApi>(worker);
    const used = await remote.init(options, backend);
    return new WebWorkerActor(worker, remote, used);
  }

  private guard<T>(p: Promise<T>): Promise<T> {
    return this.calls.track(p);
  }

  setWeights(version: number, weights: Float32Array[]): Promise<void> {
    return this.guard(this.remote.setWeights(version, Comlink.transfer(weights, weights.map((w) => w.buffer as ArrayBuffer))));
  }

  unroll(): Promise<Unroll> {
    // withInjectedFaults: the browser tests' fault injection (faultInjection.ts, set only through testHooks.ts); returns the unroll as is unless a test asked.
    return this.guard(this.remote.unroll() as Promise<Unroll>).then(withInjectedFaults);
  }

  /**
   * Ends the worker without a word to anyone, as a crashed or killed
   * worker would: calls in flight and later ones never answer, until the
   * run's watchdog replaces the actor (used by the browser tests' hooks).
   */
  terminateSilently(): void {
    this.worker.terminate();
  }

  /** Ends the worker; calling it again does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}
