import type { ExperimentConfig } from '../config/experimentConfig';
import { validateStoredConfig } from '../config/storedConfig';
import type { LearnerState } from '../learner/learner';
import { checkLearnerState } from '../learner/learnerStateCheck';
import { base64ToBytes, bytesToBase64 } from './base64';
import { checkpointOf, learnerStateRulesFor, type Checkpoint } from './checkpoint';
import { decodeFloat16, encodeFloat16, FLOAT16_MAX } from './float16';

/**
 * Compact model files: a trained agent to watch or to start from, as the
 * site ships them (`public/zoo/`, written by `npm run zoo`). The config and
 * the weights in float16, plus PopArt's statistics (a few numbers per task,
 * kept exactly), the update and frame counters and the date; no optimiser
 * state, which only training needs (a run started from it begins with fresh
 * optimiser statistics). The network follows from the config, as in a
 * checkpoint (`checkpoint.ts`).
 *
 * Why float16 and not 8-bit integers with a scale per array: float16 keeps
 * every weight to a relative error of 2^-11 (about 5e-4), so a logit, a sum
 * of many weight-activation products whose rounding errors mostly cancel,
 * moves far less than 0.01 and the action probabilities with it (the test
 * measures it on 1,000 observations per network). Eight bits with one scale
 * per array round every weight to max|w|/255, up to 16 times coarser for the
 * typical weight of an array with a few large ones; at half the size it
 * would not be needed: the whole zoo fits its 5 MB budget in float16.
 */

/** Identifies compact model files. */
export const COMPACT_MODEL_FORMAT = 'impala-lab-compact-model';
/** The version written; a zoo whose files have another must be trained again (`npm run zoo -- --check` says which). */
export const COMPACT_MODEL_VERSION = 1;
/** How the weights are stored. */
export const COMPACT_ENCODING = 'float16';

/** A decoded compact model: what the network and a player need. */
export interface CompactModel {
  config: ExperimentConfig;
  /** Learner updates the weights have had (the policy version shown). */
  version: number;
  /** Frames the agent was trained on. */
  frames: number;
  /** The network's variables in their fixed order, float16 values in float32. */
  weights: Float32Array[];
  /** PopArt's per-task statistics, when the config uses PopArt. */
  popart?: { mu: number[]; nu: number[] };
  /** ISO time the model was written. */
  createdAt: string;
}

interface CompactArray {
  /** The variable's shape, for readers' information (the network's shapes come from the config). */
  shape?: number[];
  length: number;
  /** Little-endian float16, base64. */
  data: string;
}

/** The file. */
interface CompactModelJson {
  format: typeof COMPACT_MODEL_FORMAT;
  formatVersion: typeof COMPACT_MODEL_VERSION;
  encoding: typeof COMPACT_ENCODING;
  createdAt: string;
  config: ExperimentConfig;
  version: number;
  frames: number;
  weights: CompactArray[];
  popart?: { mu: number[]; nu: number[] };
}

/**
 * A checkpoint's model as compact model text. Refuses weights that float16
 * cannot hold (not finite, or beyond +-65504), naming the array.
 */
export function encodeCompactModel(checkpoint: Checkpoint, shapes?: readonly (readonly number[])[]): string {
  const weights = checkpoint.weights.map((w, i): CompactArray => {
    for (let k = 0; k < w.length; k++) {
      if (!(Math.abs(w[k]!) <= FLOAT16_MAX)) throw new Error(`compact model: weight array ${i} holds ${w[k]}, which float16 cannot store`);
    }
    return { ...(shapes?.[i] ? { shape: [...shapes[i]!] } : {}), length: w.length, data: bytesToBase64(encodeFloat16(w)) };
  });
  const json: CompactModelJson = {
    format: COMPACT_MODEL_FORMAT,
    formatVersion: COMPACT_MODEL_VERSION,
    encoding: COMPACT_ENCODING,
    createdAt: checkpoint.createdAt,
    config: checkpoint.config,
    version: checkpoint.version,
    frames: checkpoint.frames,
    weights,
    ...(checkpoint.popart ? { popart: { mu: [...checkpoint.popart.mu], nu: [...checkpoint.popart.nu] } } : {}),
  };
  return JSON.stringify(json);
}

function decodeArray(entry: unknown, what: string): Float32Array {
  const e = entry as { length?: unknown; data?: unknown } | null;
  if (!e || typeof e !== 'object' || !Number.isSafeInteger(e.length) || (e.length as number) < 0 || typeof e.data !== 'string') {
    throw new Error(`compact model: ${what} is not an encoded array`);
  }
  const length = e.length as number;
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(e.data);
  } catch {
    throw new Error(`compact model: ${what} is not valid base64`);
  }
  if (bytes.length !== length * 2) throw new Error(`compact model: ${what} holds ${Math.floor(bytes.length / 2)} values, expected ${length} (truncated file?)`);
  return decodeFloat16(bytes);
}

/**
 * Parses compact model text. Anything that is not a compact model of this
 * format version, or is damaged, throws an Error whose message says what is
 * wrong (as `decodeCheckpoint` does: the config, the arrays, finite weights,
 * counters that are non-negative integers, PopArt statistics of the
 * config's tasks). Whether the weights fit the config's network is checked
 * when they are set (`setNetworkWeights`).
 */
export function decodeCompactModel(text: string): CompactModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('compact model: the file is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || (json as { format?: unknown }).format !== COMPACT_MODEL_FORMAT) {
    throw new Error(`compact model: not a compact model file (expected format '${COMPACT_MODEL_FORMAT}')`);
  }
  const j = json as Record<string, unknown>;
  if (j.formatVersion !== COMPACT_MODEL_VERSION) {
    throw new Error(`compact model: format version ${String(j.formatVersion)} is not supported (this lab reads version ${COMPACT_MODEL_VERSION}); the model must be made again`);
  }
  if (j.encoding !== COMPACT_ENCODING) throw new Error(`compact model: weights encoded as '${String(j.encoding)}', expected '${COMPACT_ENCODING}'`);
  const { config, problems } = validateStoredConfig(j.config);
  if (problems.length > 0) throw new Error(`compact model: its config is invalid: ${problems.join('; ')}`);
  if (!Array.isArray(j.weights)) throw new Error('compact model: no weights');
  const candidate: Record<string, unknown> = {
    version: j.version,
    frames: j.frames,
    weights: j.weights.map((w, i) => decodeArray(w, `weight array ${i}`)),
    ...(j.popart !== undefined ? { popart: j.popart } : {}),
  };
  let state: LearnerState;
  try {
    state = checkLearnerState(candidate, learnerStateRulesFor(config));
  } catch (e) {
    throw new Error(`compact model: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return {
    config,
    version: state.version,
    frames: state.frames,
    weights: [...state.weights],
    ...(state.popart ? { popart: { mu: [...state.popart.mu], nu: [...state.popart.nu] } } : {}),
    createdAt: typeof j.createdAt === 'string' ? j.createdAt : '',
  };
}

/** A compact model as a checkpoint without optimiser state: what a run started from it restores (its optimiser starts afresh). */
export function checkpointOfCompact(model: CompactModel): Checkpoint {
  return checkpointOf(
    model.config,
    { version: model.version, frames: model.frames, weights: model.weights, ...(model.popart ? { popart: model.popart } : {}) },
    model.createdAt,
  );
}
