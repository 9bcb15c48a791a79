import { describe, expect, it } from 'vitest';
import { drawnEpisodes, episodeStride, keepsEpisode } from '../../src/core/telemetry/episodeSample';

describe('which episodes a run keeps as raw points', () => {
  it('keeps every episode of the first 2,000, then strides that double with each doubling of the run', () => {
    expect([0, 1999, 2000, 3999, 4000, 7999, 8000, 1_000_000].map(episodeStride)).toEqual([1, 1, 2, 2, 4, 4, 8, 512]);
    const kept = (n: number): number => Array.from({ length: n }, (_, i) => i).filter(keepsEpisode).length;
    // 2,000 + 2,000 / 2 + 4,000 / 4
    expect(kept(8000)).toBe(4000);
    expect([1999, 2000, 2001, 2002, 4000, 4002, 4004].map(keepsEpisode)).toEqual([true, true, false, true, true, false, true]);
  });

  it('draws every episode of a short run', () => {
    const all = Array.from({ length: 1500 }, (_, episode) => ({ episode }));
    expect(drawnEpisodes(all, 1500)).toEqual(all);
  });

  it('draws evenly spaced episodes of a long run, between 1,000 and 2,000 of them, all among those kept', () => {
    const kept = (total: number): { episode: number }[] => Array.from({ length: total }, (_, episode) => ({ episode })).filter((e) => keepsEpisode(e.episode));
    // 5,000 episodes: the last's stride is 4, so 0, 4, ..., 4,996: 1,250 points.
    const drawn = drawnEpisodes(kept(5000), 5000).map((e) => e.episode);
    expect(drawn).toEqual(Array.from({ length: 1250 }, (_, i) => 4 * i));
    // A million: stride 512, so 0, 512, ..., 999,936 (= 1,953 x 512): 1,954 points.
    const million = drawnEpisodes(kept(1_000_000), 1_000_000).map((e) => e.episode);
    expect(million).toHaveLength(1954);
    expect(million.at(-1)).toBe(1953 * 512);
    expect(million.every((e, i) => e === 512 * i)).toBe(true);
  });

  it('leaves out points beyond the run', () => {
    expect(drawnEpisodes([{ episode: 0 }, { episode: 1 }, { episode: 2 }], 2)).toEqual([{ episode: 0 }, { episode: 1 }]);
  });
});
