import { join } from 'node:path';
import type { ExperimentConfig } from '../core/config/experimentConfig';
import { presetById } from '../core/config/presets';
import { envInfo } from '../core/envs/envInfo';
import type { EnvSpec } from '../core/envs/types';
import { Learner } from '../core/learner/learner';
import { actorOptionsFor, envSpecFor, learnerOptionsFor, tasksOf } from '../core/training/fromConfig';
import { InProcessActor } from '../core/training/inProcessActor';
import type { MetricsRecord } from '../core/telemetry/metrics';
import { newRunProgress, TrainingRun, type ActorHandle, type Scheduler } from '../core/training/trainingRun';
import { writeComparison, writeLearningCurve } from './curveFiles';
import { EpisodeLog } from './episodeLog';
import { parseTrainArgs, runDirName, type TrainerOptions } from './cli/parseTrainArgs';
import { startSwarmFeed, type SwarmFeed } from './swarm/swarmFeed';
import { useWasmBackend } from './tfWasm';
import { WorkerActor } from './workerActor';
import { CheckpointWriter, openOutput, resumeFrom, resumeOutput, type ResumePoint } from './runOutput';
import { comparisonTable, count, ProgressBar, StatusLines, SummaryTracker, type Progress } from './trainerReport';

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
    // The swarm password stays out of config.json.
    trainer: options.pass ? { ...options, pass: '(hidden)' } : options,
    network: learner.network.config,
    parameters: learner.network.parameterCount,
    actors: options.swarm ? { kind: 'swarm', server: options.swarm, run: options.run } : options.deterministic ? { kind: 'in-process', count: 1 } : { kind: 'worker-thread', count: config.actors },
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
  let swarm: SwarmFeed | null = null;
  try {
    if (options.swarm) {
      // Actors on other machines, through a NATS server: the run's weights go to them, their unrolls come back through one source.
      const ended = (): boolean => interrupted || learner.framesSeen >= config.frames || (run !== undefined && run.state !== 'running' && run.state !== 'paused');
      swarm = await startSwarmFeed(config, spec, options, () => learner, ended, (line) => io.stderr.write(`${line}\n`));
      swarm.publish(learner.version, await learner.getWeights());
    }
    actors = swarm ? [swarm.source] : await startActors(config, spec, options.deterministic);
    from?.checkpoint.run.actors?.forEach((state, i) => (actors[i] as InProcessActor).setState(state));
    run = new TrainingRun({
      // A swarm's buffer is its stream: the run's own queue then holds one batch, so that buffering adds little policy lag.
      config: swarm ? { ...config, queueCapacity: config.batchSize } : config,
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
      ...(swarm
        ? { onPublish: swarm.publish }
        : {
            // A worker that throws or stops answering for a minute is replaced, with the current weights.
            actorTimeoutMs: 60_000,
            replaceActor: (index: number) => WorkerActor.create(actorOptionsFor(config, spec, index)),
            onActorRestart: (index: number, reason: string) => io.stderr.write(`actor ${index} replaced: ${reason}\n`),
          }),
      onEpisodes: (returns, _lengths, frames, taskIds) => episodeLog.add(returns, frames, taskIds),
      onUpdate: (record) => {
        output.appendMetrics(record);
        summary.add(record);
        swarm?.updated(record);
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
    if (swarm) io.stdout.write(await swarm.close(options.out));
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

/** `config.actors` actors in worker threads, or one in this thread for a deterministic run. */
async function startActors(config: ExperimentConfig, spec: EnvSpec, deterministic: boolean): Promise<ActorHandle[]> {
  if (deterministic) return [new InProcessActor(actorOptionsFor(config, spec, 0))];
  const started = await Promise.allSettled(Array.from({ length: config.actors }, (_, i) => WorkerActor.create(actorOptionsFor(config, spec, i))));
  const failed = started.find((r) => r.status === 'rejected');
  if (!failed) return started.map((r) => (r as PromiseFulfilledResult<WorkerActor>).value);
  await Promise.allSettled(started.map(async (r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
  throw failed.reason;
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

