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
  /** Rejecters of calls in flight (not a race against one never-settling promise, which would keep a reaction per call). */
  private readonly inFlight = new Set<(e: Error) => void>();

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Comlink.Remote<ActorWorkerApi>,
    readonly backend: string,
  ) {
    worker.addEventListener('error', (e) => {
      if (this.failure) return;
      this.failure = new Error(`actor worker failed: ${e.message || 'unknown error'}`);
      for (const reject of this.inFlight) reject(this.failure);
      this.inFlight.clear();
    });
  }

  static async create(options: ActorOptions, backend: 'wasm' | 'cpu'): Promise<WebWorkerActor> {
    const worker = new Worker(new URL('../../workers/actor.worker.ts', import.meta.url), { type: 'module', name: `actor-${options.actorIndex}` });
    const remote = Comlink.wrap<ActorWorkerApi>(worker);
    const used = await remote.init(options, backend);
    return new WebWorkerActor(worker, remote, used);
  }

  private guard<T>(p: Promise<T>): Promise<T> {
    if (this.failure) {
      p.catch(() => {});
      return Promise.reject(this.failure);
    }
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      p.then(
        (value) => {
          this.inFlight.delete(reject);
          resolve(value);
        },
        (e: unknown) => {
          this.inFlight.delete(reject);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
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
