import { parseConfigStrict, type ExperimentConfig } from '../config/experimentConfig';
import { decodeAsciiJson, encodeAsciiJson } from './asciiJson';

/**
 * A swarm run's settings as the learner stores them under the run's config
 * key, so that an actor joining late (or before the learner) learns what to
 * play: the experiment config, and who leads the run. Read back strictly
 * (`parseConfigStrict`): an actor acts only with settings it understands.
 */
export interface RunRecord {
  format: typeof RUN_RECORD_FORMAT;
  /** The run's name (`--run`). */
  run: string;
  config: ExperimentConfig;
  /** Id of the learner that wrote it; a restarted learner writes a new one. */
  learnerId: string;
  /** ISO time it was written. */
  createdAt: string;
  /**
   * A fingerprint of `config` (`settingsIdOf`), which actors send with each
   * unroll: the learner drops unrolls made for other settings (a teacher
   * changed them; an unroll was in flight) without holding them against
   * their sender. Absent in records that predate it.
   */
  settingsId?: string;
}

export const RUN_RECORD_FORMAT = 'impala-lab-swarm-run-1';

/** JSON with every object's keys sorted, so that equal settings give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The settings' fingerprint: FNV-1a (32 bits) of their canonical JSON, as 8 hex digits. Equal settings, equal ids. */
export function settingsIdOf(config: ExperimentConfig): string {
  const text = canonicalJson(config);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function encodeRunRecord(record: RunRecord): Uint8Array {
  return encodeAsciiJson(record);
}

/** Reads a run record; throws an Error naming what is wrong. */
export function decodeRunRecord(bytes: Uint8Array): RunRecord {
  const value = decodeAsciiJson(bytes);
  if (typeof value !== 'object' || value === null) throw new Error('run record: not an object');
  const r = value as Record<string, unknown>;
  if (r.format !== RUN_RECORD_FORMAT) throw new Error(`run record: format ${String(r.format)}, this version reads ${RUN_RECORD_FORMAT}`);
  if (typeof r.run !== 'string' || typeof r.learnerId !== 'string' || typeof r.createdAt !== 'string') throw new Error('run record: run, learnerId and createdAt must be strings');
  if (r.settingsId !== undefined && (typeof r.settingsId !== 'string' || !/^[0-9a-f]{8}$/.test(r.settingsId))) throw new Error('run record: settingsId must be 8 hex digits');
  return { format: RUN_RECORD_FORMAT, run: r.run, config: parseConfigStrict(r.config), learnerId: r.learnerId, createdAt: r.createdAt, ...(r.settingsId !== undefined ? { settingsId: r.settingsId } : {}) };
}
