import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/core/persistence/checkpoint';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { runTrainer } from '../../src/node/trainer';
import { Capture, useTempDirs } from '../support/trainerIo';

/**
 * `npm run train -- --resume DIR`: a deterministic run stopped part-way
 * and resumed equals the same run never stopped, update for update (the
 * metrics that do not measure time) and in its final weights and
 * optimiser state.
 */

const tempDir = useTempDirs('impala-resume-');

function readMetrics(dir: string): MetricsRecord[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

/** What a record says about learning, without the fields that measure time. */
function learned(r: MetricsRecord): Partial<MetricsRecord> {
  const { frames, updates, episodes, episodeReturnMean100, episodeLengthMean100, learningRate, totalLoss, policyGradientLoss, baselineLoss, entropyLoss, entropy, gradNorm, clippedRhoFraction, skippedUpdates, policyLagMean, tasks, normalisedScoreMedian } = r;
  return { frames, updates, episodes, episodeReturnMean100, episodeLengthMean100, learningRate, totalLoss, policyGradientLoss, baselineLoss, entropyLoss, entropy, gradNorm, clippedRhoFraction, skippedUpdates, policyLagMean, tasks, normalisedScoreMedian };
}

/** Trains with `args` into `out`; with `stopAtUpdate`, interrupts the run (as Ctrl-C does) once that update has been logged. */
async function trainInProcess(args: string[], out: string, stopAtUpdate?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const interrupt = new AbortController();
  const stdout = new Capture((text) => {
    const updates = [...text.matchAll(/updates ([\d,]+)/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    if (stopAtUpdate !== undefined && updates.some((u) => u >= stopAtUpdate)) interrupt.abort();
  });
  const stderr = new Capture();
  const where = args.includes('--resume') ? [] : ['--out', out];
  const code = await runTrainer([...args, ...where, '--quiet', '--log-every', '0.000001'], { stdout, stderr, interrupt: interrupt.signal });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const CASES = [
  { name: 'CartPole', args: ['--env', 'classic/CartPole-v1', '--frames', '4800', '--deterministic', '--seed', '3'], stopAt: 23 },
  // Seaquest's games keep pools of entities; the suite has one PopArt statistic per game; RMSProp's linear schedule continues.
  // The actor's LSTM state and previous actions and rewards are part of what the checkpoint must carry.
  { name: 'CartPole with an LSTM core and hidden velocities', args: ['--env', 'classic/CartPole-v1', '--hide-velocities', '--core', 'lstm', '--core-size', '8', '--frames', '3200', '--deterministic', '--seed', '5'], stopAt: 11 },
  { name: 'a two-game suite with PopArt', args: ['--env', 'suite/minatar', '--tasks', 'seaquest,breakout', '--popart', '--envs-per-actor', '4', '--unroll-length', '10', '--frames', '2400', '--deterministic', '--seed', '2'], stopAt: 9 },
];

describe('npm run train -- --resume', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: a deterministic run stopped and resumed equals the run never stopped', async (_name, { args, stopAt }) => {
    const whole = tempDir();
    const first = await trainInProcess(args, whole);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const parts = tempDir();
    const stopped = await trainInProcess(args, parts, stopAt);
    expect(stopped.code).toBe(130);
    const stoppedAt = decodeCheckpoint(readFileSync(join(parts, 'checkpoint.json'), 'utf8')).version;
    expect(stoppedAt).toBeGreaterThanOrEqual(stopAt);
    expect(stoppedAt).toBeLessThan(readMetrics(whole).length);
    // A record written after the checkpoint (a process killed between the two) is dropped on resume and learned again.
    const extra = { ...readMetrics(parts).at(-1)!, updates: stoppedAt + 1 };
    writeFileSync(join(parts, 'metrics.jsonl'), `${readFileSync(join(parts, 'metrics.jsonl'), 'utf8')}${JSON.stringify(extra)}\n{"frames": 1`);
    // So is an episode counted after it.
    const checkpointFrames = decodeCheckpoint(readFileSync(join(parts, 'checkpoint.json'), 'utf8')).frames;
    writeFileSync(join(parts, 'episodes.jsonl'), `${readFileSync(join(parts, 'episodes.jsonl'), 'utf8')}${JSON.stringify({ episode: extra.episodes, frames: checkpointFrames + 1, return: 1 })}\n{"episo`);

    const resumed = await trainInProcess(['--resume', parts], parts);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^Resuming .* from update ${stoppedAt},`, 'm'));

    const expected = readMetrics(whole);
    const got = readMetrics(parts);
    expect(got.map((r) => r.updates)).toEqual(expected.map((r) => r.updates));
    expect(got.map(learned)).toEqual(expected.map(learned));
    // The raw episodes kept, and so the picture drawn from the files, are those of the run never stopped.
    expect(readFileSync(join(parts, 'episodes.jsonl'), 'utf8')).toBe(readFileSync(join(whole, 'episodes.jsonl'), 'utf8'));
    expect(readFileSync(join(parts, 'learning-curve.svg'), 'utf8')).toBe(readFileSync(join(whole, 'learning-curve.svg'), 'utf8'));
    // Training time continues from where it stopped, never going back.
    for (let i = 1; i < got.length; i++) expect(got[i]!.wallSeconds).toBeGreaterThanOrEqual(got[i - 1]!.wallSeconds);

    const a = decodeCheckpoint(readFileSync(join(whole, 'checkpoint.json'), 'utf8'));
    const b = decodeCheckpoint(readFileSync(join(parts, 'checkpoint.json'), 'utf8'));
    expect({ version: b.version, frames: b.frames }).toEqual({ version: a.version, frames: a.frames });
    expect(b.weights).toEqual(a.weights);
    expect(b.optimizer).toEqual(a.optimizer);
    expect(b.popart).toEqual(a.popart);
    const header = JSON.parse(readFileSync(join(parts, 'config.json'), 'utf8')) as { resumedAt?: { version: number }[] };
    expect(header.resumedAt?.map((r) => r.version)).toEqual([stoppedAt]);
  });

  it('a run with worker actors, stopped and resumed, continues its counters and curves without a seam', async () => {
    const dir = tempDir();
    const args = ['--env', 'classic/CartPole-v1', '--frames', '12000', '--actors', '2', '--seed', '4'];
    const stopped = await trainInProcess(args, dir, 12);
    expect(stopped.code).toBe(130);
    const at = decodeCheckpoint(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    const before = readMetrics(dir);
    expect(before.at(-1)!.updates).toBe(at.version);
    const resumed = await trainInProcess(['--resume', dir], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const records = readMetrics(dir);
    // One record per update, numbered on from the checkpoint; frames, episodes and training time never go back.
    expect(records.map((r) => r.updates)).toEqual(records.map((_, i) => i + 1));
    expect(records.slice(0, before.length)).toEqual(before);
    for (let i = 1; i < records.length; i++) {
      expect(records[i]!.frames).toBeGreaterThan(records[i - 1]!.frames);
      expect(records[i]!.episodes).toBeGreaterThanOrEqual(records[i - 1]!.episodes);
      expect(records[i]!.wallSeconds).toBeGreaterThanOrEqual(records[i - 1]!.wallSeconds);
    }
    expect(records.at(-1)!.frames).toBeGreaterThanOrEqual(12000);
    // The learning-rate schedule goes on from the checkpoint's frames: linear to zero at 12,000 frames.
    const next = records[before.length]!;
    expect(next.learningRate).toBeCloseTo(0.01 * (1 - at.frames / 12000), 6);
    // The mean100 just after the resume still counts the episodes from before it.
    expect(next.episodes).toBeGreaterThanOrEqual(before.at(-1)!.episodes);
  });

  it('says what is wrong with a directory it cannot resume, and changes nothing', async () => {
    const empty = tempDir();
    let result = await trainInProcess(['--resume', empty], empty);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/checkpoint\.json does not exist: --resume takes the directory of one run/);

    const done = tempDir();
    expect((await trainInProcess(['--frames', '800', '--deterministic'], done)).code).toBe(0);
    const before = readFileSync(join(done, 'metrics.jsonl'), 'utf8');
    result = await trainInProcess(['--resume', done], done);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Nothing to resume: the run in .* has learned from 800 of its 800 frames/);
    expect(readFileSync(join(done, 'metrics.jsonl'), 'utf8')).toBe(before);

    const { code, stderr } = await trainInProcess(['--resume', done, '--learning-rate', '0.1', '--deterministic'], done);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--resume continues a run with its own settings; it cannot take --learning-rate, --deterministic/);

    const model = tempDir();
    const checkpoint = JSON.parse(readFileSync(join(done, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
    delete checkpoint.run;
    writeFileSync(join(model, 'checkpoint.json'), JSON.stringify(checkpoint));
    result = await trainInProcess(['--resume', model], model);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has no run progress/);
  });
});
