import { performance } from 'node:perf_hooks';
import { ENV_IDS } from '../src/core/envs/envInfo';
import { VecEnv } from '../src/core/envs/vecEnv';
import { RandomState } from '../src/core/rng/randomState';
import { formatInt, formatTable, median } from './table';

export interface EnvBenchOptions {
  /** Environments stepped together by one VecEnv. */
  numEnvs: number;
  /** Steps (summed over the batch) per timed repeat. */
  steps: number;
  repeats: number;
  ids: readonly string[];
}

const ACTION_TABLE_SIZE = 1 << 16;

/**
 * Single-thread steps per second through the vectorised path (VecEnv: step,
 * automatic reset and observation writes) with uniformly random actions
 * drawn in advance from a seeded generator, so the generator's cost is not
 * measured. Reports the median of the repeats.
 */
export function benchEnvs(options: EnvBenchOptions): string {
  const rows: string[][] = [];
  for (const id of options.ids) {
    const vec = new VecEnv(id, { numEnvs: options.numEnvs, seed: 1 });
    const rng = new RandomState(2);
    const actionTable = new Int32Array(ACTION_TABLE_SIZE);
    for (let i = 0; i < ACTION_TABLE_SIZE; i++) actionTable[i] = rng.randint(vec.spec.numActions);
    vec.reset();
    const batchSteps = Math.ceil(options.steps / options.numEnvs);
    const run = (iterations: number): { seconds: number; episodes: number } => {
      let episodes = 0;
      let cursor = 0;
      const start = performance.now();
      for (let k = 0; k < iterations; k++) {
        vec.step(actionTable.subarray(cursor, cursor + options.numEnvs));
        episodes += vec.stats.finishedCount;
        cursor += options.numEnvs;
        if (cursor + options.numEnvs > ACTION_TABLE_SIZE) cursor = 0;
      }
      return { seconds: (performance.now() - start) / 1000, episodes };
    };
    run(Math.ceil(batchSteps / 4)); // warm-up: let the JIT settle
    const rates: number[] = [];
    let episodes = 0;
    for (let r = 0; r < options.repeats; r++) {
      const { seconds, episodes: e } = run(batchSteps);
      rates.push((batchSteps * options.numEnvs) / seconds);
      episodes += e;
    }
    const sorted = [...rates].sort((a, b) => a - b);
    rows.push([id, formatInt(median(rates)), formatInt(sorted[0]!), formatInt(sorted[sorted.length - 1]!), formatInt(episodes / options.repeats)]);
  }
  return formatTable(['environment', 'median steps/s', 'min', 'max', 'episodes/repeat'], rows);
}

export const DEFAULT_ENV_BENCH: EnvBenchOptions = { numEnvs: 16, steps: 2_000_000, repeats: 5, ids: ENV_IDS };
