import type { ExperimentConfig } from '../config/experimentConfig';
import { validateStoredConfig } from '../config/storedConfig';
import type { LearnerState } from '../learner/learner';
import { tasksOf } from '../training/fromConfig';
import { base64ToBytes, bytesToBase64 } from './base64';
import { checkLearnerState, learnerStateOf, MAX_LEARNER_VALUES, type LearnerStateRules } from '../learner/learnerStateCheck';
import { stateFromJson, stateToJson, type StateValue } from '../envs/stateSnapshot';
import { checkRunProgress } from '../training/runProgressCheck';
import type { RunProgress } from '../training/trainingRun';

/** Identifies our checkpoint files. */
export const CHECKPOINT_FORMAT = 'impala-lab-checkpoint';
/**
 * The file format written. Version 1 also stored `envId`, `spec` (the
 * network's inputs and outputs) and `network` (its kind), which all follow
 * from the config; version 2 drops them. Both are read.
 */
export const CHECKPOINT_VERSION = 2;

/**
 * A trained model with everything needed to use or resume it: the
 * experiment config, the learner's state (`Learner.snapshot()`), and when it
 * was written. The environment, the network's spec and the network follow
 * from the config (`envSpecFor`, `networkSpecFor`, `networkFor`). Stored as
 * one JSON document with float32 arrays in base64 (little-endian), so the
 * same file is written by the headless trainer and loaded by the browser lab.
 */
export interface Checkpoint extends LearnerState {
  config: ExperimentConfig;
  /** ISO time the checkpoint was written. */
  createdAt: string;
  /**
   * Where the training run stood, for `npm run train -- --resume`: the
   * headless trainer writes it; a model file from the lab has none (and
   * loading a model ignores it).
   */
  run?: CheckpointRun;
}

/** What a resumed run continues from, besides the learner's state. */
export interface CheckpointRun {
  /** `TrainingRun.progress()` as of the checkpoint's update. */
  progress: RunProgress;
  /**
   * Deterministic mode only: the in-process actor's environments and random
   * streams (`Actor.getState()`), so that the resumed run equals one never
   * stopped. Absent for worker actors, which a resumed run starts afresh.
   */
  actors?: StateValue[];
}

/**
 * A checkpoint of a learner trained with `config`: its state
 * (`await learner.snapshot()`, or a saved run's slot: only the learner's
 * fields are taken), written at `createdAt` (an ISO time).
 */
export function checkpointOf(config: ExperimentConfig, state: LearnerState, createdAt: string): Checkpoint {
  return { config, ...learnerStateOf(state), createdAt };
}

/** What a learner state trained with `config` must agree with: its tasks, its optimiser and PopArt. */
export function learnerStateRulesFor(config: ExperimentConfig): LearnerStateRules {
  return { numTasks: Math.max(1, tasksOf(config).length), optimizer: config.optimizer, popart: config.popart };
}

interface EncodedArray {
  length: number;
  data: string;
}

/** The file, format version 2. */
interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: typeof CHECKPOINT_VERSION;
  createdAt: string;
  config: ExperimentConfig;
  version: number;
  frames: number;
  /** Each array's shape is informative only (the network's come from the config). */
  weights: (EncodedArray & { shape?: number[] })[];
  optimizer?: { name: string; step: number; slots: EncodedArray[] };
  popart?: { mu: number[]; nu: number[] };
  /** `CheckpointRun`, with actor states as `stateToJson` gives them. */
  run?: { progress: RunProgress; actors?: unknown[] };
}

function encodeArray(a: Float32Array): { length: number; data: string } {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  return { length: a.length, data: bytesToBase64(bytes) };
}

function decodeArray(entry: unknown, what: string): Float32Array {
  const e = entry as { length?: unknown; data?: unknown } | null;
  if (!e || typeof e !== 'object' || !Number.isSafeInteger(e.length) || (e.length as number) < 0 || typeof e.data !== 'string') {
    throw new Error(`checkpoint: ${what} is not an encoded array`);
  }
  const length = e.length as number;
  if (length > MAX_LEARNER_VALUES) throw new Error(`checkpoint: ${what} claims ${length.toLocaleString('en-US')} values, more than the ${MAX_LEARNER_VALUES.toLocaleString('en-US')} this lab accepts`);
  const bytes = base64ToBytes(e.data);
  if (bytes.length !== length * 4) throw new Error(`checkpoint: ${what} holds ${bytes.length / 4} values, expected ${length} (truncated file?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Serialises a checkpoint to JSON text (format version 2); `shapes` (the variables' shapes) are stored for readers' information. */
export function encodeCheckpoint(c: Checkpoint, shapes?: readonly (readonly number[])[]): string {
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    createdAt: c.createdAt,
    config: c.config,
    version: c.version,
    frames: c.frames,
    weights: c.weights.map((w, i) => ({ ...(shapes?.[i] ? { shape: [...shapes[i]!] } : {}), ...encodeArray(w) })),
    ...(c.optimizer ? { optimizer: { name: c.optimizer.name, step: c.optimizer.step, slots: c.optimizer.slots.map(encodeArray) } } : {}),
    ...(c.popart ? { popart: { mu: [...c.popart.mu], nu: [...c.popart.nu] } } : {}),
    ...(c.run ? { run: { progress: c.run.progress, ...(c.run.actors ? { actors: c.run.actors.map(stateToJson) } : {}) } } : {}),
  };
  return JSON.stringify(json);
}

/**
 * A format-version-1 file as version 2: its `envId`, `spec` and `network`
 * are dropped (they follow from its config; every writer derived them from
 * it). Its environment is still compared with the config's, which catches a
 * hand-edited file; its weights are checked against the network the config
 * describes when they are set.
 */
function migrateV1(j: Record<string, unknown>): Record<string, unknown> {
  const { envId, spec, network, ...rest } = j;
  void spec;
  void network;
  const config = j.config as { env?: unknown } | null;
  if (typeof envId !== 'string') throw new Error('checkpoint: the environment is missing (format version 1)');
  if (config && typeof config === 'object' && config.env !== envId) {
    throw new Error(`checkpoint: the file's environment (${envId}) does not match its settings (${String(config.env)})`);
  }
  return { ...rest, formatVersion: 2 };
}

/**
 * Parses checkpoint text (format version 2, or 1 migrated). Anything that is
 * not one of our checkpoints, or is damaged, throws an Error whose message
 * says what is wrong: the structure, and the values (`checkLearnerState`:
 * finite weights and optimiser slots of the right count and lengths,
 * counters that are non-negative integers, PopArt statistics of the
 * config's tasks, an optimiser state of the config's optimiser). Whether the
 * weights fit the config's network is checked when they are set.
 */
export function decodeCheckpoint(text: string): Checkpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('checkpoint: the file is not JSON (is it an IMPALA Lab model file?)');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || (json as { format?: unknown }).format !== CHECKPOINT_FORMAT) {
    throw new Error(`checkpoint: not an IMPALA Lab model file (expected format '${CHECKPOINT_FORMAT}')`);
  }
  let j = json as Record<string, unknown>;
  if (j.formatVersion === 1) j = migrateV1(j);
  if (j.formatVersion !== CHECKPOINT_VERSION) {
    throw new Error(`checkpoint: format version ${String(j.formatVersion)} is not supported (this lab reads versions 1 to ${CHECKPOINT_VERSION})`);
  }
  const { config, problems } = validateStoredConfig(j.config);
  if (problems.length > 0) throw new Error(`checkpoint: its config is invalid: ${problems.join('; ')}`);
  if (!Array.isArray(j.weights)) throw new Error('checkpoint: no weights');
  const candidate: Record<string, unknown> = {
    version: j.version,
    frames: j.frames,
    weights: j.weights.map((w, i) => decodeArray(w, `weight array ${i}`)),
  };
  if (j.optimizer !== undefined) {
    const o = j.optimizer as { slots?: unknown } | null;
    if (!o || typeof o !== 'object' || !Array.isArray(o.slots)) throw new Error('checkpoint: the optimiser state is damaged');
    candidate.optimizer = { ...o, slots: o.slots.map((s, i) => decodeArray(s, `optimiser slot ${i}`)) };
  }
  if (j.popart !== undefined) candidate.popart = j.popart;
  let state: LearnerState;
  try {
    state = checkLearnerState(candidate, learnerStateRulesFor(config));
  } catch (e) {
    throw new Error(`checkpoint: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const checkpoint = checkpointOf(config, state, typeof j.createdAt === 'string' ? j.createdAt : '');
  if (j.run !== undefined) checkpoint.run = decodeRun(j.run);
  return checkpoint;
}

function decodeRun(value: unknown): CheckpointRun {
  const r = value as { progress?: unknown; actors?: unknown } | null;
  if (!r || typeof r !== 'object') throw new Error('checkpoint: the run section is damaged');
  const progress = checkRunProgress(r.progress, 'checkpoint: the run');
  if (r.actors === undefined) return { progress };
  if (!Array.isArray(r.actors)) throw new Error('checkpoint: the actors\' states are damaged');
  return { progress, actors: r.actors.map((a, i) => stateFromJson(a, `checkpoint: actor ${i}'s state`)) };
}
