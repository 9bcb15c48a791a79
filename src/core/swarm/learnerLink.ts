import { AckPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type Consumer, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { unrollFrames, type Unroll } from '../actor/unroll';
import { decodeAsciiJson } from './asciiJson';
import { ContributorTable } from './contributors';
import { encodeRunRecord, settingsIdOf, type RunRecord } from './runRecord';
import { KV_BUCKET, LEARNER_CONSUMER, OBJECT_BUCKET, SETTINGS_HEADER, swarmNames, type SwarmNames } from './swarmNames';
import { encodeSwarmProgress, type SwarmProgress } from './swarmProgress';
import { decodeUnroll } from './unrollWire';
import type { UnrollExpectation } from './unrollCheck';
import { WeightsChannel } from './weightsChannel';
import { encodeWeights } from './weightsWire';

/**
 * The learner's end of a swarm run (IMPALA's many actors feeding one
 * learner, over NATS JetStream):
 * - the run's unroll stream: work-queue retention (an acknowledged unroll
 *   is gone), at most `streamMessages` unrolls (a few learner batches) and
 *   `discard: new`, so a full stream refuses new unrolls and actors wait
 *   (backpressure); a 2-minute duplicate window on the actors' message ids;
 * - a durable pull consumer with explicit acknowledgements, which a
 *   restarted learner takes up again;
 * - the run's config (`RunRecord`) and weights in the shared KV bucket.
 * `nextUnroll` hands the learner only unrolls that pass `decodeUnroll`,
 * whose sender is not cut off, that are not duplicates, and whose policy
 * lag is at most `maxPolicyLag`; every other is counted, per contributor.
 */
export interface LearnerLinkOptions {
  run: string;
  /** What every unroll must be. */
  expectation: UnrollExpectation;
  /** Stream bound, in unrolls. */
  streamMessages: number;
  /** Unrolls whose policy lag exceeds this are dropped and counted. */
  maxPolicyLag: number;
  /** Rejected unrolls after which a contributor is cut off. */
  maxRejections: number;
  /** A contributor silent this long is reported gone. */
  goneAfterMs: number;
  /** How long the server waits for an acknowledgement before delivering an unroll again. */
  ackWaitMs: number;
  /** Milliseconds from a fixed origin. */
  now: () => number;
  /** Resolves after `ms` milliseconds. */
  sleep: (ms: number) => Promise<void>;
  /** Problems the link survives (a lost connection, a cut-off contributor). */
  log?: (line: string) => void;
}

/** Counts of the link as a whole (per contributor: `contributors`). */
export interface LinkCounts {
  /** Messages taken from the consumer, and their bytes. */
  received: number;
  receivedBytes: number;
  /** Of those, deliveries after the first (the server had not had an acknowledgement). */
  redelivered: number;
  /** Unrolls newer than the learner (sent with weights of a learner that was later restarted from an older checkpoint). */
  fromTheFuture: number;
  /** Unrolls made for other settings (the run's settings changed while they were on the way); not held against their senders. */
  otherSettings: number;
  /** Weights published, and the bytes of the last. */
  weightsPublished: number;
  weightsBytes: number;
}

const FETCH_EXPIRES_MS = 1000;

/**
 * The contributor and sequence number a message's id names
 * (`<actorId>-<seq>`, set by every actor), for a message not read or too
 * broken to read its own header; null if none.
 */
export function originOf(msg: Pick<JsMsg, 'headers'>): { actorId: string; seq: number } | null {
  const id = msg.headers?.get('Nats-Msg-Id') ?? '';
  const match = /^([A-Za-z0-9_.-]{1,64})-(\d{1,15})$/.exec(id);
  return match ? { actorId: match[1]!, seq: Number(match[2]) } : null;
}

/** The contributor a message's id names; null if none. */
export function senderOf(msg: Pick<JsMsg, 'headers'>): string | null {
  return originOf(msg)?.actorId ?? null;
}
const NANOS_PER_MS = 1_000_000;

export class LearnerLink {
  readonly contributors: ContributorTable;
  readonly counts: LinkCounts = { received: 0, receivedBytes: 0, redelivered: 0, fromTheFuture: 0, otherSettings: 0, weightsPublished: 0, weightsBytes: 0 };
  private messages: ConsumerMessages | null = null;
  private iterator: AsyncIterator<JsMsg> | null = null;
  private pendingWeights: { version: number; bytes: Uint8Array } | null = null;
  private publishing: Promise<void> | null = null;
  private pendingProgress: Uint8Array | null = null;
  private reporting: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    readonly names: SwarmNames,
    private readonly consumer: Consumer,
    private readonly weights: WeightsChannel,
    private readonly kv: KV,
    private readonly heartbeats: Subscription,
    private readonly options: LearnerLinkOptions,
    /** The run's settings fingerprint (`settingsIdOf`), which actors send with each unroll. */
    readonly settingsId: string,
  ) {
    this.contributors = new ContributorTable(options.maxRejections, options.goneAfterMs);
  }

  /**
   * Creates (or takes up again) the run's stream, consumer and buckets and
   * stores the run record, so that actors waiting for the run start.
   */
  static async open(nc: NatsConnection, record: RunRecord, options: LearnerLinkOptions): Promise<LearnerLink> {
    const names = swarmNames(options.run);
    const jsm = await jetstreamManager(nc);
    const stream = {
      name: names.stream,
      subjects: [names.unrollSubject],
      retention: RetentionPolicy.Workqueue,
      discard: DiscardPolicy.New,
      storage: StorageType.File,
      max_msgs: options.streamMessages,
      duplicate_window: 120_000 * NANOS_PER_MS,
    };
    try {
      await jsm.streams.info(names.stream);
      await jsm.streams.update(names.stream, stream);
    } catch {
      await jsm.streams.add(stream);
    }
    const consumerConfig = {
      durable_name: LEARNER_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: options.ackWaitMs * NANOS_PER_MS,
      max_ack_pending: Math.max(16, options.streamMessages),
    };
    try {
      await jsm.consumers.info(names.stream, LEARNER_CONSUMER);
      await jsm.consumers.update(names.stream, LEARNER_CONSUMER, { ack_wait: consumerConfig.ack_wait, max_ack_pending: consumerConfig.max_ack_pending });
    } catch {
      await jsm.consumers.add(names.stream, consumerConfig);
    }
    const js = jetstream(nc);
    const kv = await new Kvm(js).create(KV_BUCKET, { history: 1, storage: StorageType.File });
    const settingsId = settingsIdOf(record.config);
    await kv.put(names.configKey, encodeRunRecord({ ...record, settingsId }));
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    const weights = new WeightsChannel(kv, names, maxPayload, () => new Objm(js).create(OBJECT_BUCKET, { storage: StorageType.File }));
    const consumer = await js.consumers.get(names.stream, LEARNER_CONSUMER);
    let link: LearnerLink | null = null;
    const heartbeats = nc.subscribe(names.heartbeatSubject, {
      callback: (error, msg) => {
        if (error || !link) return;
        try {
          const beat = decodeAsciiJson(msg.data) as { actorId?: unknown };
          if (typeof beat?.actorId === 'string' && beat.actorId.length <= 64) link.contributors.heard(beat.actorId, options.now());
        } catch {
          // A malformed heartbeat says nothing about anyone.
        }
      },
    });
    link = new LearnerLink(nc, js, names, consumer, weights, kv, heartbeats, options, settingsId);
    return link;
  }

  /**
   * Publishes weights for the actors. Returns at once: publications are
   * serialised, and while one is in flight only the newest of those waiting
   * is kept (actors want the latest policy, not every one).
   */
  publishWeights(version: number, weights: readonly Float32Array[]): void {
    // Encoded now: a copy, so that the caller may change its arrays at once.
    this.pendingWeights = { version, bytes: encodeWeights(version, weights) };
    if (!this.publishing) this.publishing = this.drainWeights();
  }

  /**
   * Stores the run's progress for everyone who joined (`swarmProgress.ts`)
   * under the run's progress key. Like `publishWeights`, returns at once
   * and keeps only the newest record waiting.
   */
  publishProgress(progress: SwarmProgress): void {
    this.pendingProgress = encodeSwarmProgress(progress);
    if (!this.reporting) this.reporting = this.drainProgress();
  }

  private async drainProgress(): Promise<void> {
    try {
      while (this.pendingProgress && !this.closed) {
        const bytes = this.pendingProgress;
        this.pendingProgress = null;
        try {
          await this.kv.put(this.names.progressKey, bytes);
        } catch (e) {
          this.options.log?.(`could not store the run's progress: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } finally {
      this.reporting = null;
    }
  }

  /** Resolves once every weight (and progress) publication asked for so far has been stored (or failed and been logged). */
  async weightsSettled(): Promise<void> {
    while (this.publishing || this.reporting) await (this.publishing ?? this.reporting);
  }

  private async drainWeights(): Promise<void> {
    try {
      while (this.pendingWeights && !this.closed) {
        const { version, bytes } = this.pendingWeights;
        this.pendingWeights = null;
        try {
          await this.weights.publishEncoded(version, bytes);
          this.counts.weightsPublished++;
          this.counts.weightsBytes = bytes.length;
        } catch (e) {
          // The server may be restarting: the next update publishes again.
          this.options.log?.(`could not publish weights ${version}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } finally {
      this.publishing = null;
    }
  }

  /** The next message of the consumer, or null when none came within a second. */
  private async nextMessage(): Promise<JsMsg | null> {
    try {
      if (!this.iterator) {
        this.messages = await this.consumer.fetch({ max_messages: Math.max(1, Math.ceil(this.options.streamMessages / 2)), expires: FETCH_EXPIRES_MS });
        this.iterator = this.messages[Symbol.asyncIterator]();
      }
      const next = await this.iterator.next();
      if (next.done) this.iterator = null;
      return next.done ? null : next.value;
    } catch (e) {
      this.iterator = null;
      this.options.log?.(`waiting for the server: ${e instanceof Error ? e.message : String(e)}`);
      await this.options.sleep(500);
      return null;
    }
  }

  /**
   * The next unroll fit for the learner, whose version is `learnerVersion()`.
   * Acknowledges every message it takes (a rejected one is terminated: it
   * is never delivered again). Rejects with 'run ended' once `ended()`.
   */
  async nextUnroll(learnerVersion: () => number, ended: () => boolean): Promise<Unroll> {
    for (;;) {
      if (ended() || this.closed) throw new Error('run ended');
      const msg = await this.nextMessage();
      if (!msg) continue;
      const unroll = this.take(msg, learnerVersion());
      if (unroll) return unroll;
    }
  }

  /** Checks one message and acknowledges (or terminates) it; the unroll if the learner should learn from it. */
  private take(msg: JsMsg, version: number): Unroll | null {
    const now = this.options.now();
    this.counts.received++;
    this.counts.receivedBytes += msg.data.length;
    if (msg.redelivered) this.counts.redelivered++;
    const madeFor = msg.headers?.get(SETTINGS_HEADER) ?? '';
    if (madeFor !== '' && madeFor !== this.settingsId) {
      // Made for the run's earlier settings (in flight, or left in the stream, when they changed): useless here, and no one's fault.
      msg.term();
      this.counts.otherSettings++;
      // Its sequence number is taken (not a gap, not lost), and its sender was heard from.
      const origin = originOf(msg);
      if (origin) this.contributors.arrived(origin.actorId, origin.seq, now);
      return null;
    }
    const decoded = decodeUnroll(msg.data, this.options.expectation, Number.MAX_SAFE_INTEGER);
    if (!decoded.ok) {
      msg.term();
      const id = decoded.actorId ?? senderOf(msg);
      if (this.contributors.rejected(id, decoded.problem, now)) {
        this.options.log?.(`contributor ${id} cut off after ${this.options.maxRejections} rejected unrolls (last: ${decoded.problem})`);
      }
      return null;
    }
    msg.ack();
    const { unroll, origin } = decoded;
    const verdict = this.contributors.arrived(origin.actorId, origin.seq, now);
    if (verdict !== 'accept') return null;
    const lag = version - unroll.policyVersion;
    if (lag < 0) {
      this.counts.fromTheFuture++;
      this.contributors.counted(origin.actorId, unrollFrames(unroll), lag, true);
      return null;
    }
    const stale = lag > this.options.maxPolicyLag;
    this.contributors.counted(origin.actorId, unrollFrames(unroll), lag, stale);
    return stale ? null : unroll;
  }

  /** Stops fetching and listening; the connection is the caller's. */
  async close(): Promise<void> {
    this.closed = true;
    this.messages?.stop();
    this.heartbeats.unsubscribe();
    await this.weightsSettled();
  }

  /** The connection, for callers that drain it. */
  get connection(): NatsConnection {
    return this.nc;
  }

  /** JetStream, for tests and the benchmark's counts. */
  get jetstream(): JetStreamClient {
    return this.js;
  }
}
