import { afterEach, describe, expect, it } from 'vitest';
import type { Lab } from '../../../src/ui/lab/lab';
import type { ActorOptions } from '../../../src/core/actor/actor';
import type { LabActor } from '../../../src/ui/lab/labDeps';
import { createTestLab, disposeLab, learnerWeights, tf, waitFor } from './labHarness';

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

const frames = (l: Lab): number => l.runs.slots[0]?.learner.framesSeen ?? 0;
const version = (l: Lab): number => l.runs.slots[0]?.learner.version ?? 0;

describe.each(['page', 'worker'] as const)('RunController (in-process actors, WASM, no browser), learner on the %s', (learnerThread) => {
  it('Train runs, Pause holds the learner still, Step applies exactly one update, Resume continues, Reset discards', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.train();
    expect(lab.getSnapshot().status).toBe('running');
    expect(lab.getSnapshot().backend?.backend).toBe('wasm');
    await waitFor(() => version(lab!) >= 3, 'three updates');
    expect(lab.getSnapshot().latest).not.toBeNull();

    lab.pause();
    expect(lab.getSnapshot().status).toBe('paused');
    await lab.runs.slots[0]!.run!.idle();
    const pausedAt = version(lab);
    const pausedWeights = await learnerWeights(lab);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(version(lab)).toBe(pausedAt);
    expect(await learnerWeights(lab)).toEqual(pausedWeights);

    await lab.step();
    expect(version(lab)).toBe(pausedAt + 1);
    expect(lab.getSnapshot().status).toBe('paused');
    const stepped = await learnerWeights(lab);
    expect(stepped.some((w, i) => w.some((x, j) => x !== pausedWeights[i]![j]))).toBe(true);

    lab.resume();
    expect(lab.getSnapshot().status).toBe('running');
    await waitFor(() => version(lab!) >= pausedAt + 4, 'updates after resuming');

    await lab.reset();
    expect(lab.getSnapshot().status).toBe('idle');
    expect(lab.runs.slots).toHaveLength(0);
    expect(lab.getSnapshot().latest).toBeNull();
    expect(lab.playback.player).toBeNull();
  });

  it('Step on an idle lab makes the runs paused and applies one update', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.step();
    expect(lab.getSnapshot().status).toBe('paused');
    expect(version(lab)).toBe(1);
    expect(frames(lab)).toBe(2 * 10 * 4); // B unrolls of T steps in 4 environments
  });

  it('keeps tf.js tensors flat across updates once training runs', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.step();
    await lab.step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await lab.step();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a comparison preset makes one run per variant, each with its own settings', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    lab.applyPreset('ablation');
    const labels = lab.getSnapshot().comparison;
    expect(labels.length).toBeGreaterThan(1);
    await lab.step();
    expect(lab.runs.slots.map((s) => s.label)).toEqual(labels);
    expect(new Set(lab.runs.slots.map((s) => s.config.correction)).size).toBeGreaterThan(1);
    expect(lab.runs.slots.every((s) => s.learner.version === 1)).toBe(true);
  });

  it('an update with a NaN loss is skipped and counted; five in a row pause the run with a message', async () => {
    const poisoned = (actor: LabActor): LabActor => ({
      setWeights: (v, w) => actor.setWeights(v, w),
      unroll: async () => {
        const u = await actor.unroll();
        u.rewards.fill(NaN);
        return u;
      },
      dispose: () => actor.dispose(),
    });
    ({ lab } = createTestLab({ learnerThread, wrapActor: poisoned }));
    await lab.step();
    const weights = await learnerWeights(lab);
    expect(lab.getSnapshot().latest?.skippedUpdates).toBe(1);
    expect(lab.getSnapshot().message?.text).toBe('Skipped an update whose loss or gradient was not finite; the weights were left untouched (1 so far).');
    lab.resume();
    await waitFor(() => lab!.getSnapshot().status === 'paused', 'the run to pause itself');
    expect(lab.getSnapshot().latest?.skippedUpdates).toBeGreaterThanOrEqual(5);
    expect(lab.getSnapshot().message?.text).toMatch(/^Paused: 5 updates in a row had a NaN or infinite loss or gradient/);
    expect(await learnerWeights(lab)).toEqual(weights);
  });

  it('an actor that fails is replaced with the current weights, and training goes on', async () => {
    // Actor 1 crashes once, in the run (after the first update's weights reached it).
    let failures = 1;
    const flaky = (actor: LabActor, options: ActorOptions): LabActor => {
      let version = -1;
      return {
        setWeights: (v, w) => {
          version = v;
          return actor.setWeights(v, w);
        },
        unroll: () => (options.actorIndex === 0 && version >= 1 && failures-- > 0 ? Promise.reject(new Error('worker crashed (test)')) : actor.unroll()),
        dispose: () => actor.dispose(),
      };
    };
    ({ lab } = createTestLab({ learnerThread, wrapActor: flaky, config: { actors: 2 } }));
    await lab.train();
    await waitFor(() => (lab!.getSnapshot().latest?.actorRestarts ?? 0) >= 1 && version(lab!) >= 5, 'a restart and five updates');
    expect(lab.getSnapshot().message?.text).toBe('Actor 1 stopped (worker crashed (test)); a new one took over with the current weights. Restarts so far: 1.');
    expect(lab.getSnapshot().status).toBe('running');
  });

  it('trains a two-game suite with PopArt, and its statistics travel with a saved run', async () => {
    const made = createTestLab({ learnerThread, config: { env: 'suite/minatar', tasks: 'breakout,freeway', popart: true, envsPerActor: 2, unrollLength: 5, batchSize: 2 } });
    lab = made.lab;
    lab.connectStorage();
    await lab.persistence.ready();
    for (let i = 0; i < 3; i++) await lab.step();
    const tasks = lab.getSnapshot().latest!.tasks!;
    expect(tasks.map((t) => t.task)).toEqual(['breakout', 'freeway']);
    expect(tasks.every((t) => t.popartSigma !== null && t.popartMu !== null)).toBe(true);
    const state = await lab.runs.slots[0]!.learner.snapshot();
    expect(state.popart?.mu).toHaveLength(2);
    await lab.saveNow();
    const other = createTestLab({ learnerThread, dbName: made.dbName }).lab;
    try {
      other.connectStorage();
      await other.persistence.ready();
      await other.openSavedRun(other.getSnapshot().savedRuns[0]!.id);
      expect(other.runs.restored?.popart).toEqual(state.popart);
      await other.step();
      expect(other.runs.slots[0]!.learner.version).toBe(4);
    } finally {
      await disposeLab(other);
    }
  });

  it('a failing actor factory fails Train with a message and leaves nothing running', async () => {
    ({ lab } = createTestLab({ learnerThread, wrapActor: () => { throw new Error('no workers here'); } }));
    await lab.train();
    expect(lab.getSnapshot().status).toBe('failed');
    expect(lab.getSnapshot().message?.text).toContain('Could not start training: no workers here');
    expect(lab.runs.slots).toHaveLength(0);
  });
});
