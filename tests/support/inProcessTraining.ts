import { expect } from 'vitest';
import type { ExperimentConfig } from '../../src/core/config/experimentConfig';
import { Learner } from '../../src/core/learner/learner';
import type { LearnerHandle } from '../../src/core/learner/learnerHandle';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { actorOptionsFor, envSpecFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import { TrainingRun, type Scheduler } from '../../src/core/training/trainingRun';

/** Real time, yielding through setImmediate: what the trainer's runs use. */
export const TEST_SCHEDULER: Scheduler = { now: () => performance.now(), yieldToEventLoop: () => new Promise<void>((r) => setImmediate(r)) };

/**
 * Trains `config` to its frame budget with actors in this thread (one,
 * alternating with the learner, in deterministic mode; `config.actors`
 * otherwise) and returns every update's record and the final weights.
 * `wrapLearner` may stand between the run and the learner (to watch it).
 */
export async function trainInProcess(
  config: ExperimentConfig,
  options: { deterministic?: boolean; wrapLearner?: (learner: Learner) => LearnerHandle } = {},
): Promise<{ records: MetricsRecord[]; weights: Float32Array[] }> {
  const { deterministic = true, wrapLearner } = options;
  const spec = envSpecFor(config);
  const learner = new Learner(learnerOptionsFor(config, spec));
  const actors = Array.from({ length: deterministic ? 1 : config.actors }, (_, i) => new InProcessActor(actorOptionsFor(config, spec, i)));
  const records: MetricsRecord[] = [];
  try {
    const run = new TrainingRun({ config, learner: wrapLearner ? wrapLearner(learner) : learner, actors, deterministic, scheduler: TEST_SCHEDULER, onUpdate: (r) => records.push(r) });
    await run.run();
    expect(run.state).toBe('finished');
    return { records, weights: await learner.getWeights() };
  } finally {
    learner.dispose();
    actors.forEach((a) => a.dispose());
  }
}
