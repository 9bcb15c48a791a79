import { DEFAULT_CONFIG, type ExperimentConfig } from '../../core/config/experimentConfig';
import { memoryBudgetBytes } from '../../core/config/memoryBudget';
import { newRunId, RunStore } from '../persistence/runStore';
import { Lab } from './lab';
import type { LabDeps, LabScheduler } from './labDeps';
import { browserBackends } from './selectBackend';
import { WebWorkerActor } from './webWorkerActor';
import { isMeasurement, type MeasurementCache } from './backendProbe';
import { createWorkerLearner } from './workerLearner';
import { Learner } from '../../core/learner/learner';
import { MAX_ZOO_FILE_BYTES } from '../../core/persistence/zooManifest';
import { wsconnect } from '@nats-io/nats-core';

/**
 * A file of the site's trained agents, `zoo/<name>` relative to the page,
 * so that a copy of the lab under any sub-path reads its own (and no other
 * host); the service worker has it cached after the first visit.
 */
export async function readZooFile(name: string): Promise<string> {
  const url = new URL(`zoo/${name}`, document.baseURI);
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new Error(`zoo/${name} could not be fetched (offline, before the site was cached?)`);
  }
  if (!response.ok) throw new Error(`zoo/${name}: the site answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_ZOO_FILE_BYTES) throw new Error(`zoo/${name} is ${(length / 1e6).toFixed(0)} MB, more than a zoo file may be`);
  return response.text();
}

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

/** Every stored measurement by key; an unreadable store reads as empty (Automatic then measures again). */
function readMeasurements(): Record<string, unknown> {
  try {
    const all: unknown = JSON.parse(localStorage.getItem(MEASUREMENTS_KEY) ?? '{}');
    return typeof all === 'object' && all !== null ? (all as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Writes the measurements, the 20 most recent; without storage (a private mode) nothing is kept. */
function writeMeasurements(all: Record<string, unknown>): void {
  const kept = Object.values(all)
    .filter(isMeasurement)
    .sort((a, b) => (a.measuredAt < b.measuredAt ? 1 : -1))
    .slice(0, 20);
  try {
    localStorage.setItem(MEASUREMENTS_KEY, JSON.stringify(Object.fromEntries(kept.map((m) => [m.key, m]))));
  } catch {
    // Automatic measures again next time.
  }
}

/** What Automatic measured, kept in localStorage. */
const localMeasurements: MeasurementCache = {
  get: (key) => {
    const m = readMeasurements()[key];
    return isMeasurement(m) && m.key === key ? m : null;
  },
  set: (m) => writeMeasurements({ ...readMeasurements(), [m.key]: m }),
  delete: (key) => {
    const all = readMeasurements();
    delete all[key];
    writeMeasurements(all);
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
    readZooFile,
    // A class run: the server's WebSocket listener; reconnects for as long as the tab lives once the first connection worked.
    connectNats: (login, name) => wsconnect({ servers: login.url, name, ...(login.user ? { user: login.user, pass: login.pass } : {}), maxReconnectAttempts: -1, reconnectTimeWait: 500 }),
    autoplay: !prefersReducedMotion(),
  };
  return new Lab(initialHash, deps);
}
