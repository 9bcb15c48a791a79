import * as Comlink from 'comlink';
import type { LearnerOptions } from '../../core/learner/learner';
import { RemoteLearner } from '../../core/learner/remoteLearner';
import type { LearnerWorkerApi } from '../../workers/learner.worker';

/**
 * A learner in a dedicated module Web Worker (WASM, or the CPU backend if
 * WASM fails there), seen as a LearnerHandle. An error in the worker
 * rejects the pending call instead of hanging.
 */
export async function createWorkerLearner(options: LearnerOptions, backend: 'wasm' | 'cpu'): Promise<{ learner: RemoteLearner; backend: string }> {
  const worker = new Worker(new URL('../../workers/learner.worker.ts', import.meta.url), { type: 'module', name: 'learner' });
  const remote = Comlink.wrap<LearnerWorkerApi>(worker);
  let failed: ((e: Error) => void) | null = null;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => {});
  worker.addEventListener('error', (e) => failed?.(new Error(`learner worker failed: ${e.message || 'unknown error'}`)));
  const guarded = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failure]);
  const release = (): void => {
    remote[Comlink.releaseProxy]();
    worker.terminate();
  };
  try {
    const used = await guarded(remote.init(options, backend));
    const api = {
      counters: () => guarded(remote.counters()),
      weightShapes: () => guarded(remote.weightShapes()),
      update: (...a: Parameters<LearnerWorkerApi['update']>) => guarded(remote.update(...a)),
      getWeights: () => guarded(remote.getWeights()),
      getOptimizerState: () => guarded(remote.getOptimizerState()),
      snapshot: () => guarded(remote.snapshot()),
      restore: (...a: Parameters<LearnerWorkerApi['restore']>) => guarded(remote.restore(...a)),
      lastBatchInspection: () => guarded(remote.lastBatchInspection()),
    };
    return { learner: await RemoteLearner.connect(options, api, Comlink.transfer, release), backend: used };
  } catch (e) {
    release();
    throw e;
  }
}
