import { playEpisodes, runDiagnosis } from './playAgent';

/**
 * What limits a Seaquest agent: plays `episodes` episodes with a trained
 * run's final weights (its `checkpoint.json`; the policy sampled, sticky
 * actions 0.1, as in training) and counts how they end (oxygen ran out, hit
 * by an enemy or its bullet, surfaced without a diver), how often the
 * submarine surfaced, and the most divers it held. Reads the game's own
 * state, which the observation shows only as pixels.
 *
 *   npx tsx bench/seaquestEndings.ts runs/zoo/seaquest [episodes=100]
 */

/** The fields of the Seaquest port read here (private there: this is a diagnosis, not an interface). */
interface SeaquestState {
  oxygen: number;
  diverCount: number;
  subY: number;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: npx tsx bench/seaquestEndings.ts RUN_DIR [episodes]');
  const episodes = Number(process.argv[3] ?? 100);
  const endings = new Map<string, number>();
  let surfacings = 0;
  let mostDivers = 0;
  let held = 0;
  let before = { divers: 0, y: 0 };
  let current = -1;
  const { returns, steps } = await playEpisodes(dir, 'minatar/seaquest', episodes, (g, result, episode) => {
    const game = g as SeaquestState;
    if (episode !== current) {
      // The state before this episode's first step: the game's start.
      current = episode;
      held = 0;
      before = { divers: 0, y: 0 };
    }
    held = Math.max(held, game.diverCount);
    const surfaced = before.y !== 0 && game.subY === 0;
    if (surfaced && !result.terminated) surfacings++;
    if (result.terminated || result.truncated) {
      const why = game.oxygen <= 0 ? 'oxygen ran out' : surfaced && before.divers === 0 ? 'surfaced without a diver' : 'hit by an enemy or its bullet';
      endings.set(why, (endings.get(why) ?? 0) + 1);
      mostDivers += held;
    }
    before = { divers: game.diverCount, y: game.subY };
  });
  console.log(`${dir}: ${episodes} episodes, mean return ${(returns / episodes).toFixed(2)}, mean length ${(steps / episodes).toFixed(1)} steps`);
  for (const [why, n] of endings) console.log(`  ended: ${why}: ${n}`);
  console.log(`  surfacings per episode (not counting the start): ${(surfacings / episodes).toFixed(2)}; most divers held, mean per episode: ${(mostDivers / episodes).toFixed(2)}`);
}

runDiagnosis(main);
