import { playEpisodes, runDiagnosis } from './playAgent';

/**
 * What limits a Space Invaders agent: plays `episodes` episodes with a
 * trained run's final weights (as bench/seaquestEndings.ts does) and
 * counts how they end (hit by an alien's bullet, or the aliens reached the
 * cannon's row), how many waves of aliens it cleared (each wave comes
 * faster), and its aliens shot per 100 steps.
 *
 *   npx tsx bench/spaceInvadersEndings.ts runs/zoo/space_invaders [episodes=100]
 */

/** The fields of the Space Invaders port read here (private there: this is a diagnosis, not an interface). */
interface SpaceInvadersState {
  pos: number;
  eBullet: Int32Array;
  alien: Int32Array;
}

/** Aliens in a wave (4 rows of 6); one point each, so an episode's return counts the waves it cleared. */
const WAVE_SIZE = 24;

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: npx tsx bench/spaceInvadersEndings.ts RUN_DIR [episodes]');
  const episodes = Number(process.argv[3] ?? 100);
  const endings = new Map<string, number>();
  const waves = new Map<number, number>();
  let episodeReturn = 0;
  const { returns, steps } = await playEpisodes(dir, 'minatar/space_invaders', episodes, (g, result) => {
    episodeReturn += result.reward;
    if (!result.terminated && !result.truncated) return;
    const game = g as SpaceInvadersState;
    const why = result.truncated
      ? 'time limit'
      : (game.eBullet[9]! & (1 << game.pos)) !== 0
        ? "hit by an alien's bullet"
        : "the aliens reached the cannon's row";
    endings.set(why, (endings.get(why) ?? 0) + 1);
    const cleared = Math.floor(episodeReturn / WAVE_SIZE);
    waves.set(cleared, (waves.get(cleared) ?? 0) + 1);
    episodeReturn = 0;
  });
  console.log(`${dir}: ${episodes} episodes, mean return ${(returns / episodes).toFixed(2)}, mean length ${(steps / episodes).toFixed(1)} steps, ${((100 * returns) / steps).toFixed(2)} aliens shot per 100 steps`);
  for (const [why, n] of endings) console.log(`  ended: ${why}: ${n}`);
  const cleared = [...waves].sort((a, b) => a[0] - b[0]).map(([w, n]) => `${w}: ${n}`);
  console.log(`  waves cleared (episodes): ${cleared.join(', ')}`);
}

runDiagnosis(main);
