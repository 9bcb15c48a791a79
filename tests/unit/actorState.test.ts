import { beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../../src/core/actor/actor';
import type { Unroll } from '../../src/core/actor/unroll';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { ENV_IDS } from '../../src/core/envs/envInfo';
import { captureState, restoreState, stateFromJson, stateToJson } from '../../src/core/envs/stateSnapshot';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { actorOptionsFor, envSpecFor, networkSpecFor } from '../../src/core/training/fromConfig';
import { useWasmBackend } from '../../src/node/tfWasm';

/**
 * An actor's state (its environments, their random streams and episodes in
 * progress, its action-sampling stream) taken mid-run and given to a
 * freshly built actor makes that actor continue exactly as the first one
 * does: the basis of resuming a deterministic run. Checked for every
 * environment and the suite, through the JSON a checkpoint stores.
 */

beforeAll(async () => {
  await useWasmBackend();
});

async function weightsFor(config: ExperimentConfig): Promise<Float32Array[]> {
  const spec = envSpecFor(config);
  const network = createNetwork(actorOptionsFor(config, spec, 0).network, networkSpecFor(config, spec), 3, false);
  try {
    return await getNetworkWeights(network);
  } finally {
    network.dispose();
  }
}

/** The unroll's data (not the fresh buffers' identity). */
function contentOf(u: Unroll): unknown {
  return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));
}

const CASES: ExperimentConfig[] = [
  ...ENV_IDS.map((env) => ({ ...DEFAULT_CONFIG, env, network: 'auto' as const, envsPerActor: 3, unrollLength: 40 })),
  { ...DEFAULT_CONFIG, env: 'suite/minatar', envsPerActor: 5, unrollLength: 30 },
];

describe('Actor.getState / setState', () => {
  it.each(CASES.map((c) => [c.env, c] as const))('%s: a fresh actor given the state continues exactly', async (_env, config) => {
    const spec = envSpecFor(config);
    const options = actorOptionsFor(config, spec, 1);
    const weights = await weightsFor(config);
    const first = new Actor(options);
    const second = new Actor(options);
    try {
      first.setWeights(4, weights);
      // Long enough for episodes to end and environments to reset inside the unrolls.
      for (let i = 0; i < 6; i++) await first.unroll();
      const json = JSON.parse(JSON.stringify(stateToJson(first.getState()))) as unknown;
      second.setState(stateFromJson(json));
      second.setWeights(4, weights);
      for (let i = 0; i < 3; i++) expect(contentOf(await second.unroll())).toEqual(contentOf(await first.unroll()));
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  it('refuses a state that does not fit, naming the field', () => {
    const config = { ...DEFAULT_CONFIG, env: 'classic/CartPole-v1', envsPerActor: 2 };
    const spec = envSpecFor(config);
    const small = new Actor(actorOptionsFor(config, spec, 0));
    const large = new Actor(actorOptionsFor({ ...config, envsPerActor: 3 }, spec, 0));
    const breakout = new Actor(actorOptionsFor({ ...config, env: 'minatar/breakout' }, envSpecFor({ ...config, env: 'minatar/breakout' }), 0));
    try {
      expect(() => small.setState(large.getState())).toThrow(/actor\.vec\.envs should hold 2 entries/);
      expect(() => small.setState(breakout.getState())).toThrow(/actor\.vec/);
      expect(() => small.setState(null)).toThrow(/not an object/);
      expect(() => small.setState({ vec: {}, random: {}, started: 'yes' })).toThrow(/started should be true or false/);
    } finally {
      small.dispose();
      large.dispose();
      breakout.dispose();
    }
  });
});

describe('stateSnapshot', () => {
  class Point {
    x = 0;
    y = 0;
  }
  class Holder {
    values = new Float64Array(3);
    points: Point[] = [new Point()];
    plain: number[][] = [[1]];
    flag = false;
    name = 'a';
    nothing: number | null = null;
    read(): number {
      return this.values[0]!;
    }
  }

  it('keeps every number exactly through JSON, NaN and the infinities included', () => {
    const h = new Holder();
    h.values.set([0.1 + 0.2, Number.NaN, -Infinity]);
    const json = JSON.parse(JSON.stringify(stateToJson(captureState(h)))) as unknown;
    const back = new Holder();
    restoreState(back, stateFromJson(json));
    expect(Array.from(back.values)).toEqual([0.1 + 0.2, Number.NaN, -Infinity]);
    expect(back.read()).toBe(0.30000000000000004);
  });

  it('restores class instances in place, grows pools with the same class, and copies plain data', () => {
    const source = new Holder();
    source.points.push(new Point(), new Point());
    source.points[2]!.x = 7;
    source.plain = [[1, 2], [3]];
    source.flag = true;
    source.nothing = 5;
    const target = new Holder();
    const firstPoint = target.points[0];
    const values = target.values;
    restoreState(target, captureState(source));
    expect(target.points[0]).toBe(firstPoint);
    expect(target.values).toBe(values);
    expect(target.points).toHaveLength(3);
    expect(target.points[2]).toBeInstanceOf(Point);
    expect(target.points[2]!.x).toBe(7);
    expect(target.plain).toEqual([[1, 2], [3]]);
    expect(target.plain).not.toBe(source.plain);
    expect({ flag: target.flag, nothing: target.nothing }).toEqual({ flag: true, nothing: 5 });
  });

  it('throws on cycles, missing fields, unknown fields and type changes', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => captureState(cyclic)).toThrow(/refers back/);
    const state = captureState(new Holder()) as Record<string, unknown>;
    const { flag, ...withoutFlag } = state;
    void flag;
    expect(() => restoreState(new Holder(), withoutFlag as never)).toThrow(/state\.flag is missing/);
    expect(() => restoreState(new Holder(), { ...state, extra: 1 } as never)).toThrow(/state\.extra is not a field/);
    expect(() => restoreState(new Holder(), { ...state, name: 3 } as never)).toThrow(/state\.name should be a string/);
    expect(() => restoreState(new Holder(), { ...state, values: new Float32Array(3) } as never)).toThrow(/state\.values should be a Float64Array of 3 values/);
    expect(() => stateFromJson({ $typed: 'BigInt64Array', values: [] })).toThrow(/damaged typed array/);
  });
});
