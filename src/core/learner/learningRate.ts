/**
 * The learning-rate schedule: the paper anneals linearly from its initial
 * value to zero over the run's environment frames (scalable_agent's
 * `polynomial_decay(..., power=1)`); 'constant' keeps it fixed.
 */
export function learningRateAt(initial: number, schedule: 'linear' | 'constant', frames: number, totalFrames: number): number {
  if (schedule === 'constant') return initial;
  return initial * Math.max(0, 1 - frames / totalFrames);
}

/**
 * The entropy cost's schedule: 'linear' anneals it to zero over the run's
 * frames like the learning rate, so that a policy explores widely early
 * and may settle on near-deterministic play late; 'constant' (the paper's)
 * keeps it fixed.
 */
export function entropyCostAt(initial: number, schedule: 'linear' | 'constant', frames: number, totalFrames: number): number {
  return learningRateAt(initial, schedule, frames, totalFrames);
}
