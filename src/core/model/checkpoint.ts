import { validateConfig, type ExperimentConfig } from '../config/experimentConfig';
import type { NetworkConfig, NetworkSpec } from './networks';
import type { PopArtState } from '../agent/popart';
import { base64ToBytes, bytesToBase64 } from './base64';

/** Identifies our checkpoint files. */
export const CHECKPOINT_FORMAT = 'impala-lab-checkpoint';
export const CHECKPOINT_VERSION = 1;

/**
 * A trained model with everything needed to use or resume it: the
 * experiment config, the environment's spec, the resolved network, learner
 * counters, the weights and (optionally) the optimiser state. Stored as one
 * JSON document with float32 arrays in base64 (little-endian), so the same
 * file is written by the headless trainer and loaded by the browser lab.
 */
export interface Checkpoint {
  config: ExperimentConfig;
  envId: string;
  spec: NetworkSpec;
  network: NetworkConfig;
  /** Learner version (updates applied) and frames consumed. */
  version: number;
  frames: number;
  weights: Float32Array[];
  optimizer?: { name: string; step: number; slots: Float32Array[] };
  /** PopArt's per-task statistics, for a run that uses PopArt. */
  popart?: PopArtState;
  /** ISO time the checkpoint was written. */
  createdAt: string;
}

interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  createdAt: string;
  envId: string;
  spec: NetworkSpec;
  network: NetworkConfig;
  config: ExperimentConfig;
  version: number;
  frames: number;
  weights: { shape?: number[]; length: number; data: string }[];
  optimizer?: { name: string; step: number; slots: { length: number; data: string }[] };
  popart?: PopArtState;
}

function encodeArray(a: Float32Array): { length: number; data: string } {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  return { length: a.length, data: bytesToBase64(bytes) };
}

function decodeArray(entry: unknown, what: string): Float32Array {
  const e = entry as { length?: unknown; data?: unknown } | null;
  if (!e || typeof e !== 'object' || !Number.isInteger(e.length) || typeof e.data !== 'string') {
    throw new Error(`checkpoint: ${what} is not an encoded array`);
  }
  const bytes = base64ToBytes(e.data);
  const length = e.length as number;
  if (bytes.length !== length * 4) throw new Error(`checkpoint: ${what} holds ${bytes.length / 4} values, expected ${length} (truncated file?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Serialises a checkpoint to JSON text. */
export function encodeCheckpoint(c: Checkpoint, shapes?: readonly number[][]): string {
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    createdAt: c.createdAt,
    envId: c.envId,
    spec: c.spec,
    network: c.network,
    config: c.config,
    version: c.version,
    frames: c.frames,
    weights: c.weights.map((w, i) => ({ ...(shapes?.[i] ? { shape: [...shapes[i]!] } : {}), ...encodeArray(w) })),
    ...(c.optimizer ? { optimizer: { name: c.optimizer.name, step: c.optimizer.step, slots: c.optimizer.slots.map(encodeArray) } } : {}),
    ...(c.popart ? { popart: { mu: [...c.popart.mu], nu: [...c.popart.nu] } } : {}),
  };
  return JSON.stringify(json);
}

/**
 * Parses checkpoint text. Anything that is not one of our checkpoints, or
 * is damaged, throws an Error whose message says what is wrong; whether the
 * weights fit a given network is checked when they are set.
 */
export function decodeCheckpoint(text: string): Checkpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('checkpoint: the file is not JSON (is it an IMPALA Lab model file?)');
  }
  const j = json as Partial<CheckpointJson> | null;
  if (!j || typeof j !== 'object' || j.format !== CHECKPOINT_FORMAT) {
    throw new Error(`checkpoint: not an IMPALA Lab model file (expected format '${CHECKPOINT_FORMAT}')`);
  }
  if (j.formatVersion !== CHECKPOINT_VERSION) {
    throw new Error(`checkpoint: format version ${String(j.formatVersion)} is not supported (this lab reads version ${CHECKPOINT_VERSION})`);
  }
  if (typeof j.envId !== 'string' || !j.spec || !Array.isArray(j.spec.observationShape) || !Number.isInteger(j.spec.numActions)) {
    throw new Error('checkpoint: the environment or its spec is missing');
  }
  if (!j.network || typeof j.network.kind !== 'string') throw new Error('checkpoint: the network description is missing');
  if (!Number.isInteger(j.version) || !Number.isFinite(j.frames)) throw new Error('checkpoint: the learner counters are missing');
  if (!Array.isArray(j.weights) || j.weights.length === 0) throw new Error('checkpoint: no weights');
  const { config, problems } = validateConfig(j.config);
  if (problems.length > 0) throw new Error(`checkpoint: its config is invalid: ${problems.join('; ')}`);
  const weights = j.weights.map((w, i) => decodeArray(w, `weight array ${i}`));
  let optimizer: Checkpoint['optimizer'];
  if (j.optimizer) {
    const o = j.optimizer;
    if (typeof o.name !== 'string' || !Number.isInteger(o.step) || !Array.isArray(o.slots)) throw new Error('checkpoint: the optimiser state is damaged');
    optimizer = { name: o.name, step: o.step, slots: o.slots.map((s, i) => decodeArray(s, `optimiser slot ${i}`)) };
  }
  const numTasks = j.spec.numTasks ?? 1;
  if (!Number.isInteger(numTasks) || numTasks < 1) throw new Error('checkpoint: the number of tasks is damaged');
  let popart: PopArtState | undefined;
  if (j.popart !== undefined) {
    const p = j.popart as Partial<PopArtState> | null;
    const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.length === numTasks && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!p || !numbers(p.mu) || !numbers(p.nu)) throw new Error(`checkpoint: the PopArt statistics are damaged (expected ${numTasks} finite numbers each)`);
    popart = { mu: [...p.mu], nu: [...p.nu] };
  }
  return {
    config,
    envId: j.envId,
    spec: { observationShape: [...j.spec.observationShape], numActions: j.spec.numActions, ...(numTasks > 1 ? { numTasks } : {}) },
    network: j.network,
    version: j.version!,
    frames: j.frames!,
    weights,
    ...(optimizer ? { optimizer } : {}),
    ...(popart ? { popart } : {}),
    createdAt: typeof j.createdAt === 'string' ? j.createdAt : '',
  };
}
