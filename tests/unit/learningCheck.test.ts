import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { summariseRun, summariseSeeds, type RunLearningSummary } from '../../src/core/telemetry/learningSummary';
import { useWasmBackend } from '../../src/node/tfWasm';
import { trainInProcess } from '../support/inProcessTraining';

/**
 * The learning check (issue 12): a change that makes the agent learn worse
 * fails CI. CartPole-v1 with the default settings, in deterministic mode
 * (one in-process actor alternating with the learner), so that the check
 * cannot fail at random: the same code gives the same five runs.
 *
 * Measured at the commit that set the thresholds (npm run bench -- learning
 * --seeds 1,2,3,4,5 --deterministic): all five seeds reached a mean100 of
 * 475, at 75,680 / 73,760 / 76,480 / 81,120 / 79,040 frames (mean 77,216,
 * sd 2,890), and the area under the curve (mean100 averaged over the
 * frames) was 277.1 +- 6.2 over the seeds. The defaults before the
 * learning search (entropy 0.01 constant, no PopArt, B = 2) reached 475 on
 * 3 of 5 seeds with an area of 219.6 and fail the check.
 *
 * Thresholds, from those spreads: every seed reaches 475 within the
 * 100,000 frames (the latest is 19,000 frames, over 6 sd, inside), and the
 * mean area is at least 250 (the mean of 5 seeds has a standard error of
 * about 3 at the measured spread, and of about 11 at the widest spread seen
 * in the search, so 250 is over 2 of those below the measured 277).
 */

const SEEDS = [1, 2, 3, 4, 5];
const THRESHOLD = 475;
const MIN_SEEDS_REACHING = 5;
const MIN_MEAN_AUC = 250;

beforeAll(async () => {
  await useWasmBackend();
});

async function trainDeterministic(seed: number): Promise<RunLearningSummary> {
  const { records } = await trainInProcess({ ...DEFAULT_CONFIG, seed });
  return summariseRun(records, [THRESHOLD]);
}

describe('the learning check', () => {
  it(`CartPole, default settings, deterministic seeds ${SEEDS.join(', ')}: ${MIN_SEEDS_REACHING} reach ${THRESHOLD} within ${DEFAULT_CONFIG.frames.toLocaleString('en-US')} frames, mean AUC >= ${MIN_MEAN_AUC}`, async () => {
    const runs: RunLearningSummary[] = [];
    for (const seed of SEEDS) runs.push(await trainDeterministic(seed));
    const summary = summariseSeeds(runs);
    const report = runs.map((r, i) => `seed ${SEEDS[i]}: 475 at ${r.reached[0]!.frames ?? 'not reached'}, AUC ${r.auc?.toFixed(1)}`).join('; ');
    expect(summary.reached[0]!.frames.n, report).toBeGreaterThanOrEqual(MIN_SEEDS_REACHING);
    expect(summary.auc.mean!, report).toBeGreaterThanOrEqual(MIN_MEAN_AUC);
  }, 300_000); // about 20 s alone; CI runs other test files beside it
});
