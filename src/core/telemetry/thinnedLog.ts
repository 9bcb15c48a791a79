/**
 * A log that keeps every item up to `capacity`, then drops every other one
 * (keeping the later of each pair) and from then on keeps every 2nd, 4th,
 * ... item, so what it keeps is evenly spread over the whole stream. The
 * most recent item is always last, provisionally when it is not one to keep.
 */
export class ThinnedLog<T> {
  private readonly list: T[] = [];
  private seen = 0;
  private strideValue = 1;
  private provisionalTail = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`ThinnedLog: capacity must be an integer >= 2, got ${capacity}`);
  }

  /** Kept items in order, the latest last; at most `capacity`. Do not mutate. */
  get items(): readonly T[] {
    return this.list;
  }

  /** Items pushed since construction or `clear()`. */
  get total(): number {
    return this.seen;
  }

  /** Kept items are every `stride`-th pushed item. */
  get stride(): number {
    return this.strideValue;
  }

  push(item: T): void {
    this.seen++;
    if (this.provisionalTail) this.list.pop();
    this.list.push(item);
    this.provisionalTail = this.seen % this.strideValue !== 0;
    if (!this.provisionalTail && this.list.length === this.capacity) {
      // Kept item p is pushed item (p + 1) * stride: keep odd p, i.e. every (2 * stride)-th.
      let j = 0;
      for (let p = 1; p < this.list.length; p += 2) this.list[j++] = this.list[p]!;
      this.list.length = j;
      this.strideValue *= 2;
    }
  }

  clear(): void {
    this.list.length = 0;
    this.seen = 0;
    this.strideValue = 1;
    this.provisionalTail = false;
  }

  /** A copy of the log (its items by reference), for saving a run. */
  getState(): ThinnedLogState<T> {
    return { capacity: this.capacity, items: [...this.list], seen: this.seen, stride: this.strideValue, provisionalTail: this.provisionalTail };
  }

  /**
   * Restores what `getState()` returned (read back from storage, so checked
   * first, each item with `isItem`). Throws, changing nothing, when it is
   * damaged or comes from a log of another capacity.
   */
  setState(state: unknown, isItem: (item: unknown) => item is T): void {
    const bad = (what: string): Error => new Error(`ThinnedLog: the saved log ${what}`);
    if (!state || typeof state !== 'object') throw bad('is missing');
    const { capacity, items, seen, stride, provisionalTail } = state as Partial<ThinnedLogState<unknown>>;
    if (capacity !== this.capacity) throw bad(`holds ${String(capacity)} items, this log ${this.capacity}`);
    if (!Array.isArray(items) || items.length > this.capacity || !items.every(isItem)) throw bad('has damaged items');
    if (stride === undefined || !Number.isInteger(stride) || stride < 1 || (stride & (stride - 1)) !== 0) throw bad('has an invalid stride');
    if (seen === undefined || !Number.isInteger(seen) || seen < items.length || typeof provisionalTail !== 'boolean') throw bad('has invalid counters');
    this.list.length = 0;
    this.list.push(...items);
    this.seen = seen;
    this.strideValue = stride;
    this.provisionalTail = provisionalTail;
  }
}

/** What a `ThinnedLog` holds, for saving a run. */
export interface ThinnedLogState<T> {
  capacity: number;
  items: T[];
  seen: number;
  stride: number;
  provisionalTail: boolean;
}
