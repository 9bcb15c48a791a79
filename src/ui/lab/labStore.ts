import type { ExperimentConfig } from '../../core/config/experimentConfig';
import type { MemoryProblem } from '../../core/config/memoryBudget';
import type { HideableControl, OpenablePanel } from '../../core/config/shareLink';
import type { SavedRunInfo } from '../../core/persistence/runSnapshot';
import type { MetricsRecord } from '../../core/telemetry/metrics';
import type { TrainingHistory } from '../../core/telemetry/trainingHistory';
import type { DamagedRun } from '../persistence/runStore';
import type { BackendChoice, BackendReport } from './backendTypes';
import type { BackendMeasurement } from './backendProbe';
import type { LearnerThread } from './labDeps';
import type { ClassRunView } from './classRun';

export type LabStatus = 'idle' | 'starting' | 'running' | 'paused' | 'finished' | 'failed';

export interface LabMessage {
  kind: 'info' | 'warning' | 'error';
  text: string;
}

/** What the page shows of the lab; a new object on every change (React compares by identity). */
export interface LabSnapshot {
  config: ExperimentConfig;
  presetId: string | null;
  /** Labels of the runs compared side by side (one label when not comparing). */
  comparison: readonly string[];
  hidden: ReadonlySet<HideableControl>;
  /** The panels open that a link can open (`_open=`): written into the share link. */
  open: ReadonlySet<OpenablePanel>;
  status: LabStatus;
  message: LabMessage | null;
  /** Problems found in the share link the page was opened with. */
  linkProblems: readonly string[];
  /** The page was opened with a link that sets up an experiment: offer to start it. */
  linkOffer: boolean;
  backendChoice: BackendChoice;
  backend: BackendReport | null;
  /** What Automatic measured for the current runs' learner (null: not measured, or a backend chosen by hand). */
  measurement: BackendMeasurement | null;
  /** Automatic is measuring the backends now. */
  measuring: boolean;
  actorBackend: string | null;
  /** Where the learner computes (null before a run). */
  learnerThread: LearnerThread | null;
  /** Settings changed since the current runs were created: they apply on Reset. */
  pendingChanges: boolean;
  /** Each run's curves, and its settings once it is created (a comparison's runs differ: the charts and score tables read them). */
  histories: readonly { label: string; history: TrainingHistory; config?: ExperimentConfig }[];
  latest: MetricsRecord | null;
  /** Pause training while the tab is hidden (otherwise it continues; queues stay bounded either way). */
  pauseWhenHidden: boolean;
  observationShape: readonly number[];
  /** The settings exceed the tab's memory budget: what they need, and the nearest settings that fit (null when they fit). */
  memoryProblem: MemoryProblem | null;
  /** Saved runs (IndexedDB): 'pending' until the storage is open, 'unavailable' when the browser offers none. */
  storage: 'pending' | 'ready' | 'unavailable';
  /** Stored runs, the most recently saved first. */
  savedRuns: readonly SavedRunInfo[];
  /** Stored runs whose entries are damaged: listed only so that they can be deleted. */
  damagedRuns: readonly DamagedRun[];
  /** The saved run the lab has open or is training (null for a run not saved yet). */
  savedRunId: string | null;
  /** When the current run was last saved, and at which frame count (run 1). */
  lastSave: { at: string; frames: number } | null;
  /** After a reload or a crash: the most recently saved unfinished run, offered for resuming. */
  resumeOffer: SavedRunInfo | null;
  /** The class run this tab leads (null: none; runs use this tab's own actors). */
  classRun: ClassRunView | null;
}

/**
 * The lab's snapshot and its subscribers: the one piece of state every
 * part of the lab reads and patches. `subscribe` and `getSnapshot` have the
 * shape React's `useSyncExternalStore` expects.
 */
export class LabStore {
  private snapshot: LabSnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(initial: LabSnapshot) {
    this.snapshot = initial;
  }

  get state(): LabSnapshot {
    return this.snapshot;
  }

  readonly getSnapshot = (): LabSnapshot => this.snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(patch: Partial<LabSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  /** Shows a message to the user. */
  notify(kind: LabMessage['kind'], text: string): void {
    this.set({ message: { kind, text } });
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
