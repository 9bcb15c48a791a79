import { DEFAULT_CONFIG, type ExperimentConfig } from '../../core/config/experimentConfig';
import { memoryBudgetBytes } from '../../core/config/memoryBudget';
import { newRunId, RunStore } from '../persistence/runStore';
import { Lab } from './lab';
import type { LabDeps, LabScheduler } from './labDeps';
import { browserBackends } from './selectBackend';
import { WebWorkerActor } from './webWorkerActor';
import { isMeasurement, type BackendMeasurement, type MeasurementCache } from './backendProbe';
import { createWorkerLearner } from './workerLearner';
import { Learner } from '../../core/learner/learner';

/**
 * The page's defaults: the schema's, with one actor per spare core
 * (navigator.hardwareConcurrency minus one for the learner, 2 to 8).
 */
export function browserDefaults(hardwareConcurrency = navigator.hardwareConcurrency || 2): ExperimentConfig {
  return { ...DEFAULT_CONFIG, actors: Math.min(8, Math.max(2, hardwareConcurrency - 1)) };
}

/** The browser's scheduler: yield with a macrotask so rendering and input get their turn between updates. */
export const browserScheduler: LabScheduler = {
  now: () => performance.now(),
  yieldToEventLoop: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
  timeout: (ms, onTimeout) => {
    const id = setTimeout(onTimeout, ms);
    return () => clearTimeout(id);
  },
  interval: (ms, fn) => {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
  date: () => new Date(),
};

/** This tab's memory budget from the browser's figures: `navigator.deviceMemory` and Chromium's `performance.memory`. */
export function browserMemoryBudget(): number {
  const deviceMemoryGiB = (navigator as { deviceMemory?: number }).deviceMemory;
  const jsHeapSizeLimit = (performance as { memory?: { jsHeapSizeLimit?: number } }).memory?.jsHeapSizeLimit;
  return memoryBudgetBytes({ deviceMemoryGiB, jsHeapSizeLimit });
}

const MEASUREMENTS_KEY = 'impala-lab.backend-measurements';

/** What Automatic measured, kept in localStorage (a few entries; a damaged or unavailable store just means measuring again). */
const localMeasurements: MeasurementCache = {
  get: (key) => {
    try {
      const all = JSON.parse(localStorage.getItem(MEASUREMENTS_KEY) ?? '{}') as Record<string, unknown>;
      const m = all[key];
      return isMeasurement(m) && m.key === key ? m : null;
    } catch {
      return null;
    }
  },
  set: (m) => {
    try {
      const all = JSON.parse(localStorage.getItem(MEASUREMENTS_KEY) ?? '{}') as Record<string, BackendMeasurement>;
      all[m.key] = m;
      // Keep the 20 most recent.
      const kept = Object.values(all).sort((a, b) => (a.measuredAt < b.measuredAt ? 1 : -1)).slice(0, 20);
      localStorage.setItem(MEASUREMENTS_KEY, JSON.stringify(Object.fromEntries(kept.map((x) => [x.key, x]))));
    } catch {
      // No storage (a private mode): Automatic measures again next time.
    }
  },
  delete: (key) => {
    try {
      const all = JSON.parse(localStorage.getItem(MEASUREMENTS_KEY) ?? '{}') as Record<string, unknown>;
      delete all[key];
      localStorage.setItem(MEASUREMENTS_KEY, JSON.stringify(all));
    } catch {
      // As above.
    }
  },
};

const prefersReducedMotion = (): boolean => typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/** The lab in this page: Web Worker actors, the browser's tf.js backends, IndexedDB and the page's timers. */
export function createBrowserLab(initialHash: string): Lab {
  const deps: LabDeps = {
    defaults: browserDefaults(),
    createActor: (options) => WebWorkerActor.create(options, 'wasm'),
    createLearner: async (options, backend) =>
      backend === 'wasm' || backend === 'cpu'
        ? { learner: (await createWorkerLearner(options, backend)).learner, thread: 'worker' }
        : { learner: new Learner(options), thread: 'page' },
    backends: browserBackends,
    openRunStore: () => RunStore.open(),
    scheduler: browserScheduler,
    measurements: localMeasurements,
    newRunId,
    memoryBudgetBytes: browserMemoryBudget(),
    autoplay: !prefersReducedMotion(),
  };
  return new Lab(initialHash, deps);
}
