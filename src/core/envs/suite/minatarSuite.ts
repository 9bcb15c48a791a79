import type { MinAtarGameName } from '../minatar/game';

/**
 * The `suite/minatar` task suite: one agent plays the five MinAtar games
 * with one set of parameters, as the IMPALA paper's multi-task agents play
 * DMLab-30 and Atari-57 (Espeholt et al. 2018, section 5.3).
 *
 * Observation layout: every game's channels side by side, 10x10x31
 * channel-last, in the order of `SUITE_GAMES` (Asterix 0-3, Breakout 4-7,
 * Freeway 8-14, Seaquest 15-24, Space Invaders 25-30); a game writes its own
 * channels and leaves the others 0. We chose this over padding each game to
 * 10 channels because no input channel then means two different things: the
 * first layer learns each game's own filters, the layers above are shared,
 * and the network can tell the games apart from the input alone (the value
 * head still gets the task id). It costs a wider first convolution: a MinAtar-net
 * update on 640 frames takes 67 ms on WASM against 49 ms with 10 padded
 * channels (one thread, Node 20).
 *
 * Actions: MinAtar's full 6-action set, which every game shares.
 */
export const SUITE_ID = 'suite/minatar';

/** The suite's games, in task-id and channel order. */
export const SUITE_GAMES: readonly MinAtarGameName[] = ['asterix', 'breakout', 'freeway', 'seaquest', 'space_invaders'];

/** Channels of each game (the original's `state_shape()[2]`). */
export const GAME_CHANNELS: Readonly<Record<MinAtarGameName, number>> = {
  asterix: 4,
  breakout: 4,
  freeway: 7,
  seaquest: 10,
  space_invaders: 6,
};

/** Total channels of the suite layout (31). */
export const SUITE_CHANNELS = SUITE_GAMES.reduce((n, g) => n + GAME_CHANNELS[g], 0);

/** First channel of each game in the suite layout. */
export const GAME_CHANNEL_OFFSET: Readonly<Record<MinAtarGameName, number>> = (() => {
  const offsets = {} as Record<MinAtarGameName, number>;
  let at = 0;
  for (const g of SUITE_GAMES) {
    offsets[g] = at;
    at += GAME_CHANNELS[g];
  }
  return offsets;
})();

/** Registry id of one game played in the suite layout, e.g. `suite/minatar/breakout`. */
export function suiteTaskEnvId(game: MinAtarGameName): string {
  return `${SUITE_ID}/${game}`;
}

/** A game's name as people write it: 'space_invaders' -> 'Space Invaders'. */
export function gameTitle(game: string): string {
  return game
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export function isSuiteGame(name: string): name is MinAtarGameName {
  return (SUITE_GAMES as readonly string[]).includes(name);
}

/**
 * Parses a task list (`'breakout,asterix'`): names of suite games, separated
 * by commas, each at most once. Returns them in suite order, so a task's id
 * does not depend on how the list was typed, or a problem naming what was wrong.
 */
export function parseTaskList(text: string): { ok: true; tasks: MinAtarGameName[] } | { ok: false; problem: string } {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) return { ok: false, problem: `needs at least one game of ${SUITE_GAMES.join(', ')}` };
  const unknown = names.filter((n) => !isSuiteGame(n));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 3).map((n) => `'${n.length > 20 ? `${n.slice(0, 20)}...` : n}'`);
    return { ok: false, problem: `unknown game${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}; the games are ${SUITE_GAMES.join(', ')}` };
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) return { ok: false, problem: `'${repeated[0]}' is listed twice` };
  return { ok: true, tasks: SUITE_GAMES.filter((g) => names.includes(g)) };
}

/**
 * Which task each environment slot plays: slot `n` of actor `i` (of
 * `numActors`) plays task `(i + n * numActors) mod K`. With as many actors
 * as tasks (or a multiple) every actor plays one game, actor `i` game
 * `i mod K`, as scalable_agent assigns DMLab-30 levels to actors
 * (`level_names[i % len(level_names)]`); with fewer actors than tasks each
 * actor's environments cycle through the games, so every game is played.
 */
export function slotTaskIds(actorIndex: number, numActors: number, numEnvs: number, numTasks: number): number[] {
  if (!(numTasks >= 1)) throw new RangeError(`slotTaskIds: numTasks must be at least 1, got ${numTasks}`);
  return Array.from({ length: numEnvs }, (_, n) => (actorIndex + n * numActors) % numTasks);
}
