import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../src/core/persistence/base64';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/core/persistence/checkpoint';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { envSpecFor, networkSpecFor } from '../../src/core/training/fromConfig';

function sample(): Checkpoint {
  return {
    config: { ...DEFAULT_CONFIG, popart: false, seed: 7 },
    version: 12,
    frames: 960,
    weights: [Float32Array.from([1.5, -2, 3.25e-8, 3.4028234663852886e38]), Float32Array.from([0.1])],
    optimizer: { name: 'rmsprop', step: 12, slots: [Float32Array.from([0.5, 0.25, 0, 1]), Float32Array.from([2])] },
    createdAt: '2026-11-21T00:00:00.000Z',
  };
}

describe('base64', () => {
  it('matches RFC 4648 test vectors and round-trips', () => {
    const enc = (s: string) => bytesToBase64(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc)).toEqual(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']);
    expect(new TextDecoder().decode(base64ToBytes('Zm9vYmFy'))).toBe('foobar');
    expect(() => base64ToBytes('Zm9v!mFy')).toThrow(/invalid character/);
    expect(() => base64ToBytes('Zm9')).toThrow(/multiple of 4/);
  });
});

describe('checkpoint', () => {
  it('round-trips weights, optimiser state, counters and config exactly', () => {
    const c = sample();
    const back = decodeCheckpoint(encodeCheckpoint(c, [[2, 2], [1]]));
    expect(back.weights.map((w) => Array.from(w))).toEqual(c.weights.map((w) => Array.from(w)));
    expect(back.optimizer?.slots.map((w) => Array.from(w))).toEqual(c.optimizer!.slots.map((w) => Array.from(w)));
    expect(back.config).toEqual(c.config);
    expect([back.version, back.frames, back.config.env, back.createdAt]).toEqual([12, 960, 'classic/CartPole-v1', '2026-11-21T00:00:00.000Z']);
  });

  it('round-trips a suite model: its number of tasks and PopArt statistics', () => {
    const c: Checkpoint = {
      ...sample(),
      config: { ...DEFAULT_CONFIG, env: 'suite/minatar', tasks: 'breakout,seaquest', popart: true },
      popart: { mu: [0.25, -3.5], nu: [1.5, 20.25] },
    };
    const back = decodeCheckpoint(encodeCheckpoint(c));
    expect(networkSpecFor(back.config, envSpecFor(back.config))).toEqual({ observationShape: [10, 10, 31], numActions: 6, numTasks: 2 });
    expect(back.popart).toEqual({ mu: [0.25, -3.5], nu: [1.5, 20.25] });
    const damaged = JSON.parse(encodeCheckpoint(c)) as { popart: { mu: unknown[] } };
    damaged.popart.mu = [1, 'x'];
    expect(() => decodeCheckpoint(JSON.stringify(damaged))).toThrow(/PopArt statistics are damaged/);
    expect(sample().popart).toBeUndefined();
    expect(decodeCheckpoint(encodeCheckpoint(sample())).popart).toBeUndefined();
  });

  it('names what is wrong with a bad file', () => {
    const good = encodeCheckpoint(sample());
    expect(() => decodeCheckpoint('PK\u0003\u0004 not json')).toThrow(/not JSON/);
    expect(() => decodeCheckpoint('{"hello": 1}')).toThrow(/not an IMPALA Lab model file/);
    expect(() => decodeCheckpoint(good.replace('"formatVersion":2', '"formatVersion":99'))).toThrow(/version 99 is not supported/);
    const j = JSON.parse(good);
    j.weights[0].length = 5;
    expect(() => decodeCheckpoint(JSON.stringify(j))).toThrow(/weight array 0 holds 4 values, expected 5/);
    const k = JSON.parse(good);
    k.config.learningRate = -1;
    expect(() => decodeCheckpoint(JSON.stringify(k))).toThrow(/config is invalid: learningRate/);
    expect(() => decodeCheckpoint(good.slice(0, good.length / 2))).toThrow(/not JSON/);
  });
});
