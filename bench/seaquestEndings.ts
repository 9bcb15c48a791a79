import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MinAtarEnv } from '../src/core/envs/minatar/minAtarEnv';
import { createEnv } from '../src/core/envs/registry';
import { createNetwork } from '../src/core/model/networks';
import { setNetworkWeights } from '../src/core/model/weights';
import { decodeCheckpoint } from '../src/core/persistence/checkpoint';
import { RandomState } from '../src/core/rng/randomState';
import { envSpecFor, networkFor, networkSpecFor } from '../src/core/training/fromConfig';
import { useWasmBackend } from '../src/node/tfWasm';

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
  await useWasmBackend();
  const checkpoint = decodeCheckpoint(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
  if (checkpoint.config.env !== 'minatar/seaquest') throw new Error(`${dir} is a run of ${checkpoint.config.env}, not minatar/seaquest`);
  if (checkpoint.config.core !== 'none') throw new Error('feed-forward agents only');
  const spec = envSpecFor(checkpoint.config);
  const network = createNetwork(networkFor(checkpoint.config, spec), networkSpecFor(checkpoint.config, spec), 0, false);
  setNetworkWeights(network, checkpoint.weights);
  const env = createEnv('minatar/seaquest', { seed: 7, stickyActionProb: 0.1, actionSet: checkpoint.config.actionSet }) as MinAtarEnv;
  const game = env.game as unknown as SeaquestState;
  const random = new RandomState(9);
  const observation = new Uint8Array(spec.observationSize);
  const endings = new Map<string, number>();
  let surfacings = 0;
  let steps = 0;
  let returns = 0;
  let mostDivers = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset();
    let held = 0;
    for (;;) {
      env.writeObservation(observation, 0);
      const logits = tf.tidy(() => network.applyPolicy(tf.tensor(observation, [1, ...spec.observationShape], 'float32')).policyLogits.dataSync());
      const top = Math.max(...logits);
      const weights = Array.from(logits, (l) => Math.exp(l - top));
      let u = random.rand() * weights.reduce((a, b) => a + b, 0);
      let action = 0;
      while (action < weights.length - 1 && (u -= weights[action]!) > 0) action++;
      const before = { divers: game.diverCount, y: game.subY };
      const result = env.step(action);
      returns += result.reward;
      steps++;
      held = Math.max(held, game.diverCount);
      const surfaced = before.y !== 0 && game.subY === 0;
      if (surfaced && !result.terminated) surfacings++;
      if (result.terminated || result.truncated) {
        const why = game.oxygen <= 0 ? 'oxygen ran out' : surfaced && before.divers === 0 ? 'surfaced without a diver' : 'hit by an enemy or its bullet';
        endings.set(why, (endings.get(why) ?? 0) + 1);
        break;
      }
    }
    mostDivers += held;
  }
  network.dispose();
  console.log(`${dir}: ${episodes} episodes, mean return ${(returns / episodes).toFixed(2)}, mean length ${(steps / episodes).toFixed(1)} steps`);
  for (const [why, n] of endings) console.log(`  ended: ${why}: ${n}`);
  console.log(`  surfacings per episode (not counting the start): ${(surfacings / episodes).toFixed(2)}; most divers held, mean per episode: ${(mostDivers / episodes).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
