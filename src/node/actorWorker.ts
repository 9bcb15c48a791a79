/**
 * A Node worker thread that hosts one core `Actor`, exposed with Comlink.
 * Spawned by `WorkerActor`; inference runs here on tf.js's WASM backend, so
 * actors step their environments in parallel with the learner's thread.
 */
import * as Comlink from 'comlink';
import type nodeEndpointTyped from 'comlink/dist/esm/node-adapter';
// @ts-expect-error -- comlink ships node-adapter.d.ts, which TypeScript does not pair with the .mjs that Node needs
import nodeEndpointUntyped from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { Actor, type ActorOptions } from '../core/actor/actor';
import { unrollTransferables, type Unroll } from '../core/actor/unroll';
import { useWasmBackend } from './tfWasm';

const nodeEndpoint: typeof nodeEndpointTyped = nodeEndpointUntyped;

let actor: Actor | null = null;

function current(): Actor {
  if (!actor) throw new Error('actor worker: init() must be called first');
  return actor;
}

/** What the worker offers over Comlink. */
export const actorWorkerApi = {
  async init(options: ActorOptions): Promise<void> {
    if (actor) throw new Error('actor worker: init() was already called');
    await useWasmBackend();
    actor = new Actor(options);
  },
  setWeights(version: number, weights: Float32Array[]): void {
    current().setWeights(version, weights);
  },
  /** The next unroll, its buffers transferred (zero-copy). */
  async unroll(): Promise<Unroll> {
    const unroll = await current().unroll();
    return Comlink.transfer(unroll, unrollTransferables(unroll));
  },
};

export type ActorWorkerApi = typeof actorWorkerApi;

if (!parentPort) throw new Error('actorWorker.ts runs as a worker thread (see WorkerActor)');
Comlink.expose(actorWorkerApi, nodeEndpoint(parentPort));
