/**
 * A bounded FIFO between actors and the learner. When it is full, `put`
 * waits until the learner takes something (backpressure): nothing is ever
 * dropped. `take(n)` waits until n items are there.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly waitingPutters: (() => void)[] = [];
  private waitingTaker: { n: number; resolve: (items: T[]) => void; reject: (e: Error) => void } | null = null;
  private closedReason: Error | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BoundedQueue: capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Adds an item, waiting while the queue is full. Rejects once the queue is closed. */
  async put(item: T): Promise<void> {
    while (this.items.length >= this.capacity) {
      if (this.closedReason) throw this.closedReason;
      await new Promise<void>((resolve) => this.waitingPutters.push(resolve));
    }
    if (this.closedReason) throw this.closedReason;
    this.items.push(item);
    this.serveTaker();
  }

  /** Takes the n oldest items, waiting until there are n. Only one taker at a time. */
  take(n: number): Promise<T[]> {
    if (this.waitingTaker) return Promise.reject(new Error('BoundedQueue: take() is already waiting'));
    if (n > this.capacity) return Promise.reject(new RangeError(`BoundedQueue: cannot take ${n} from a queue of capacity ${this.capacity}`));
    if (this.closedReason) return Promise.reject(this.closedReason);
    return new Promise<T[]>((resolve, reject) => {
      this.waitingTaker = { n, resolve, reject };
      this.serveTaker();
    });
  }

  /** Takes up to n of the oldest items that are there now, without waiting. */
  drain(n: number): T[] {
    const items = this.items.splice(0, n);
    if (items.length > 0) this.waitingPutters.splice(0).forEach((wake) => wake());
    return items;
  }

  /** Wakes every waiter with `reason`; later calls reject with it. */
  close(reason = new Error('queue closed')): void {
    this.closedReason = reason;
    this.waitingTaker?.reject(reason);
    this.waitingTaker = null;
    this.waitingPutters.splice(0).forEach((wake) => wake());
  }

  private serveTaker(): void {
    const taker = this.waitingTaker;
    if (!taker || this.items.length < taker.n) return;
    this.waitingTaker = null;
    taker.resolve(this.items.splice(0, taker.n));
    this.waitingPutters.splice(0).forEach((wake) => wake());
  }
}
