import { describe, expect, it } from 'vitest';
import { niceTicks, tickLabels } from '../../src/core/telemetry/niceTicks';

/** Ticks and labels, worked out by hand: step 1, 2 or 5 x 10^k near a fifth of the range, axis ends on ticks around the data. */
describe('niceTicks', () => {
  it.each([
    // range / 5 = 0.2: a step of 2 x 10^-1
    [0, 1, 0.2, [0, 0.2, 0.4, 0.6, 0.8, 1], ['0', '0.2', '0.4', '0.6', '0.8', '1']],
    // 97.4 -> 100; the axis ends on 500, the first tick above 487
    [0, 487, 100, [0, 100, 200, 300, 400, 500], ['0', '100', '200', '300', '400', '500']],
    // 5,000,000: exactly 5 x 10^6, so the axis ends on the data's own maximum
    [0, 25_000_000, 5_000_000, [0, 5e6, 10e6, 15e6, 20e6, 25e6], ['0', '5M', '10M', '15M', '20M', '25M']],
    // 320 -> 500
    [0, 1600, 500, [0, 500, 1000, 1500, 2000], ['0', '500', '1,000', '1,500', '2,000']],
    // 8.4 -> 10, from the tick below -21 to the one above 21
    [-21, 21, 10, [-30, -20, -10, 0, 10, 20, 30], ['-30', '-20', '-10', '0', '10', '20', '30']],
    // Acrobot's returns: all negative; 80 -> 100
    [-500, -100, 100, [-500, -400, -300, -200, -100], ['-500', '-400', '-300', '-200', '-100']],
    // 0.01 -> 0.01, from -0.03 to 0.02
    [-0.023, 0.017, 0.01, [-0.03, -0.02, -0.01, 0, 0.01, 0.02], ['-0.03', '-0.02', '-0.01', '0', '0.01', '0.02']],
    // 40,000 / 5 = 8,000 -> 10,000, labelled in thousands from 10,000 up
    [0, 40_000, 10_000, [0, 10_000, 20_000, 30_000, 40_000], ['0', '10k', '20k', '30k', '40k']],
    // 230,000 -> 500,000; a tick reaches a million, so millions, with the one decimal a step of 0.5M needs
    [0, 1_150_000, 500_000, [0, 5e5, 1e6, 1.5e6], ['0', '0.5M', '1M', '1.5M']],
    // 180,000 -> 200,000
    [0, 900_000, 200_000, [0, 2e5, 4e5, 6e5, 8e5, 1e6], ['0', '0.2M', '0.4M', '0.6M', '0.8M', '1M']],
  ])('%d .. %d: step %d', (lo, hi, step, values, labels) => {
    const ticks = niceTicks(lo, hi);
    expect(ticks.step).toBe(step);
    // toEqual on numbers is exact: 0.6 must be the double nearest 0.6, not 0.6000000000000001.
    expect(ticks.values).toEqual(values);
    expect(ticks.min).toBe(values[0]);
    expect(ticks.max).toBe(values.at(-1));
    expect(tickLabels(ticks)).toEqual(labels);
  });

  it('takes the ends in either order', () => {
    expect(niceTicks(487, 0).values).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('gives one value an axis around it', () => {
    expect(niceTicks(0, 0).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // 500 -> 400 .. 600, step 40 -> 50
    expect(niceTicks(500, 500).values).toEqual([400, 450, 500, 550, 600]);
    expect(niceTicks(-9, -9).values).toEqual([-10, -9.5, -9, -8.5, -8]);
  });

  it('refuses a range that is not finite', () => {
    expect(() => niceTicks(0, Infinity)).toThrow(/finite/);
    expect(() => niceTicks(Number.NaN, 1)).toThrow(/finite/);
  });
});
