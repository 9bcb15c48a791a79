import * as Comlink from 'comlink';
import type { ActorOptions } from '../../core/actor/actor';
import type { Unroll } from '../../core/actor/unroll';
import type { ActorHandle } from '../../core/training/trainingRun';
import type { ActorWorkerApi } from '../../workers/actor.worker';

/**
 * An actor in a module Web Worker, seen by the learner as an ActorHandle.
 * An error in the worker rejects the pending call instead of hanging.
 */
export class WebWorkerActor implements ActorHandle {
  private failure: Error | null = null;
  private readonly failed: Promise<never>;

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Comlink.Remote<ActorWorkerApi>,
    readonly backend: string,
  ) {
    let reject: (e: Error) => void = () => {};
    this.failed = new Promise<never>((_, r) => (reject = r));
    this.failed.catch(() => {});
    worker.addEventListener('error', (e) => {
      this.failure = new Error(`actor worker failed: ${e.message || 'unknown error'}`);
      reject(this.failure);
    });
  }

  static async create(options: ActorOptions, backend: 'wasm' | 'cpu'): Promise<WebWorkerActor> {
    const worker = new Worker(new URL('../../workers/actor.worker.ts', import.meta.url), { type: 'module', name: `actor-${options.actorIndex}` });
    const remote = Comlink.wrap<ActorWorkerApi>(worker);
    const used = await remote.init(options, backend);
    return new WebWorkerActor(worker, remote, used);
  }

  private guard<T>(p: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return Promise.race([p, this.failed]);
  }

  setWeights(version: number, weights: Float32Array[]): Promise<void> {
    return this.guard(this.remote.setWeights(version, Comlink.transfer(weights, weights.map((w) => w.buffer as ArrayBuffer))));
  }

  unroll(): Promise<Unroll> {
    return this.guard(this.remote.unroll() as Promise<Unroll>);
  }

  dispose(): void {
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}
