/// <reference lib="webworker" />
/**
 * A Web Worker actor: the core Actor exposed through Comlink. Thin on
 * purpose; unrolls leave as transferred buffers, weights arrive the same way.
 */
import * as Comlink from 'comlink';
import { Actor, type ActorOptions } from '../core/actor/actor';
import { unrollTransferables, type Unroll } from '../core/actor/unroll';
import { initWorkerBackend } from './workerBackend';

let actor: Actor | null = null;

const api = {
  async init(options: ActorOptions, backend: 'wasm' | 'cpu'): Promise<string> {
    const used = await initWorkerBackend(backend);
    actor?.dispose();
    actor = new Actor(options);
    return used;
  },
  setWeights(version: number, weights: Float32Array[]): void {
    if (!actor) throw new Error('actor worker: init() first');
    actor.setWeights(version, weights);
  },
  async unroll(): Promise<Unroll> {
    if (!actor) throw new Error('actor worker: init() first');
    const u = await actor.unroll();
    return Comlink.transfer(u, unrollTransferables(u));
  },
};

export type ActorWorkerApi = typeof api;
Comlink.expose(api);
