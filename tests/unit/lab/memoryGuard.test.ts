import { afterEach, describe, expect, it } from 'vitest';
import { estimateMemory, FALLBACK_BUDGET_BYTES } from '../../../src/core/config/memoryBudget';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, waitFor } from './labHarness';

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

/** The link: the largest settings the schema allows. */
const HUGE = '#env=minatar/seaquest&actors=64&envs=1024&T=1000&B=256&queue=1024';
/** The same sizes on CartPole, whose suggestion under a small budget trains quickly in Node. */
const HUGE_CARTPOLE = '#env=classic/CartPole-v1&actors=64&envs=1024&T=1000&B=256&queue=1024';

describe("MemoryGuard: settings beyond the tab's memory", () => {
  it("a link with the largest settings says what they need at once, with a suggestion that fits; Train and Step refuse and make nothing", async () => {
    let actorsMade = 0;
    ({ lab } = createTestLab({ hash: HUGE }));
    const wrapped = lab.runs as unknown as { deps: { createActor: (o: unknown) => Promise<unknown> } };
    const createActor = wrapped.deps.createActor;
    wrapped.deps.createActor = (o) => {
      actorsMade++;
      return createActor(o);
    };
    const problem = lab.getSnapshot().memoryProblem!;
    expect(problem).not.toBeNull();
    expect(problem.text).toMatch(/^These settings need about .* of memory, more than the 512 MB this lab allows in this tab: one unroll is 1\.1 GB/);
    expect(lab.getSnapshot().linkOffer).toBe(true);
    expect(estimateMemory(problem.suggestion!).totalBytes).toBeLessThanOrEqual(FALLBACK_BUDGET_BYTES);

    await lab.train();
    expect(lab.getSnapshot().status).toBe('idle');
    expect(lab.getSnapshot().message).toEqual({ kind: 'error', text: `Train refused: ${problem.text} ${problem.suggestionText}` });
    await lab.step();
    expect(lab.getSnapshot().status).toBe('idle');
    expect(lab.getSnapshot().message?.text).toMatch(/^Step refused: /);
    expect(lab.runs.slots).toHaveLength(0);
    expect(actorsMade).toBe(0);

    // Still usable: a preset replaces the settings and the problem goes.
    lab.applyPreset('cartpole');
    expect(lab.getSnapshot().memoryProblem).toBeNull();
  });

  it('any change of settings rechecks; applying the suggestion makes Train work', async () => {
    ({ lab } = createTestLab({ hash: HUGE_CARTPOLE, memoryBudgetBytes: 3e6 }));
    const problem = lab.getSnapshot().memoryProblem!;
    expect(problem.suggestion).not.toBeNull();
    lab.useMemorySuggestion();
    const state = lab.getSnapshot();
    expect(state.memoryProblem).toBeNull();
    expect(state.config).toEqual(problem.suggestion);
    expect(state.message?.text).toMatch(/^Settings lowered to fit this tab's memory: /);

    lab.setConfig({ ...state.config, envsPerActor: 1024 });
    expect(lab.getSnapshot().memoryProblem).not.toBeNull();
    lab.setConfig(problem.suggestion!);
    expect(lab.getSnapshot().memoryProblem).toBeNull();

    await lab.train();
    expect(lab.getSnapshot().status).toBe('running');
    await waitFor(() => (lab!.runs.slots[0]?.learner.framesSeen ?? 0) > 0, 'frames learned from');
  });
});
