import type { LearnerOptions } from '../../src/core/learner/learner';

/** A small learner for unit tests: an MLP with one hidden layer of 8 on CartPole-shaped inputs, RMSProp, V-trace. */
export const SMALL_LEARNER: LearnerOptions = {
  network: { kind: 'mlp', hiddenSizes: [8] },
  spec: { observationShape: [4], numActions: 2 },
  seed: 5,
  optimizer: 'rmsprop',
  learningRate: 0.01,
  lrSchedule: 'constant',
  totalFrames: 1e6,
  rmspropDecay: 0.99,
  rmspropEpsilon: 0.01,
  maxGradNorm: 40,
  discount: 0.9,
  baselineCost: 0.5,
  entropyCost: 0.01,
  correction: 'vtrace',
  clipRhoThreshold: 1,
  clipPgRhoThreshold: 1,
  clipCThreshold: 1,
  lambda: 1,
  rewardClip: 'none',
};
