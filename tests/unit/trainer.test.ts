import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor, type ActorOptions } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { createEnv } from '../../src/core/envs/registry';
import { decodeCheckpoint } from '../../src/core/persistence/checkpoint';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { envSpecFor, networkFor, networkSpecFor } from '../../src/core/training/fromConfig';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { useWasmBackend } from '../../src/node/tfWasm';
import { Capture, useTempDirs } from '../support/trainerIo';
import { runDirName } from '../../src/node/cli/parseTrainArgs';
import { runTrainer } from '../../src/node/trainer';
import { WorkerActor } from '../../src/node/workerActor';
import { closeTo, readCurveSvg } from '../support/svgCurves';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The tsx CLI, as `npm run train` runs it. */
const TSX_CLI = fileURLToPath(import.meta.resolve('tsx/cli'));

/** Every documented `MetricsRecord` key; `satisfies` fails to compile if the interface gains or loses one. */
const METRIC_KEYS = Object.keys({
  frames: 0, updates: 0, episodes: 0, episodeReturnMean100: 0, episodeLengthMean100: 0, fps: 0,
  policyLagMin: 0, policyLagMean: 0, policyLagMax: 0, queueDepth: 0, learningRate: 0,
  totalLoss: 0, policyGradientLoss: 0, baselineLoss: 0, entropyLoss: 0, entropy: 0, gradNorm: 0,
  clippedRhoFraction: 0, skippedUpdates: 0, actorRestarts: 0, timeWaitMs: 0, timeAssembleMs: 0, timeForwardBackwardMs: 0, timeApplyMs: 0,
  timePublishMs: 0, wallSeconds: 0, tasks: 0, normalisedScoreMean: 0, normalisedScoreMedian: 0,
} satisfies Record<keyof MetricsRecord, 0>);

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function train(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSX_CLI, 'src/node/train.ts', ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

function readMetrics(dir: string): MetricsRecord[] {
  const text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

const tempDir = useTempDirs('impala-trainer-');

describe('npm run train (the CLI as a child process)', () => {
  it('trains CartPole with two worker actors and writes metrics, config and checkpoint', async () => {
    const out = tempDir();
    const { code, stdout, stderr } = await train(['--env', 'classic/CartPole-v1', '--frames', '3000', '--actors', '2', '--quiet', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Finished: 3,\d{3} frames/m);
    // Nothing half-written is left behind.
    expect(readdirSync(out).sort()).toEqual(['checkpoint.json', 'config.json', 'episodes.jsonl', 'learning-curve.svg', 'metrics.jsonl']);

    const metrics = readMetrics(out);
    expect(metrics.length).toBeGreaterThanOrEqual(1);
    for (const [i, m] of metrics.entries()) {
      expect(Object.keys(m).sort()).toEqual([...METRIC_KEYS].sort());
      expect(m.updates).toBe(i + 1);
      expect(m.episodeReturnMean100 === null || Number.isFinite(m.episodeReturnMean100)).toBe(true);
      for (const key of ['frames', 'episodes', 'fps', 'policyLagMean', 'totalLoss', 'policyGradientLoss', 'baselineLoss', 'entropyLoss'] as const) {
        expect(Number.isFinite(m[key]), `${key} of line ${i + 1}`).toBe(true);
      }
    }
    const last = metrics.at(-1)!;
    expect(last.frames).toBeGreaterThanOrEqual(3000);
    expect(last.episodes).toBeGreaterThan(0);

    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ config: { ...DEFAULT_CONFIG, frames: 3000, actors: 2 }, actors: { kind: 'worker-thread', count: 2 }, backend: 'wasm' });

    const checkpoint = decodeCheckpoint(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
    const spec = createEnv('classic/CartPole-v1', { seed: 0 }).spec;
    await useWasmBackend();
    const network = createNetwork(networkFor(DEFAULT_CONFIG, spec), spec, 0, false);
    try {
      expect(checkpoint.weights.map((w) => w.length)).toEqual(network.variables.map((v) => v.size));
    } finally {
      network.dispose();
    }
    expect(checkpoint).toMatchObject({ config: { env: 'classic/CartPole-v1' }, version: last.updates, frames: last.frames });
    expect(checkpoint.optimizer?.name).toBe('rmsprop');
    expect(checkpoint.optimizer?.slots.length).toBe(checkpoint.weights.length);
  });

  it('trains a two-game suite with PopArt and reports each game and the normalised scores', async () => {
    const out = tempDir();
    const args = ['--env', 'suite/minatar', '--tasks', 'freeway,breakout', '--popart', '--frames', '3200', '--actors', '2', '--envs-per-actor', '4'];
    const { code, stdout, stderr } = await train([...args, '--unroll-length', '20', '--quiet', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const last = readMetrics(out).at(-1)!;
    expect(last.tasks!.map((t) => t.task)).toEqual(['breakout', 'freeway']);
    // Two actors, two games: actor i plays game i (scalable_agent's assignment); every frame is some game's.
    expect(last.tasks![0]!.frames + last.tasks![1]!.frames).toBe(last.frames);
    expect(last.tasks!.every((t) => t.frames > 0 && t.frames % 80 === 0)).toBe(true);
    expect(last.tasks!.every((t) => t.popartSigma !== null && t.popartSigma > 0)).toBe(true);
    expect(stdout).toMatch(/^ {2}breakout +[\d,]+ +\d+/m);
    expect(stdout).toMatch(/^normalised score: median/m);
    const checkpoint = decodeCheckpoint(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
    // The network's spec follows from the checkpoint's config (format version 2 stores no copy of it).
    expect(networkSpecFor(checkpoint.config, envSpecFor(checkpoint.config))).toEqual({ observationShape: [10, 10, 31], numActions: 6, numTasks: 2 });
    expect(checkpoint.popart?.mu).toHaveLength(2);
  });

  it('trains each run of a comparison preset into its own directory and compares them', async () => {
    const out = tempDir();
    const { code, stdout, stderr } = await train(['--preset', 'ablation', '--frames', '800', '--actors', '1', '--quiet', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['comparison.svg', 'no-correction', 'no-correction-replay', 'v-trace', 'v-trace-replay']);
    expect(readdirSync(join(out, 'v-trace'))).toContain('learning-curve.svg');
    // One line per run, of its mean100 (all four play CartPole), in the preset's order.
    const { panels } = readCurveSvg(readFileSync(join(out, 'comparison.svg'), 'utf8'));
    expect(panels).toHaveLength(1);
    const runs = ['V-trace', 'No correction', 'V-trace + replay', 'No correction + replay'];
    expect(panels[0]!.legend.map((l) => l.replace(/ \(none yet\)$/, ''))).toEqual(runs);
    for (const line of panels[0]!.lines) {
      const means = readMetrics(join(out, runDirName(line.label)))
        .filter((r) => r.episodeReturnMean100 !== null)
        .map((r): [number, number] => [r.frames, r.episodeReturnMean100!]);
      expect(closeTo(line.runs.flat(), means.length === 1 ? [means[0]!, means[0]!] : means, panels[0]!.tolerance)).toBeNull();
    }
    expect(JSON.parse(readFileSync(join(out, 'no-correction', 'config.json'), 'utf8'))).toMatchObject({ config: { correction: 'none', policyLag: 8, frames: 800, replayShare: 0 } });
    expect(JSON.parse(readFileSync(join(out, 'v-trace-replay', 'config.json'), 'utf8'))).toMatchObject({ config: { correction: 'vtrace', policyLag: 8, frames: 800, replayShare: 0.5 } });
    expect(stdout).toMatch(/^Comparison/m);
    expect(stdout).toMatch(/^ {2}V-trace +\d/m);
  });

  it.concurrent.each([
    [['--preset', 'nope'], /--preset must be one of/],
    [['--frames', 'abc'], /--frames/],
    [['--nonsense', '1'], /unknown flag --nonsense/],
    [['--env', 'minatar/pong'], /minatar\/pong/],
  ])('rejects %j with a message and no stack trace', async (args, message) => {
    const out = tempDir();
    const { code, stderr } = await train([...args, '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: /);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/\.ts:\d+/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('runTrainer (in-process)', () => {
  it('on interrupt stops after the current update, checkpoints and returns 130', async () => {
    const out = tempDir();
    const interrupt = new AbortController();
    // Interrupt on the first status line, written after the first update.
    const stdout = new (class extends Capture {
      override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: () => void): void {
        interrupt.abort();
        super._write(chunk, encoding, callback);
      }
    })();
    const stderr = new Capture();
    const args = ['--frames', '100000', '--deterministic', '--quiet', '--checkpoint-every', '1', '--out', out];
    const code = await runTrainer(args, { stdout, stderr, interrupt: interrupt.signal });
    expect(code).toBe(130);
    expect(stderr.text).toMatch(/^Interrupted/);
    expect(stdout.text).toMatch(/^Stopped: /m);
    const metrics = readMetrics(out);
    expect(metrics.length).toBe(1);
    const checkpoint = decodeCheckpoint(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
    expect(checkpoint).toMatchObject({ version: 1, frames: metrics[0]!.frames });
    // The picture is drawn however the run ends.
    expect(readdirSync(out)).toContain('learning-curve.svg');
  });

  it('reports an output directory it cannot create in one line and returns 1', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runTrainer(['--frames', '100', '--quiet', '--out', join(file, 'run')], { stdout, stderr });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/^error: .*not-a-directory/);
    expect(stderr.text.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('WorkerActor', () => {
  const options: ActorOptions = { actorIndex: 1, envId: 'classic/CartPole-v1', numEnvs: 3, unrollLength: 7, seed: 5, network: { kind: 'mlp' } };
  let actor: WorkerActor;
  let reference: Actor;
  let weights: Float32Array[];

  beforeAll(async () => {
    await useWasmBackend();
    actor = await WorkerActor.create(options);
    reference = new Actor(options);
    const network = createNetwork(options.network, { observationShape: [4], numActions: 2 }, 3, false);
    weights = await getNetworkWeights(network);
    network.dispose();
  });
  afterAll(async () => {
    await actor.dispose();
    reference.dispose();
  });

  /** The arrays of an unroll as plain number lists, each with its type. */
  function arrays(u: Unroll): Record<string, [string, number[]]> {
    const entries = Object.entries(u).filter(([, v]) => ArrayBuffer.isView(v));
    return Object.fromEntries(entries.map(([k, v]) => [k, [(v as object).constructor.name, Array.from(v as ArrayLike<number>)]]));
  }

  it('passes an error thrown in the worker back as a rejection (unroll before setWeights)', async () => {
    await expect(actor.unroll()).rejects.toThrow(/setWeights\(\) must be called before unroll\(\)/);
  });

  it('transfers the weights and returns unrolls whose buffers arrive intact', async () => {
    reference.setWeights(4, weights);
    const sent = weights.map((w) => w.slice());
    await actor.setWeights(4, sent);
    expect(sent.every((w) => w.length === 0)).toBe(true); // moved, not copied

    const T = options.unrollLength;
    const N = options.numEnvs;
    for (let k = 0; k < 2; k++) {
      const [u, r] = await Promise.all([actor.unroll(), reference.unroll()]);
      expect(u).toMatchObject({ actorIndex: 1, policyVersion: 4, T, numEnvs: N, numActions: 2, observationShape: [4], observationDtype: 'float32' });
      expect(u.observations).toBeInstanceOf(Float32Array);
      expect(u.observations.length).toBe((T + 1) * N * 4);
      expect(u.actions.length).toBe(T * N);
      expect(u.behaviourLogits.length).toBe(T * N * 2);
      expect(u.truncatedObservations.length).toBe(u.truncatedIndices.length * 4);
      for (const a of Object.values(u).filter((v) => ArrayBuffer.isView(v)) as ArrayBufferView[]) {
        expect(a.byteOffset).toBe(0);
        expect(a.buffer.byteLength).toBe(a.byteLength);
      }
      // Same seed, same weights, same WASM kernels: the worker's unroll equals one made in this thread.
      expect(arrays(u)).toEqual(arrays(r));
    }
  });

  it('rejects a pending call when the worker is disposed', async () => {
    const pending = actor.unroll();
    await actor.dispose();
    await expect(pending).rejects.toThrow(/actor worker 1 was disposed/);
    await expect(actor.unroll()).rejects.toThrow(/was disposed/);
  });

  it('rejects create() when the actor cannot be built in the worker', async () => {
    await expect(WorkerActor.create({ ...options, envId: 'classic/NoSuchEnv-v0' })).rejects.toThrow(/Unknown environment 'classic\/NoSuchEnv-v0'/);
  });
});
