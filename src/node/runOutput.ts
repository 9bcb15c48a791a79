import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../core/config/experimentConfig';
import type { Learner } from '../core/learner/learner';
import { checkpointOf, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointRun } from '../core/persistence/checkpoint';
import type { MetricsRecord } from '../core/telemetry/metrics';
import { writeFileAtomic } from './atomicFile';
import { readMetrics } from './jsonLines';

/**
 * A training run's directory as the headless trainer keeps it: config.json,
 * metrics.jsonl appended update by update, checkpoint.json with where the
 * run stood, and reading such a directory back to resume the run.
 */

/** What a run writes as it goes: metrics.jsonl, one line per update, and where the checkpoint goes. */
export interface RunOutput {
  checkpointPath: string;
  appendMetrics(record: MetricsRecord): void;
  close(): void;
}

/** metrics.jsonl opened with `flags` ('w': a new run; 'a': a resumed one), written unbuffered so that every finished update is on disk even if the process dies. */
function metricsLog(dir: string, flags: 'w' | 'a'): RunOutput {
  const metrics = openSync(join(dir, 'metrics.jsonl'), flags);
  return {
    checkpointPath: join(dir, 'checkpoint.json'),
    appendMetrics: (record) => writeSync(metrics, `${JSON.stringify(record)}\n`),
    close: () => closeSync(metrics),
  };
}

/** A new run's output directory: writes config.json at once and starts metrics.jsonl. */
export function openOutput(dir: string, header: object): RunOutput {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(header, null, 2)}\n`);
  return metricsLog(dir, 'w');
}

/**
 * A resumed run's output directory: config.json gets the resumption added,
 * and metrics.jsonl keeps the records up to the checkpoint's update (those
 * after it were learned by weights the checkpoint lacks, and are learned
 * again), then is appended to, so that the curve continues without a seam.
 */
export function resumeOutput(dir: string, header: object, version: number): RunOutput {
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(header, null, 2)}\n`);
  const kept = readMetrics(dir).filter((r) => r.updates <= version);
  writeFileAtomic(join(dir, 'metrics.jsonl'), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return metricsLog(dir, 'a');
}

/** A run to continue: its checkpoint, which must have the run's progress, and how it was trained. */
export interface ResumePoint {
  checkpoint: Checkpoint & { run: CheckpointRun };
  deterministic: boolean;
  /** The config.json written when the run began (kept, with the resumptions added). */
  header: Record<string, unknown>;
}

/**
 * Reads a run directory to continue: its checkpoint.json (with the run's
 * progress, which the trainer has written since `--resume` exists) and
 * config.json. Throws with a message that says what is missing or wrong.
 */
export function resumeFrom(dir: string): ResumePoint {
  const path = join(dir, 'checkpoint.json');
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: --resume takes the directory of one run (its --out), which holds checkpoint.json, config.json and metrics.jsonl`);
  }
  const checkpoint = decodeCheckpoint(readFileSync(path, 'utf8'));
  if (!checkpoint.run) throw new Error(`${path} has no run progress (a model file from the lab, or from a trainer before --resume): it can start a new run in the lab, not be resumed`);
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // Only informative: the checkpoint says whether the run was deterministic.
  }
  const deterministic = checkpoint.run.actors !== undefined;
  return { checkpoint: { ...checkpoint, run: checkpoint.run }, deterministic, header };
}

/** Checkpoints the learner, one write at a time. */
export class CheckpointWriter {
  private pending: Promise<void> = Promise.resolve();
  private error: unknown;
  private writtenVersion = -1;

  constructor(
    private readonly path: string,
    private readonly learner: Learner,
    private readonly config: ExperimentConfig,
    /** Called when a write fails (the error is kept for `settled`). */
    private readonly onError: (error: unknown) => void,
    /** Where the run stands, read with the learner's state. */
    private readonly runState: () => CheckpointRun,
  ) {}

  /**
   * Snapshots the learner now (unless this version is already written) and
   * writes it in the background. Called between updates: the counters are
   * read now and the weight and optimiser reads start now, and on the WASM
   * backend a read copies the data when it starts, so the snapshot is of
   * this version even if the next update runs before the file is written.
   */
  request(): void {
    const { learner, config } = this;
    if (learner.version === this.writtenVersion) return;
    this.writtenVersion = learner.version;
    const state = learner.snapshot();
    const run = this.runState();
    this.pending = this.pending
      .then(async () => {
        const checkpoint: Checkpoint = { ...checkpointOf(config, await state, new Date().toISOString()), run };
        writeFileAtomic(this.path, encodeCheckpoint(checkpoint, learner.network.variables.map((v) => v.shape)));
      })
      .catch((e: unknown) => {
        this.error ??= e;
        this.onError(e);
      });
  }

  /** Resolves when every requested write is done; rejects with the first failure. */
  async settled(): Promise<void> {
    await this.pending;
    if (this.error !== undefined) throw this.error;
  }
}
