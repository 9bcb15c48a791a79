import { afterEach, describe, expect, it } from 'vitest';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, learnerWeights, tf, waitFor } from './labHarness';

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

const frames = (l: Lab): number => l.runs.slots[0]?.learner.framesSeen ?? 0;
const version = (l: Lab): number => l.runs.slots[0]?.learner.version ?? 0;

describe('RunController (in-process actors, WASM, no browser)', () => {
  it('Train runs, Pause holds the learner still, Step applies exactly one update, Resume continues, Reset discards', async () => {
    ({ lab } = createTestLab());
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
    ({ lab } = createTestLab());
    await lab.step();
    expect(lab.getSnapshot().status).toBe('paused');
    expect(version(lab)).toBe(1);
    expect(frames(lab)).toBe(2 * 10 * 4); // B unrolls of T steps in 4 environments
  });

  it('keeps tf.js tensors flat across updates once training runs', async () => {
    ({ lab } = createTestLab());
    await lab.step();
    await lab.step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await lab.step();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a comparison preset makes one run per variant, each with its own settings', async () => {
    ({ lab } = createTestLab());
    lab.applyPreset('ablation');
    const labels = lab.getSnapshot().comparison;
    expect(labels.length).toBeGreaterThan(1);
    await lab.step();
    expect(lab.runs.slots.map((s) => s.label)).toEqual(labels);
    expect(new Set(lab.runs.slots.map((s) => s.config.correction)).size).toBeGreaterThan(1);
    expect(lab.runs.slots.every((s) => s.learner.version === 1)).toBe(true);
  });

  it('a failing actor factory fails Train with a message and leaves nothing running', async () => {
    ({ lab } = createTestLab());
    const runs = lab.runs as unknown as { deps: { createActor: () => Promise<never> } };
    runs.deps.createActor = () => Promise.reject(new Error('no workers here'));
    await lab.train();
    expect(lab.getSnapshot().status).toBe('failed');
    expect(lab.getSnapshot().message?.text).toContain('Could not start training: no workers here');
    expect(lab.runs.slots).toHaveLength(0);
  });
});
