import { afterEach, describe, expect, it } from 'vitest';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, losableGpuBackends, waitFor } from './labHarness';

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

describe('BackendSupervisor', () => {
  it('a lost GPU device moves the learner to the next backend with its weights, and training goes on', async () => {
    const backends = losableGpuBackends();
    ({ lab } = createTestLab({ backends }));
    lab.setBackendChoice('webgpu');
    await lab.train();
    expect(lab.getSnapshot().backend?.backend).toBe('webgpu');
    const slot = lab.runs.slots[0]!;
    const original = slot.learner;
    await waitFor(() => original.version >= 12, 'twelve updates on the first learner');
    const playerBefore = lab.playback.player;

    backends.loseDevice('a GPU reset (test)');
    await waitFor(() => slot.learner !== original, 'the learner to be replaced');
    const replacement = slot.learner;
    // It starts from the run's copy of the learner's state: the weights of the last update, not fresh ones.
    expect(replacement.version).toBeGreaterThanOrEqual(10);
    await waitFor(() => replacement.version >= original.version + 3, 'updates on the replacement');
    expect(lab.getSnapshot().status).toBe('running');
    expect(lab.getSnapshot().backend?.backend).toBe('wasm');
    expect(lab.getSnapshot().backend?.fallbacks[0]?.reason).toContain('the WebGPU device was lost (a GPU reset (test))');
    expect(backends.broken.has('webgpu')).toBe(true);
    expect(lab.getSnapshot().message?.text).toContain('learner stopped because its WebGPU device was lost (a GPU reset (test))');
    expect(lab.getSnapshot().message?.text).toContain('It moved to WASM');
    // The live player lived on the lost device too: it was rebuilt.
    expect(lab.playback.player).not.toBe(playerBefore);
    expect(lab.playback.player).not.toBeNull();
  });

  it('a learner error that is not a device loss fails the run with its message', async () => {
    const backends = losableGpuBackends();
    ({ lab } = createTestLab({ backends }));
    lab.setBackendChoice('webgpu');
    await lab.train();
    const slot = lab.runs.slots[0]!;
    await waitFor(() => slot.learner.version >= 2, 'two updates');
    slot.run!.learnerFailed(new Error('out of memory (test)'));
    await waitFor(() => lab!.getSnapshot().status === 'failed', 'the run to fail', 10_000);
    expect(lab.getSnapshot().message?.text).toBe('Training stopped: out of memory (test)');
  });
});
