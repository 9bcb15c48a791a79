import type { ActorOptions } from '../../core/actor/actor';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import type { ActorHandle, Scheduler } from '../../core/training/trainingRun';
import type { RunStore } from '../persistence/runStore';
import type { LearnerOptions } from '../../core/learner/learner';
import type { LearnerHandle } from '../../core/learner/learnerHandle';
import type { BackendName, BackendProvider } from './backendTypes';
import type { MeasurementCache } from './backendProbe';
import type { ZooFileReader } from './zooAgents';
import type { ConnectNats } from './classRun';

/** An actor the lab made: any ActorHandle, saying which tf.js backend it computes on when it knows. */
export interface LabActor extends ActorHandle {
  readonly backend?: string;
}

/** Where a learner computes: the page's main thread (WebGPU and WebGL only queue GPU work there) or a dedicated worker. */
export type LearnerThread = 'page' | 'worker';

/** Time as the lab's parts use it: the run's scheduler, with timers and repeating timers. */
export interface LabScheduler extends Scheduler {
  timeout(ms: number, onTimeout: () => void): () => void;
  /** Calls `fn` every `ms` milliseconds until cancelled (the returned function). */
  interval(ms: number, fn: () => void): () => void;
  /** The wall-clock time, for the dates saved runs carry. */
  date(): Date;
}

/** The saved-runs store the lab uses (IndexedDB in the page; fake-indexeddb in tests). */
export type LabRunStore = Pick<RunStore, 'list' | 'save' | 'load' | 'rename' | 'delete' | 'collectGarbage'>;

/**
 * Everything the lab takes from its surroundings. The page passes the
 * browser's (browserLab.ts: Web Worker actors, tf.js backends, IndexedDB,
 * timers); Node tests pass in-process actors, the CPU backend,
 * fake-indexeddb and a scheduler they control.
 */
export interface LabDeps {
  /** The settings a new page starts from. */
  defaults: ExperimentConfig;
  createActor(options: ActorOptions): Promise<LabActor>;
  /** A learner on `backend` (the one `backends.select` chose), and where it computes: on the page or in a worker of its own. */
  createLearner(options: LearnerOptions, backend: BackendName): Promise<{ learner: LearnerHandle; thread: LearnerThread }>;
  backends: BackendProvider;
  openRunStore(): Promise<LabRunStore>;
  scheduler: LabScheduler;
  /** A new saved run's id. */
  newRunId(): string;
  /**
   * Bytes one experiment's settings may take in this tab
   * (`memoryBudgetBytes` in config/memoryBudget.ts: the page derives it from
   * the browser's figures); Train refuses settings whose estimate exceeds it.
   */
  memoryBudgetBytes: number;
  /** What Automatic measured, kept between visits (localStorage in the page). */
  measurements: MeasurementCache;
  /** Reads a file of the site's trained agents (`zoo/<name>` beside the page: `npm run zoo` writes them). */
  readZooFile: ZooFileReader;
  /**
   * Connects to a class run's NATS server (nats-core's `wsconnect` in the
   * page; transport-node in Node tests). Without it the lab cannot lead a
   * class run.
   */
  connectNats?: ConnectNats;
  /** Live playback starts playing (false where the user prefers reduced motion). */
  autoplay?: boolean;
}
