/**
 * A chart's y range that one wild value cannot flatten.
 *
 * A range from the data's minimum and maximum lets a single early value set
 * the scale: IMPALA's loss terms on Breakout start near 50,000 for an update
 * or two and then stay within a few units, so the rest of the run is drawn as
 * a flat line along the axis. `robustRange` fits the range to the bulk of the
 * points instead and reports the few it leaves out, for the chart to draw at
 * its edge and name in text.
 *
 * The rule, on the finite values of all the given series together (nulls,
 * NaN and infinities are gaps; a chart passes the points in its visible x
 * window, i.e. the whole run unless the user zoomed in):
 *
 * 1. The bulk: the 1st and 99th percentiles, q1 and q99, each taken as a
 *    sorted value rounded towards the median (index ceil((n - 1) / 100) from
 *    either end), so that even with few points the most extreme value at
 *    each end never sets them.
 * 2. Outliers: values more than one bulk width (q99 - q1) beyond the bulk,
 *    i.e. outside [q1 - (q99 - q1), q99 + (q99 - q1)]. Gaussian noise gets
 *    there about once in 10^12 points, so only genuine spikes do.
 * 3. They are left out only where that matters: with at least
 *    `ROBUST_RANGE.minPoints` values (fewer cannot tell a spike from a
 *    trend), a bulk of some height (a flat line cannot be flattened further,
 *    and the spike then hides nothing), and when leaving them out makes the
 *    range at least `ROBUST_RANGE.flattenRatio` times shorter (otherwise the
 *    curve was readable anyway, and everything stays in view). A steep but
 *    smooth start (a loss falling from 100 to 1 over the first tenth of the
 *    run) keeps its points, as it fills the 99th percentile.
 * 4. The range is the kept values' extent padded by a tenth of its height at
 *    each end and rounded outwards to a tenth of its order of magnitude (as
 *    uPlot pads its own ranges), taking in 0 when the values straddle it or
 *    the padding reaches it; never of zero height (a constant v spans 0 to
 *    2v, and 0 spans -1 to 1). Fixed ends (`min: 0` for a rate) replace the
 *    computed ones.
 *
 * Every finite value outside the final range is reported as clipped, with
 * its series and index, whichever step put it there.
 *
 * Pure and framework-free (no DOM, no React): the UI's charts call it from
 * their scale's range function.
 */

/** The rule's constants (see the module comment). */
export const ROBUST_RANGE = {
  /** The bulk lies between this quantile and its complement. */
  quantile: 0.01,
  /** Outliers lie more than this many bulk widths beyond the bulk. */
  fence: 1,
  /** Fewest finite values before any is left out. */
  minPoints: 10,
  /** Values are left out only if that shortens the range at least this many times. */
  flattenRatio: 3,
  /** Padding at each end, as a share of the range's height. */
  pad: 0.1,
} as const;

/** Ends of the range fixed by the chart (e.g. `min: 0` for frames per second). */
export interface RangeEnds {
  min?: number;
  max?: number;
}

export interface RobustRangeOptions extends RangeEnds {
  /** First index of each series to consider (default 0). */
  from?: number;
  /** Last index of each series to consider, inclusive (default: the last). */
  to?: number;
}

/** A value outside the range: which series (its position in the input), which index, and its value. */
export interface ClippedPoint {
  series: number;
  index: number;
  value: number;
}

export interface RobustRange {
  /** The y range to draw, min < max. */
  min: number;
  max: number;
  /** Finite values outside [min, max], by series then index. */
  clipped: ClippedPoint[];
  /** How many of them lie below min, and above max. */
  below: number;
  above: number;
  /** The lowest value below min and the highest above max (null when none). */
  lowest: number | null;
  highest: number | null;
}

/** A column of a chart: numbers, with null or undefined (or NaN) for gaps. */
export type SeriesValues = ArrayLike<number | null | undefined>;

/** Rounds away floating-point noise (2.2000000000000002 -> 2.2). */
const tidy = (v: number): number => Number(v.toPrecision(12));

/**
 * [lo, hi] padded and rounded as described in step 4 (without fixed ends).
 * Values closer than a ten-billionth of their size count as equal.
 */
export function paddedRange(lo: number, hi: number): [number, number] {
  const height = hi - lo;
  const size = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(height > size * 1e-10)) {
    const v = (lo + hi) / 2;
    if (v === 0) return [-1, 1];
    return v > 0 ? [0, tidy(2 * v)] : [tidy(2 * v), 0];
  }
  const pad = ROBUST_RANGE.pad * height;
  const step = 10 ** (Math.floor(Math.log10(height)) - 1);
  // The 1e-9 keeps a value already on a step (2.2 / 0.1 = 22.000000000000004) where it is.
  let min = tidy(Math.floor((lo - pad) / step + 1e-9) * step);
  let max = tidy(Math.ceil((hi + pad) / step - 1e-9) * step);
  if (lo >= 0 && min <= 0) min = 0;
  if (hi <= 0 && max >= 0) max = 0;
  return [min, max];
}

/**
 * The y range for `series` (see the module comment), or null when they hold
 * no finite value in the window (the chart then keeps its default).
 */
export function robustRange(series: readonly SeriesValues[], options: RobustRangeOptions = {}): RobustRange | null {
  const from = Math.max(0, options.from ?? 0);
  const last = (s: SeriesValues) => Math.min(s.length - 1, options.to ?? Infinity);
  let total = 0;
  for (const s of series) total += Math.max(0, last(s) - from + 1);
  const values = new Float64Array(total);
  let n = 0;
  for (const s of series) {
    for (let i = from, end = last(s); i <= end; i++) {
      const v = s[i];
      if (typeof v === 'number' && Number.isFinite(v)) values[n++] = v;
    }
  }
  if (n === 0) return null;
  const sorted = values.subarray(0, n).sort();
  const dataLow = sorted[0]!;
  const dataHigh = sorted[n - 1]!;

  // Steps 1-3: the kept values' extent.
  let keptLow = dataLow;
  let keptHigh = dataHigh;
  if (n >= ROBUST_RANGE.minPoints) {
    // ceil(q * (n - 1)) from each end; q = 1/100 divides exactly, where 0.01 * 700 rounds up to 7.000000000000001.
    const t = Math.ceil((n - 1) / Math.round(1 / ROBUST_RANGE.quantile));
    const qLow = sorted[t]!;
    const qHigh = sorted[n - 1 - t]!;
    const width = qHigh - qLow;
    if (width > 0) {
      const fenceLow = qLow - ROBUST_RANGE.fence * width;
      const fenceHigh = qHigh + ROBUST_RANGE.fence * width;
      let lo = 0;
      while (sorted[lo]! < fenceLow) lo++;
      let hi = n - 1;
      while (sorted[hi]! > fenceHigh) hi--;
      // The extents as drawn: fixed ends replace the data's.
      const shown = (low: number, high: number) => (options.max ?? high) - (options.min ?? low);
      if (shown(dataLow, dataHigh) >= ROBUST_RANGE.flattenRatio * shown(sorted[lo]!, sorted[hi]!)) {
        keptLow = sorted[lo]!;
        keptHigh = sorted[hi]!;
      }
    }
  }

  // Step 4: pad, then fixed ends; keep a positive height whatever they are.
  const [padLow, padHigh] = paddedRange(keptLow, keptHigh);
  let min = options.min ?? padLow;
  let max = options.max ?? padHigh;
  if (!(max > min)) {
    if (options.max === undefined) max = min + (padHigh - padLow);
    else min = max - (padHigh - padLow);
  }

  return { min, max, ...clippedPoints(series, min, max, options) };
}

/** Clipped points and their summary: the finite values of `series` (within the window) outside [min, max]. */
export type Clipped = Omit<RobustRange, 'min' | 'max'>;

/**
 * The finite values of `series` (indices `from` to `to`) outside [min, max]:
 * what a chart drawn over that range cannot show, for it to mark instead.
 */
export function clippedPoints(series: readonly SeriesValues[], min: number, max: number, window: Pick<RobustRangeOptions, 'from' | 'to'> = {}): Clipped {
  const from = Math.max(0, window.from ?? 0);
  const clipped: ClippedPoint[] = [];
  let below = 0;
  let above = 0;
  let lowest: number | null = null;
  let highest: number | null = null;
  for (let k = 0; k < series.length; k++) {
    const s = series[k]!;
    for (let i = from, end = Math.min(s.length - 1, window.to ?? Infinity); i <= end; i++) {
      const v = s[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || (v >= min && v <= max)) continue;
      clipped.push({ series: k, index: i, value: v });
      if (v < min) {
        below++;
        lowest = lowest === null ? v : Math.min(lowest, v);
      } else {
        above++;
        highest = highest === null ? v : Math.max(highest, v);
      }
    }
  }
  return { clipped, below, above, lowest, highest };
}

/**
 * The chart's note about clipped values, e.g. "1 value beyond the range
 * (max 50,000)", or null when none is; `format` writes a number.
 */
export function clippedNote(range: Pick<RobustRange, 'below' | 'above' | 'lowest' | 'highest'>, format: (v: number) => string): string | null {
  const count = range.below + range.above;
  if (count === 0) return null;
  const extremes = [range.lowest !== null ? `min ${format(range.lowest)}` : null, range.highest !== null ? `max ${format(range.highest)}` : null];
  return `${count} ${count === 1 ? 'value' : 'values'} beyond the range (${extremes.filter((e) => e !== null).join(', ')})`;
}
