import type { MinAtarGameName } from './game';

/**
 * MinAtar's trail channel and hiding it (the `hideTrail` option).
 *
 * Three games draw where a moving object was one step earlier in a channel
 * the original names 'trail' (kenjyoung/MinAtar, `minatar/environments/`):
 * Asterix (player, enemy, trail, gold), Breakout (paddle, ball, trail,
 * brick) and Seaquest (sub_front, sub_back, friendly_bullet, trail, ...).
 * The trail is what makes a single frame Markov: without it the ball's or
 * an enemy's direction is not in the observation and must be remembered,
 * which turns the game into a task where memory matters. Freeway and Space
 * Invaders have no trail channel (Freeway's car speeds and Space Invaders'
 * alien direction are drawn in channels of their own).
 *
 * Cheap to import (no game classes): `envInfo.ts` and the config schema read
 * it. A unit test checks the table against each game's `channels` and the
 * golden traces' channel lists.
 */

/** Index of each game's 'trail' channel, or null for the games without one. */
export const TRAIL_CHANNEL: Readonly<Record<MinAtarGameName, number | null>> = {
  asterix: 2,
  breakout: 2,
  freeway: null,
  seaquest: 3,
  space_invaders: null,
};

/** The games with a trail channel, in the original's alphabetical order. */
export const TRAIL_GAMES: readonly MinAtarGameName[] = (Object.keys(TRAIL_CHANNEL) as MinAtarGameName[]).filter((g) => TRAIL_CHANNEL[g] !== null);

export function hasTrail(game: MinAtarGameName): boolean {
  return TRAIL_CHANNEL[game] !== null;
}

/**
 * Writes 0 into channel `channel` of every cell of a 10x10xC channel-last
 * observation at `out[offset ..]` (index `offset + cell * C + channel`).
 */
export function zeroChannel(out: Uint8Array, offset: number, channels: number, channel: number): void {
  for (let cell = 0; cell < 100; cell++) out[offset + cell * channels + channel] = 0;
}
