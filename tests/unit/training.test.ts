import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { createEnv } from '../../src/core/envs/registry';
import { Learner } from '../../src/core/learner/learner';
import { actorOptionsFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { TrainingRun, type ActorHandle } from '../../src/core/training/trainingRun';
import { WeightPublisher } from '../../src/core/training/weightPublisher';
import { useWasmBackend } from '../../src/node/tfWasm';
import { TEST_SCHEDULER, trainInProcess } from '../support/inProcessTraining';

beforeAll(async () => {
  await useWasmBackend();
});

const scheduler = TEST_SCHEDULER;

const train = (config: ExperimentConfig, deterministic: boolean): Promise<{ records: MetricsRecord[]; weights: Float32Array[] }> => trainInProcess(config, { deterministic });

/** Everything but wall-clock measurements. */
const timeless = (r: MetricsRecord) => {
  const { fps: _f, timeWaitMs: _a, timeAssembleMs: _b, timeForwardBackwardMs: _c, timeApplyMs: _g, timePublishMs: _d, wallSeconds: _e, ...rest } = r;
  return rest;
};

describe('TrainingRun', () => {
  it('deterministic mode: the same seed gives the same run, a different seed a different one', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 2400 };
    const a = await train(config, true);
    const b = await train(config, true);
    const c = await train({ ...config, seed: 2 }, true);
    expect(a.records.length).toBe(2400 / (config.batchSize * config.unrollLength * config.envsPerActor));
    expect(a.records.map(timeless)).toEqual(b.records.map(timeless));
    expect(a.weights.map((w) => Array.from(w))).toEqual(b.weights.map((w) => Array.from(w)));
    expect(c.weights[0]).not.toEqual(a.weights[0]);
    expect(a.records.every((r) => r.policyLagMax === 0)).toBe(true);
  });

  it('concurrent actors: policy lag is measured and the frame budget is met', async () => {
    const { records } = await train({ ...DEFAULT_CONFIG, frames: 4000, actors: 2 }, false);
    const last = records.at(-1)!;
    expect(last.frames).toBeGreaterThanOrEqual(4000);
    expect(last.updates).toBe(records.length);
    expect(Math.max(...records.map((r) => r.policyLagMax))).toBeGreaterThan(0);
    expect(records.every((r) => r.queueDepth <= DEFAULT_CONFIG.queueCapacity)).toBe(true);
  });

  it('learns: CartPole reaches a mean return of 150 over 100 episodes within 100,000 frames (defaults, seed 1)', async () => {
    const { records } = await train({ ...DEFAULT_CONFIG, frames: 100_000 }, true);
    const best = Math.max(...records.filter((r) => r.episodes >= 100).map((r) => r.episodeReturnMean100 ?? 0));
    expect(best).toBeGreaterThanOrEqual(150);
  }, 180_000); // about 6 s alone, but CI machines may be busy
});

describe('TrainingRun controls', () => {
  function setup(config: ExperimentConfig, deterministic: boolean, onUpdate: (r: MetricsRecord, run: TrainingRun) => void) {
    const spec = createEnv(config.env, { seed: 0 }).spec;
    const learner = new Learner(learnerOptionsFor(config, spec));
    const actors = Array.from({ length: deterministic ? 1 : config.actors }, (_, i) => new InProcessActor(actorOptionsFor(config, spec, i)));
    const run: TrainingRun = new TrainingRun({ config, learner, actors, deterministic, scheduler, onUpdate: (r) => onUpdate(r, run) });
    return { run, learner, dispose: () => (learner.dispose(), actors.forEach((a) => a.dispose())) };
  }

  it('pause, step and resume continue exactly where the run stopped (deterministic mode)', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 1600 };
    const straight = await train(config, true);
    const records: MetricsRecord[] = [];
    const { run, learner, dispose } = setup(config, true, (r, self) => {
      records.push(r);
      if (records.length === 5) self.pause();
    });
    const done = run.run();
    while (run.state !== 'paused') await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(records.length).toBe(5);
    await expect(run.step()).resolves.toMatchObject({ updates: 6 });
    await run.step();
    expect(records.length).toBe(7);
    run.resume();
    await done;
    expect(run.state).toBe('finished');
    expect(records.map(timeless)).toEqual(straight.records.map(timeless));
    expect((await learner.getWeights()).map((w) => Array.from(w))).toEqual(straight.weights.map((w) => Array.from(w)));
    dispose();
  });

  it('pausing holds concurrent actors and learner; stop ends a paused run', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 10_000_000, actors: 2 };
    let updates = 0;
    const { run, dispose } = setup(config, false, () => updates++);
    const done = run.run();
    while (updates < 3) await new Promise((r) => setTimeout(r, 1));
    run.pause();
    await new Promise((r) => setTimeout(r, 30));
    const atPause = updates;
    await new Promise((r) => setTimeout(r, 200));
    expect(updates).toBe(atPause);
    await run.step();
    expect(updates).toBe(atPause + 1);
    await expect(run.step().then(() => run.step())).resolves.toBeDefined();
    run.resume();
    while (updates < atPause + 6) await new Promise((r) => setTimeout(r, 1));
    run.pause();
    run.stop();
    await done;
    expect(run.state).toBe('stopped');
    await expect(run.step()).rejects.toThrow(/paused run/);
    dispose();
  });
});

describe('actor faults', () => {
  it('replaces an actor that throws and one that stops answering (watchdog), and training goes on', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 20_000, actors: 2, batchSize: 2, queueCapacity: 4 };
    const spec = createEnv(config.env, { seed: 0 }).spec;
    const learner = new Learner(learnerOptionsFor(config, spec));
    const made: InProcessActor[] = [];
    const fresh = (i: number) => {
      const a = new InProcessActor(actorOptionsFor(config, spec, i));
      made.push(a);
      return a;
    };
    // Actor 0 throws on its 3rd unroll; actor 1 never answers its 4th.
    const throwing = fresh(0);
    let calls0 = 0;
    const broken0: ActorHandle = {
      setWeights: (v, w) => throwing.setWeights(v, w),
      unroll: () => (++calls0 === 3 ? Promise.reject(new Error('worker crashed')) : throwing.unroll()),
      dispose: () => throwing.dispose(),
    };
    const hanging = fresh(1);
    let calls1 = 0;
    const broken1: ActorHandle = {
      setWeights: (v, w) => hanging.setWeights(v, w),
      unroll: () => (++calls1 === 4 ? new Promise<never>(() => {}) : hanging.unroll()),
      dispose: () => hanging.dispose(),
    };
    const restarts: string[] = [];
    const records: MetricsRecord[] = [];
    const run = new TrainingRun({
      config,
      learner,
      actors: [broken0, broken1],
      deterministic: false,
      scheduler: {
        ...scheduler,
        timeout: (ms, onTimeout) => {
          const id = setTimeout(onTimeout, ms);
          return () => clearTimeout(id);
        },
      },
      actorTimeoutMs: 500,
      replaceActor: async (i) => fresh(i),
      onActorRestart: (i, reason) => restarts.push(`${i}: ${reason}`),
      onUpdate: (r) => records.push(r),
    });
    await run.run();
    expect(run.state).toBe('finished');
    expect(records.at(-1)!.frames).toBeGreaterThanOrEqual(20_000);
    expect(restarts).toEqual(expect.arrayContaining(['0: worker crashed', expect.stringMatching(/^1: actor 1 did not answer within 500 ms$/)]));
    expect(run.actorRestarts).toBe(2);
    expect(records.at(-1)!.actorRestarts).toBe(2);
    learner.dispose();
    made.forEach((a) => a.dispose());
  });

  it('without a replacement factory, a failed actor fails the run with its error', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 100_000, actors: 1 };
    const spec = createEnv(config.env, { seed: 0 }).spec;
    const learner = new Learner(learnerOptionsFor(config, spec));
    const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
    let n = 0;
    const broken: ActorHandle = { setWeights: (v, w) => actor.setWeights(v, w), unroll: () => (++n === 5 ? Promise.reject(new Error('boom')) : actor.unroll()), dispose: () => actor.dispose() };
    const run = new TrainingRun({ config, learner, actors: [broken], deterministic: false, scheduler });
    await expect(run.run()).rejects.toThrow('boom');
    expect(run.state).toBe('failed');
    learner.dispose();
    actor.dispose();
  });
});

describe('learner faults', () => {
  /** A learner whose update `failAt` rejects and whose update `hangAt` never settles (as on a lost GPU device). */
  function faulty(learner: Learner, failAt: number, hangAt: number, onHang: () => void): Learner {
    const update = learner.update.bind(learner);
    let calls = 0;
    learner.update = (batch, now) => {
      calls++;
      if (calls === failAt) return Promise.reject(new Error('GPU device lost'));
      if (calls === hangAt) {
        setTimeout(onHang, 5);
        return new Promise<never>(() => {});
      }
      return update(batch, now);
    };
    return learner;
  }

  it('replaces a learner whose update rejects or hangs, from the run\'s copy of its state: the run is the same as one with no fault', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 2400 };
    const straight = await train(config, true);
    const spec = createEnv(config.env, { seed: 0 }).spec;
    const learners: Learner[] = [];
    const states: { version: number; frames: number; sameAsOld: boolean }[] = [];
    let run: TrainingRun | null = null;
    const first = faulty(new Learner(learnerOptionsFor(config, spec)), 4, 1000, () => {});
    learners.push(first);
    const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
    const records: MetricsRecord[] = [];
    const restarts: string[] = [];
    run = new TrainingRun({
      config,
      learner: first,
      actors: [actor],
      deterministic: true,
      scheduler,
      optimizerCopyEvery: 1,
      replaceLearner: async (state, error) => {
        const old = learners.at(-1)!;
        // The old learner is intact here (the fault was simulated): the copy must equal its real state.
        const [weights, optimizer] = await Promise.all([old.getWeights(), old.getOptimizerState()]);
        const same = (a: readonly Float32Array[], b: readonly Float32Array[]) => a.length === b.length && a.every((w, i) => w.every((x, j) => x === b[i]![j]));
        states.push({
          version: state.version,
          frames: state.frames,
          sameAsOld:
            state.version === old.version &&
            state.frames === old.framesSeen &&
            same(state.weights, weights) &&
            state.optimizer !== undefined &&
            state.optimizer.step === optimizer.step &&
            same(state.optimizer.slots, optimizer.slots),
        });
        expect(error.message).toBe('GPU device lost');
        // The second learner hangs on its 3rd update; the owner declares it failed.
        const next = new Learner(learnerOptionsFor(config, spec));
        if (learners.length === 1) faulty(next, 1000, 3, () => run!.learnerFailed(new Error('GPU device lost')));
        next.restore(state);
        learners.push(next);
        return next;
      },
      onLearnerRestart: (learner, reason) => restarts.push(`${learners.indexOf(learner as Learner)}: ${reason}`),
      onUpdate: (r) => records.push(r),
    });
    await run.run();
    expect(run.state).toBe('finished');
    expect(restarts).toEqual(['1: GPU device lost', '2: GPU device lost']);
    expect(run.learnerRestarts).toBe(2);
    expect(run.currentLearner).toBe(learners[2]);
    expect(states).toEqual([
      { version: 3, frames: straight.records[2]!.frames, sameAsOld: true },
      { version: 5, frames: straight.records[4]!.frames, sameAsOld: true },
    ]);
    expect(records.map(timeless)).toEqual(straight.records.map(timeless));
    expect((await run.currentLearner.getWeights()).map((w) => Array.from(w))).toEqual(straight.weights.map((w) => Array.from(w)));
    learners.forEach((l) => l.dispose());
    actor.dispose();
  });

  it('fails the run when the learner fails and there is no replacement, or the replacement factory declines', async () => {
    const config = { ...DEFAULT_CONFIG, frames: 100_000 };
    const spec = createEnv(config.env, { seed: 0 }).spec;
    for (const replaceLearner of [undefined, () => Promise.reject(new Error('not a device loss: giving up'))]) {
      const learner = faulty(new Learner(learnerOptionsFor(config, spec)), 3, 1000, () => {});
      const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
      const run = new TrainingRun({ config, learner, actors: [actor], deterministic: true, scheduler, ...(replaceLearner ? { replaceLearner } : {}) });
      await expect(run.run()).rejects.toThrow(replaceLearner ? 'not a device loss: giving up' : 'GPU device lost');
      expect(run.state).toBe('failed');
      learner.dispose();
      actor.dispose();
    }
  });
});

describe('WeightPublisher', () => {
  it('hands actors the weights of `lag` updates ago', () => {
    const p = new WeightPublisher(2);
    expect(() => p.forActors()).toThrow(/nothing published/);
    for (let v = 0; v <= 5; v++) p.publish(v, [Float32Array.from([v])]);
    expect(p.latestVersion).toBe(5);
    expect(p.forActors().version).toBe(3);
    expect(new WeightPublisher(0).lag).toBe(0);
    expect(() => new WeightPublisher(-1)).toThrow(/lag/);
  });
});
