import { minatarEnvId, type MinAtarGameName } from '../minatar/game';
import { createEnv } from '../registry';
import { RandomState } from '../../rng/randomState';

/**
 * Normalised scores, so that games with different reward scales can be
 * compared and averaged, as the IMPALA paper reports human-normalised scores
 * over DMLab-30 and Atari-57 (Espeholt et al. 2018, section 5.3):
 *
 *   normalised = (return - random) / (reference - random)
 *
 * 0 is a uniform random policy, 1 the reference.
 */

/**
 * The best MinAtar-paper baseline at 5M frames per game (Young & Tian 2019,
 * as the issue gives them).
 */
export const REFERENCE_SCORES: Readonly<Record<MinAtarGameName, number>> = {
  asterix: 20,
  breakout: 17.5,
  freeway: 50,
  seaquest: 20,
  space_invaders: 185,
};

/** How `RANDOM_SCORES` were measured; `measureRandomScore` with these settings reproduces them (a unit test checks). */
export const RANDOM_SCORE_PROTOCOL = { episodes: 10000, seed: 2019, stickyActionProb: 0.1, actionSet: 'full' } as const;

/**
 * Mean return of a uniform random policy over the full 6-action set, with
 * sticky actions 0.1 and difficulty ramping, as the agents train:
 * `measureRandomScore(game)` over `RANDOM_SCORE_PROTOCOL.episodes` episodes.
 */
export const RANDOM_SCORES: Readonly<Record<MinAtarGameName, number>> = {
  asterix: 0.4981,
  breakout: 0.5052,
  freeway: 0.1301,
  seaquest: 0.0979,
  space_invaders: 2.872,
};

/**
 * Mean undiscounted return of a uniform random policy on a MinAtar game
 * (our own environment), over `episodes` episodes from one seeded stream.
 */
export function measureRandomScore(game: MinAtarGameName, episodes: number = RANDOM_SCORE_PROTOCOL.episodes, seed: number = RANDOM_SCORE_PROTOCOL.seed): number {
  const { stickyActionProb, actionSet } = RANDOM_SCORE_PROTOCOL;
  const env = createEnv(minatarEnvId(game), { seed, stickyActionProb, actionSet });
  const policy = new RandomState(seed + 1);
  const A = env.spec.numActions;
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset();
    for (;;) {
      const r = env.step(policy.randint(A));
      total += r.reward;
      if (r.terminated || r.truncated) break;
    }
  }
  return total / episodes;
}

/** (return - random) / (reference - random) for one game. */
export function normalisedScore(game: MinAtarGameName, episodeReturn: number): number {
  const random = RANDOM_SCORES[game];
  return (episodeReturn - random) / (REFERENCE_SCORES[game] - random);
}

/** The median of some numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
