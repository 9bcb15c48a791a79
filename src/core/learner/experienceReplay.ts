import type { Unroll } from '../actor/unroll';
import { RandomState } from '../rng/randomState';

/**
 * The experience replay of IMPALA's off-policy comparison (Espeholt et al.
 * 2018, section 5.2.1, table 2 "with replay"): a buffer of the most recent
 * fresh unrolls, from which part of each learner batch is drawn uniformly.
 * Replayed unrolls keep the behaviour logits they were acted with, so
 * V-trace corrects for how far the learner's policy has moved since.
 *
 * The buffer holds the unrolls themselves (the learner never modifies an
 * unroll: batches are copies), dropping the oldest when full.
 */
export class ExperienceReplay {
  private readonly items: Unroll[] = [];
  /** Where the next unroll goes once the buffer is full (the oldest's slot). */
  private next = 0;
  private readonly random: RandomState;

  /**
   * @param capacity unrolls kept
   * @param share of each batch's B unrolls to replay, in [0, 1)
   * @param seed of the sampling stream
   */
  constructor(
    readonly capacity: number,
    readonly share: number,
    seed: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ExperienceReplay: capacity must be a positive integer, got ${capacity}`);
    if (!(share >= 0 && share < 1)) throw new RangeError(`ExperienceReplay: share must be in [0, 1), got ${share}`);
    this.random = new RandomState(seed);
  }

  get size(): number {
    return this.items.length;
  }

  /**
   * How many of a batch of `batchSize` unrolls to replay now: round(share x
   * B), at most B - 1 (a batch always learns from something new) and at
   * most what the buffer holds (none at the start).
   */
  replayCount(batchSize: number): number {
    return Math.min(Math.round(this.share * batchSize), batchSize - 1, this.items.length);
  }

  /** Keeps fresh unrolls (after they were learned from), replacing the oldest when full. */
  add(unrolls: readonly Unroll[]): void {
    for (const u of unrolls) {
      if (this.items.length < this.capacity) {
        this.items.push(u);
      } else {
        this.items[this.next] = u;
        this.next = (this.next + 1) % this.capacity;
      }
    }
  }

  /** `count` distinct unrolls drawn uniformly from the buffer (`count` <= `size`). */
  sample(count: number): Unroll[] {
    if (count > this.items.length) throw new RangeError(`ExperienceReplay: cannot draw ${count} of ${this.items.length} unrolls`);
    // A partial Fisher-Yates shuffle over the indices: `count` draws without replacement.
    const index = Array.from(this.items.keys());
    const out: Unroll[] = [];
    for (let k = 0; k < count; k++) {
      const j = k + this.random.randint(index.length - k);
      [index[k], index[j]] = [index[j]!, index[k]!];
      out.push(this.items[index[k]!]!);
    }
    return out;
  }
}
