import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import { headers, type NatsConnection, type QueuedIterator } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { encodeAsciiJson } from './asciiJson';
import { decodeRunRecord, type RunRecord } from './runRecord';
import { decodeSwarmProgress, type SwarmProgress } from './swarmProgress';
import { KV_BUCKET, OBJECT_BUCKET, SETTINGS_HEADER, swarmNames, type SwarmNames } from './swarmNames';
import { WeightsChannel } from './weightsChannel';
import type { DecodedWeights } from './weightsWire';

/**
 * An actor's end of a swarm run: it watches the run's config and weights
 * keys (whenever it joins: the bucket keeps their latest values), publishes
 * unrolls to the run's stream with a message id (actor id and sequence
 * number), so that a retried publication is stored once, and waits and
 * retries while the stream is full (backpressure) or the server away.
 * Works over any NATS connection: transport-node's `connect` in Node,
 * nats-core's `wsconnect` in a browser.
 */
export interface ActorLinkOptions {
  run: string;
  /** Resolves after `ms` milliseconds. */
  sleep: (ms: number) => Promise<void>;
  /** True once the actor should give up waiting. */
  stopped: () => boolean;
  log?: (line: string) => void;
}

/** What publishing has met so far. */
export interface PublishCounts {
  /** Unrolls the server stored. */
  published: number;
  /** Bytes of those messages. */
  bytes: number;
  /** Publications refused because the stream was full, then retried. */
  backpressure: number;
  /** Other failed publications (server away, timeouts), retried. */
  errors: number;
}

const BACKOFF_MIN_MS = 20;
const BACKOFF_MAX_MS = 2000;
const PUBLISH_TIMEOUT_MS = 5000;

export class ActorLink {
  readonly counts: PublishCounts = { published: 0, bytes: 0, backpressure: 0, errors: 0 };
  private record: { bytes: Uint8Array; revision: number } | null = null;
  private weightsEntry: { bytes: Uint8Array; revision: number } | null = null;
  private appliedWeightsRevision = -1;
  private progressBytes: Uint8Array | null = null;
  private progressRead: { bytes: Uint8Array; progress: SwarmProgress | null } | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    readonly names: SwarmNames,
    private readonly weights: WeightsChannel,
    private readonly watch: QueuedIterator<KvWatchEntry>,
    private readonly options: ActorLinkOptions,
  ) {
    void this.follow();
  }

  /** Opens the shared bucket, waiting (as long as `stopped()` is false) for a learner to create it. */
  static async open(nc: NatsConnection, options: ActorLinkOptions): Promise<ActorLink> {
    const names = swarmNames(options.run);
    const js = jetstream(nc);
    let kv: KV | null = null;
    let said = false;
    while (!kv) {
      try {
        kv = await new Kvm(js).open(KV_BUCKET);
        await kv.status();
      } catch (e) {
        kv = null;
        if (options.stopped()) throw new Error('stopped while waiting for a learner', { cause: e });
        if (!said) options.log?.(`waiting for a learner to start run '${options.run}'`);
        said = true;
        await options.sleep(500);
      }
    }
    const watch = await kv.watch({ key: `${options.run}.>` });
    const weights = new WeightsChannel(kv, names, nc.info?.max_payload ?? 1024 * 1024, () => new Objm(js).open(OBJECT_BUCKET));
    return new ActorLink(nc, js, names, weights, watch, options);
  }

  private async follow(): Promise<void> {
    try {
      for await (const entry of this.watch) {
        if (entry.operation !== 'PUT') continue;
        const latest = { bytes: entry.value, revision: entry.revision };
        if (entry.key === this.names.configKey) this.record = latest;
        else if (entry.key === this.names.weightsKey) this.weightsEntry = latest;
        else if (entry.key === this.names.progressKey) this.progressBytes = entry.value;
      }
    } catch (e) {
      this.options.log?.(`stopped watching the run: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The run's record, waiting until the learner has stored one; with its revision (a new learner writes a new one). */
  async runRecord(): Promise<{ record: RunRecord; revision: number }> {
    let said = false;
    for (;;) {
      if (this.options.stopped()) throw new Error('stopped while waiting for the run');
      const r = this.record;
      if (r) return { record: decodeRunRecord(r.bytes), revision: r.revision };
      if (!said) this.options.log?.(`waiting for the learner of run '${this.options.run}'`);
      said = true;
      await this.options.sleep(100);
    }
  }

  /** Revision of the run record seen last (-1: none yet). */
  get runRevision(): number {
    return this.record?.revision ?? -1;
  }

  /** Weights newer than those taken last, read and checked; null when there are none. */
  async newWeights(): Promise<DecodedWeights | null> {
    const entry = this.weightsEntry;
    if (!entry || entry.revision === this.appliedWeightsRevision) return null;
    this.appliedWeightsRevision = entry.revision;
    return this.weights.read(entry.bytes);
  }

  /**
   * The learner's latest report on the run (`swarmProgress.ts`): counters,
   * the shared learning curve and every contributor's share; null before
   * the first, or when the stored one does not read (logged once per value).
   */
  progress(): SwarmProgress | null {
    const bytes = this.progressBytes;
    if (!bytes) return null;
    if (this.progressRead?.bytes !== bytes) {
      let progress: SwarmProgress | null = null;
      try {
        progress = decodeSwarmProgress(bytes);
      } catch (e) {
        this.options.log?.(`the run's progress does not read: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.progressRead = { bytes, progress };
    }
    return this.progressRead.progress;
  }

  /**
   * Publishes one unroll message and resolves once the stream stored it
   * (or already had it: same message id). While the stream is full or the
   * server away it waits, doubling the wait up to 2 s, and tries again.
   * Rejects only when `stopped()` or when the server can never take it
   * (larger than its largest message). `settingsId` names the settings the
   * unroll was made for (the run record's), so that a learner with other
   * settings drops it without blaming this actor.
   */
  async publishUnroll(message: Uint8Array, msgId: string, settingsId?: string): Promise<void> {
    let wait = BACKOFF_MIN_MS;
    let hdrs: ReturnType<typeof headers> | undefined;
    if (settingsId !== undefined) {
      hdrs = headers();
      hdrs.set(SETTINGS_HEADER, settingsId);
    }
    for (;;) {
      try {
        await this.js.publish(this.names.unrollSubject, message, { msgID: msgId, timeout: PUBLISH_TIMEOUT_MS, ...(hdrs ? { headers: hdrs } : {}) });
        this.counts.published++;
        this.counts.bytes += message.length;
        return;
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e);
        if (/maximum payload|max_payload|message size exceeds/i.test(text)) throw e;
        if (/maximum (messages|bytes)/i.test(text)) this.counts.backpressure++;
        else {
          this.counts.errors++;
          this.options.log?.(`publishing an unroll failed (${text}); retrying`);
        }
      }
      if (this.options.stopped()) throw new Error('stopped while publishing');
      await this.options.sleep(wait);
      wait = Math.min(BACKOFF_MAX_MS, wait * 2);
    }
  }

  /** Tells the learner this actor is alive (core NATS, fire and forget). */
  heartbeat(actorId: string, frames: number): void {
    try {
      this.nc.publish(this.names.heartbeatSubject, encodeAsciiJson({ actorId, frames }));
    } catch {
      // Disconnected: the next one goes when the connection is back.
    }
  }

  close(): void {
    this.watch.stop();
  }
}
