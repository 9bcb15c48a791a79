import { beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { isBinary, packBits, unpackBits } from '../../src/core/swarm/bitPack';
import { ContributorTable, MAX_CONTRIBUTORS, TOO_MANY } from '../../src/core/swarm/contributors';
import { decodeRunRecord, encodeRunRecord, RUN_RECORD_FORMAT, settingsIdOf } from '../../src/core/swarm/runRecord';
import { checkUnroll, type UnrollExpectation } from '../../src/core/swarm/unrollCheck';
import { decodeUnroll, encodeUnroll, maxUnrollBytes } from '../../src/core/swarm/unrollWire';
import { decodeWeights, encodeWeights } from '../../src/core/swarm/weightsWire';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { useWasmBackend } from '../../src/node/tfWasm';

/** Unrolls from real actors: MinAtar Breakout (boolean planes), CartPole (float32) and a suite (task ids). */
async function unrollOf(envId: string, numEnvs: number, T: number): Promise<{ unroll: Unroll; expect: UnrollExpectation }> {
  const actor = new Actor({ actorIndex: 3, envId, numEnvs, unrollLength: T, seed: 7, network: { kind: envId.startsWith('minatar') ? 'minatar' : 'mlp' } });
  const spec = actor.vec.spec;
  const net = createNetwork({ kind: envId.startsWith('minatar') ? 'minatar' : 'mlp' }, { observationShape: spec.observationShape, numActions: spec.numActions, numTasks: 1 }, 1, false);
  actor.setWeights(4, await getNetworkWeights(net));
  net.dispose();
  const unroll = await actor.unroll();
  actor.dispose();
  return { unroll, expect: { T, numEnvs, numActions: spec.numActions, observationShape: [...spec.observationShape], observationDtype: spec.observationDtype, numTasks: 1 } };
}

function clone(u: Unroll): Unroll {
  const copy = { ...u, observationShape: [...u.observationShape] } as Record<string, unknown>;
  for (const [k, v] of Object.entries(u)) if (ArrayBuffer.isView(v)) copy[k] = (v as Uint8Array).slice();
  return copy as unknown as Unroll;
}

beforeAll(async () => {
  await useWasmBackend();
});

describe('bit packing', () => {
  it('packs 0/1 bytes eight to a byte, least significant bit first, as a per-bit reference', () => {
    const values = Uint8Array.from({ length: 29 }, (_, i) => (i * 7 + (i >> 2)) % 3 === 0 ? 1 : 0);
    const packed = packBits(values);
    expect(packed.length).toBe(4);
    for (let i = 0; i < 29; i++) expect(Math.floor(packed[Math.floor(i / 8)]! / 2 ** (i % 8)) % 2).toBe(values[i]);
    expect(unpackBits(packed, 29)).toEqual(values);
  });

  it('refuses a value other than 0 or 1, a wrong length and set padding bits', () => {
    expect(isBinary(Uint8Array.of(0, 1, 2))).toBe(false);
    expect(() => packBits(Uint8Array.of(0, 2))).toThrow(/not 0 or 1/);
    expect(() => unpackBits(new Uint8Array(2), 7)).toThrow(/need 1 bytes/);
    expect(() => unpackBits(Uint8Array.of(0x80), 7)).toThrow(/padding/);
  });
});

describe('the unroll wire format', () => {
  it('carries a MinAtar Breakout unroll exactly, bit-packed to about an eighth of its observation bytes', async () => {
    const { unroll, expect: e } = await unrollOf('minatar/breakout', 4, 5);
    const message = encodeUnroll(unroll, { actorId: 'laptop-7', seq: 12 });
    const rawObservationBytes = unroll.observations.byteLength;
    const others = message.length - rawObservationBytes / 8;
    expect(others).toBeLessThan(rawObservationBytes / 4);
    const decoded = decodeUnroll(message, e, 4);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.origin).toEqual({ actorId: 'laptop-7', seq: 12 });
    expect(decoded.unroll).toEqual(unroll);
    expect(message.length).toBeLessThanOrEqual(maxUnrollBytes(e));
  });

  it('carries a CartPole unroll (float32 observations, truncations) exactly, also from a Node Buffer at an odd offset', async () => {
    const { unroll, expect: e } = await unrollOf('classic/CartPole-v1', 3, 40);
    const message = encodeUnroll(unroll, { actorId: 'a', seq: 0 });
    const pooled = Buffer.alloc(message.length + 3);
    pooled.set(message, 3);
    const decoded = decodeUnroll(pooled.subarray(3), e, 10);
    expect(decoded.ok && decoded.unroll).toEqual(unroll);
  });

  it("carries an LSTM agent's unroll with its core state exactly, and refuses core states that do not fit the run", async () => {
    const network = { kind: 'minatar' as const, core: { kind: 'lstm' as const, size: 8 } };
    const actor = new Actor({ actorIndex: 0, envId: 'minatar/breakout', numEnvs: 3, unrollLength: 4, seed: 2, network });
    const spec = actor.vec.spec;
    const net = createNetwork(network, { observationShape: spec.observationShape, numActions: spec.numActions }, 1, false);
    actor.setWeights(0, await getNetworkWeights(net));
    net.dispose();
    await actor.unroll();
    const unroll = await actor.unroll();
    actor.dispose();
    expect(unroll.core!.initialState.h.some((x) => x !== 0)).toBe(true);
    const e: UnrollExpectation = { T: 4, numEnvs: 3, numActions: spec.numActions, observationShape: [...spec.observationShape], observationDtype: spec.observationDtype, numTasks: 1, coreSize: 8 };
    const message = encodeUnroll(unroll, { actorId: 'tab-1', seq: 3 });
    expect(message.length).toBeLessThanOrEqual(maxUnrollBytes(e));
    const decoded = decodeUnroll(message, e, 0);
    expect(decoded.ok && decoded.unroll).toEqual(unroll);
    // A feed-forward run refuses it, and an LSTM run refuses a feed-forward unroll or another size.
    expect(decodeUnroll(message, { ...e, coreSize: 0 }, 0)).toMatchObject({ ok: false, problem: expect.stringMatching(/coreSize is 8, the run's LSTM core is 0/) });
    expect(decodeUnroll(message, { ...e, coreSize: 16 }, 0)).toMatchObject({ ok: false, problem: expect.stringMatching(/coreSize/) });
    const forged = (patch: (u: Unroll) => void): string | null => {
      const u = clone(unroll);
      u.core = { initialState: { h: unroll.core!.initialState.h.slice(), c: unroll.core!.initialState.c.slice() }, previousActions: unroll.core!.previousActions.slice(), previousRewards: unroll.core!.previousRewards.slice() };
      patch(u);
      return checkUnroll(u, e, 0);
    };
    expect(forged(() => undefined)).toBeNull();
    expect(forged((u) => (u.core!.initialState.h[5] = 1.5))).toMatch(/core h\[5\] = 1.5 is outside \[-1, 1\]/);
    expect(forged((u) => (u.core!.initialState.c[0] = Number.NaN))).toMatch(/core c\[0\] is NaN/);
    expect(forged((u) => (u.core!.previousActions[1] = spec.numActions))).toMatch(/core previousActions\[1\]/);
    expect(forged((u) => (u.core!.initialState.h = new Float32Array(3)))).toMatch(/core h has 3 values, not 24/);
    expect(forged((u) => delete u.core)).toMatch(/carries no core state/);
  });

  it('rejects, naming the problem and the sender, a wrong length, NaN, an out-of-range action, a forged size, a huge message and a future version', async () => {
    const { unroll, expect: e } = await unrollOf('classic/CartPole-v1', 2, 8);
    const origin = { actorId: 'mallory', seq: 1 };
    const good = encodeUnroll(unroll, origin);
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', good.subarray(0, good.length - 8), /bytes, its header implies/],
      ['padded', Uint8Array.from([...good, 0, 0, 0, 0, 0, 0, 0, 0]), /bytes, its header implies/],
      ['NaN reward', encodeUnroll({ ...clone(unroll), rewards: unroll.rewards.map((r, i) => (i === 3 ? NaN : r)) }, origin), /rewards\[3\] is NaN/],
      ['infinite logit', encodeUnroll({ ...clone(unroll), behaviourLogits: unroll.behaviourLogits.map((l, i) => (i === 0 ? Infinity : l)) }, origin), /behaviourLogits\[0\] is Infinity/],
      ['action 2 of 2', encodeUnroll({ ...clone(unroll), actions: unroll.actions.map((a, i) => (i === 5 ? 2 : a)) }, origin), /actions\[5\] = 2 is outside \[0, 2\)/],
      ['negative action', encodeUnroll({ ...clone(unroll), actions: unroll.actions.map((a, i) => (i === 0 ? -1 : a)) }, origin), /actions\[0\] = -1/],
      ['wrong T', encodeUnroll({ ...clone(unroll), T: 9 }, origin), /T is 9/],
      ['task id', encodeUnroll({ ...clone(unroll), taskIds: Int32Array.of(0, 1) }, origin), /taskIds\[1\] = 1/],
      ['huge', new Uint8Array(maxUnrollBytes(e) + 1), /larger than any unroll/],
      ['garbage', Uint8Array.from({ length: 200 }, (_, i) => i), /not an unroll/],
    ];
    for (const [name, message, problem] of cases) {
      const decoded = decodeUnroll(message, e, 10);
      expect(decoded.ok, name).toBe(false);
      if (decoded.ok) continue;
      expect(decoded.problem, name).toMatch(problem);
      if (!['huge', 'garbage'].includes(name)) expect(decoded.actorId, name).toBe('mallory');
    }
    const future = decodeUnroll(good, e, 3);
    expect(!future.ok && future.problem).toMatch(/newer than the learner's 3/);
  });

  it('checkUnroll refuses truncation lists that disagree with the flags, and steps both terminated and truncated', async () => {
    const { unroll, expect: e } = await unrollOf('classic/CartPole-v1', 2, 8);
    const flagged = clone(unroll);
    flagged.truncated[0] = 1;
    expect(checkUnroll(flagged, e, 10)).toMatch(/flagged truncated/);
    const both = clone(unroll);
    both.terminated[1] = 1;
    both.truncated[1] = 1;
    both.truncatedIndices = Int32Array.of(1);
    both.truncatedObservations = new Float32Array(4);
    expect(checkUnroll(both, e, 10)).toMatch(/both terminated and truncated/);
  });
});

describe('the weights wire format', () => {
  it('carries weights and their version exactly, and refuses NaN, wrong lengths and absurd sizes', () => {
    const weights = [Float32Array.of(1, -2.5, 3e-8), new Float32Array(0), Float32Array.of(7)];
    const message = encodeWeights(42, weights);
    expect(decodeWeights(message)).toEqual({ ok: true, version: 42, weights });
    const nan = encodeWeights(1, [Float32Array.of(0, NaN)]);
    expect(decodeWeights(nan)).toMatchObject({ ok: false, problem: expect.stringMatching(/value 1 is NaN/) });
    expect(decodeWeights(message.subarray(0, message.length - 4))).toMatchObject({ ok: false, problem: expect.stringMatching(/header implies/) });
    expect(decodeWeights(Uint8Array.of(1, 2, 3))).toMatchObject({ ok: false });
  });
});

describe('the run record', () => {
  it('round-trips and refuses an unknown format or invalid settings', () => {
    const record = { format: RUN_RECORD_FORMAT, run: 'class-1', config: { ...DEFAULT_CONFIG }, learnerId: 'l', createdAt: '2026-01-01T00:00:00Z' } as const;
    expect(decodeRunRecord(encodeRunRecord(record))).toEqual(record);
    const bad = { ...record, config: { ...DEFAULT_CONFIG, unrollLength: -1 } };
    expect(() => decodeRunRecord(encodeRunRecord(bad))).toThrow(/unrollLength/);
    const withId = { ...record, settingsId: settingsIdOf(record.config) };
    expect(decodeRunRecord(encodeRunRecord(withId))).toEqual(withId);
    expect(() => decodeRunRecord(encodeRunRecord({ ...record, settingsId: 'x' }))).toThrow(/settingsId/);
  });

  it('names equal settings alike, whatever their keys\' order, and different settings differently', () => {
    const reversed = Object.fromEntries(Object.entries(DEFAULT_CONFIG).reverse()) as typeof DEFAULT_CONFIG;
    expect(settingsIdOf(reversed)).toBe(settingsIdOf(DEFAULT_CONFIG));
    expect(settingsIdOf(DEFAULT_CONFIG)).toMatch(/^[0-9a-f]{8}$/);
    const ids = new Set([DEFAULT_CONFIG, { ...DEFAULT_CONFIG, learningRate: DEFAULT_CONFIG.learningRate * 2 }, { ...DEFAULT_CONFIG, env: 'classic/Acrobot-v1' }, { ...DEFAULT_CONFIG, seed: DEFAULT_CONFIG.seed + 1 }].map(settingsIdOf));
    expect(ids.size).toBe(4);
  });
});

describe('ContributorTable', () => {
  it('counts per contributor, spots duplicates and gaps, cuts off after repeated rejections and reports the silent as gone', () => {
    const t = new ContributorTable(3, 1000);
    expect(t.arrived('a', 0, 0)).toBe('accept');
    t.counted('a', 100, 2, false);
    expect(t.arrived('a', 0, 10)).toBe('duplicate');
    expect(t.arrived('a', 3, 20)).toBe('accept');
    t.counted('a', 100, 30, true);
    expect(t.arrived('a', 1, 25)).toBe('accept');
    t.counted('a', 100, 1, false);
    expect(t.list()[0]).toMatchObject({ accepted: 2, frames: 200, stale: 1, duplicates: 1, lost: 1, lastLag: 1 });
    expect([t.rejected('b', 'x', 0), t.rejected('b', 'y', 0), t.rejected('b', 'z', 0)]).toEqual([false, false, true]);
    expect(t.isCutOff('b')).toBe(true);
    expect(t.arrived('b', 0, 0)).toBe('ignore');
    t.rejected('b', 'again', 0);
    expect(t.list()[1]).toMatchObject({ rejected: 3, ignored: 2, cutOff: true, lastProblem: 'z' });
    t.heard('a', 900);
    expect(t.isGone(t.list()[0]!, 1899)).toBe(false);
    expect(t.isGone(t.list()[1]!, 1000)).toBe(true);
    expect(t.totals()).toMatchObject({ accepted: 2, rejected: 3, ignored: 2, duplicates: 1 });
  });

  it('counts gaps after the first unroll it received from a contributor, not before (a resumed learner)', () => {
    const t = new ContributorTable(3, 1000);
    t.heard('a', 0);
    // Sequence numbers 0-69 went to the learner before this one.
    expect(t.arrived('a', 70, 0)).toBe('accept');
    expect(t.list()[0]!.lost).toBe(0);
    expect(t.arrived('a', 72, 0)).toBe('accept');
    expect(t.list()[0]!.lost).toBe(1);
    // One the earlier learner had not acknowledged, delivered again: it filled no gap of this learner's.
    expect(t.arrived('a', 66, 0)).toBe('accept');
    expect(t.list()[0]!.lost).toBe(1);
    expect(t.arrived('a', 71, 0)).toBe('accept');
    expect(t.arrived('a', 66, 0)).toBe('duplicate');
    expect(t.list()[0]).toMatchObject({ lost: 0, duplicates: 1 });
  });

  it('records at most MAX_CONTRIBUTORS ids one by one; made-up ids beyond share one entry', () => {
    const t = new ContributorTable(3, 1000);
    for (let i = 0; i < MAX_CONTRIBUTORS + 10; i++) t.heard(`id-${i}`, 0);
    const list = t.list();
    expect(list).toHaveLength(MAX_CONTRIBUTORS + 1);
    expect(list.at(-1)!.id).toBe(TOO_MANY);
    t.heard('id-5', 1);
    expect(t.list()[5]!.lastSeenMs).toBe(1);
  });
});
