import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import type { ActorOptions } from '../../../src/core/actor/actor';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../../src/core/config/experimentConfig';
import { FALLBACK_BUDGET_BYTES } from '../../../src/core/config/memoryBudget';
import { InProcessActor } from '../../../src/core/training/inProcessActor';
import { useWasmBackend } from '../../../src/node/tfWasm';
import { RunStore } from '../../../src/ui/persistence/runStore';
import { BACKEND_ORDER, type BackendChoice, type BackendName, type BackendProvider, type BackendReport, type GpuDeviceLike } from '../../../src/ui/lab/backendTypes';
import type { BackendMeasurement, MeasurementCache } from '../../../src/ui/lab/backendProbe';
import { Lab } from '../../../src/ui/lab/lab';
import type { ConnectNats } from '../../../src/ui/lab/classRun';
import type { LabActor, LabDeps, LabRunStore, LabScheduler, LearnerThread } from '../../../src/ui/lab/labDeps';
import { Learner, type LearnerOptions } from '../../../src/core/learner/learner';
import type { LearnerHandle } from '../../../src/core/learner/learnerHandle';
import { LearnerService, type LearnerServiceApi } from '../../../src/core/learner/learnerService';
import { RemoteLearner, type Transfer } from '../../../src/core/learner/remoteLearner';

/** Small CartPole runs: one in-process actor, short unrolls, small batches. */
export const TEST_CONFIG: ExperimentConfig = { ...DEFAULT_CONFIG, actors: 1, envsPerActor: 4, unrollLength: 10, batchSize: 2, queueCapacity: 4, frames: 10_000_000 };

/** Real timers, except `interval`, whose callbacks the test fires itself (`tickIntervals`). */
export function testScheduler(): LabScheduler & { tickIntervals(): void } {
  const intervals = new Set<() => void>();
  return {
    now: () => performance.now(),
    yieldToEventLoop: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
    timeout: (ms, onTimeout) => {
      const id = setTimeout(onTimeout, ms);
      return () => clearTimeout(id);
    },
    interval: (_ms, fn) => {
      intervals.add(fn);
      return () => intervals.delete(fn);
    },
    date: () => new Date(),
    tickIntervals: () => intervals.forEach((fn) => fn()),
  };
}

/**
 * Backends for Node tests: each name offered runs on a real tf.js backend
 * here ('wasm' or 'cpu'), so that a test can offer "WebGPU" and lose its
 * device (`loseDevice`); once lost, WebGPU is broken and `select` falls back
 * as a browser's does.
 */
export function testBackends(
  offered: Partial<Record<BackendName, 'wasm' | 'cpu'>>,
  options: { software?: readonly BackendName[] } = {},
): BackendProvider & { loseDevice(why: string): void; broken: Map<BackendName, string> } {
  let lose: (info: { message: string }) => void = () => {};
  const device: GpuDeviceLike = { lost: new Promise((resolve) => (lose = resolve)), destroy: () => {} };
  const broken = new Map<BackendName, string>();
  let current: BackendName | null = null;
  return {
    broken,
    select: async (choice: BackendChoice): Promise<BackendReport> => {
      const fallbacks: BackendReport['fallbacks'] = [];
      for (const name of BACKEND_ORDER.slice(choice === 'auto' ? 0 : BACKEND_ORDER.indexOf(choice))) {
        const runsOn = offered[name];
        if (broken.has(name) || !runsOn) {
          fallbacks.push({ backend: name, reason: broken.get(name) ?? 'not offered in this test' });
          continue;
        }
        if (runsOn === 'wasm') await useWasmBackend();
        else await tf.setBackend('cpu');
        current = name;
        const software = options.software?.includes(name) ?? false;
        return { backend: name, adapter: name === 'webgpu' ? (software ? 'google · swiftshader' : 'test adapter') : null, fallbacks, ...(software ? { software } : {}) };
      }
      throw new Error('no backend offered');
    },
    activeDevice: () => (current === 'webgpu' && !broken.has('webgpu') ? device : null),
    markBroken: (name, reason) => void broken.set(name, reason),
    adapter: async () => (offered.webgpu ? 'test adapter' : null),
    loseDevice: (why) => lose({ message: why }),
  };
}

/** tf.js on WASM, the only backend offered. */
export const wasmBackends: BackendProvider = testBackends({ wasm: 'wasm' });

/** A stand-in for a GPU: "WebGPU" (tf.js on WASM underneath) with a device the test can lose, and WASM after it. */
export function losableGpuBackends(): ReturnType<typeof testBackends> {
  return testBackends({ webgpu: 'wasm', wasm: 'wasm' });
}

/** What Automatic measured, kept in memory (the page keeps it in localStorage). */
export function memoryMeasurements(): MeasurementCache & { entries: Map<string, BackendMeasurement> } {
  const entries = new Map<string, BackendMeasurement>();
  return {
    entries,
    get: (key) => entries.get(key) ?? null,
    set: (m) => void entries.set(m.key, m),
    delete: (key) => void entries.delete(key),
  };
}

let dbCount = 0;

/** A fresh IndexedDB (fake-indexeddb) name for one test's saved runs. */
export function freshDbName(): string {
  return `lab-test-${dbCount++}`;
}

/**
 * A learner behind the same boundary as the page's learner worker, in this
 * thread: every call's arguments and results are structured-cloned, with the
 * buffers RemoteLearner transfers detached on this side, as postMessage does.
 */
export async function crossThreadLearner(options: LearnerOptions): Promise<RemoteLearner> {
  const service = new LearnerService(options, () => performance.now());
  let transfer: ArrayBuffer[] = [];
  const markTransfer: Transfer = (value, buffers) => {
    transfer = buffers;
    return value;
  };
  const across = async <A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, args: A): Promise<R> => {
    const sent = structuredClone(args, { transfer });
    transfer = [];
    await new Promise((resolve) => setTimeout(resolve, 0)); // a message is a macrotask away
    return structuredClone(await fn.apply(service, sent));
  };
  const api: LearnerServiceApi = {
    counters: () => across(service.counters, []),
    weightShapes: () => across(service.weightShapes, []),
    update: (batch) => across(service.update, [batch]),
    getWeights: () => across(service.getWeights, []),
    getOptimizerState: () => across(service.getOptimizerState, []),
    snapshot: () => across(service.snapshot, []),
    restore: (state) => across(service.restore, [state]),
    lastBatchInspection: () => across(service.lastBatchInspection, []),
  };
  return RemoteLearner.connect(options, api, markTransfer, () => service.dispose());
}

export interface TestLabOptions {
  /**
   * Where learners compute: in this thread (as the page's WebGPU/WebGL
   * learner), across a worker-like boundary (as its WASM/CPU learner), or
   * 'auto': as the page decides by backend (the default).
   */
  learnerThread?: LearnerThread | 'auto';
  config?: Partial<ExperimentConfig>;
  backends?: BackendProvider;
  /** The saved runs' database (a second lab on the same name is a reloaded page). */
  dbName?: string;
  /** Wraps the run store (to break saves). */
  wrapStore?: (store: LabRunStore) => LabRunStore;
  scheduler?: LabScheduler & { tickIntervals(): void };
  hash?: string;
  /** What Automatic measured (a fresh in-memory cache by default). */
  measurements?: MeasurementCache;
  /** Wraps each actor the lab makes (to inject faults). */
  wrapActor?: (actor: LabActor, options: ActorOptions) => LabActor;
  /** The site's zoo files by name (`manifest.json`, `<id>.json`); a name not given is missing (default: no zoo). */
  zooFiles?: Readonly<Record<string, string>>;
  /** The tab's memory budget in bytes (default: the budget where a browser gives no figure). */
  memoryBudgetBytes?: number;
  /** How a class run connects (default: none, as a lab without a NATS client). */
  connectNats?: ConnectNats;
}

/** A lab over in-process actors, tf.js on WASM and fake-indexeddb, with the scheduler the test controls. */
export function createTestLab(options: TestLabOptions = {}): { lab: Lab; scheduler: LabScheduler & { tickIntervals(): void }; dbName: string } {
  const scheduler = options.scheduler ?? testScheduler();
  const dbName = options.dbName ?? freshDbName();
  let ids = 0;
  const deps: LabDeps = {
    defaults: { ...TEST_CONFIG, ...options.config },
    createActor: async (o) => {
      if (tf.getBackend() !== 'wasm' && tf.getBackend() !== 'cpu') await useWasmBackend(); // in-process actors build their networks here
      const actor = Object.assign(new InProcessActor(o), { backend: 'wasm' }) as LabActor;
      return options.wrapActor ? options.wrapActor(actor, o) : actor;
    },
    createLearner: async (o, backend) => {
      const choice = options.learnerThread ?? 'auto';
      const thread: LearnerThread = choice !== 'auto' ? choice : backend === 'wasm' || backend === 'cpu' ? 'worker' : 'page';
      const learner: LearnerHandle = thread === 'worker' ? await crossThreadLearner(o) : new Learner(o);
      return { learner, thread };
    },
    backends: options.backends ?? wasmBackends,
    openRunStore: async () => {
      const store = await RunStore.open(dbName);
      return options.wrapStore ? options.wrapStore(store) : store;
    },
    scheduler,
    measurements: options.measurements ?? memoryMeasurements(),
    newRunId: () => `run-${dbName}-${ids++}`,
    memoryBudgetBytes: options.memoryBudgetBytes ?? FALLBACK_BUDGET_BYTES,
    readZooFile: async (name) => {
      const text = options.zooFiles?.[name];
      if (text === undefined) throw new Error(`zoo/${name}: the site answered 404`);
      return text;
    },
    autoplay: true,
    ...(options.connectNats ? { connectNats: options.connectNats } : {}),
  };
  return { lab: new Lab(options.hash ?? '', deps), scheduler, dbName };
}

/** Resolves once `condition()` holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The weights of run `run`'s learner now. */
export function learnerWeights(lab: Lab, run = 0): Promise<Float32Array[]> {
  return lab.runs.slots[run]!.learner.getWeights();
}

export async function disposeLab(lab: Lab): Promise<void> {
  await lab.runs.disposeRuns();
  lab.playback.dispose();
}

export { tf };
