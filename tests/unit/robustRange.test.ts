import { describe, expect, it } from 'vitest';
import { clippedNote, clippedPoints, paddedRange, robustRange } from '../../src/core/telemetry/robustRange';

/**
 * A Breakout-like loss curve: one 50,000 spike at the first update, then 49
 * values cycling 0.5, 1, 1.5, 2, 0 (nine zeros, ten of each other value).
 * By hand: n = 50, t = ceil(49 / 100) = 1, so q1 = sorted[1] = 0 and
 * q99 = sorted[48] = 2 (sorted[49] is the spike); the bulk width is 2, the
 * fences are -2 and 4, leaving out 50,000 alone. Kept extent 0..2, padded by
 * 0.2 to -0.2..2.2 on a 0.1 grid, and -0.2 crosses 0 so the range is 0..2.2.
 */
const breakout = (): (number | null)[] => [50_000, ...Array.from({ length: 49 }, (_, j) => ((j + 1) % 5) * 0.5)];

describe('robustRange', () => {
  it('fits a Breakout-like loss to its bulk and reports the early spike as clipped', () => {
    expect(robustRange([breakout()])).toEqual({
      min: 0,
      max: 2.2,
      clipped: [{ series: 0, index: 0, value: 50_000 }],
      below: 0,
      above: 1,
      lowest: null,
      highest: 50_000,
    });
  });

  it('ignores nulls, NaN, undefined and infinities, and reports clipped points at their own indices', () => {
    const ys = breakout();
    const gappy: (number | null | undefined)[] = [null, NaN, ...ys.slice(0, 10), undefined, Infinity, ...ys.slice(10), -Infinity];
    const r = robustRange([gappy])!;
    expect([r.min, r.max]).toEqual([0, 2.2]);
    expect(r.clipped).toEqual([{ series: 0, index: 2, value: 50_000 }]);
  });

  it('pools several series (the loss terms) and names the series of each clipped value', () => {
    // The four loss terms of the same run: the spike in the first and last, the bulk 0..2 in all.
    const a = breakout();
    const b = a.map((v, i) => (i === 0 ? 1 : v));
    const d = a.map((v, i) => (i === 0 ? 30_000 : v));
    const r = robustRange([a, b, b, d])!;
    // n = 200, t = ceil(199 / 100) = 2: q1 = sorted[2] = 0, q99 = sorted[197] = 2; same fences, same range.
    expect([r.min, r.max]).toEqual([0, 2.2]);
    expect(r.clipped).toEqual([
      { series: 0, index: 0, value: 50_000 },
      { series: 3, index: 0, value: 30_000 },
    ]);
    expect([r.above, r.highest]).toEqual([2, 50_000]);
  });

  it('handles negative values: a spike below the bulk is clipped at the bottom', () => {
    // -40,000, then 29 values cycling -2, -3, -4, -5, -1: n = 30, t = 1, q1 = sorted[1] = -5,
    // q99 = sorted[28] = -1; width 4, fences -9 and 3. Kept -5..-1, padded by 0.4 to -5.4..-0.6
    // (all below 0, so 0 is not taken in).
    const ys = [-40_000, ...Array.from({ length: 29 }, (_, j) => -1 - ((j + 1) % 5))];
    expect(robustRange([ys])).toEqual({
      min: -5.4,
      max: -0.6,
      clipped: [{ series: 0, index: 0, value: -40_000 }],
      below: 1,
      above: 0,
      lowest: -40_000,
      highest: null,
    });
  });

  it('keeps the full extent when nothing is an outlier, padded as uPlot pads (0 taken in when the padding reaches it)', () => {
    // 0..10: padded by 1 on a grid of 1 to -1..11, and -1 crosses 0.
    const r = robustRange([Array.from({ length: 11 }, (_, i) => i)])!;
    expect([r.min, r.max, r.clipped.length]).toEqual([0, 11, 0]);
    // 3..5 (a tenth of the height is 0.2, far from 0): 2.8..5.2.
    expect(robustRange([[3, 4, 5]])).toMatchObject({ min: 2.8, max: 5.2, clipped: [] });
    // A range straddling 0 keeps it: -1..1 padded by 0.2.
    expect(robustRange([[-1, 0.5, 1]])).toMatchObject({ min: -1.2, max: 1.2 });
  });

  it('keeps a steep but smooth start, as leaving it out would not shorten the range three times', () => {
    // 100, 50, 25, ... (20 halvings): q1 = sorted[1] = 100 / 2^18, q99 = sorted[18] = 50, so 100 lies
    // just beyond the upper fence (50 + 49.9996); but without it the range only shrinks from ~100 to
    // ~50, under 3 times, so it stays: padded 0..110.
    const ys = Array.from({ length: 20 }, (_, i) => 100 / 2 ** i);
    expect(robustRange([ys])).toMatchObject({ min: 0, max: 110, clipped: [] });
  });

  it('never clips with fewer than 10 points: two cannot tell a spike from a trend', () => {
    // 1..50,000 padded by 4,999.9 on a grid of 1,000: 0 (crossed) .. 55,000.
    expect(robustRange([[50_000, 1, 1.5, 2, 0.5, 1, 1.5, 2, 0.5]])).toMatchObject({ min: 0, max: 55_000, clipped: [] });
  });

  it('keeps a spike in view above a flat bulk (a flat line has nothing to flatten)', () => {
    // q1 = q99 = 1: no width, no fences. 1..5 padded by 0.4: 0.6..5.4.
    expect(robustRange([[5, ...Array.from({ length: 19 }, () => 1)]])).toMatchObject({ min: 0.6, max: 5.4, clipped: [] });
  });

  it('gives all-equal values, a single point and zeros a range of positive height with 0 in it', () => {
    expect(robustRange([Array.from({ length: 30 }, () => 3)])).toMatchObject({ min: 0, max: 6, clipped: [] });
    expect(robustRange([[7]])).toMatchObject({ min: 0, max: 14, clipped: [] });
    expect(robustRange([[null, -2.5, null]])).toMatchObject({ min: -5, max: 0, clipped: [] });
    expect(robustRange([[0, 0, 0]])).toMatchObject({ min: -1, max: 1, clipped: [] });
  });

  it('returns null when there is no finite value', () => {
    expect(robustRange([])).toBeNull();
    expect(robustRange([[], [null, NaN, undefined]])).toBeNull();
  });

  it('honours fixed ends (frames per second from 0) and still clips a spike above', () => {
    // 50,000, then 1000, 1010, 1020, 1030, ... (29 values): t = 1, q1 = 1000, q99 = 1030, fences 970 and 1060.
    // With the fixed 0 the range would be 50,000 tall with the spike and 1,030 without: clip it.
    // Kept 1000..1030 padded by 3 on a grid of 1: 997..1033, whose lower end the fixed 0 replaces.
    const fps = [50_000, ...Array.from({ length: 29 }, (_, j) => 1000 + ((j + 1) % 4) * 10)];
    expect(robustRange([fps], { min: 0 })).toMatchObject({ min: 0, max: 1033, above: 1, highest: 50_000 });
    // A value below a fixed end is clipped too, however few the points: -1..3 padded to -1.4..3.4, then 0..3.4.
    expect(robustRange([[-1, 1, 2, 3]], { min: 0 })).toMatchObject({ min: 0, max: 3.4, below: 1, lowest: -1 });
    // A fixed end above all the data keeps a positive height, the padded one: 1..5 pads to 0.6..5.4,
    // so 10 to 10 + 4.8; both values are then clipped below.
    const r = robustRange([[1, 5]], { min: 10 })!;
    expect(r.min).toBe(10);
    expect(r.max).toBeCloseTo(14.8, 12);
    expect([r.below, r.lowest]).toEqual([2, 1]);
  });

  it('looks only at the window of indices it is given (a zoomed chart)', () => {
    // Without index 0, the 49 bulk values 0..2 (n = 49 >= 10, but no outlier): 0..2.2, nothing clipped.
    expect(robustRange([breakout()], { from: 1 })).toMatchObject({ min: 0, max: 2.2, clipped: [] });
    // Indices 0..3: 50,000, 0.5, 1, 1.5, too few to clip: padded 0..55,000.
    expect(robustRange([breakout()], { to: 3 })).toMatchObject({ min: 0, max: 55_000, clipped: [] });
  });
});

describe('paddedRange', () => {
  it('pads a tenth of the height at each end, on a grid of a tenth of its order of magnitude', () => {
    // Height 0.03: pad 0.003, grid 0.001.
    expect(paddedRange(0.12, 0.15)).toEqual([0.117, 0.153]);
    // Height 250: pad 25, grid 10: 75 -> 70 (rounded down), 375 -> 380.
    expect(paddedRange(100, 350)).toEqual([70, 380]);
  });
});

describe('clippedPoints', () => {
  it('lists the finite values outside a range, within a window', () => {
    expect(clippedPoints([[5, null, -3, 1], [NaN, 9]], 0, 4, { from: 1 })).toEqual({
      clipped: [
        { series: 0, index: 2, value: -3 },
        { series: 1, index: 1, value: 9 },
      ],
      below: 1,
      above: 1,
      lowest: -3,
      highest: 9,
    });
  });
});

describe('clippedNote', () => {
  it('says how many values lie beyond the range and the most extreme, in words', () => {
    expect(clippedNote({ below: 0, above: 1, lowest: null, highest: 50_000 }, String)).toBe('1 value beyond the range (max 50000)');
    expect(clippedNote({ below: 2, above: 1, lowest: -7, highest: 9 }, String)).toBe('3 values beyond the range (min -7, max 9)');
    expect(clippedNote({ below: 0, above: 0, lowest: null, highest: null }, String)).toBeNull();
  });
});
