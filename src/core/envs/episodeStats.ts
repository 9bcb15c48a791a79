/**
 * Running episode statistics (return and length) for a batch of
 * environments, plus the episodes that finished on the latest step.
 * Preallocated: recording a step allocates nothing.
 */
export class EpisodeStats {
  /** Undiscounted return so far of each environment's current episode. */
  readonly runningReturns: Float64Array;
  /** Steps so far of each environment's current episode. */
  readonly runningLengths: Int32Array;
  /** Returns of the episodes that ended on the latest step (first `finishedCount` entries). */
  readonly finishedReturns: Float64Array;
  /** Lengths of the episodes that ended on the latest step (first `finishedCount` entries). */
  readonly finishedLengths: Int32Array;
  /** Which environment each finished episode came from. */
  readonly finishedEnvs: Int32Array;
  finishedCount = 0;

  constructor(readonly numEnvs: number) {
    this.runningReturns = new Float64Array(numEnvs);
    this.runningLengths = new Int32Array(numEnvs);
    this.finishedReturns = new Float64Array(numEnvs);
    this.finishedLengths = new Int32Array(numEnvs);
    this.finishedEnvs = new Int32Array(numEnvs);
  }

  /** Call once before recording a batch step: forgets the previous step's finished episodes. */
  beginStep(): void {
    this.finishedCount = 0;
  }

  /** Records environment `env`'s reward; `done` ends its episode (terminated or truncated). */
  record(env: number, reward: number, done: boolean): void {
    this.runningReturns[env] = this.runningReturns[env]! + reward;
    this.runningLengths[env] = this.runningLengths[env]! + 1;
    if (done) {
      const k = this.finishedCount++;
      this.finishedReturns[k] = this.runningReturns[env]!;
      this.finishedLengths[k] = this.runningLengths[env]!;
      this.finishedEnvs[k] = env;
      this.runningReturns[env] = 0;
      this.runningLengths[env] = 0;
    }
  }

  /** Forgets every running episode (after a reset of all environments). */
  clear(): void {
    this.runningReturns.fill(0);
    this.runningLengths.fill(0);
    this.finishedCount = 0;
  }
}
