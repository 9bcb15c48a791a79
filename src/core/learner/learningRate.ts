/**
 * The learning-rate schedule: the paper anneals linearly from its initial
 * value to zero over the run's environment frames (scalable_agent's
 * `polynomial_decay(..., power=1)`); 'constant' keeps it fixed.
 */
export function learningRateAt(initial: number, schedule: 'linear' | 'constant', frames: number, totalFrames: number): number {
  if (schedule === 'constant') return initial;
  return initial * Math.max(0, 1 - frames / totalFrames);
}
