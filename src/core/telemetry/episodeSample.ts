/**
 * Which finished episodes a run keeps as raw points for its learning curve,
 * so that a run of any length keeps few: a rule on the episode's number
 * alone (0, 1, 2, ... over the whole run), so that a file appended as the
 * run goes, cut back and continued by a resumed run, keeps exactly what a
 * run never stopped would.
 *
 * The stride at episode n is the largest power of two at most
 * n / EPISODES_PER_OCTAVE (at least 1), and episode n is kept when n is a
 * multiple of its stride: every episode of the first 2 x 1,000, then every
 * 2nd up to 4,000, every 4th up to 8,000, and so on, so about 1,000 per
 * doubling of the run (some 11,000 of a million episodes).
 *
 * Drawn, the kept episodes are thinned to the run's final stride S (that of
 * its last episode): episodes 0, S, 2S, ..., evenly spaced over the whole
 * run, between 1,000 and 2,000 of them once the run has that many (all
 * kept, since every stride divides S).
 */

export const EPISODES_PER_OCTAVE = 1000;

/** The stride at episode number `n` (0-based): a power of two. */
export function episodeStride(n: number): number {
  const octaves = Math.floor(n / EPISODES_PER_OCTAVE);
  return octaves < 1 ? 1 : 2 ** Math.floor(Math.log2(octaves));
}

/** Whether episode `n` is kept as a raw point. */
export function keepsEpisode(n: number): boolean {
  return n % episodeStride(n) === 0;
}

/** The points to draw of those kept, for a run of `total` episodes: every one whose number is a multiple of the last episode's stride. */
export function drawnEpisodes<T extends { episode: number }>(kept: readonly T[], total: number): T[] {
  const stride = episodeStride(Math.max(0, total - 1));
  return kept.filter((p) => p.episode < total && p.episode % stride === 0);
}
