/**
 * The window behind every "mean of the last 100 episodes" figure: the
 * metrics' `episodeReturnMean100` and `episodeLengthMean100`, each suite
 * game's `TaskRecord.episodeReturnMean100`, and the return chart's moving
 * average. One class, so that all of them agree and a saved run restores
 * them the same way.
 *
 * With returns G_1 .. G_n of the episodes finished so far, oldest first,
 * and k = min(n, capacity):
 *
 *   meanReturn = (G_{n-k+1} + ... + G_n) / k      (null while n = 0)
 *
 * and likewise for lengths. The sum is taken afresh, oldest first, when a
 * mean is asked for after a change (at most `capacity` additions), so a
 * mean depends only on the values in the window: a window restored from
 * its state gives exactly the means of one that was never interrupted, and
 * no running sum drifts over millions of episodes.
 */

/** Episodes in every mean-100 figure. */
export const RECENT_EPISODES = 100;

/** A window's contents as plain data, for saving a run (arrays, as IndexedDB and JSON store them). */
export interface RecentEpisodesState {
  /** Returns of the last (up to `capacity`) finished episodes, oldest first. */
  recentReturns: readonly number[];
  /** Their lengths in agent steps, in the same order. */
  recentLengths: readonly number[];
}

export const EMPTY_RECENT_EPISODES: RecentEpisodesState = Object.freeze({ recentReturns: Object.freeze([]), recentLengths: Object.freeze([]) });

export class RecentEpisodes {
  /** Ring buffers: slot `(start + i) % capacity` holds the i-th oldest episode. */
  private readonly returns: Float64Array;
  private readonly lengths: Float64Array;
  private start = 0;
  private count = 0;
  /** Means as of the last change, computed when first asked for (undefined: not yet). */
  private returnMean: number | null | undefined = null;
  private lengthMean: number | null | undefined = null;

  constructor(readonly capacity: number = RECENT_EPISODES) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RecentEpisodes: capacity must be a positive integer, got ${capacity}`);
    this.returns = new Float64Array(capacity);
    this.lengths = new Float64Array(capacity);
  }

  /** Episodes in the window: min(episodes pushed, capacity). */
  get size(): number {
    return this.count;
  }

  /** Adds one finished episode, dropping the oldest when the window is full. */
  push(episodeReturn: number, length: number): void {
    const n = this.capacity;
    const slot = (this.start + this.count) % n;
    this.returns[slot] = episodeReturn;
    this.lengths[slot] = length;
    if (this.count < n) this.count++;
    else this.start = (this.start + 1) % n;
    this.returnMean = undefined;
    this.lengthMean = undefined;
  }

  /** Mean return of the episodes in the window; null before the first. */
  meanReturn(): number | null {
    if (this.returnMean === undefined) this.returnMean = this.mean(this.returns);
    return this.returnMean;
  }

  /** Mean length of the episodes in the window; null before the first. */
  meanLength(): number | null {
    if (this.lengthMean === undefined) this.lengthMean = this.mean(this.lengths);
    return this.lengthMean;
  }

  /** Forgets every episode (a new run). */
  clear(): void {
    this.start = 0;
    this.count = 0;
    this.returnMean = null;
    this.lengthMean = null;
  }

  /** The window's contents, oldest first (copies). */
  getState(): RecentEpisodesState {
    return { recentReturns: this.ordered(this.returns), recentLengths: this.ordered(this.lengths) };
  }

  /**
   * Replaces the contents with `state` (from `getState()`, or checked with
   * `isRecentEpisodesState`); a longer state keeps its last `capacity`
   * episodes. Throws, changing nothing, when returns and lengths differ in number.
   */
  setState(state: RecentEpisodesState): void {
    const { recentReturns, recentLengths } = state;
    if (recentReturns.length !== recentLengths.length) {
      throw new RangeError(`RecentEpisodes: ${recentReturns.length} returns but ${recentLengths.length} lengths`);
    }
    this.clear();
    const from = Math.max(0, recentReturns.length - this.capacity);
    for (let i = from; i < recentReturns.length; i++) this.push(recentReturns[i]!, recentLengths[i]!);
  }

  private mean(values: Float64Array): number | null {
    if (this.count === 0) return null;
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += values[(this.start + i) % this.capacity]!;
    return sum / this.count;
  }

  private ordered(values: Float64Array): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(values[(this.start + i) % this.capacity]!);
    return out;
  }
}

/**
 * Whether `value`, read back from storage, is a window's state: two arrays
 * of numbers of equal length, at most `capacity` long.
 */
export function isRecentEpisodesState(value: unknown, capacity: number = RECENT_EPISODES): value is RecentEpisodesState {
  if (typeof value !== 'object' || value === null) return false;
  const { recentReturns, recentLengths } = value as Partial<Record<keyof RecentEpisodesState, unknown>>;
  const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.length <= capacity && v.every((x) => typeof x === 'number');
  return isNumbers(recentReturns) && isNumbers(recentLengths) && recentReturns.length === recentLengths.length;
}
