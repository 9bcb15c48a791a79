import type { ExperimentConfig } from '../config/experimentConfig';
import type { EnvSpec } from '../envs/types';
import { resolveNetworkConfig } from '../model/networks';
import { networkFor, tasksOf } from '../training/fromConfig';
import type { UnrollExpectation } from './unrollCheck';

/**
 * What a swarm run's learner derives from the experiment's settings, the
 * same whether it is the headless trainer (`--swarm`) or the teacher's tab
 * (the lab's Class run): what every unroll must be, and how many the
 * stream may hold.
 */

/**
 * The learner's limits on what arrives, unless the run says otherwise
 * (`npm run train -- --max-policy-lag ...`): unrolls more than 50 updates
 * stale are dropped; 5 rejected unrolls cut a contributor off; one silent
 * for 30 s is reported gone; an unroll not acknowledged within 10 s is
 * delivered again.
 */
export const SWARM_LIMITS = { maxPolicyLag: 50, maxRejections: 5, goneAfterSeconds: 30, ackWaitSeconds: 10 } as const;

/** Unrolls the stream holds: two learner batches (each buffered unroll adds to the policy lag). */
export function streamMessagesFor(config: Pick<ExperimentConfig, 'batchSize'>): number {
  return 2 * config.batchSize;
}

/** The shape, sizes and ranges of every unroll of a run with these settings (`decodeUnroll` checks them). */
export function unrollExpectationFor(config: ExperimentConfig, spec: EnvSpec): UnrollExpectation {
  // The LSTM's size as the actors' networks resolve it (0: feed-forward; its state travels with each unroll).
  const core = resolveNetworkConfig(networkFor(config, spec), { observationShape: spec.observationShape, numActions: spec.numActions }).core;
  return {
    T: config.unrollLength,
    numEnvs: config.envsPerActor,
    numActions: spec.numActions,
    observationShape: [...spec.observationShape],
    observationDtype: spec.observationDtype,
    numTasks: Math.max(1, tasksOf(config).length),
    coreSize: core ? core.size : 0,
  };
}
