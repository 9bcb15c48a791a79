import { checkInspectedBatch, inspectVtrace, resolveInspectionParameters, type InspectionParameters, type VtraceInspection } from '../../core/agent/vtraceInspection';
import type { BatchInspection } from '../../core/learner/batchInspection';
import { errorText, type LabStore } from './labStore';

/** Where the inspector reads batches: the lab's runs. */
export interface InspectionSource {
  /** The runs that exist now, by label (none before Train or Step). */
  runLabels(): readonly string[];
  /** Environments per unroll in run `run` (to name a batch's columns). */
  envsPerUnroll(run: number): number;
  /** Run `run`'s learner's last batch, once an update in flight has finished; null when it has made none. */
  lastBatchInspection(run: number): Promise<BatchInspection | null>;
}

export type InspectorStatus = 'empty' | 'loading' | 'ready' | 'failed';

/** What the inspector panel shows; a new object whenever it changes. */
export interface InspectorSnapshot {
  /** 'empty': no batch to show (`note` says why); 'ready': `batch` and `inspection` hold; 'failed': `note` says what. */
  readonly status: InspectorStatus;
  /** Why nothing is shown, or what went wrong (a bad threshold, an unreadable batch); null when all is well. */
  readonly note: string | null;
  /** The run inspected (0 is run 1). */
  readonly run: number;
  readonly runLabels: readonly string[];
  /** The batch shown: what the learner used in update `batch.version + 1`. Kept until the next load. */
  readonly batch: BatchInspection | null;
  readonly envsPerUnroll: number;
  /** The column (environment) of the batch in the table. */
  readonly column: number;
  /** gamma and the thresholds the table is computed with: the learner's own until changed here. */
  readonly parameters: InspectionParameters;
  /** The table: column `column` under `parameters`; null while none is computed. */
  readonly inspection: VtraceInspection | null;
  /** A recomputation is under way (the table shows the previous one). */
  readonly computing: boolean;
}

const DEFAULT_PARAMETERS: InspectionParameters = { discount: 0.99, clipRhoThreshold: 1, clipPgRhoThreshold: 1, clipCThreshold: 1, lambda: 1 };

export const NO_BATCH_NOTE = 'No batch yet: press Step for one learner update (or Train, then Pause). The inspector then shows the batch the learner used.';

/**
 * The V-trace inspector: the last batch a run's learner used (wherever that
 * learner computes: `LearnerHandle.lastBatchInspection`), and the V-trace
 * quantities of one of its columns per time step (`inspectVtrace`, the
 * core's own V-trace function), recomputed in this thread when a threshold
 * changes, so a class sees what rho_bar, c_bar and lambda do to the same
 * batch.
 *
 * While the inspector panel is open (`LabSnapshot.open`), it loads the
 * batch of the latest update whenever the runs are paused or finished (Pause,
 * each Step), and forgets it on Reset. Errors become a note, never a throw.
 * Framework-free; `subscribe` and `getSnapshot` suit `useSyncExternalStore`.
 */
export class VtraceInspector {
  private snapshot: InspectorSnapshot;
  private readonly listeners = new Set<() => void>();
  /** Bumped by every load: the result of an older one is dropped. */
  private loads = 0;
  /** Bumped by every computation of the table: the result of an older one is dropped. */
  private computations = 0;
  /** The thresholds were changed here: a new batch keeps them instead of taking its learner's. */
  private customised = false;
  /** The lab's latest metrics record when the batch was last loaded (undefined: not loaded since the runs were made). */
  private loadedFor: unknown = undefined;

  constructor(
    private readonly store: LabStore,
    private readonly source: InspectionSource,
  ) {
    this.snapshot = emptySnapshot(0, [], NO_BATCH_NOTE);
    store.subscribe(() => this.labChanged());
  }

  readonly getSnapshot = (): InspectorSnapshot => this.snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Loads run `run`'s last batch (run 1 by default, or the run shown); only while the runs are paused or finished. */
  async load(run = this.snapshot.run): Promise<void> {
    const generation = ++this.loads;
    const runLabels = this.source.runLabels();
    const { status } = this.store.state;
    if (runLabels.length === 0) return this.update(emptySnapshot(0, [], NO_BATCH_NOTE));
    if (!(Number.isInteger(run) && run >= 0 && run < runLabels.length)) run = 0;
    if (status !== 'paused' && status !== 'finished') {
      return this.update({ run, runLabels, note: 'Pause (or press Step) to inspect the batch of the latest update.', ...(this.snapshot.batch ? {} : { status: 'empty' }) });
    }
    this.update({ status: 'loading', run, runLabels, note: null });
    let batch: BatchInspection | null;
    try {
      batch = await this.source.lastBatchInspection(run);
      if (batch) checkInspectedBatch('The batch', batch);
    } catch (e) {
      if (generation !== this.loads) return;
      return this.update({ ...emptySnapshot(run, runLabels, `Could not read the learner's batch: ${errorText(e)}`), status: 'failed' });
    }
    if (generation !== this.loads) return;
    if (!batch) {
      const which = runLabels.length > 1 ? `Run '${runLabels[run]}': its learner` : 'The learner';
      return this.update(emptySnapshot(run, runLabels, `${which} has made no update yet (or was just replaced): press Step.`));
    }
    const parameters = this.customised ? this.snapshot.parameters : pickParameters(batch.learned);
    const column = Math.min(this.snapshot.column, batch.cols - 1);
    this.update({ status: 'ready', batch, column, parameters, envsPerUnroll: Math.max(1, this.source.envsPerUnroll(run)), inspection: null });
    await this.compute();
  }

  /** Shows column `column` of the batch. */
  selectColumn(column: number): Promise<void> {
    const { batch } = this.snapshot;
    if (!batch || !(Number.isInteger(column) && column >= 0 && column < batch.cols)) return Promise.resolve();
    this.update({ column });
    return this.compute();
  }

  /** Recomputes the table with some of gamma, rho_bar, pg rho_bar, c_bar and lambda changed; out-of-range values give a note and keep the table. */
  setParameters(patch: Partial<InspectionParameters>): Promise<void> {
    const next = { ...this.snapshot.parameters, ...patch };
    try {
      resolveInspectionParameters('The inspector', next);
    } catch (e) {
      this.update({ note: errorText(e) });
      return Promise.resolve();
    }
    this.customised = true;
    this.update({ parameters: next, note: null });
    return this.compute();
  }

  /** Back to the thresholds the learner used. */
  useLearnerParameters(): Promise<void> {
    const { batch } = this.snapshot;
    this.customised = false;
    if (!batch) return Promise.resolve();
    this.update({ parameters: pickParameters(batch.learned), note: null });
    return this.compute();
  }

  /** The runs were reset: nothing to show, and the learner's thresholds again. */
  clear(): void {
    this.loads++;
    this.computations++;
    this.customised = false;
    this.loadedFor = undefined;
    this.update(emptySnapshot(0, [], NO_BATCH_NOTE));
  }

  private async compute(): Promise<void> {
    const { batch, column, parameters } = this.snapshot;
    if (!batch) return;
    const generation = ++this.computations;
    this.update({ computing: true });
    try {
      const inspection = await inspectVtrace(batch, column, parameters);
      if (generation === this.computations) this.update({ status: 'ready', inspection, computing: false });
    } catch (e) {
      if (generation === this.computations) this.update({ status: 'failed', inspection: null, computing: false, note: `Could not compute V-trace for this batch: ${errorText(e)}` });
    }
  }

  /** Follows the lab: loads after each update while paused and open, forgets on Reset. */
  private labChanged(): void {
    const { status, open, latest } = this.store.state;
    if (status === 'idle') {
      if (this.loadedFor !== undefined || this.snapshot.batch !== null) this.clear();
      return;
    }
    if (!open.has('inspector') || (status !== 'paused' && status !== 'finished')) return;
    if (this.loadedFor === latest) return;
    this.loadedFor = latest;
    void this.load();
  }

  private update(patch: Partial<InspectorSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

function emptySnapshot(run: number, runLabels: readonly string[], note: string): InspectorSnapshot {
  return { status: 'empty', note, run, runLabels, batch: null, envsPerUnroll: 1, column: 0, parameters: DEFAULT_PARAMETERS, inspection: null, computing: false };
}

function pickParameters(p: InspectionParameters): InspectionParameters {
  return { discount: p.discount, clipRhoThreshold: p.clipRhoThreshold, clipPgRhoThreshold: p.clipPgRhoThreshold, clipCThreshold: p.clipCThreshold, lambda: p.lambda };
}

/** A column's name for people: its unroll and environment, and whether it was replayed ("Unroll 2, environment 3 (replayed)"). */
export function columnLabel(batch: Pick<BatchInspection, 'cols' | 'freshCols'>, column: number, envsPerUnroll: number): string {
  const unroll = Math.floor(column / envsPerUnroll) + 1;
  const env = (column % envsPerUnroll) + 1;
  return `Unroll ${unroll}, environment ${env}${column >= batch.freshCols ? ' (replayed)' : ''}`;
}
