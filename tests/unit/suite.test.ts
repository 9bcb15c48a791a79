import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Actor } from '../../src/core/actor/actor';
import { parseConfigStrict, validateConfig } from '../../src/core/config/experimentConfig';
import { createEnv } from '../../src/core/envs/registry';
import { observe } from '../../src/core/envs/types';
import { VecEnv } from '../../src/core/envs/vecEnv';
import { createNetwork } from '../../src/core/model/networks';
import { getNetworkWeights } from '../../src/core/model/weights';
import { RandomState } from '../../src/core/rng/randomState';
import { GAME_CHANNEL_OFFSET, GAME_CHANNELS, parseTaskList, slotTaskIds, SUITE_CHANNELS, SUITE_GAMES, suiteTaskEnvId } from '../../src/core/envs/suite/minatarSuite';
import { measureRandomScore, median, normalisedScore, RANDOM_SCORES, REFERENCE_SCORES } from '../../src/core/envs/suite/scores';
import { actorOptionsFor, envSpecFor, learnerOptionsFor, networkSpecFor, tasksOf } from '../../src/core/training/fromConfig';
import { MetricsTracker } from '../../src/core/telemetry/metrics';
import type { UpdateResult } from '../../src/core/learner/learner';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

describe('suite/minatar layout', () => {
  it('puts each game in its own channels of a 10x10x31 grid: Asterix 0-3, Breakout 4-7, Freeway 8-14, Seaquest 15-24, Space Invaders 25-30', () => {
    expect(SUITE_CHANNELS).toBe(31);
    expect(GAME_CHANNEL_OFFSET).toEqual({ asterix: 0, breakout: 4, freeway: 8, seaquest: 15, space_invaders: 25 });
  });

  for (const game of SUITE_GAMES) {
    it(`${game}: same dynamics as minatar/${game}, its channels in its slice and zeros elsewhere`, () => {
      const plain = createEnv(`minatar/${game}`, { seed: 11 });
      const suite = createEnv(suiteTaskEnvId(game), { seed: 11 });
      expect(suite.spec.observationShape).toEqual([10, 10, 31]);
      expect(suite.spec.numActions).toBe(6);
      const C = GAME_CHANNELS[game];
      const offset = GAME_CHANNEL_OFFSET[game];
      const policy = new RandomState(3);
      plain.reset();
      suite.reset();
      for (let step = 0; step < 3000; step++) {
        const a = observe(plain);
        const b = observe(suite);
        for (let cell = 0; cell < 100; cell++) {
          for (let c = 0; c < 31; c++) {
            const inSlice = c >= offset && c < offset + C;
            const expected = inSlice ? a[cell * C + c - offset] : 0;
            if (b[cell * 31 + c] !== expected) throw new Error(`step ${step}, cell ${cell}, channel ${c}: ${b[cell * 31 + c]} != ${expected}`);
          }
        }
        const action = policy.randint(6);
        const r1 = { ...plain.step(action) };
        const r2 = { ...suite.step(action) };
        expect(r2).toEqual(r1);
        if (r1.terminated || r1.truncated) {
          plain.reset();
          suite.reset();
        }
      }
    });
  }

  it('a VecEnv may mix the suite games but refuses environments of different layouts', () => {
    const ids = SUITE_GAMES.map(suiteTaskEnvId);
    const vec = new VecEnv(ids, { numEnvs: 5, seed: 1 });
    expect(vec.envs.map((e) => e.spec.id)).toEqual(ids);
    expect(() => new VecEnv(['minatar/breakout', 'minatar/freeway'], { numEnvs: 2, seed: 1 })).toThrow(/does not share/);
    expect(() => new VecEnv(ids, { numEnvs: 4, seed: 1 })).toThrow(/5 environment ids for 4/);
  });
});

describe('task assignment and task lists', () => {
  it('gives actor i game i mod K when there are as many actors as games, as scalable_agent assigns levels', () => {
    for (let i = 0; i < 10; i++) expect(new Set(slotTaskIds(i, 10, 8, 5))).toEqual(new Set([i % 5]));
  });

  it('cycles fewer actors through every game, evenly when slots divide', () => {
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 2; i++) for (const t of slotTaskIds(i, 2, 10, 5)) counts[t]!++;
    expect(counts).toEqual([4, 4, 4, 4, 4]);
  });

  it('parses task lists into suite order and names what is wrong', () => {
    expect(parseTaskList('breakout, asterix')).toEqual({ ok: true, tasks: ['asterix', 'breakout'] });
    const bad = (text: string): string => {
      const r = parseTaskList(text);
      return r.ok ? 'ok' : r.problem;
    };
    expect(bad('')).toMatch(/at least one/);
    expect(bad('breakout,pong')).toMatch(/unknown game 'pong'/);
    expect(bad('breakout,breakout')).toMatch(/twice/);
  });

  it('config: the suite is an environment choice and tasks a validated subset', () => {
    const config = parseConfigStrict({ env: 'suite/minatar', tasks: 'space_invaders,breakout', popart: true });
    expect(config.tasks).toBe('breakout,space_invaders');
    expect(tasksOf(config)).toEqual(['breakout', 'space_invaders']);
    const { config: fixed, problems } = validateConfig({ env: 'suite/minatar', tasks: 'breakout,chess' });
    expect(fixed.tasks).toBe(SUITE_GAMES.join(','));
    expect(problems.join()).toMatch(/tasks must be a comma-separated list/);
  });

  it('actors of a suite experiment play their slots\' games and label unrolls and episodes with task ids', async () => {
    const config = parseConfigStrict({ env: 'suite/minatar', tasks: 'breakout,freeway,space_invaders', actors: 2, envsPerActor: 3, unrollLength: 40 });
    const spec = envSpecFor(config);
    expect(networkSpecFor(config, spec)).toEqual({ observationShape: [10, 10, 31], numActions: 6, numTasks: 3 });
    const options = actorOptionsFor(config, spec, 1);
    expect(options.tasks).toEqual({ envIds: ['suite/minatar/freeway', 'suite/minatar/breakout', 'suite/minatar/space_invaders'], taskIds: [1, 0, 2], numTasks: 3 });
    const actor = new Actor(options);
    const learnerNet = createNetwork({ kind: 'minatar' }, networkSpecFor(config, spec), 1);
    actor.setWeights(0, await getNetworkWeights(learnerNet));
    let episodes = 0;
    for (let k = 0; k < 5; k++) {
      const u = await actor.unroll();
      expect(Array.from(u.taskIds)).toEqual([1, 0, 2]);
      expect(u.episodeTaskIds.length).toBe(u.episodeReturns.length);
      // Each slot's observations light only its game's channels.
      for (let t = 0; t <= u.T; t++) {
        for (let n = 0; n < 3; n++) {
          const game = (['breakout', 'freeway', 'space_invaders'] as const)[u.taskIds[n]!]!;
          const base = (t * 3 + n) * 3100;
          for (let i = 0; i < 3100; i++) {
            const c = i % 31;
            const inSlice = c >= GAME_CHANNEL_OFFSET[game] && c < GAME_CHANNEL_OFFSET[game] + GAME_CHANNELS[game];
            if (!inSlice && u.observations[base + i] !== 0) throw new Error(`slot ${n} (${game}) lit channel ${c}`);
          }
        }
      }
      episodes += u.episodeReturns.length;
      // Breakout (slot 1) ends episodes quickly under a random policy; its episodes carry task 0.
      for (const task of u.episodeTaskIds) expect([0, 1, 2]).toContain(task);
    }
    expect(episodes).toBeGreaterThan(0);
    actor.dispose();
    learnerNet.dispose();
  });

  it('a multi-task network reads each observation\'s own value head', async () => {
    const net = createNetwork({ kind: 'minatar' }, { observationShape: [10, 10, 31], numActions: 6, numTasks: 3 }, 4);
    const x = tf.randomUniform([6, 10, 10, 31], 0, 1, 'float32', 2);
    const mixed = [2, 0, 1, 1, 0, 2];
    const got = await net.apply(x, mixed).baseline.data();
    for (let t = 0; t < 3; t++) {
      const all = await net.apply(x, new Array(6).fill(t)).baseline.data();
      mixed.forEach((task, i) => {
        if (task === t) expect(got[i]).toBeCloseTo(all[i]!, 6);
      });
    }
    expect(() => net.apply(x)).toThrow(/needs the task id/);
    net.dispose();
    x.dispose();
  });

  it('learner options carry PopArt and the number of tasks', () => {
    const config = parseConfigStrict({ env: 'suite/minatar', popart: true, popartBeta: 1e-3 });
    const options = learnerOptionsFor(config, envSpecFor(config));
    expect(options.popart).toEqual({ beta: 1e-3 });
    expect(options.spec.numTasks).toBe(5);
  });
});

describe('normalised scores', () => {
  it('RANDOM_SCORES are what a uniform random policy scores on our environments (re-measured)', () => {
    for (const game of SUITE_GAMES) expect(measureRandomScore(game), game).toBeCloseTo(RANDOM_SCORES[game], 4);
  }, 60_000);

  it('maps the random score to 0 and the reference to 1; median of odd and even counts', () => {
    for (const game of SUITE_GAMES) {
      expect(normalisedScore(game, RANDOM_SCORES[game])).toBeCloseTo(0, 12);
      expect(normalisedScore(game, REFERENCE_SCORES[game])).toBeCloseTo(1, 12);
    }
    expect(normalisedScore('breakout', 9)).toBeCloseTo((9 - 0.5052) / (17.5 - 0.5052), 12);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('the metrics tracker counts each game\'s frames and episodes and reports the median once every game has one', () => {
    const tracker = new MetricsTracker(['breakout', 'freeway', 'seaquest']);
    const result = { version: 1, applied: true, learningRate: 0, totalLoss: 0, policyGradientLoss: 0, baselineLoss: 0, entropyLoss: 0, entropy: 0, gradNorm: 0, clippedRhoFraction: 0, timeForwardBackwardMs: 0, timeApplyMs: 0 } satisfies UpdateResult;
    const input = { frames: 100, result, policyVersions: [0], queueDepth: 0, actorRestarts: 0, times: { wait: 0, assemble: 0, publish: 0 }, wallSeconds: 1 };
    tracker.addTaskFrames(20, [0, 1, 1, 2, 0]);
    tracker.addEpisodes([10, 4], [5, 5], [0, 2]);
    let r = tracker.record(input);
    expect(r.tasks!.map((t) => [t.task, t.frames, t.episodes, t.episodeReturnMean100])).toEqual([
      ['breakout', 40, 1, 10],
      ['freeway', 40, 0, null],
      ['seaquest', 20, 1, 4],
    ]);
    expect(r.normalisedScoreMedian).toBeNull();
    tracker.addEpisodes([25], [2500], [1]);
    r = tracker.record(input);
    const scores = [normalisedScore('breakout', 10), normalisedScore('freeway', 25), normalisedScore('seaquest', 4)];
    expect(r.normalisedScoreMedian).toBeCloseTo(median(scores)!, 12);
    expect(r.normalisedScoreMean).toBeCloseTo((scores[0]! + scores[1]! + scores[2]!) / 3, 12);
    expect(new MetricsTracker().record(input).tasks).toBeNull();
  });
});
