import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import type { ContributorStats } from '../../src/core/swarm/contributors';
import type { LinkCounts } from '../../src/core/swarm/learnerLink';
import { LEARNER_CONSUMER, swarmNames } from '../../src/core/swarm/swarmNames';
import { decodeCheckpoint } from '../../src/core/persistence/checkpoint';
import { readMetrics as readMetricsTolerant } from '../../src/node/jsonLines';
import { runTrainer } from '../../src/node/trainer';
import { NatsTestServer, skipSwarmTests, TEACHER } from '../../src/node/swarm/localNatsServer';
import { ActorProcess } from '../../src/node/swarm/actorProcess';
import { closeSwarm, connectSwarm } from '../../src/node/swarm/natsConnect';
import { Capture, useTempDirs } from '../support/trainerIo';

/**
 * Whole swarm runs (issue 13): the headless trainer as the learner
 * (`npm run train -- --swarm`) and actor processes (`npm run actor`),
 * through a real nats-server with the shipped config: learning, frames
 * that add up, and the faults a class run meets (an actor killed, the
 * broker killed and restarted, the learner stopped or killed and resumed).
 */

const tempDir = useTempDirs('impala-swarm-');
let server: NatsTestServer;

interface Contributors {
  counts: LinkCounts;
  totals: Omit<ContributorStats, 'id' | 'lastProblem' | 'lastLag' | 'cutOff' | 'lastSeenMs'>;
  contributors: (ContributorStats & { gone: boolean })[];
}

function readMetrics(dir: string): MetricsRecord[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as MetricsRecord);
}

function readContributors(dir: string): Contributors {
  return JSON.parse(readFileSync(join(dir, 'contributors.json'), 'utf8')) as Contributors;
}

/** Starts the learner; `onProgress` sees every status line's update count. */
function learner(run: string, out: string, args: string[], onProgress?: (updates: number, interrupt: AbortController) => void): { done: Promise<number>; stdout: Capture; stderr: Capture; interrupt: AbortController } {
  const interrupt = new AbortController();
  const stdout = new Capture((text) => {
    const last = [...text.matchAll(/updates ([\d,]+)/g)].at(-1);
    if (last) onProgress?.(Number(last[1]!.replace(/,/g, '')), interrupt);
  });
  const stderr = new Capture();
  const where = args.includes('--resume') ? [] : ['--out', out];
  const done = runTrainer([...args, ...where, '--swarm', server.url, '--run', run, '--user', TEACHER.user, '--pass', TEACHER.pass, '--quiet', '--log-every', '0.2'], { stdout, stderr, interrupt: interrupt.signal });
  return { done, stdout, stderr, interrupt };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The learner as its own process (`npm run train` is node with tsx), so that
 * it can be killed with SIGKILL: node itself, the process that holds the
 * NATS connection, not an npm or npx wrapper that would outlive it.
 */
function learnerProcess(run: string, out: string, args: string[]): { kill: () => Promise<void>; alive: () => boolean; log: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/train.ts', ...args, '--out', out, '--swarm', server.url, '--run', run, '--quiet', '--log-every', '0.2'], {
    cwd: ROOT,
    env: { ...process.env, IMPALA_NATS_USER: TEACHER.user, IMPALA_NATS_PASS: TEACHER.pass },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log += String(c)));
  child.stderr.on('data', (c: Buffer) => (log += String(c)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    alive: () => child.exitCode === null && child.signalCode === null,
    log: () => log,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const CARTPOLE = ['--env', 'classic/CartPole-v1', '--seed', '1'];
/** T x N of the default CartPole settings: frames per unroll. */
const UNROLL_FRAMES = 40;
/** The run's queue in a swarm run (one batch, B = 4 by default), plus the one unroll the source may hold. */
const HELD_UNROLLS = 4 + 1;

/**
 * The frames the link accepted are those the learner learned from plus the
 * whole unrolls still waiting in the run's queue when it ended.
 */
function expectFramesAddUp(accepted: number, last: MetricsRecord): void {
  const waiting = accepted - last.frames;
  expect(waiting % UNROLL_FRAMES).toBe(0);
  expect(waiting).toBeGreaterThanOrEqual(0);
  expect(waiting).toBeLessThanOrEqual(HELD_UNROLLS * UNROLL_FRAMES);
}

describe.skipIf(skipSwarmTests())('swarm runs: npm run train -- --swarm with npm run actor processes', () => {
  beforeAll(async () => {
    server = await NatsTestServer.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  // Measured (8 runs of this setup, with the stream at 2 B and the run's queue at B): 475 reached in every run,
  // at 118,560-174,400 frames, with PopArt's step size then 3e-4; with today's 3e-5, in 3 of 3 runs of this test.
  // The schedules anneal over the 200,000-frame budget, so later than the defaults' 100,000-frame runs (which
  // reached 475 in 4 of 5 swarm runs).
  it('CartPole, seed 1, a learner and 3 actor processes: mean return 475 within 200,000 frames; frames add up; policy versions increase', async () => {
    const out = tempDir();
    // Actors started before the learner wait for it.
    const actors = [0, 1, 2].map((i) => new ActorProcess(server, 'learn', i));
    const { done, stderr } = learner('learn', out, [...CARTPOLE, '--frames', '200000']);
    expect(await done, stderr.text).toBe(0);
    const reports = await Promise.all(actors.map((a) => a.stop()));
    const records = readMetrics(out);
    const reached = records.find((r) => (r.episodeReturnMean100 ?? 0) >= 475);
    expect(reached?.frames, `best mean100 ${Math.max(...records.map((r) => r.episodeReturnMean100 ?? 0))}`).toBeLessThanOrEqual(200_000);
    const { contributors, totals, counts } = readContributors(out);
    expect(contributors).toHaveLength(3);
    // Every frame learned from came from one actor's accepted unrolls, and no actor was counted for more than it sent.
    expectFramesAddUp(totals.frames, records.at(-1)!);
    for (const r of reports) {
      const c = contributors.find((x) => x.id === r.actorId)!;
      expect(c.accepted).toBeGreaterThan(0);
      expect(c.frames + c.stale * 40).toBeLessThanOrEqual(r.frames);
      expect(r.lastVersion).toBeGreaterThan(r.firstVersion);
    }
    // Honest actors send nothing the learner rejects. On a loaded machine an unroll not acknowledged within
    // --ack-wait is delivered again: the learner counts it as a duplicate and drops it (the frames above still
    // add up), so a few are allowed (one was seen once in CI).
    expect(totals.rejected, `rejections: ${JSON.stringify(contributors.map((c) => [c.id, c.rejected, c.lastProblem]))}`).toBe(0);
    expect(totals.duplicates).toBeLessThanOrEqual(Math.max(2, totals.accepted / 50));
    expect(counts.weightsPublished).toBeGreaterThan(100);
    // The server password is not written to the run's folder.
    expect(readFileSync(join(out, 'config.json'), 'utf8')).not.toContain(TEACHER.pass);
  }, 240_000);

  it('an actor killed: the others go on, the run finishes, and it is reported gone with its last-seen time', async () => {
    const out = tempDir();
    const actors = [new ActorProcess(server, 'kill', 0), new ActorProcess(server, 'kill', 1)];
    let killed: Promise<void> | null = null;
    const { done, stderr } = learner('kill', out, [...CARTPOLE, '--frames', '40000', '--gone-after', '1'], (updates) => {
      if (updates >= 20 && !killed) killed = actors[0]!.kill();
    });
    expect(await done, stderr.text).toBe(0);
    await killed;
    const survivor = await actors[1]!.stop();
    expect(stderr.text).toMatch(/contributor .* is gone/);
    const { contributors } = readContributors(out);
    const alive = contributors.find((c) => c.id === survivor.actorId)!;
    const dead = contributors.find((c) => c.id !== survivor.actorId)!;
    expect(dead.gone).toBe(true);
    expect(alive.gone).toBe(false);
    expect(alive.frames).toBeGreaterThan(dead.frames);
  }, 120_000);

  it('the broker killed and restarted on its file store: learner and actors reconnect and the run finishes', async () => {
    const out = tempDir();
    const actors = [new ActorProcess(server, 'broker', 0), new ActorProcess(server, 'broker', 1)];
    let restarted: Promise<void> | null = null;
    const { done, stderr } = learner('broker', out, [...CARTPOLE, '--frames', '40000', '--ack-wait', '2'], (updates) => {
      if (updates >= 30 && !restarted) restarted = server.kill().then(() => new Promise((r) => setTimeout(r, 1000))).then(() => server.restart());
    });
    expect(await done, stderr.text).toBe(0);
    await restarted;
    const reports = await Promise.all(actors.map((a) => a.stop()));
    const records = readMetrics(out);
    expect(records.at(-1)!.frames).toBeGreaterThanOrEqual(40_000);
    const { contributors, totals, counts } = readContributors(out);
    // Both actors contributed.
    expect(contributors).toHaveLength(2);
    expect(reports.every((r) => r.unrolls > 0)).toBe(true);
    expectFramesAddUp(totals.frames, records.at(-1)!);
    // The outage was felt: publications failed and were retried. A retried unroll the server had stored but not
    // acknowledged, or one delivered again because the learner's acknowledgement died with the broker, is taken
    // once (the learner drops duplicates by sequence number: after a crash the server's own duplicate window is
    // not rebuilt from a work queue's removed messages). Nothing vanished unreported: every sequence gap is an
    // unroll the learner rejected (a record damaged by the crash).
    const figures = JSON.stringify({ counts, totals, errors: reports.map((r) => r.errors), problems: contributors.map((c) => c.lastProblem) });
    expect(reports.reduce((n, r) => n + r.errors, 0), figures).toBeGreaterThan(0);
    expect(totals.lost, figures).toBeLessThanOrEqual(totals.rejected);
  }, 120_000);

  it('the learner restarted: --resume continues from its checkpoint and its durable consumer, with the same actors', async () => {
    const out = tempDir();
    const actors = [new ActorProcess(server, 'resume', 0), new ActorProcess(server, 'resume', 1)];
    const first = learner('resume', out, [...CARTPOLE, '--frames', '40000', '--checkpoint-every', '5'], (updates, interrupt) => {
      if (updates >= 40) interrupt.abort();
    });
    expect(await first.done, first.stderr.text).toBe(130);
    const stoppedAt = readMetrics(out).at(-1)!.frames;
    expect(stoppedAt).toBeLessThan(40_000);
    const second = learner('resume', out, ['--resume', out]);
    expect(await second.done, second.stderr.text).toBe(0);
    const reports = await Promise.all(actors.map((a) => a.stop()));
    const records = readMetrics(out);
    expect(records.at(-1)!.frames).toBeGreaterThanOrEqual(40_000);
    expect(records.at(-1)!.updates).toBeGreaterThan(40);
    const { contributors } = readContributors(out);
    expect(contributors.map((c) => c.id).sort()).toEqual(reports.map((r) => r.actorId).sort());
    // The actors took the resumed learner's weights: their last policy is newer than where the first learner stopped.
    for (const r of reports) expect(r.lastVersion).toBeGreaterThan(40);
  }, 120_000);

  // The graceful stop above writes a checkpoint of the very update it stopped at and acknowledges what it took. A
  // learner killed outright (SIGKILL: out of memory, a power cut) leaves a checkpoint some updates old, metrics
  // past it (the last line perhaps cut short), unrolls it had fetched and not acknowledged (the server delivers
  // them again after --ack-wait, 2 s here so that the resumed learner meets them), and actors holding newer
  // weights than the checkpoint's (their unrolls in the stream are from the resumed learner's future).
  it('the learner killed (SIGKILL) mid-run: --resume continues from its last checkpoint and the durable consumer, with the same actors', async () => {
    const out = tempDir();
    const actors = [new ActorProcess(server, 'sigkill', 0), new ActorProcess(server, 'sigkill', 1)];
    const first = learnerProcess('sigkill', out, [...CARTPOLE, '--frames', '40000', '--checkpoint-every', '25', '--ack-wait', '2']);
    const nc = await connectSwarm({ url: server.url, ...TEACHER }, 'swarm run test');
    try {
      // Killed once a checkpoint is on disk and some updates later (the next is due at update 50).
      const deadline = Date.now() + 150_000;
      while (!(existsSync(join(out, 'checkpoint.json')) && readMetricsTolerant(out).length >= 35)) {
        expect(first.alive(), `the first learner ended before it was killed:\n${first.log()}`).toBe(true);
        expect(Date.now(), `no checkpoint and 35 updates in time:\n${first.log()}`).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 100));
      }
      await first.kill();
      // Where the killed learner got to (its last line may be cut short), and the checkpoint it left.
      const killedAt = readMetricsTolerant(out).at(-1)!.updates;
      const checkpoint = decodeCheckpoint(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
      expect(checkpoint.version % 25).toBe(0);
      expect(checkpoint.version).toBeGreaterThanOrEqual(25);
      expect(checkpoint.version).toBeLessThanOrEqual(killedAt);
      expect(checkpoint.frames).toBeLessThan(40_000);
      // The actors wait for a learner meanwhile: nobody restarts them.
      expect(actors.every((a) => a.child.exitCode === null && a.child.signalCode === null)).toBe(true);

      const second = learner('sigkill', out, ['--resume', out, '--ack-wait', '2']);
      expect(await second.done, second.stderr.text).toBe(0);
      expect(second.stdout.text).toContain(`Resuming classic/CartPole-v1 from update ${checkpoint.version},`);
      expect(actors.every((a) => a.child.exitCode === null && a.child.signalCode === null), actors.map((a) => a.log).join('\n')).toBe(true);
      const reports = await Promise.all(actors.map((a) => a.stop()));

      // metrics.jsonl: the killed learner's records up to the checkpoint, then the resumed learner's, numbered on
      // from the checkpoint's update (those the checkpoint lacked are learned again, not kept twice); frames and
      // updates never go back.
      const records = readMetrics(out);
      expect(records.map((r) => r.updates)).toEqual(records.map((_, i) => i + 1));
      for (let i = 1; i < records.length; i++) expect(records[i]!.frames, `update ${records[i]!.updates}`).toBeGreaterThan(records[i - 1]!.frames);
      expect(records[checkpoint.version - 1]!.frames).toBe(checkpoint.frames);
      const last = records.at(-1)!;
      expect(last.frames).toBeGreaterThanOrEqual(40_000);
      expect(last.updates).toBeGreaterThan(killedAt);
      const header = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { resumedAt?: { version: number; frames: number }[] };
      expect(header.resumedAt).toEqual([expect.objectContaining({ version: checkpoint.version, frames: checkpoint.frames })]);

      const { contributors, totals, counts } = readContributors(out);
      const figures = JSON.stringify({ counts, totals, checkpoint: checkpoint.version, killedAt, reports });
      // The resumed learner took up the durable consumer: the run's one consumer, which delivered to both learners
      // (the killed one took at least a batch of 4 unrolls for each of its updates).
      const jsm = await jetstreamManager(nc);
      const consumers = await jsm.consumers.list(swarmNames('sigkill').stream).next();
      expect(consumers.map((c) => c.name)).toEqual([LEARNER_CONSUMER]);
      expect(consumers[0]!.delivered.consumer_seq, figures).toBeGreaterThanOrEqual(counts.received + 4 * killedAt);
      // It took the same actors' unrolls: both contributed, with policies newer than anything the killed learner
      // had published.
      expect(contributors.map((c) => c.id).sort(), figures).toEqual(reports.map((r) => r.actorId).sort());
      expect(contributors.every((c) => c.accepted > 0), figures).toBe(true);
      for (const r of reports) expect(r.lastVersion, figures).toBeGreaterThan(killedAt);
      expect(counts.weightsPublished, figures).toBeGreaterThan(0);
      // Nothing rejected; every message taken is accounted for once: learned (or waiting), stale (among them those
      // acted with the killed learner's newer weights), or a redelivered duplicate dropped.
      expect(totals.rejected, figures).toBe(0);
      expect(totals.ignored, figures).toBe(0);
      expect(counts.received, figures).toBe(totals.accepted + totals.stale + totals.duplicates);
      expect(counts.fromTheFuture, figures).toBeLessThanOrEqual(totals.stale);
      // Unrolls the killed learner took are not lost ones: it received nothing that the resumed learner missed.
      expect(totals.lost, figures).toBe(0);
      // No unroll learned twice: the frames learned since the checkpoint are those of the accepted unrolls, less
      // whole unrolls still queued at the end.
      expectFramesAddUp(totals.frames, { ...last, frames: last.frames - checkpoint.frames });
    } finally {
      await closeSwarm(nc);
      await first.kill();
      await Promise.all(actors.map((a) => (a.child.exitCode === null && a.child.signalCode === null ? a.kill() : undefined)));
    }
  }, 300_000);
});
