import type { LearnerState } from '../learner/learner';
import { learnerStateRulesFor } from './checkpoint';
import { checkLearnerState, learnerStateOf } from '../learner/learnerStateCheck';
import type { ExperimentConfig } from '../config/experimentConfig';
import { validateStoredConfig } from '../config/storedConfig';
import type { Recording, ReplayStep } from '../replay/replay';
import type { TrainingHistoryState } from '../telemetry/trainingHistory';
import type { RunProgress } from '../training/trainingRun';
import { checkRunProgress } from '../training/runProgressCheck';

/**
 * A saved training run, as the lab keeps it in the browser's storage
 * (IndexedDB) so that it survives a reload or a tab crash: everything needed
 * to continue it where it stood. Plain data: typed arrays, arrays and
 * objects, which IndexedDB stores as they are (no encoding).
 *
 * Storage can hand back anything (an older version of the lab, a damaged
 * disk, a hand-edited database), so everything read back goes through
 * `checkRunSnapshot` / `checkSavedRunInfo` / `checkRecording`, which throw
 * (or return null) with a message that says what is wrong, never crash.
 */

export const RUN_SNAPSHOT_FORMAT = 'impala-lab.run-snapshot.v1';

/**
 * One run of the experiment (two for a side-by-side comparison): its
 * learner's state (`Learner.snapshot()`, restored with `Learner.restore`)
 * and its records. The learner's fields are stored flat, as the first
 * version of the lab stored them, so records saved by it open unchanged.
 */
export interface SavedSlot extends LearnerState {
  label: string;
  config: ExperimentConfig;
  /** `TrainingHistory.toState({ recentEpisodes: false })`; checked by `TrainingHistory.fromState(history, { recentEpisodes: progress })` when restored. */
  history: TrainingHistoryState;
  /** `TrainingRun.progress()`: where the run's records stood (episodes, skipped updates, restarts, time, the last 100 episodes). */
  progress: RunProgress;
}

/** A saved run's slot: its learner's state (`await learner.snapshot()`; only the learner's fields are taken) with its label, settings and records. */
export function savedSlotOf(
  label: string,
  config: ExperimentConfig,
  state: LearnerState,
  records: { history: TrainingHistoryState; progress: RunProgress },
): SavedSlot {
  return { label, config, ...learnerStateOf(state), history: records.history, progress: records.progress };
}

export interface RunSnapshot {
  format: typeof RUN_SNAPSHOT_FORMAT;
  /** ISO time of the save. */
  savedAt: string;
  /** The preset the experiment came from (a comparison preset's runs are the slots), or null. */
  presetId: string | null;
  slots: SavedSlot[];
}

/** What the list of saved runs shows about one, without reading its weights. */
export interface SavedRunInfo {
  id: string;
  /** Chosen by the user; a default names the environment and the seed. */
  name: string;
  env: string;
  seed: number;
  /** Labels of the runs compared side by side; one label when not comparing. */
  labels: string[];
  /** Of the first run, as of the last save. */
  frames: number;
  updates: number;
  /** Mean return of the last 100 episodes (first run), or null before the first episode. */
  meanReturn: number | null;
  /** Its frame budget is spent: nothing left to resume. */
  finished: boolean;
  /** ISO times: first saved, last saved. */
  createdAt: string;
  updatedAt: string;
}

/** Longest name a saved run may have. */
export const MAX_RUN_NAME_LENGTH = 80;

/** A run's default name: its environment and seed. */
export function defaultRunName(config: Pick<ExperimentConfig, 'env' | 'seed'>): string {
  return `${config.env}, seed ${config.seed}`;
}

/** A name the user typed, trimmed; throws with a message when it cannot be used. */
export function cleanRunName(name: string): string {
  const clean = name.replace(/\s+/g, ' ').trim();
  if (clean.length === 0) throw new Error('a saved run needs a name of at least one character');
  if (clean.length > MAX_RUN_NAME_LENGTH) throw new Error(`a saved run's name can have at most ${MAX_RUN_NAME_LENGTH} characters`);
  return clean;
}

/** The run a reloaded page offers to resume: the most recently saved one that did not finish. */
export function mostRecentUnfinished(runs: readonly SavedRunInfo[]): SavedRunInfo | null {
  let best: SavedRunInfo | null = null;
  for (const run of runs) if (!run.finished && (best === null || run.updatedAt > best.updatedAt)) best = run;
  return best;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isNumberArray = (v: unknown, finite = false): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && (!finite || Number.isFinite(x)));

/** A config read back from storage: settings this version does not know are ignored, any other problem makes it damaged. */
function checkConfig(value: unknown, what: string): ExperimentConfig {
  if (!isObject(value)) throw new Error(`${what} has no settings`);
  const { config, problems } = validateStoredConfig(value);
  const serious = problems.filter((p) => !p.startsWith('unknown setting'));
  if (serious.length > 0) throw new Error(`${what} has invalid settings: ${serious.join('; ')}`);
  return config;
}

function checkSlot(value: unknown, index: number): SavedSlot {
  const what = `run ${index + 1}`;
  if (!isObject(value)) throw new Error(`${what} is missing`);
  const { label, history } = value;
  if (typeof label !== 'string') throw new Error(`${what} has no label`);
  const config = checkConfig(value.config, what);
  let state: LearnerState;
  try {
    state = checkLearnerState(value, learnerStateRulesFor(config));
  } catch (e) {
    throw new Error(`${what} has a damaged learner state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return savedSlotOf(label, config, state, { history: history as TrainingHistoryState, progress: checkRunProgress(value.progress, what) });
}

/**
 * A run snapshot read back from storage, checked: throws an Error whose
 * message says what is damaged. Whether the weights fit the network is
 * checked when they are set; the curves when they are restored.
 */
export function checkRunSnapshot(value: unknown): RunSnapshot {
  if (!isObject(value)) throw new Error('the saved checkpoint is missing');
  if (value.format !== RUN_SNAPSHOT_FORMAT) throw new Error(`the saved checkpoint has an unknown format (${String(value.format)})`);
  const { savedAt, presetId, slots } = value;
  if (typeof savedAt !== 'string' || (presetId !== null && typeof presetId !== 'string')) throw new Error('the saved checkpoint is damaged');
  if (!Array.isArray(slots) || slots.length === 0) throw new Error('the saved checkpoint holds no run');
  return { format: RUN_SNAPSHOT_FORMAT, savedAt, presetId, slots: slots.map(checkSlot) };
}

/** A saved run's list entry read back from storage, checked: throws with a message when damaged. */
export function checkSavedRunInfo(value: unknown): SavedRunInfo {
  if (!isObject(value)) throw new Error('its entry is not an object');
  const { id, name, env, seed, labels, frames, updates, meanReturn, finished, createdAt, updatedAt } = value;
  if (typeof id !== 'string' || id.length === 0) throw new Error('it has no id');
  if (typeof name !== 'string' || typeof env !== 'string' || typeof seed !== 'number') throw new Error('its name or environment is missing');
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) throw new Error('its run labels are damaged');
  if (!isNonNegative(frames) || !isCount(updates) || (meanReturn !== null && typeof meanReturn !== 'number')) throw new Error('its counters are damaged');
  if (typeof finished !== 'boolean' || typeof createdAt !== 'string' || typeof updatedAt !== 'string') throw new Error('its dates are damaged');
  return { id, name, env, seed, labels: [...labels], frames, updates, meanReturn, finished, createdAt, updatedAt };
}

function isReplayStep(v: unknown): v is ReplayStep {
  if (!isObject(v)) return false;
  const { observation, actionProbabilities, action, value, reward, coreState } = v;
  return (
    (observation instanceof Uint8Array || isNumberArray(observation)) &&
    isNumberArray(actionProbabilities) &&
    isCount(action) &&
    typeof value === 'number' &&
    typeof reward === 'number' &&
    (coreState === undefined || isNumberArray(coreState))
  );
}

/** A recorded episode read back from storage, or null when it is damaged (a replay is not worth failing a run for). */
export function checkRecording(value: unknown): Recording | null {
  if (!isObject(value)) return null;
  const { envId, actionNames, policyVersion, steps, episodeReturn, length, truncatedAt, end } = value;
  if (typeof envId !== 'string' || !Array.isArray(actionNames) || !actionNames.every((a) => typeof a === 'string')) return null;
  if (typeof policyVersion !== 'number' || typeof episodeReturn !== 'number' || !isCount(length)) return null;
  if (end !== 'terminal' && end !== 'time-limit') return null;
  if (truncatedAt !== undefined && !isCount(truncatedAt)) return null;
  if (!Array.isArray(steps) || !steps.every(isReplayStep)) return null;
  return value as unknown as Recording;
}
