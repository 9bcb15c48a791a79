import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { entropyCostAt } from '../../src/core/learner/learningRate';
import { learnerAndBatch } from '../../bench/learnerKernels';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

describe('the entropy schedule', () => {
  it("'linear' anneals the cost to zero over the run's frames; 'constant' keeps it", () => {
    expect(entropyCostAt(0.04, 'linear', 0, 1000)).toBe(0.04);
    expect(entropyCostAt(0.04, 'linear', 250, 1000)).toBeCloseTo(0.03, 15);
    expect(entropyCostAt(0.04, 'linear', 1000, 1000)).toBe(0);
    expect(entropyCostAt(0.04, 'linear', 1500, 1000)).toBe(0);
    expect(entropyCostAt(0.04, 'constant', 900, 1000)).toBe(0.04);
  });

  it('the learner optimises pg + c_b baseline + (scheduled c_e) entropy', async () => {
    for (const [schedule, framesDone, share] of [['linear', 0.75, 0.25], ['constant', 0.75, 1]] as const) {
      const config = { ...DEFAULT_CONFIG, entropyCost: 0.2, entropySchedule: schedule, frames: 100_000 };
      const { learner, batch } = await learnerAndBatch(config);
      try {
        const state = await learner.snapshot();
        learner.restore({ ...state, frames: framesDone * config.frames });
        const r = await learner.update(batch);
        const expected = r.policyGradientLoss + config.baselineCost * r.baselineLoss + config.entropyCost * share * r.entropyLoss;
        expect(r.totalLoss, schedule).toBeCloseTo(expected, 2);
        // The entropy term is summed over T x cols steps (about -55 here): an unscheduled cost would miss by about 8.
        expect(Math.abs(r.entropyLoss)).toBeGreaterThan(10);
      } finally {
        learner.dispose();
      }
    }
  });
});
