/**
 * Benchmarks that print tables: `npm run bench -- <name> [--flag value]`.
 *   env   single-thread steps/s per environment through the vectorised path
 *         flags: --envs N (batch size, default 16), --steps N (per repeat,
 *         default 2000000), --repeats N (default 5), --ids a,b (default all)
 */
import { parseArgs } from 'node:util';
import { benchEnvs, DEFAULT_ENV_BENCH } from './envBench';
import { ENV_IDS } from '../src/core/envs/registry';

const USAGE = `usage: npm run bench -- <benchmark> [flags]

benchmarks:
  env    single-thread environment steps/s through the vectorised path
         --envs N      environments per VecEnv (default ${DEFAULT_ENV_BENCH.numEnvs})
         --steps N     steps per repeat (default ${DEFAULT_ENV_BENCH.steps})
         --repeats N   timed repeats; the median is reported (default ${DEFAULT_ENV_BENCH.repeats})
         --ids a,b     environment ids (default: all)`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got '${value}'\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    strict: false,
    options: { envs: { type: 'string' }, steps: { type: 'string' }, repeats: { type: 'string' }, ids: { type: 'string' }, help: { type: 'boolean' } },
  });
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const name = positionals[0];
  if (values.help || name === undefined) {
    console.log(USAGE);
    return;
  }
  switch (name) {
    case 'env': {
      const ids = str(values.ids)?.split(',') ?? DEFAULT_ENV_BENCH.ids;
      const unknown = ids.filter((id) => !ENV_IDS.includes(id));
      if (unknown.length > 0) {
        console.error(`unknown environment(s): ${unknown.join(', ')}. Valid: ${ENV_IDS.join(', ')}`);
        process.exit(2);
      }
      const options = {
        numEnvs: positiveInt('envs', str(values.envs), DEFAULT_ENV_BENCH.numEnvs),
        steps: positiveInt('steps', str(values.steps), DEFAULT_ENV_BENCH.steps),
        repeats: positiveInt('repeats', str(values.repeats), DEFAULT_ENV_BENCH.repeats),
        ids,
      };
      console.log(`env benchmark: ${options.numEnvs} envs per VecEnv, ${options.steps} steps x ${options.repeats} repeats, Node ${process.version}\n`);
      console.log(benchEnvs(options));
      return;
    }
    default:
      console.error(`unknown benchmark '${name}'\n\n${USAGE}`);
      process.exit(2);
  }
}

main();
