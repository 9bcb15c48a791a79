/**
 * Bounded chart series for arbitrarily long runs.
 *
 * A `SeriesBuffer` holds at most `capacity` points (x, then k y-values).
 * While it has room every pushed point is stored. When it fills up it halves
 * its resolution: adjacent pairs merge into one point (the later x; each
 * series' values combined by that series' `Reducer`), and from then on every
 * stored point stands for `stride` pushed points, the stride doubling at each
 * halving. Incoming points are accumulated into a pending bucket of `stride`
 * points which is committed as one point when full, so every point pushed
 * counts (a mean is the mean of all of them, a max the max of all of them)
 * and old and new points have the same resolution. The pending bucket is
 * shown as a provisional last point, so the chart's tail stays live.
 *
 * Memory is flat (k + 1 Float64Arrays of `capacity`) and the whole run,
 * from its first point, stays visible at a resolution of about
 * capacity / 2 to capacity points.
 *
 * x should be non-decreasing (frames); y-values that are not finite
 * (a skipped update's NaN loss) are gaps: reducers ignore them and a point
 * with none left reads as `null`.
 */

/**
 * How the values of one series combine when points merge:
 * - `mean`: their mean (curves: losses, fps, moving averages);
 * - `last`: the later one, an actual observation (raw scatter points: a
 *   thinned sample keeps the spread and density of the raw values, where a
 *   mean would shrink the cloud towards the average at every halving);
 * - `min` / `max`: envelopes that keep extremes (e.g. the worst policy lag).
 */
export type Reducer = 'mean' | 'last' | 'min' | 'max';

/**
 * Column-major data, uPlot's `AlignedData` layout: [xs, ys1, ys2, ...].
 * Shared and cached: callers must not mutate it.
 */
export type Columns = [number[], ...(number | null)[][]];

export interface SeriesBufferOptions {
  /** One reducer per y-series; their number is k. */
  reducers: readonly Reducer[];
  /** Most points kept (an even number, at least 4). Default 2048. */
  capacity?: number;
}

/** Combines two stored values (NaN is a gap). */
function merge(reducer: Reducer, a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  switch (reducer) {
    case 'mean':
      return (a + b) / 2;
    case 'last':
      return b;
    case 'min':
      return Math.min(a, b);
    case 'max':
      return Math.max(a, b);
    default: {
      const never: never = reducer;
      throw new Error(`SeriesBuffer: unknown reducer ${String(never)}`);
    }
  }
}

/** Reduces the finite values pushed into one series of the pending bucket. */
class Accumulator {
  private sum = 0;
  private count = 0;
  private min = Infinity;
  private max = -Infinity;
  private last = NaN;

  constructor(private readonly reducer: Reducer) {}

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.sum += v;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.last = v;
  }

  /** The bucket's value, NaN when it saw no finite value. */
  value(): number {
    if (this.count === 0) return NaN;
    switch (this.reducer) {
      case 'mean':
        return this.sum / this.count;
      case 'last':
        return this.last;
      case 'min':
        return this.min;
      case 'max':
        return this.max;
      default: {
        const never: never = this.reducer;
        throw new Error(`SeriesBuffer: unknown reducer ${String(never)}`);
      }
    }
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.last = NaN;
  }

  /** [sum, count, min, max, last], for saving a run. */
  getState(): AccumulatorState {
    return [this.sum, this.count, this.min, this.max, this.last];
  }

  setState(state: AccumulatorState): void {
    [this.sum, this.count, this.min, this.max, this.last] = state;
  }
}

/** An accumulator's [sum, count, min, max, last]. */
type AccumulatorState = [number, number, number, number, number];

/** Everything a `SeriesBuffer` holds (structured-cloneable: typed arrays and numbers), for saving a run. */
export interface SeriesBufferState {
  capacity: number;
  reducers: Reducer[];
  /** The committed points: n xs, and n values of each y-series. */
  xs: Float64Array;
  ys: Float64Array[];
  stride: number;
  pending: number;
  pendingX: number;
  pushed: number;
  acc: AccumulatorState[];
}

export class SeriesBuffer {
  readonly capacity: number;
  readonly reducers: readonly Reducer[];
  private readonly xs: Float64Array;
  private readonly ys: Float64Array[];
  /** Committed points. */
  private n = 0;
  /** Pushed points per committed point: 1, 2, 4, ... */
  private strideValue = 1;
  /** Points in the pending bucket, and its latest x. */
  private pending = 0;
  private pendingX = 0;
  private readonly acc: Accumulator[];
  private pushedValue = 0;
  private cache: Columns | null = null;

  constructor(options: SeriesBufferOptions) {
    const capacity = options.capacity ?? 2048;
    if (!Number.isInteger(capacity) || capacity < 4 || capacity % 2 !== 0) {
      throw new RangeError(`SeriesBuffer: capacity must be an even integer >= 4, got ${capacity}`);
    }
    if (options.reducers.length === 0) throw new RangeError('SeriesBuffer: needs at least one y-series');
    this.capacity = capacity;
    this.reducers = [...options.reducers];
    this.xs = new Float64Array(capacity);
    this.ys = this.reducers.map(() => new Float64Array(capacity));
    this.acc = this.reducers.map((r) => new Accumulator(r));
  }

  /** Number of y-series (k). */
  get k(): number {
    return this.reducers.length;
  }

  /** Points `columns()` returns (committed ones, plus the provisional pending bucket): at most `capacity`. */
  get length(): number {
    return this.n + (this.pending > 0 ? 1 : 0);
  }

  /** Pushed points that each stored point stands for. */
  get stride(): number {
    return this.strideValue;
  }

  /** Points pushed since construction or `clear()`. */
  get pushed(): number {
    return this.pushedValue;
  }

  /** Adds one point: x, then exactly k y-values. */
  push(x: number, ...ys: number[]): void {
    if (ys.length !== this.k) throw new RangeError(`SeriesBuffer: expected ${this.k} y-values, got ${ys.length}`);
    if (!Number.isFinite(x)) throw new RangeError(`SeriesBuffer: x must be finite, got ${x}`);
    this.pushedValue++;
    this.cache = null;
    for (let s = 0; s < this.k; s++) this.acc[s]!.add(ys[s]!);
    this.pendingX = x;
    this.pending++;
    if (this.pending === this.strideValue) this.commit();
  }

  /** Drops every point; back to full resolution. */
  clear(): void {
    this.n = 0;
    this.strideValue = 1;
    this.pending = 0;
    this.pushedValue = 0;
    this.acc.forEach((a) => a.reset());
    this.cache = null;
  }

  /**
   * The points as [xs, ys1, ..., ysk], the pending bucket last. The same
   * arrays are returned until the next `push` or `clear`.
   */
  columns(): Columns {
    if (this.cache) return this.cache;
    const len = this.length;
    const xs = new Array<number>(len);
    for (let i = 0; i < this.n; i++) xs[i] = this.xs[i]!;
    if (this.pending > 0) xs[this.n] = this.pendingX;
    const out: Columns = [xs];
    for (let s = 0; s < this.k; s++) {
      const src = this.ys[s]!;
      const col = new Array<number | null>(len);
      for (let i = 0; i < this.n; i++) {
        const v = src[i]!;
        col[i] = Number.isNaN(v) ? null : v;
      }
      if (this.pending > 0) {
        const v = this.acc[s]!.value();
        col[this.n] = Number.isNaN(v) ? null : v;
      }
      out.push(col);
    }
    this.cache = out;
    return out;
  }

  /** Stores the pending bucket as a point, halving first if that would leave no room for a provisional one. */
  private commit(): void {
    const i = this.n;
    this.xs[i] = this.pendingX;
    for (let s = 0; s < this.k; s++) {
      this.ys[s]![i] = this.acc[s]!.value();
      this.acc[s]!.reset();
    }
    this.n++;
    this.pending = 0;
    // Halve once full, so that committed points plus the pending one never exceed capacity.
    if (this.n === this.capacity) this.halve();
  }

  /** A copy of everything the buffer holds, for saving a run. */
  getState(): SeriesBufferState {
    return {
      capacity: this.capacity,
      reducers: [...this.reducers],
      xs: this.xs.slice(0, this.n),
      ys: this.ys.map((y) => y.slice(0, this.n)),
      stride: this.strideValue,
      pending: this.pending,
      pendingX: this.pendingX,
      pushed: this.pushedValue,
      acc: this.acc.map((a) => a.getState()),
    };
  }

  /**
   * Restores what `getState()` returned (read back from storage, so checked
   * first): it must come from a buffer with the same capacity and reducers.
   * Throws, changing nothing, when it does not fit or is damaged.
   */
  setState(state: unknown): void {
    const bad = (what: string): Error => new Error(`SeriesBuffer: the saved series ${what}`);
    if (!state || typeof state !== 'object') throw bad('is missing');
    const s = state as Partial<SeriesBufferState>;
    if (s.capacity !== this.capacity) throw bad(`holds ${String(s.capacity)} points, this buffer ${this.capacity}`);
    if (!Array.isArray(s.reducers) || s.reducers.join() !== this.reducers.join()) throw bad('combines its values differently');
    const { xs, ys, stride, pending, pendingX, pushed, acc } = s;
    if (!(xs instanceof Float64Array) || xs.length >= this.capacity) throw bad('has no valid x values');
    const n = xs.length;
    if (!Array.isArray(ys) || ys.length !== this.k || !ys.every((y) => y instanceof Float64Array && y.length === n)) throw bad('has no valid y values');
    if (stride === undefined || !Number.isInteger(stride) || stride < 1 || (stride & (stride - 1)) !== 0) throw bad('has an invalid stride');
    if (pending === undefined || !Number.isInteger(pending) || pending < 0 || pending >= stride) throw bad('has an invalid pending bucket');
    if (pushed === undefined || !Number.isInteger(pushed) || pushed < n || typeof pendingX !== 'number') throw bad('has invalid counters');
    const accOk = (a: unknown): a is AccumulatorState => Array.isArray(a) && a.length === 5 && a.every((v) => typeof v === 'number');
    if (!Array.isArray(acc) || acc.length !== this.k || !acc.every(accOk)) throw bad('has an invalid pending bucket');
    this.xs.set(xs);
    ys.forEach((y, i) => this.ys[i]!.set(y));
    this.n = n;
    this.strideValue = stride;
    this.pending = pending;
    this.pendingX = pendingX;
    this.pushedValue = pushed;
    acc.forEach((a, i) => this.acc[i]!.setState(a));
    this.cache = null;
  }

  /** Merges adjacent pairs: the later x, each series' values by its reducer; the stride doubles. */
  private halve(): void {
    const half = this.n / 2;
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      this.xs[j] = this.xs[b]!;
      for (let s = 0; s < this.k; s++) {
        const y = this.ys[s]!;
        y[j] = merge(this.reducers[s]!, y[a]!, y[b]!);
      }
    }
    this.n = half;
    this.strideValue *= 2;
  }
}

/**
 * Overlays several column tables (e.g. two runs) on one x axis for uPlot:
 * rows from all tables merged in x order, each row carrying one table's
 * values and `null` in the other tables' columns (draw lines with
 * `spanGaps`). Unlike a join on x, rows with equal x are all kept (episodes
 * of one batch share the batch's frame count). Output columns: x, then the
 * first table's y-columns, then the second's, and so on.
 */
export function overlayColumns(tables: readonly Columns[]): Columns {
  const total = tables.reduce((sum, t) => sum + t[0].length, 0);
  const xs = new Array<number>(total);
  const ys: (number | null)[][] = [];
  for (const t of tables) for (let s = 1; s < t.length; s++) ys.push(new Array<number | null>(total).fill(null));
  const cursor = tables.map(() => 0);
  const firstColumn: number[] = [];
  for (let t = 0, c = 0; t < tables.length; t++) {
    firstColumn.push(c);
    c += tables[t]!.length - 1;
  }
  for (let row = 0; row < total; row++) {
    // The table whose next x is smallest (the earlier table on ties).
    let best = -1;
    let bestX = Infinity;
    for (let t = 0; t < tables.length; t++) {
      const x = tables[t]![0][cursor[t]!];
      if (x !== undefined && (best < 0 || x < bestX)) {
        best = t;
        bestX = x;
      }
    }
    const table = tables[best]!;
    const i = cursor[best]!;
    xs[row] = bestX;
    for (let s = 1; s < table.length; s++) ys[firstColumn[best]! + s - 1]![row] = table[s]![i] ?? null;
    cursor[best] = i + 1;
  }
  return [xs, ...ys];
}
