import { describe, expect, it } from 'vitest';
import { overlayColumns, SeriesBuffer, type Columns } from '../../src/core/telemetry/seriesBuffer';

/** Pushes x = 0..n-1 with y = x (one series). */
function filled(n: number, capacity: number, reducer: 'mean' | 'last' | 'min' | 'max' = 'mean'): SeriesBuffer {
  const b = new SeriesBuffer({ reducers: [reducer], capacity });
  for (let i = 0; i < n; i++) b.push(i, i);
  return b;
}

describe('SeriesBuffer', () => {
  it('keeps every point while it has room, in uPlot column layout', () => {
    const b = new SeriesBuffer({ reducers: ['mean', 'max'], capacity: 8 });
    b.push(10, 1, 2);
    b.push(20, 3, 4);
    expect(b.columns()).toEqual([
      [10, 20],
      [1, 3],
      [2, 4],
    ]);
    expect(b.length).toBe(2);
    expect(b.stride).toBe(1);
  });

  it('halves when full: later x, pair means, and the stride doubles', () => {
    const b = filled(8, 8);
    // 8 points fill it: pairs (0,1) (2,3) (4,5) (6,7) merge.
    expect(b.stride).toBe(2);
    expect(b.columns()).toEqual([
      [1, 3, 5, 7],
      [0.5, 2.5, 4.5, 6.5],
    ]);
  });

  it('accumulates stride points per new point, showing the pending bucket provisionally', () => {
    const b = filled(9, 8);
    // Point 8 is alone in a bucket of 2: shown as is, at its own x.
    expect(b.columns()).toEqual([
      [1, 3, 5, 7, 8],
      [0.5, 2.5, 4.5, 6.5, 8],
    ]);
    b.push(9, 9);
    // The bucket (8, 9) is committed as one point: mean 8.5 at x 9.
    expect(b.columns()).toEqual([
      [1, 3, 5, 7, 9],
      [0.5, 2.5, 4.5, 6.5, 8.5],
    ]);
  });

  it('every stored point is the mean of the same number of pushed points, after many halvings', () => {
    const n = 1000;
    const b = filled(n, 16);
    const [xs, ys] = b.columns();
    expect(b.length).toBeLessThanOrEqual(16);
    const s = b.stride;
    expect(s).toBe(64);
    // Committed point j covers pushed points j*s .. (j+1)*s - 1: x is the last, y the mean.
    const committed = Math.floor(n / s);
    for (let j = 0; j < committed; j++) {
      expect(xs[j]).toBe((j + 1) * s - 1);
      expect(ys![j]).toBeCloseTo(j * s + (s - 1) / 2, 12);
    }
    // The pending bucket: pushed points committed*s .. n-1.
    expect(xs.at(-1)).toBe(n - 1);
    expect(ys!.at(-1)).toBeCloseTo((committed * s + n - 1) / 2, 12);
  });

  it('min, max and last reducers keep extremes and actual observations', () => {
    const values = [5, -3, 8, 1, 0, 9, -7, 2, 4, 6, 3, 1];
    const make = (r: 'min' | 'max' | 'last') => {
      const b = new SeriesBuffer({ reducers: [r], capacity: 4 });
      values.forEach((v, i) => b.push(i, v));
      return b.columns()[1];
    };
    // capacity 4: stride 4 after 12 points: buckets [0..3] [4..7] [8..11].
    expect(make('min')).toEqual([-3, -7, 1]);
    expect(make('max')).toEqual([8, 9, 6]);
    expect(make('last')).toEqual([1, 2, 1]);
  });

  it('treats non-finite values as gaps', () => {
    const b = new SeriesBuffer({ reducers: ['mean'], capacity: 4 });
    b.push(0, NaN);
    b.push(1, 2);
    b.push(2, Infinity);
    expect(b.columns()).toEqual([
      [0, 1, 2],
      [null, 2, null],
    ]);
    b.push(3, NaN);
    // Halved: (NaN, 2) -> 2; (Inf, NaN) -> gap.
    expect(b.columns()).toEqual([
      [1, 3],
      [2, null],
    ]);
  });

  it('caches columns until the next push, and clear() starts over', () => {
    const b = filled(5, 8);
    const c = b.columns();
    expect(b.columns()).toBe(c);
    b.push(5, 5);
    const d = b.columns();
    expect(d).not.toBe(c);
    expect(d[0]).toEqual([0, 1, 2, 3, 4, 5]);
    b.clear();
    expect(b.columns()).toEqual([[], []]);
    expect(b.stride).toBe(1);
    expect(b.pushed).toBe(0);
  });

  it('stays within capacity over a million points', () => {
    const b = new SeriesBuffer({ reducers: ['mean', 'max'], capacity: 2048 });
    for (let i = 0; i < 1_000_000; i++) {
      b.push(i, i, i);
      if (b.length > 2048) throw new Error(`length ${b.length} at ${i}`);
    }
    const [xs] = b.columns();
    expect(xs.length).toBeGreaterThanOrEqual(1024);
    expect(xs.length).toBeLessThanOrEqual(2048);
    // The whole run is still visible: from the start to the latest point.
    expect(xs[0]).toBeLessThan(1_000_000 / 1024);
    expect(xs.at(-1)).toBe(999_999);
  });

  it('rejects a bad capacity or the wrong number of values', () => {
    expect(() => new SeriesBuffer({ reducers: ['mean'], capacity: 7 })).toThrow(RangeError);
    expect(() => new SeriesBuffer({ reducers: [] })).toThrow(RangeError);
    expect(() => new SeriesBuffer({ reducers: ['mean'] }).push(0, 1, 2)).toThrow(RangeError);
  });
});

describe('overlayColumns', () => {
  it('merges tables in x order, one table per row, keeping equal x rows', () => {
    const a: Columns = [
      [1, 3, 3],
      [10, 30, 31],
    ];
    const b: Columns = [
      [2, 3],
      [200, 300],
      [-2, -3],
    ];
    expect(overlayColumns([a, b])).toEqual([
      [1, 2, 3, 3, 3],
      [10, null, 30, 31, null],
      [null, 200, null, null, 300],
      [null, -2, null, null, -3],
    ]);
  });

  it('handles empty tables', () => {
    expect(overlayColumns([[[], []], [[5], [1]]])).toEqual([[5], [null], [1]]);
  });
});
