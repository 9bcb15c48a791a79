import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { Actor } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { ActorLink } from '../../src/core/swarm/actorLink';
import { LearnerLink, type LearnerLinkOptions } from '../../src/core/swarm/learnerLink';
import { Objm } from '@nats-io/obj';
import { RUN_RECORD_FORMAT } from '../../src/core/swarm/runRecord';
import { swarmNames } from '../../src/core/swarm/swarmNames';
import { WeightsChannel } from '../../src/core/swarm/weightsChannel';
import { encodeUnroll, maxUnrollBytes } from '../../src/core/swarm/unrollWire';
import { encodeWeights } from '../../src/core/swarm/weightsWire';
import { envSpecFor, networkFor, networkSpecFor } from '../../src/core/training/fromConfig';
import { connectSwarm, sleep } from '../../src/node/swarm/natsConnect';
import { streamMessagesFor, unrollExpectationFor } from '../../src/core/swarm/swarmRunSettings';
import { useWasmBackend } from '../../src/node/tfWasm';
import { NatsTestServer, skipSwarmTests, STUDENT, TEACHER } from '../../src/node/swarm/localNatsServer';
import { ActorProcess } from '../../src/node/swarm/actorProcess';

/**
 * The swarm's links against a real nats-server with the shipped config:
 * duplicates, malformed unrolls, stale unrolls, a full stream, and what a
 * student may not do. The whole runs (a trainer and actor processes) are in
 * swarmRun.test.ts.
 */

const CONFIG: ExperimentConfig = { ...DEFAULT_CONFIG, env: 'classic/CartPole-v1', envsPerActor: 2, unrollLength: 8 };
const SPEC = envSpecFor(CONFIG);

let server: NatsTestServer;
const connections: NatsConnection[] = [];

async function connectAs(who: { user: string; pass: string }): Promise<NatsConnection> {
  const nc = await connectSwarm({ url: server.url, ...who }, 'test');
  connections.push(nc);
  return nc;
}

function linkOptions(run: string, overrides: Partial<LearnerLinkOptions> = {}): LearnerLinkOptions {
  return {
    run,
    expectation: unrollExpectationFor(CONFIG, SPEC),
    streamMessages: streamMessagesFor(CONFIG),
    maxPolicyLag: 10,
    maxRejections: 4,
    goneAfterMs: 5000,
    ackWaitMs: 5000,
    now: () => performance.now(),
    sleep,
    ...overrides,
  };
}

async function openLearner(run: string, overrides: Partial<LearnerLinkOptions> = {}): Promise<LearnerLink> {
  const nc = await connectAs(TEACHER);
  return LearnerLink.open(nc, { format: RUN_RECORD_FORMAT, run, config: CONFIG, learnerId: 'test-learner', createdAt: new Date().toISOString() }, linkOptions(run, overrides));
}

async function openActor(run: string): Promise<ActorLink> {
  return ActorLink.open(await connectAs(STUDENT), { run, sleep, stopped: () => false });
}

let weights: Float32Array[];
let actor: Actor;

async function unrollWithVersion(version: number): Promise<Unroll> {
  actor.setWeights(version, weights);
  return actor.unroll();
}

const never = (): boolean => false;

describe.skipIf(skipSwarmTests())('swarm links on a NATS server', () => {
  beforeAll(async () => {
    await useWasmBackend();
    server = await NatsTestServer.start();
    const net = createNetwork(networkFor(CONFIG, SPEC), networkSpecFor(CONFIG, SPEC), 1, false);
    weights = await getNetworkWeights(net);
    net.dispose();
    actor = new Actor({ actorIndex: 0, envId: CONFIG.env, numEnvs: CONFIG.envsPerActor, unrollLength: CONFIG.unrollLength, seed: 1, network: networkFor(CONFIG, SPEC) });
  });

  afterAll(async () => {
    actor?.dispose();
    await Promise.all(connections.map((nc) => nc.close()));
    await server?.stop();
  });

  it('stores a unroll published twice with one message id once, and the learner takes it once', async () => {
    const learner = await openLearner('dup');
    const link = await openActor('dup');
    const unroll = await unrollWithVersion(0);
    const message = encodeUnroll(unroll, { actorId: 'twice', seq: 0 });
    await link.publishUnroll(message, 'twice-0');
    await link.publishUnroll(message, 'twice-0');
    const jsm = await jetstreamManager(learner.connection);
    expect((await jsm.streams.info(learner.names.stream)).state.messages).toBe(1);
    const got = await learner.nextUnroll(() => 0, never);
    expect(got).toEqual(unroll);
    expect(learner.contributors.list()).toMatchObject([{ id: 'twice', accepted: 1, duplicates: 0 }]);
    await learner.close();
    link.close();
  });

  it('rejects and counts per contributor a wrong length, NaN, an out-of-range action and a huge message, cuts the sender off, and goes on', async () => {
    const learner = await openLearner('bad', { maxRejections: 4 });
    const link = await openActor('bad');
    const good = await unrollWithVersion(0);
    const origin = { actorId: 'mallory', seq: 0 };
    const encoded = encodeUnroll(good, origin);
    const bad = [
      encoded.subarray(0, encoded.length - 16),
      encodeUnroll({ ...good, rewards: good.rewards.map((r, i) => (i === 0 ? NaN : r)) }, origin),
      encodeUnroll({ ...good, actions: good.actions.map(() => 7) }, origin),
      new Uint8Array(maxUnrollBytes(unrollExpectationFor(CONFIG, SPEC)) + 1024),
    ];
    for (const [i, message] of bad.entries()) await link.publishUnroll(message, `mallory-${i}`);
    // After the cut-off mallory's good unrolls are ignored; an honest actor's still count.
    await link.publishUnroll(encodeUnroll(good, { actorId: 'mallory', seq: 4 }), 'mallory-4');
    await link.publishUnroll(encodeUnroll(good, { actorId: 'alice', seq: 0 }), 'alice-0');
    const got = await learner.nextUnroll(() => 0, never);
    expect(got.rewards).toEqual(good.rewards);
    const [mallory, alice] = learner.contributors.list();
    expect(mallory).toMatchObject({ id: 'mallory', rejected: 4, ignored: 1, accepted: 0, cutOff: true });
    expect(mallory!.lastProblem).toMatch(/larger than any unroll/);
    expect(alice).toMatchObject({ id: 'alice', accepted: 1, rejected: 0, cutOff: false });
    await learner.close();
    link.close();
  });

  it('drops unrolls whose policy lag exceeds the limit and records the lag of a slow actor', async () => {
    const learner = await openLearner('lag', { maxPolicyLag: 10 });
    const link = await openActor('lag');
    await link.publishUnroll(encodeUnroll(await unrollWithVersion(3), { actorId: 'slow', seq: 0 }), 'slow-0');
    await link.publishUnroll(encodeUnroll(await unrollWithVersion(95), { actorId: 'slow', seq: 1 }), 'slow-1');
    const got = await learner.nextUnroll(() => 100, never);
    expect(got.policyVersion).toBe(95);
    expect(learner.contributors.list()).toMatchObject([{ id: 'slow', stale: 1, accepted: 1, lastLag: 5 }]);
    await learner.close();
    link.close();
  });

  it('a learner that does not keep up: the stream stays bounded and actor processes wait, unharmed', async () => {
    const learner = await openLearner('full');
    learner.publishWeights(0, weights);
    await learner.weightsSettled();
    const actors = [new ActorProcess(server, 'full', 1, ['--quiet']), new ActorProcess(server, 'full', 2, ['--quiet'])];
    const jsm = await jetstreamManager(learner.connection);
    const bound = streamMessagesFor(CONFIG);
    for (let i = 0; i < 200 && (await jsm.streams.info(learner.names.stream)).state.messages < bound; i++) await sleep(100);
    await sleep(1000);
    expect((await jsm.streams.info(learner.names.stream)).state.messages).toBe(bound);
    const reports = await Promise.all(actors.map((a) => a.stop()));
    expect(reports.reduce((n, r) => n + r.backpressure, 0)).toBeGreaterThan(0);
    expect(reports.reduce((n, r) => n + r.published, 0)).toBe(bound);
    // Once the learner takes unrolls, the stream empties: work-queue retention.
    for (let i = 0; i < bound; i++) await learner.nextUnroll(() => 0, never);
    await sleep(200);
    expect((await jsm.streams.info(learner.names.stream)).state.messages).toBe(0);
    await learner.close();
  }, 60_000);

  it('weights larger than a message go to the object store, and a student reads them back through the key', async () => {
    const teacher = await connectAs(TEACHER);
    const names = swarmNames('big');
    const kv = await new Kvm(teacher).create('impala', { history: 1 });
    const writer = new WeightsChannel(kv, names, 8 * 1024, () => new Objm(teacher).create('impala'));
    const big = [Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i)), Float32Array.of(1, 2)];
    await writer.publish(9, big);
    const value = (await kv.get(names.weightsKey))!.value;
    expect(value.length).toBeLessThan(100);
    const student = await connectAs(STUDENT);
    const reader = new WeightsChannel(await new Kvm(student).open('impala'), names, 8 * 1024, () => new Objm(student).open('impala'));
    expect(await reader.read(value)).toEqual({ ok: true, version: 9, weights: big });
  });

  it('an actor refuses weights that fail their checks (NaN, a wrong length) and keeps acting with the ones it has', async () => {
    const learner = await openLearner('poison');
    const link = await openActor('poison');
    const kv = await new Kvm(learner.connection).open('impala');
    const next = async (): Promise<Awaited<ReturnType<ActorLink['newWeights']>>> => {
      for (let i = 0; i < 100; i++) {
        const w = await link.newWeights();
        if (w) return w;
        await sleep(20);
      }
      return null;
    };
    await kv.put(learner.names.weightsKey, encodeWeights(3, weights));
    const good = await next();
    expect(good).toMatchObject({ ok: true, version: 3 });
    await kv.put(learner.names.weightsKey, encodeWeights(4, [Float32Array.of(NaN), ...weights.slice(1)]));
    expect(await next()).toMatchObject({ ok: false, problem: expect.stringMatching(/NaN/) });
    await kv.put(learner.names.weightsKey, encodeWeights(5, weights).subarray(0, 100));
    expect(await next()).toMatchObject({ ok: false });
    // Weights that decode but do not fit the network are refused when set (runSwarmActor counts them), leaving version 3.
    actor.setWeights(3, (good as { weights: Float32Array[] }).weights);
    expect(() => actor.setWeights(6, [Float32Array.of(1)])).toThrow(/expected \d+ arrays/);
    expect(actor.policyVersion).toBe(3);
    await learner.close();
    link.close();
  });

  it('a student may publish unrolls and read weights, but not write weights or configs, nor read the unroll stream', async () => {
    const learner = await openLearner('perm');
    learner.publishWeights(7, weights);
    await learner.weightsSettled();
    const link = await openActor('perm');
    let read = await link.newWeights();
    for (let i = 0; i < 50 && !read; i++) {
      await sleep(50);
      read = await link.newWeights();
    }
    expect(read).toMatchObject({ ok: true, version: 7 });
    const student = await connectAs(STUDENT);
    const kv = await new Kvm(student).open('impala');
    await expect(kv.put('perm.weights', new Uint8Array(8))).rejects.toThrow();
    await expect(kv.put('perm.config', new Uint8Array(8))).rejects.toThrow();
    const jsm = await jetstreamManager(student, { checkAPI: false });
    await expect(jsm.consumers.add(learner.names.stream, { durable_name: 'thief' })).rejects.toThrow();
    await learner.close();
    link.close();
  });
});
