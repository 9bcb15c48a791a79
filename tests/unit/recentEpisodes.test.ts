import { describe, expect, it } from 'vitest';
import { isRecentEpisodesState, RECENT_EPISODES, RecentEpisodes } from '../../src/core/telemetry/recentEpisodes';

/** The reference: the mean of the last (up to) 100 values, summed oldest first, written plainly. */
function naiveMean100(values: readonly number[]): number | null {
  const last = values.slice(Math.max(0, values.length - 100));
  if (last.length === 0) return null;
  let sum = 0;
  for (const v of last) sum += v;
  return sum / last.length;
}

/** Deterministic, non-round episode returns and lengths (rounding would show). */
const returnOf = (i: number): number => 37.3 * Math.sin(i * 1.7) + 0.1 * i;
const lengthOf = (i: number): number => 1 + ((i * 7919) % 503);

describe('RecentEpisodes', () => {
  it('holds 100 episodes; its means equal the naive mean of the last <= 100 values, exactly, at every step past several laps', () => {
    expect(RECENT_EPISODES).toBe(100);
    const w = new RecentEpisodes();
    expect([w.meanReturn(), w.meanLength(), w.size]).toEqual([null, null, 0]);
    const returns: number[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < 1234; i++) {
      returns.push(returnOf(i));
      lengths.push(lengthOf(i));
      w.push(returnOf(i), lengthOf(i));
      expect(w.meanReturn()).toBe(naiveMean100(returns));
      expect(w.meanLength()).toBe(naiveMean100(lengths));
      expect(w.size).toBe(Math.min(i + 1, 100));
    }
    expect(w.getState()).toEqual({ recentReturns: returns.slice(-100), recentLengths: lengths.slice(-100) });
  });

  it('a window restored from its state (through a structured clone) gives exactly the means of one never interrupted', () => {
    for (const cut of [0, 1, 37, 100, 101, 250]) {
      const whole = new RecentEpisodes();
      const first = new RecentEpisodes();
      for (let i = 0; i < cut; i++) {
        whole.push(returnOf(i), lengthOf(i));
        first.push(returnOf(i), lengthOf(i));
      }
      const state = structuredClone(first.getState());
      expect(state.recentReturns).toHaveLength(Math.min(cut, 100));
      const resumed = new RecentEpisodes();
      resumed.setState(state);
      expect(resumed.getState()).toEqual(first.getState());
      for (let i = cut; i < cut + 321; i++) {
        whole.push(returnOf(i), lengthOf(i));
        resumed.push(returnOf(i), lengthOf(i));
        expect([resumed.meanReturn(), resumed.meanLength()]).toEqual([whole.meanReturn(), whole.meanLength()]);
      }
    }
  });

  it('setState keeps the last `capacity` episodes of a longer state and refuses unequal returns and lengths, changing nothing', () => {
    const w = new RecentEpisodes(3);
    w.setState({ recentReturns: [1, 2, 3, 4, 5], recentLengths: [10, 20, 30, 40, 50] });
    expect(w.getState()).toEqual({ recentReturns: [3, 4, 5], recentLengths: [30, 40, 50] });
    expect(w.meanReturn()).toBe(4);
    expect(() => w.setState({ recentReturns: [1], recentLengths: [] })).toThrow(/1 returns but 0 lengths/);
    expect(w.meanReturn()).toBe(4);
    w.clear();
    expect([w.meanReturn(), w.size]).toEqual([null, 0]);
    expect(() => new RecentEpisodes(0)).toThrow(RangeError);
  });

  it('isRecentEpisodesState accepts what getState gives and rejects damaged states read back from storage', () => {
    const w = new RecentEpisodes();
    for (let i = 0; i < 150; i++) w.push(returnOf(i), lengthOf(i));
    expect(isRecentEpisodesState(structuredClone(w.getState()))).toBe(true);
    expect(isRecentEpisodesState({ recentReturns: [], recentLengths: [] })).toBe(true);
    expect(isRecentEpisodesState(null)).toBe(false);
    expect(isRecentEpisodesState({ recentReturns: [1, 2], recentLengths: [1] })).toBe(false);
    expect(isRecentEpisodesState({ recentReturns: ['x'], recentLengths: [1] })).toBe(false);
    expect(isRecentEpisodesState({ recentReturns: [1] })).toBe(false);
    const long = Array.from({ length: 101 }, (_, i) => i);
    expect(isRecentEpisodesState({ recentReturns: long, recentLengths: long })).toBe(false);
  });
});
