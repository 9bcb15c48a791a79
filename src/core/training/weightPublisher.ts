/**
 * Versioned weights published by the learner after each update. With a
 * policy lag of K, actors are handed the weights of K updates ago (the
 * knob that makes policy lag, and so the difference between off-policy
 * corrections, visible: paper section 5.2.1); K = 0 hands them the latest.
 */
export class WeightPublisher {
  private readonly history: { version: number; weights: Float32Array[] }[] = [];

  constructor(readonly lag: number) {
    if (!Number.isInteger(lag) || lag < 0) throw new RangeError(`WeightPublisher: lag must be a non-negative integer, got ${lag}`);
  }

  publish(version: number, weights: Float32Array[]): void {
    this.history.push({ version, weights });
    while (this.history.length > this.lag + 1) this.history.shift();
  }

  /** The newest published version. */
  get latestVersion(): number {
    return this.history.at(-1)?.version ?? -1;
  }

  /** What actors should act with now: the version `lag` updates behind the newest (or the oldest kept). */
  forActors(): { version: number; weights: Float32Array[] } {
    const entry = this.history[0];
    if (!entry) throw new Error('WeightPublisher: nothing published yet');
    return entry;
  }
}
