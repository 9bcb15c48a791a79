import * as Comlink from 'comlink';
import type nodeEndpointTyped from 'comlink/dist/esm/node-adapter';
// @ts-expect-error -- comlink ships node-adapter.d.ts, which TypeScript does not pair with the .mjs that Node needs
import nodeEndpointUntyped from 'comlink/dist/esm/node-adapter.mjs';
import { Worker } from 'node:worker_threads';
import type { ActorOptions } from '../core/actor/actor';
import type { Unroll } from '../core/actor/unroll';
import { InFlightCalls } from '../core/training/inFlightCalls';
import type { ActorHandle } from '../core/training/trainingRun';
import type { ActorWorkerApi } from './actorWorker';

const nodeEndpoint: typeof nodeEndpointTyped = nodeEndpointUntyped;

const ACTOR_WORKER = new URL('./actorWorker.ts', import.meta.url);

/**
 * Starts a worker thread on a module. Node 20 does not hand tsx's module
 * hooks on to worker threads (tsx issue #354: its loader registers itself in
 * the main thread only), so a `.ts` module is started from a one-line
 * bootstrap that loads it with tsx's `tsImport`, scoped to that worker.
 */
function startWorker(module: URL): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const href = JSON.stringify(module.href);
  return new Worker(`import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${href}, ${href}));`, { eval: true });
}

/**
 * An actor in a Node worker thread, driven over Comlink. Weights go in and
 * unrolls come back as transferred buffers (zero-copy). If the worker dies
 * (an uncaught error, a failed start, `dispose()`), every pending and later
 * call rejects instead of waiting forever.
 */
export class WorkerActor implements ActorHandle {
  private readonly worker: Worker;
  private readonly remote: Comlink.Remote<ActorWorkerApi>;
  /** Pending calls; all reject when the worker stops. */
  private readonly calls = new InFlightCalls();
  private disposed = false;

  private constructor(readonly actorIndex: number) {
    this.worker = startWorker(ACTOR_WORKER);
    this.remote = Comlink.wrap<ActorWorkerApi>(nodeEndpoint(this.worker));
    const name = `actor worker ${actorIndex}`;
    this.worker.once('error', (e) => this.calls.stop(new Error(`${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })));
    this.worker.once('messageerror', (e) => this.calls.stop(new Error(`${name}: a message could not be deserialised`, { cause: e })));
    this.worker.once('exit', (code) => this.calls.stop(new Error(this.disposed ? `${name} was disposed` : `${name} exited with code ${code}`)));
  }


  /** Starts a worker and builds its actor (the worker sets up tf.js on WASM first). */
  static async create(options: ActorOptions): Promise<WorkerActor> {
    const actor = new WorkerActor(options.actorIndex);
    try {
      await actor.call(actor.remote.init(options));
    } catch (e) {
      await actor.dispose();
      throw e;
    }
    return actor;
  }

  /** Transfers the weights' buffers to the worker: the caller's arrays are detached afterwards. */
  async setWeights(version: number, weights: Float32Array[]): Promise<void> {
    this.checkLive();
    const buffers = [...new Set(weights.map((w) => w.buffer as ArrayBuffer))];
    return this.call(this.remote.setWeights(version, Comlink.transfer(weights, buffers)));
  }

  async unroll(): Promise<Unroll> {
    this.checkLive();
    return this.call(this.remote.unroll());
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.remote[Comlink.releaseProxy]();
    await this.worker.terminate();
  }

  private checkLive(): void {
    if (this.disposed) throw new Error(`actor worker ${this.actorIndex} was disposed`);
  }

  private call<T>(pending: Promise<T>): Promise<T> {
    return this.calls.track(pending);
  }
}
