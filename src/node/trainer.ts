import { Presets, SingleBar } from 'cli-progress';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../core/config/experimentConfig';
import { presetById } from '../core/config/presets';
import { envInfo } from '../core/envs/envInfo';
import type { EnvSpec } from '../core/envs/types';
import { Learner } from '../core/learner/learner';
import { checkpointOf, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointRun } from '../core/persistence/checkpoint';
import { actorOptionsFor, envSpecFor, learnerOptionsFor, tasksOf } from '../core/training/fromConfig';
import { InProcessActor } from '../core/training/inProcessActor';
import type { MetricsRecord } from '../core/telemetry/metrics';
import { runScores, singlesSummary } from '../core/telemetry/runScores';
import { newRunProgress, TrainingRun, type ActorHandle, type Scheduler } from '../core/training/trainingRun';
import { writeFileAtomic } from './atomicFile';
import { writeComparison, writeLearningCurve } from './curveFiles';
import { EpisodeLog } from './episodeLog';
import { parseTrainArgs, type TrainerOptions } from './cli/parseTrainArgs';
import { useWasmBackend } from './tfWasm';
import { WorkerActor } from './workerActor';

/**
 * The headless trainer (`npm run train`): the core `TrainingRun` with actors
 * in worker threads, writing to `--out`:
 *   config.json      the resolved config, trainer options and environment
 *   metrics.jsonl    one `MetricsRecord` per learner update, appended as the run goes
 *   episodes.jsonl   finished episodes' returns (a bounded sample, `EpisodeLog`), appended too
 *   learning-curve.svg  mean100 and the episodes' returns against frames, drawn
 *                    from the two files above when the run ends, however it ends
 *   checkpoint.json  the model (`encodeCheckpoint`) and where the run stood,
 *                    every `--checkpoint-every` updates, every
 *                    `--checkpoint-seconds` and at the end; replaced atomically
 * `--resume DIR` continues such a run from its checkpoint (see `resumeFrom`).
 * A comparison preset trains its runs into DIR/<run> and draws them together
 * in DIR/comparison.svg.
 */

/** Where the trainer writes; the CLI passes the process's streams, tests their own. */
export interface TrainerIo {
  /** Progress bar or status lines, and the summary. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Error messages. */
  stderr: NodeJS.WritableStream;
  /** Aborted to stop the run gracefully after the current update (SIGINT in the CLI). */
  interrupt?: AbortSignal;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a run stopped with Ctrl-C. */
const EXIT_INTERRUPTED = 130;

/** Parses the arguments and trains; resolves to the process's exit code. */
export async function runTrainer(argv: readonly string[], io: TrainerIo): Promise<number> {
  const args = parseTrainArgs(argv);
  switch (args.kind) {
    case 'help':
      io.stdout.write(`${args.text}\n`);
      return EXIT_OK;
    case 'error':
      io.stderr.write(`error: ${args.message}\n`);
      return EXIT_USAGE;
    case 'run': {
      if (args.trainer.resume !== '') {
        let from: ResumePoint;
        try {
          from = resumeFrom(args.trainer.resume);
        } catch (e) {
          io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
          return EXIT_USAGE;
        }
        try {
          return (await train(from.checkpoint.config, { ...args.trainer, deterministic: from.deterministic }, io, from)).code;
        } catch (e) {
          io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
          return EXIT_FAILED;
        }
      }
      const runs = args.comparison ?? [{ label: '', config: args.config }];
      const results: { label: string; config: ExperimentConfig; last: MetricsRecord | null; wallSeconds: number }[] = [];
      /** The comparison's runs begun so far, for comparison.svg. */
      const begun: { label: string; config: ExperimentConfig; dir: string }[] = [];
      let code = EXIT_OK;
      for (const [i, run] of runs.entries()) {
        const out = args.comparison ? join(args.trainer.out, runDirName(run.label)) : args.trainer.out;
        if (args.comparison) io.stdout.write(`\n== Run ${i + 1} of ${runs.length}: ${run.label} (${run.config.env}, ${count(run.config.frames)} frames) -> ${out}\n`);
        let outcome: TrainOutcome;
        try {
          outcome = await train(run.config, { ...args.trainer, out }, io, undefined, run.label);
        } catch (e) {
          // Setting up failed (the output directory, the backend): the message says what.
          io.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
          return EXIT_FAILED;
        }
        begun.push({ label: run.label, config: run.config, dir: out });
        code = outcome.code;
        if (code !== EXIT_OK) break;
        results.push({ label: run.label, config: run.config, last: outcome.last, wallSeconds: outcome.wallSeconds });
      }
      if (args.comparison) {
        // Also after an interrupted or failed run: the runs so far, that one as far as it got.
        const title = presetById(args.trainer.preset)?.title ?? 'Comparison';
        drawPicture(io, () => writeComparison(args.trainer.out, `${title}, seed ${args.config.seed}`, begun));
        if (code === EXIT_OK) io.stdout.write(comparisonTable(results));
      }
      return code;
    }
    default: {
      const unreachable: never = args;
      throw new Error(`unexpected arguments ${JSON.stringify(unreachable)}`);
    }
  }
}

const scheduler: Scheduler = {
  now: () => performance.now(),
  yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
};

interface TrainOutcome {
  code: number;
  /** The last update's metrics (null if none was made). */
  last: MetricsRecord | null;
  wallSeconds: number;
}

/** A run's directory name from its label: 'Suite + PopArt' -> 'suite-popart'. */
export function runDirName(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
}

/** A run to continue: its checkpoint, which must have the run's progress, and how it was trained. */
interface ResumePoint {
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

/**
 * Trains one run into `options.out`. `label`: a comparison run's legend
 * (kept in config.json, so that a resumed run's picture keeps its title).
 */
async function train(config: ExperimentConfig, options: TrainerOptions, io: TrainerIo, from?: ResumePoint, label = ''): Promise<TrainOutcome> {
  const backend = await useWasmBackend();
  const spec = envSpecFor(config);
  const learner = new Learner(learnerOptionsFor(config, spec));
  if (from) {
    try {
      learner.restore(from.checkpoint);
    } catch (e) {
      learner.dispose();
      throw new Error(`the checkpoint does not fit its own settings: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (learner.framesSeen >= config.frames) {
      learner.dispose();
      io.stdout.write(`Nothing to resume: the run in ${options.out} has learned from ${count(learner.framesSeen)} of its ${count(config.frames)} frames.\n`);
      return { code: EXIT_OK, last: null, wallSeconds: 0 };
    }
    io.stdout.write(`Resuming ${config.env} from update ${count(learner.version)}, frame ${count(learner.framesSeen)} of ${count(config.frames)} (${options.out}).\n`);
    // The buffer's unrolls are not in the checkpoint (they would make it as large as the buffer).
    if (config.replayShare > 0) io.stdout.write('The experience replay buffer starts empty again, so this run does not continue exactly as one never stopped would.\n');
  }
  const header = {
    ...(label !== '' ? { label } : {}),
    config,
    trainer: options,
    network: learner.network.config,
    parameters: learner.network.parameterCount,
    actors: options.deterministic ? { kind: 'in-process', count: 1 } : { kind: 'worker-thread', count: config.actors },
    backend,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    startedAt: new Date().toISOString(),
  };
  const output = from
    ? resumeOutput(options.out, { ...from.header, resumedAt: [...(Array.isArray(from.header.resumedAt) ? from.header.resumedAt : []), { at: header.startedAt, version: learner.version, frames: learner.framesSeen, node: header.node }] }, learner.version)
    : openOutput(options.out, header);
  const suite = tasksOf(config).length > 0;
  let episodeLog: EpisodeLog;
  try {
    episodeLog = from ? EpisodeLog.resume(options.out, { frames: learner.framesSeen, episodes: from.checkpoint.run.progress.episodes }, suite) : EpisodeLog.create(options.out, suite);
  } catch (e) {
    output.close();
    learner.dispose();
    throw e;
  }
  const title = curveTitle(config, label !== '' ? label : typeof from?.header.label === 'string' ? from.header.label : '');

  let run: TrainingRun | undefined;
  let progress: Progress | undefined;
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    progress?.stop();
    io.stderr.write('Interrupted: stopping after the current update (Ctrl-C again to quit at once).\n');
    run?.stop();
  };
  io.interrupt?.addEventListener('abort', onInterrupt, { once: true });

  const checkpoints = new CheckpointWriter(output.checkpointPath, learner, config, () => run?.stop(), () => ({
    progress: run?.progress() ?? from?.checkpoint.run.progress ?? newRunProgress(),
    ...(options.deterministic ? { actors: actors.map((a) => (a as InProcessActor).getState()) } : {}),
  }));
  let lastCheckpointAt = scheduler.now();
  const summary = new SummaryTracker();
  const t0 = scheduler.now();
  let actors: ActorHandle[] = [];
  let failure: unknown;
  try {
    actors = await startActors(config, spec, options.deterministic);
    from?.checkpoint.run.actors?.forEach((state, i) => (actors[i] as InProcessActor).setState(state));
    run = new TrainingRun({
      config,
      learner,
      actors,
      deterministic: options.deterministic,
      ...(from ? { continueFrom: from.checkpoint.run.progress } : {}),
      scheduler: {
        ...scheduler,
        timeout: (ms, onTimeout) => {
          const timer = setTimeout(onTimeout, ms).unref();
          return () => clearTimeout(timer);
        },
      },
      // A worker that throws or stops answering for a minute is replaced, with the current weights.
      actorTimeoutMs: 60_000,
      replaceActor: (index) => WorkerActor.create(actorOptionsFor(config, spec, index)),
      onActorRestart: (index, reason) => io.stderr.write(`actor ${index} replaced: ${reason}\n`),
      onEpisodes: (returns, _lengths, frames, taskIds) => episodeLog.add(returns, frames, taskIds),
      onUpdate: (record) => {
        output.appendMetrics(record);
        summary.add(record);
        progress?.update(record);
        const now = scheduler.now();
        if ((options.checkpointEvery > 0 && record.updates % options.checkpointEvery === 0) || (options.checkpointSeconds > 0 && now - lastCheckpointAt >= options.checkpointSeconds * 1000)) {
          lastCheckpointAt = now;
          checkpoints.request();
        }
      },
    });
    if (!interrupted) {
      progress = options.quiet || !io.stdout.isTTY ? new StatusLines(io.stdout, config.frames, options.logEvery) : new ProgressBar(io.stdout, config.frames);
      await run.run();
    }
  } catch (e) {
    failure = e;
  } finally {
    io.interrupt?.removeEventListener('abort', onInterrupt);
    progress?.stop();
    await Promise.allSettled((run?.currentActors ?? actors).map(async (a) => a.dispose()));
    output.close();
    episodeLog.close();
  }
  const wallSeconds = (scheduler.now() - t0) / 1000;

  checkpoints.request();
  try {
    await checkpoints.settled();
  } catch (e) {
    failure ??= e;
  }
  learner.dispose();
  const drawn = drawPicture(io, () => writeLearningCurve(options.out, title));

  io.stdout.write(summary.text({ wallSeconds, interrupted, outDir: options.out, drawn }));
  if (failure !== undefined) {
    io.stderr.write(`error: training failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}\n`);
    return { code: EXIT_FAILED, last: summary.last, wallSeconds };
  }
  return { code: interrupted ? EXIT_INTERRUPTED : EXIT_OK, last: summary.last, wallSeconds };
}

/**
 * The comparison a preset makes, one line per run: its normalised score
 * (a suite's median over its games; a single game's own) and, when several
 * single-game runs are compared, their median, as the paper compares
 * multi-task agents with single-task experts.
 */
function comparisonTable(results: { label: string; config: ExperimentConfig; last: MetricsRecord | null; wallSeconds: number }[]): string {
  const scored = results.map((r) => ({ ...r, scores: runScores(r.label, r.config, r.last) }));
  const rows = scored.map(({ label, last, wallSeconds, scores }) => {
    // A suite's median over its games; a single game's own score (runScores gives it as the median).
    const score = scores?.median ?? null;
    return `  ${label.padEnd(24)} ${count(last?.frames ?? 0).padStart(11)} ${formatMean(last?.episodeReturnMean100 ?? null).padStart(9)} ${formatScore(score).padStart(10)} ${wallSeconds.toFixed(0).padStart(7)}`;
  });
  const lines = [
    '',
    'Comparison (normalised score: a suite\'s median over its games; a single game\'s own):',
    `  ${'run'.padEnd(24)} ${'frames'.padStart(11)} ${'mean100'.padStart(9)} ${'normalised'.padStart(10)} ${'wall s'.padStart(7)}`,
    ...rows,
  ];
  const singleRuns = scored.flatMap((r) => (r.scores ? [r.scores] : [])).filter((s) => s.kind === 'single');
  if (singleRuns.length > 1) lines.push(`  single-game agents' median normalised score: ${formatScore(singlesSummary(singleRuns)?.median ?? null)}`);
  return `${lines.join('\n')}\n`;
}

/** `config.actors` actors in worker threads, or one in this thread for a deterministic run. */
async function startActors(config: ExperimentConfig, spec: EnvSpec, deterministic: boolean): Promise<ActorHandle[]> {
  if (deterministic) return [new InProcessActor(actorOptionsFor(config, spec, 0))];
  const started = await Promise.allSettled(Array.from({ length: config.actors }, (_, i) => WorkerActor.create(actorOptionsFor(config, spec, i))));
  const failed = started.find((r) => r.status === 'rejected');
  if (!failed) return started.map((r) => (r as PromiseFulfilledResult<WorkerActor>).value);
  await Promise.allSettled(started.map(async (r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
  throw failed.reason;
}

/** The output directory: writes config.json at once and appends to metrics.jsonl, one line per update. */
function openOutput(dir: string, header: object): { checkpointPath: string; appendMetrics(record: MetricsRecord): void; close(): void } {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(header, null, 2)}\n`);
  // Unbuffered writes: every finished update is on disk even if the process dies.
  const metrics = openSync(join(dir, 'metrics.jsonl'), 'w');
  return {
    checkpointPath: join(dir, 'checkpoint.json'),
    appendMetrics: (record) => writeSync(metrics, `${JSON.stringify(record)}\n`),
    close: () => closeSync(metrics),
  };
}

/**
 * A resumed run's output directory: config.json gets the resumption added,
 * and metrics.jsonl keeps the records up to the checkpoint's update (those
 * after it were learned by weights the checkpoint lacks, and are learned
 * again), then is appended to, so that the curve continues without a seam.
 */
function resumeOutput(dir: string, header: object, version: number): ReturnType<typeof openOutput> {
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(header, null, 2)}\n`);
  const metricsPath = join(dir, 'metrics.jsonl');
  const kept = existsSync(metricsPath)
    ? readFileSync(metricsPath, 'utf8')
        .split('\n')
        .filter((line) => {
          if (line.trim() === '') return false;
          try {
            return (JSON.parse(line) as MetricsRecord).updates <= version;
          } catch {
            return false; // a line cut short when the process was killed
          }
        })
    : [];
  writeFileAtomic(metricsPath, kept.map((line) => `${line}\n`).join(''));
  const metrics = openSync(metricsPath, 'a');
  return {
    checkpointPath: join(dir, 'checkpoint.json'),
    appendMetrics: (record) => writeSync(metrics, `${JSON.stringify(record)}\n`),
    close: () => closeSync(metrics),
  };
}

/** A run's picture title: 'MinAtar Breakout, seed 1', after a comparison run's label. */
function curveTitle(config: ExperimentConfig, label: string): string {
  const what = `${envInfo(config.env)?.displayName ?? config.env}, seed ${config.seed}`;
  return label !== '' ? `${label}: ${what}` : what;
}

/** Draws a picture and says whether it did; one that cannot be written is a warning, not a failed run (what it is drawn from is on disk). */
function drawPicture(io: TrainerIo, draw: () => void): boolean {
  try {
    draw();
    return true;
  } catch (e) {
    io.stderr.write(`warning: could not draw a picture: ${e instanceof Error ? e.message : String(e)}\n`);
    return false;
  }
}

/** Checkpoints the learner, one write at a time. */
class CheckpointWriter {
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

/** What the final summary reports. */
class SummaryTracker {
  last: MetricsRecord | null = null;
  private best: { value: number; frames: number } | null = null;

  add(record: MetricsRecord): void {
    this.last = record;
    const mean = record.episodeReturnMean100;
    if (mean !== null && (this.best === null || mean > this.best.value)) this.best = { value: mean, frames: record.frames };
  }

  text(run: { wallSeconds: number; interrupted: boolean; outDir: string; drawn: boolean }): string {
    const r = this.last;
    const frames = r?.frames ?? 0;
    // The run's own clock: from the first weights published to the last update (actor start-up excluded).
    const trainingSeconds = r?.wallSeconds ?? 0;
    const lines = [
      `${run.interrupted ? 'Stopped' : 'Finished'}: ${count(frames)} frames, ${count(r?.updates ?? 0)} updates, ${count(r?.episodes ?? 0)} episodes in ${run.wallSeconds.toFixed(1)} s ` +
        `(${count(trainingSeconds > 0 ? frames / trainingSeconds : 0)} frames/s over ${trainingSeconds.toFixed(1)} s of training).`,
      `episodeReturnMean100: ${formatMean(r?.episodeReturnMean100 ?? null)}${this.best ? ` (best ${formatMean(this.best.value)} at frame ${count(this.best.frames)})` : ''}.`,
      ...(r?.tasks ? taskSummaryLines(r) : []),
      `Wrote config.json, metrics.jsonl, episodes.jsonl, ${run.drawn ? 'learning-curve.svg ' : ''}and checkpoint.json to ${run.outDir}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

/** A suite's per-game table and its normalised-score mean and median. */
function taskSummaryLines(r: MetricsRecord): string[] {
  const rows = r.tasks!.map(
    (t) => `  ${t.task.padEnd(15)} ${count(t.frames).padStart(11)} ${count(t.episodes).padStart(9)} ${formatMean(t.episodeReturnMean100).padStart(9)} ${formatScore(t.normalisedScore).padStart(10)}`,
  );
  return [
    `  ${'game'.padEnd(15)} ${'frames'.padStart(11)} ${'episodes'.padStart(9)} ${'mean100'.padStart(9)} ${'normalised'.padStart(10)}`,
    ...rows,
    `normalised score: median ${formatScore(r.normalisedScoreMedian)}, mean ${formatScore(r.normalisedScoreMean)}.`,
  ];
}

function formatScore(score: number | null): string {
  return score === null ? '-' : score.toFixed(2);
}

// ---------------------------------------------------------------------------
// Progress display

interface Progress {
  update(record: MetricsRecord): void;
  stop(): void;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatMean(mean: number | null): string {
  return mean === null ? '-' : mean.toFixed(1);
}

/** The headline score: mean100 return, or for a suite the median normalised score and each game's mean100. */
function scoreText(r: MetricsRecord): string {
  if (!r.tasks) return `mean100 ${formatMean(r.episodeReturnMean100)}`;
  return `median norm ${formatScore(r.normalisedScoreMedian)} (${r.tasks.map((t) => `${t.task} ${formatMean(t.episodeReturnMean100)}`).join(', ')})`;
}

/** A live bar for an interactive terminal. */
class ProgressBar implements Progress {
  private readonly bar: SingleBar;
  private stopped = false;

  constructor(stream: NodeJS.WritableStream, total: number) {
    this.bar = new SingleBar(
      {
        stream,
        format: '{bar} {percentage}% | {value}/{total} frames | {score} | {fps} fps | {updates} updates | ETA {eta_formatted}',
        barsize: 24,
        etaBuffer: 50,
        formatValue: (v, _options, type) => (type === 'value' || type === 'total' ? count(v) : String(v)),
      },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { score: 'mean100 -', fps: 0, updates: 0 });
  }

  update(r: MetricsRecord): void {
    if (this.stopped) return;
    this.bar.update(r.frames, { score: scoreText(r), fps: count(r.fps), updates: count(r.updates) });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
  }
}

/** One plain line every `everySeconds` (quiet mode, logs, pipes). */
class StatusLines implements Progress {
  private lastAt = -Infinity;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly total: number,
    private readonly everySeconds: number,
  ) {}

  update(r: MetricsRecord): void {
    if (r.wallSeconds - this.lastAt < this.everySeconds && r.frames < this.total) return;
    this.lastAt = r.wallSeconds;
    const percent = ((100 * r.frames) / this.total).toFixed(1);
    this.stream.write(
      `[${r.wallSeconds.toFixed(1)} s] frames ${count(r.frames)}/${count(this.total)} (${percent}%) | updates ${count(r.updates)} | ` +
        `episodes ${count(r.episodes)} | ${scoreText(r)} | ${count(r.fps)} fps | lag ${r.policyLagMean.toFixed(1)}\n`,
    );
  }

  stop(): void {}
}
