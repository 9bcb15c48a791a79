import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { createEnv } from '../../src/core/envs/registry';
import { Learner } from '../../src/core/learner/learner';
import { actorOptionsFor, envOptionsFor, envSpecFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import { TrainingRun } from '../../src/core/training/trainingRun';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

describe('fromConfig', () => {
  it("MinAtar's minimal action set: the learner's network has the actors' environments' actions, and a run learns", async () => {
    const config = { ...DEFAULT_CONFIG, env: 'minatar/breakout', actionSet: 'minimal' as const, actors: 1, envsPerActor: 2, unrollLength: 5, batchSize: 1, frames: 20 };
    const env = createEnv(config.env, { seed: 0, ...envOptionsFor(config) });
    const spec = envSpecFor(config);
    expect(spec.numActions).toBe(env.spec.numActions);
    expect(spec.numActions).toBe(3);
    const learner = new Learner(learnerOptionsFor(config, spec));
    const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
    const scheduler = { now: () => 0, yieldToEventLoop: () => new Promise<void>((r) => setTimeout(r, 0)) };
    const run = new TrainingRun({ config, learner, actors: [actor], deterministic: true, scheduler });
    await run.run();
    expect(learner.version).toBe(2);
    learner.dispose();
    actor.dispose();
  });
});
