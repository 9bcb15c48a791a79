import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MinAtarEnv } from '../src/core/envs/minatar/minAtarEnv';
import { createEnv } from '../src/core/envs/registry';
import type { StepResult } from '../src/core/envs/types';
import { createNetwork } from '../src/core/model/networks';
import { setNetworkWeights } from '../src/core/model/weights';
import { decodeCheckpoint } from '../src/core/persistence/checkpoint';
import { RandomState } from '../src/core/rng/randomState';
import { envSpecFor, networkFor, networkSpecFor } from '../src/core/training/fromConfig';
import { useWasmBackend } from '../src/node/tfWasm';

/**
 * Plays a trained MinAtar agent for a diagnosis of how its episodes end
 * (bench/seaquestEndings.ts, bench/spaceInvadersEndings.ts): the run's
 * final weights (its `checkpoint.json`), the policy sampled and sticky
 * actions 0.1, as in training. `onStep` sees the game after each step (its
 * own state, which the observation shows only as pixels).
 */
export async function playEpisodes(
  dir: string,
  envId: string,
  episodes: number,
  onStep: (game: unknown, result: StepResult, episode: number) => void,
): Promise<{ returns: number; steps: number }> {
  await useWasmBackend();
  const checkpoint = decodeCheckpoint(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
  if (checkpoint.config.env !== envId) throw new Error(`${dir} is a run of ${checkpoint.config.env}, not ${envId}`);
  if (checkpoint.config.core !== 'none') throw new Error('feed-forward agents only');
  const spec = envSpecFor(checkpoint.config);
  const network = createNetwork(networkFor(checkpoint.config, spec), networkSpecFor(checkpoint.config, spec), 0, false);
  setNetworkWeights(network, checkpoint.weights);
  const env = createEnv(envId, { seed: 7, stickyActionProb: 0.1, actionSet: checkpoint.config.actionSet }) as MinAtarEnv;
  const random = new RandomState(9);
  const observation = new Uint8Array(spec.observationSize);
  let returns = 0;
  let steps = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset();
    for (;;) {
      env.writeObservation(observation, 0);
      const logits = tf.tidy(() => network.applyPolicy(tf.tensor(observation, [1, ...spec.observationShape], 'float32')).policyLogits.dataSync());
      const top = Math.max(...logits);
      const weights = Array.from(logits, (l) => Math.exp(l - top));
      let u = random.rand() * weights.reduce((a, b) => a + b, 0);
      let action = 0;
      while (action < weights.length - 1 && (u -= weights[action]!) > 0) action++;
      const result = env.step(action);
      returns += result.reward;
      steps++;
      onStep(env.game, result, e);
      if (result.terminated || result.truncated) break;
    }
  }
  network.dispose();
  return { returns, steps };
}

/** Runs a diagnosis's `main`, printing its error without a stack. */
export function runDiagnosis(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
