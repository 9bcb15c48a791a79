import { afterEach, describe, expect, it } from 'vitest';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, learnerWeights } from './labHarness';
// A model file written by the previous version of the lab (checkpoint format 1; see tests/fixtures/README.md).
import v1ModelFile from '../../fixtures/checkpoint-v1-cartpole.json?raw';

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

/** A real model file, as JSON to corrupt one field at a time. */
async function realModelFile(l: Lab): Promise<Record<string, unknown>> {
  return JSON.parse(await (await l.downloadModel()).text()) as Record<string, unknown>;
}

const blob = (json: unknown): Blob => new Blob([typeof json === 'string' ? json : JSON.stringify(json)], { type: 'application/json' });

describe.each(['page', 'worker'] as const)('ModelFiles, learner on the %s', (learnerThread) => {
  it('downloads the current model and loads it back on a fresh lab: training continues from its weights and counters', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.step();
    await lab.step();
    const file = await lab.downloadModel();
    const weights = await learnerWeights(lab);
    await disposeLab(lab);

    ({ lab } = createTestLab({ learnerThread, config: { seed: 77 } }));
    await lab.loadModel(file);
    expect(lab.getSnapshot().message).toEqual({ kind: 'info', text: 'Loaded a model of classic/CartPole-v1 (160 frames, 2 updates). Press Train to continue training it.' });
    expect(lab.getSnapshot().config.seed).toBe(1);
    expect(lab.playback.player?.policyVersion).toBe(2);
    await lab.step();
    const learner = lab.runs.slots[0]!.learner;
    expect(learner.version).toBe(3);
    expect(learner.framesSeen).toBe(240);
    // The run started from the file's weights and optimiser statistics, not from seed 77's fresh ones.
    expect(lab.runs.restored?.weights).toEqual(weights);
    expect((await learner.snapshot()).optimizer?.step).toBe(3);
  });

  it('a wrong, damaged or mismatched model file gets a message naming the problem and leaves the model and run untouched', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.step();
    const good = await realModelFile(lab);
    const weights = await learnerWeights(lab);
    const snapshotBefore = lab.getSnapshot();
    const weight0 = good.weights as { data: string; length: number }[];
    const nanData = btoa(String.fromCharCode(...new Uint8Array(new Float32Array(weight0[0]!.length).fill(NaN).buffer)));
    const bad: [string, unknown, RegExp][] = [
      ['not JSON', '{"format": ', /not JSON/],
      ['another format', { ...good, format: 'something-else' }, /not an IMPALA Lab model file/],
      ['NaN weights', { ...good, weights: [{ ...weight0[0]!, data: nanData }, ...weight0.slice(1)] }, /weight array 0 has \d+ values that are not finite/],
      ['a negative update counter', { ...good, version: -5 }, /-5/],
      ['negative frames', { ...good, frames: -1e12 }, /frames/],
      ['weights of another network', { ...good, weights: weight0.slice(1) }, /./],
      ['another environment than the run', { ...good, config: { ...(good.config as object), env: 'minatar/breakout', network: 'auto' } }, /./],
      // A feed-forward model whose settings claim an LSTM core: the three core arrays are missing.
      ['settings with a core the weights lack', { ...good, config: { ...(good.config as object), core: 'lstm' } }, /has an LSTM core of size 64; the weights look like a network without one/],
    ];
    for (const [what, file, message] of bad) {
      await lab.loadModel(blob(file));
      const { message: shown } = lab.getSnapshot();
      expect(shown?.kind, what).toBe('error');
      expect(shown?.text, what).toMatch(/^Could not load the model: /);
      expect(shown?.text, what).toMatch(message);
      expect(shown?.text, what).toMatch(/The current model is unchanged\.$/);
      expect(lab.getSnapshot().config, what).toBe(snapshotBefore.config);
      expect(lab.runs.slots[0]!.learner.version, what).toBe(1);
      expect(await learnerWeights(lab), what).toEqual(weights);
    }
    expect(lab.getSnapshot().status).toBe('paused');
  });

  it('a model file written by the previous version (format 1) loads, and training continues from it', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.loadModel(blob(v1ModelFile));
    expect(lab.getSnapshot().message).toEqual({ kind: 'info', text: 'Loaded a model of classic/CartPole-v1 (80 frames, 2 updates). Press Train to continue training it.' });
    expect(lab.getSnapshot().config.seed).toBe(3);
    await lab.step();
    expect(lab.runs.slots[0]!.learner.version).toBe(3);
    expect(lab.runs.slots[0]!.learner.framesSeen).toBe(80 + 80);
  });

  it('refuses an oversized file before reading it', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    const huge = { size: 65 * 1024 * 1024, text: () => Promise.reject(new Error('must not be read')) } as unknown as Blob;
    await lab.loadModel(huge);
    expect(lab.getSnapshot().message?.text).toBe('Could not load the model: the file is 68 MB; a model file is at most 67.108864 MB. The current model is unchanged.');
  });
});
