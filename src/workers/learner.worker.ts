/// <reference lib="webworker" />
/**
 * A dedicated learner worker: the core Learner (through `LearnerService`)
 * exposed with Comlink, for a WASM or CPU learner whose compute would
 * otherwise block the page. Thin on purpose; batches arrive as transferred
 * buffers, weights leave the same way.
 */
import * as Comlink from 'comlink';
import type { Batch } from '../core/learner/batch';
import type { LearnerOptions, LearnerState } from '../core/learner/learner';
import { LearnerService } from '../core/learner/learnerService';
import { initWorkerBackend } from './workerBackend';

let service: LearnerService | null = null;

function ready(): LearnerService {
  if (!service) throw new Error('learner worker: init() first');
  return service;
}

const transferred = (arrays: Float32Array[]): Float32Array[] => Comlink.transfer(arrays, arrays.map((a) => a.buffer as ArrayBuffer));

const api = {
  async init(options: LearnerOptions, backend: 'wasm' | 'cpu'): Promise<string> {
    const used = await initWorkerBackend(backend);
    service?.dispose();
    service = new LearnerService(options, () => performance.now());
    return used;
  },
  counters: () => ready().counters(),
  weightShapes: () => ready().weightShapes(),
  update: (batch: Batch) => ready().update(batch),
  getWeights: async () => transferred(await ready().getWeights()),
  getOptimizerState: async () => {
    const state = await ready().getOptimizerState();
    return Comlink.transfer(state, state.slots.map((s) => s.buffer as ArrayBuffer));
  },
  snapshot: async () => {
    const state = await ready().snapshot();
    const buffers = [...state.weights, ...(state.optimizer?.slots ?? [])].map((a) => a.buffer as ArrayBuffer);
    return Comlink.transfer(state, buffers);
  },
  restore: (state: LearnerState) => ready().restore(state),
  // Copied across (structured clone), not transferred: the learner keeps its record.
  lastBatchInspection: () => ready().lastBatchInspection(),
};

export type LearnerWorkerApi = typeof api;
Comlink.expose(api);
