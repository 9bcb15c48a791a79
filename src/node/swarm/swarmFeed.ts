import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import type { EnvSpec } from '../../core/envs/types';
import type { LearnerHandle } from '../../core/learner/learnerHandle';
import { LearnerLink } from '../../core/swarm/learnerLink';
import { RUN_RECORD_FORMAT } from '../../core/swarm/runRecord';
import { ProgressBoard } from '../../core/swarm/swarmProgress';
import type { MetricsRecord } from '../../core/telemetry/metrics';
import { SwarmSource } from '../../core/swarm/swarmSource';
import { streamMessagesFor, SWARM_LIMITS, unrollExpectationFor } from '../../core/swarm/swarmRunSettings';
import type { TrainerOptions } from '../cli/parseTrainArgs';
import { closeSwarm, connectSwarm, sleep } from './natsConnect';

/**
 * The headless trainer's swarm (`npm run train -- --swarm URL --run NAME`):
 * the learner's link to the NATS server, and the one `ActorHandle` through
 * which the core `TrainingRun` takes the swarm's unrolls. The trainer's
 * loop, metrics, checkpoints and `--resume` are unchanged; a resumed run
 * takes up the same durable consumer and republishes its weights.
 */
export interface SwarmFeed {
  source: SwarmSource;
  link: LearnerLink;
  /** Publishes the learner's weights to the run's key (the run's `onPublish`). */
  publish(version: number, weights: readonly Float32Array[]): void;
  /** After each update: reports contributors newly gone, and stores the run's progress for the actors (every 2 s). */
  updated(record: MetricsRecord): void;
  /** Stops, waits for the last weights to be stored, writes contributors.json to `outDir` and returns its lines for the summary. */
  close(outDir: string): Promise<string>;
}

export async function startSwarmFeed(
  config: ExperimentConfig,
  spec: EnvSpec,
  options: TrainerOptions,
  learner: () => LearnerHandle,
  ended: () => boolean,
  log: (line: string) => void,
): Promise<SwarmFeed> {
  const run = options.run ?? 'default';
  const learnerId = `learner-${randomBytes(4).toString('hex')}`;
  log(`swarm: connecting to ${options.swarm} (waiting until it answers) for run '${run}'`);
  const nc: NatsConnection = await connectSwarm({ url: options.swarm!, user: options.user || (process.env.IMPALA_NATS_USER ?? ''), pass: options.pass || (process.env.IMPALA_NATS_PASS ?? '') }, `impala ${learnerId}`);
  let link: LearnerLink;
  try {
    link = await LearnerLink.open(nc, { format: RUN_RECORD_FORMAT, run, config, learnerId, createdAt: new Date().toISOString() }, {
      run,
      expectation: unrollExpectationFor(config, spec),
      streamMessages: streamMessagesFor(config),
      maxPolicyLag: options.maxPolicyLag ?? SWARM_LIMITS.maxPolicyLag,
      maxRejections: options.maxRejections ?? SWARM_LIMITS.maxRejections,
      goneAfterMs: (options.goneAfter ?? SWARM_LIMITS.goneAfterSeconds) * 1000,
      ackWaitMs: (options.ackWait ?? SWARM_LIMITS.ackWaitSeconds) * 1000,
      now: () => performance.now(),
      sleep,
      log: (line) => log(`swarm: ${line}`),
    });
  } catch (e) {
    await nc.close();
    throw new Error(`could not set up run '${run}' on ${options.swarm}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const gone = new Set<string>();
  const board = new ProgressBoard(run, config.frames);
  return {
    link,
    source: new SwarmSource(link, () => learner().version, ended),
    publish: (version, weights) => link.publishWeights(version, weights),
    updated: (record) => {
      const now = performance.now();
      board.add(record);
      if (board.due(now)) link.publishProgress(board.progress(link.contributors, now, 'training'));
      for (const c of link.contributors.list()) {
        const isGone = link.contributors.isGone(c, now);
        if (isGone && !gone.has(c.id)) log(`swarm: contributor ${c.id} is gone (last seen ${((now - c.lastSeenMs) / 1000).toFixed(0)} s ago)`);
        if (isGone) gone.add(c.id);
        else gone.delete(c.id);
      }
    },
    close: async (outDir) => {
      link.publishProgress(board.progress(link.contributors, performance.now(), 'stopped'));
      await link.close();
      await closeSwarm(nc);
      const now = performance.now();
      const contributors = link.contributors.list().map((c) => ({ ...c, gone: link.contributors.isGone(c, now), lastSeenSecondsAgo: (now - c.lastSeenMs) / 1000 }));
      const totals = link.contributors.totals();
      try {
        writeFileSync(join(outDir, 'contributors.json'), `${JSON.stringify({ run, learnerId, counts: link.counts, totals, contributors }, null, 2)}\n`);
      } catch (e) {
        log(`swarm: could not write contributors.json: ${e instanceof Error ? e.message : String(e)}`);
      }
      const lines = contributors.map((c) => `  ${c.id}: ${c.accepted} unrolls (${c.frames} frames), ${c.stale} stale, ${c.rejected} rejected${c.cutOff ? ', cut off' : ''}${c.gone ? ', gone' : ''}, last lag ${c.lastLag}`);
      return `Swarm run '${run}': ${contributors.length} contributors, ${totals.accepted} unrolls learned from, ${totals.stale} stale, ${totals.rejected} rejected, ${totals.duplicates} duplicates, ${totals.lost} lost, ${link.counts.redelivered} redelivered\n${lines.join('\n')}\n`;
    },
  };
}
