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
}

export const RUN_RECORD_FORMAT = 'impala-lab-swarm-run-1';

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
  return { format: RUN_RECORD_FORMAT, run: r.run, config: parseConfigStrict(r.config), learnerId: r.learnerId, createdAt: r.createdAt };
}
