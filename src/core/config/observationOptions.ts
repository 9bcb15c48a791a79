import { envInfo } from '../envs/envInfo';
import { TRAIL_GAMES, hasTrail } from '../envs/minatar/trail';
import { gameTitle, parseTaskList } from '../envs/suite/minatarSuite';
import type { ExperimentConfig } from './experimentConfig';

/**
 * The settings that make an environment partially observed by hiding part
 * of its observation (issue 14: environments where memory matters), and
 * which environments they apply to:
 *
 * - `hideVelocities`: classic control, whose observations hold velocities
 *   (CartPole's x_dot and theta_dot, Acrobot's two angular velocities,
 *   MountainCar's velocity);
 * - `hideTrail`: the MinAtar games with a 'trail' channel (Asterix,
 *   Breakout, Seaquest), or the suite when one of its games has one (the
 *   others are played as they are).
 *
 * The shapes stay the same, so networks and the suite's layout do not
 * change. Unlike MinAtar's sticky actions, which a CartPole config carries
 * at their default and ignores, these are off by default: one turned on
 * where there is nothing to hide is a mistake, which `validateConfig`
 * names and turns off, and the settings panel shows as not applying.
 */

export type ObservationOption = 'hideVelocities' | 'hideTrail';

/** The observation-hiding settings, in schema order. */
export const OBSERVATION_OPTIONS: readonly ObservationOption[] = ['hideVelocities', 'hideTrail'];

/** 'asterix', 'breakout', 'seaquest' -> 'Asterix, Breakout and Seaquest'. */
function titles(games: readonly string[]): string {
  const names = games.map(gameTitle);
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

/** Why a switch does not apply: where it does (`scope`) and what this environment lacks (`why`). */
interface Mismatch {
  scope: string;
  why: string;
}

function mismatch(config: Pick<ExperimentConfig, 'env' | 'tasks'>, key: ObservationOption): Mismatch | undefined {
  const info = envInfo(config.env);
  const name = info?.displayName ?? config.env;
  if (key === 'hideVelocities') {
    if (info?.options.includes('hideVelocities')) return undefined;
    return { scope: 'classic control only', why: `${name} has no velocities in its observation` };
  }
  const scope = `${titles(TRAIL_GAMES)} only`;
  if (info === undefined || !info.options.includes('hideTrail')) return { scope, why: `${name} has no trail channel` };
  if (info.tasks === undefined) return undefined;
  const tasks = parseTaskList(config.tasks);
  if (!tasks.ok || tasks.tasks.some(hasTrail)) return undefined;
  return { scope, why: `none of the suite's games, ${titles(tasks.tasks)}, has a trail channel` };
}

/**
 * Why `key` means nothing for the configuration's environment, as a
 * sentence ('Classic control only: MinAtar Breakout has no velocities in
 * its observation.'), or undefined when it applies.
 */
export function observationOptionProblem(config: Pick<ExperimentConfig, 'env' | 'tasks'>, key: ObservationOption): string | undefined {
  const m = mismatch(config, key);
  return m === undefined ? undefined : `${m.scope.charAt(0).toUpperCase()}${m.scope.slice(1)}: ${m.why}.`;
}

/** Turns off each observation-hiding setting that is on where it does not apply, with a problem naming why. */
export function fixObservationOptions(config: ExperimentConfig, problems: string[]): void {
  for (const key of OBSERVATION_OPTIONS) {
    if (!config[key]) continue;
    const m = mismatch(config, key);
    if (m === undefined) continue;
    problems.push(`${key} does not apply (${m.scope}: ${m.why}); using false`);
    config[key] = false;
  }
}
