import { Actor } from '../actor/actor';
import { unrollFrames } from '../actor/unroll';
import { actorOptionsFor, envSpecFor } from '../training/fromConfig';
import type { ActorLink } from './actorLink';
import { encodeUnroll } from './unrollWire';

/**
 * One IMPALA actor of a swarm run (paper section 3, its actors on other
 * machines): the core `Actor` with the run's settings, fed the learner's
 * weights from the run's key and sending every unroll to the run's stream.
 * It starts whenever it is started: before the learner it waits for the
 * run's config; it takes the newest weights before each unroll; a new run
 * record (a new learner, other settings) rebuilds the actor. Weights that
 * fail their checks are refused and reported, and the actor keeps the ones
 * it has.
 */
export interface SwarmActorOptions {
  link: ActorLink;
  /** Contributor id: unique per actor process (it and the sequence number make each message id). */
  actorId: string;
  /** Seeds this actor's environments and sampling (`actorOptionsFor`); distinct actors should differ. */
  actorIndex: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  stopped: () => boolean;
  /** Ends after publishing this many frames (0: until stopped). */
  maxFrames?: number;
  heartbeatMs?: number;
  log?: (line: string) => void;
  /** Called after every published unroll. */
  onUnroll?: (frames: number, policyVersion: number) => void;
}

export interface SwarmActorReport {
  unrolls: number;
  frames: number;
  /** Weights refused by their checks. */
  rejectedWeights: number;
  /** Policy versions acted with, first and last. */
  firstVersion: number;
  lastVersion: number;
}

export async function runSwarmActor(options: SwarmActorOptions): Promise<SwarmActorReport> {
  const { link, actorId, actorIndex, sleep, stopped, log } = options;
  const report: SwarmActorReport = { unrolls: 0, frames: 0, rejectedWeights: 0, firstVersion: -1, lastVersion: -1 };
  const heartbeatMs = options.heartbeatMs ?? 2000;
  let done = false;
  const beating = (async () => {
    while (!done && !stopped()) {
      link.heartbeat(actorId, report.frames);
      await sleep(heartbeatMs);
    }
  })();
  let actor: Actor | null = null;
  let revision = -1;
  let settingsId: string | undefined;
  try {
    while (!stopped() && !(options.maxFrames && report.frames >= options.maxFrames)) {
      if (!actor || link.runRevision !== revision) {
        const { record, revision: r } = await link.runRecord();
        settingsId = record.settingsId;
        actor?.dispose();
        actor = new Actor(actorOptionsFor(record.config, envSpecFor(record.config), actorIndex));
        revision = r;
        log?.(`acting in run '${record.run}': ${record.config.env}, ${record.config.envsPerActor} environments, T = ${record.config.unrollLength}`);
      }
      const weights = await link.newWeights();
      if (weights && !weights.ok) {
        report.rejectedWeights++;
        log?.(`weights refused: ${weights.problem}`);
      } else if (weights?.ok) {
        try {
          actor.setWeights(weights.version, weights.weights);
        } catch (e) {
          report.rejectedWeights++;
          log?.(`weights refused: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (actor.policyVersion < 0) {
        await sleep(50);
        continue;
      }
      const unroll = await actor.unroll();
      await link.publishUnroll(encodeUnroll(unroll, { actorId, seq: report.unrolls }), `${actorId}-${report.unrolls}`, settingsId);
      report.unrolls++;
      report.frames += unrollFrames(unroll);
      if (report.firstVersion < 0) report.firstVersion = unroll.policyVersion;
      report.lastVersion = unroll.policyVersion;
      options.onUnroll?.(unrollFrames(unroll), unroll.policyVersion);
    }
  } catch (e) {
    if (!stopped()) throw e;
  } finally {
    done = true;
    actor?.dispose();
    await beating;
  }
  return report;
}
