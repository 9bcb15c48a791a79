/**
 * Benchmarks that print tables: `npm run bench -- <name> [--flag value]`.
 *   env   single-thread steps/s per environment through the vectorised path
 *         flags: --envs N (batch size, default 16), --steps N (per repeat,
 *         default 2000000), --repeats N (default 5), --ids a,b (default all)
 *   learner tf.js kernels per learner update and stage, learner frames/s per
 *         network on WASM, alone and end to end with 1 and 2 worker-thread
 *         actors (see --help)
 *   browser in-browser training in headless Chromium, per backend (see --help)
 *   soak    memory over a long run, headless and in the browser (see --help)
 *   learning how well and how fast an experiment learns, over seeds (see --help)
 *   swarm   learner frames/s through a NATS server with actor processes, against in process (see --help)
 */
import { parseArgs } from 'node:util';
import { benchEnvs, DEFAULT_ENV_BENCH } from './envBench';
import { benchBrowser } from './browserBench';
import { benchLearning, LEARNING_USAGE } from './learningBench';
import { benchSwarm, SWARM_USAGE } from './swarmBench';
import { soakBrowser, soakHeadless } from './soakBench';
import { DAWN_INSTALL_HINT } from '../src/node/tfWebGpu';
import { learnerCommand } from './learnerCommand';
import { ENV_IDS } from '../src/core/envs/envInfo';

const USAGE = `usage: npm run bench -- <benchmark> [flags]

benchmarks:
  env    single-thread environment steps/s through the vectorised path
         --envs N      environments per VecEnv (default ${DEFAULT_ENV_BENCH.numEnvs})
         --steps N     steps per repeat (default ${DEFAULT_ENV_BENCH.steps})
         --repeats N   timed repeats; the median is reported (default ${DEFAULT_ENV_BENCH.repeats})
         --ids a,b     environment ids (default: all)
  learner  tf.js kernels per learner update, per network and stage; learner frames/s per
           network on the tf.js WASM backend, alone and end to end with 1 and 2
           worker-thread actors
           --backend B     the learner's tf.js backend: wasm (default), cpu, or webgpu: a real
                           GPU from Node through Dawn's bindings (${DAWN_INSTALL_HINT}
                           first; Dawn's own flags from $DAWN_FLAGS, e.g. backend=vulkan); end to
                           end is measured on wasm only
           --tf-flags K=V,...  tf.js flags set before measuring (e.g. WEBGPU_MATMUL_PROGRAM_TYPE=3)
           --batch-size B  B unrolls per update instead of each setup's own (2 for the MLP, 4)
           --profile       also where one update spends its kernel time (tf.profile; on
                           WebGPU the GPU's own timestamps), per network
           --tfjs-conv-gradient  webgpu: tf.js's own conv filter gradient instead of the
                           patch product the lab uses there (for comparison)
           --networks a,b  mlp, minatar, resnet (default: all)
           --cores a,b     none (feed-forward), lstm (the LSTM core) (default: both)
           --updates N     updates per timed block (default 10)
           --repeats N     timed blocks / runs; the median is reported (default 3)
           --seconds N     approximate length of each end-to-end run (default 10)
           --no-e2e        learner alone only
           --kernels-only  just the table of tf.js kernels per update, per stage
  browser  in-browser training in headless Chromium on the built site (run npm run build
           first): frames/s per backend (and Automatic, timed after its probe, whose duration
           and figures are printed) for CartPole and Breakout, the page's frame rate and its
           long tasks (count and longest) after the warm-up; the time the CartPole preset takes
           to reach 475 in the tab, per seed; the tf.js kernels per learner update
           --seconds N     measurement per cell (default 10)
           --no-solve      skip timing how long CartPole takes to solve in the tab
           --solve-backend B  backend for that timing (default auto)
           --solve-preset ID  the preset timed (default cartpole; e.g. breakout)
           --solve-threshold X  the mean return it must reach (default 475)
           --solve-minutes N  the longest wait per seed (default 15)
           --seeds a,b,c   seeds for that timing (default 1,2,3; the median is printed)
           --backends a,b  rows to measure (default auto,webgpu,webgl,wasm,cpu)
           --repeats N     measurements per cell, each in a fresh page (default 1; the median is printed)
  soak     memory over a long run: heap and tf.js tensor count, sampled as training goes, with a
           verdict (flat: tensors constant, heap growth < 10% from the 2nd sample to the last);
           exit status 1 when a part is not flat
           --updates N          headless: learner updates, CartPole defaults, 2 worker-thread
                                actors, learner on WASM (default 20000; sampled every 1000)
           --browser-minutes N  in the built lab in headless Chromium on WASM, sampled every
                                30 s (default 5; run npm run build first)
           --no-headless / --no-browser  skip one part
${LEARNING_USAGE}
${SWARM_USAGE}`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got '${value}'\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  // The learning bench takes the trainer's flags as they are: parsed by the trainer, not here.
  if (process.argv[2] === 'learning') {
    process.exitCode = await benchLearning(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'swarm') {
    process.exitCode = await benchSwarm(process.argv.slice(3));
    return;
  }
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    strict: false,
    options: {
      envs: { type: 'string' },
      steps: { type: 'string' },
      repeats: { type: 'string' },
      ids: { type: 'string' },
      networks: { type: 'string' },
      cores: { type: 'string' },
      updates: { type: 'string' },
      seconds: { type: 'string' },
      'no-e2e': { type: 'boolean' },
      'kernels-only': { type: 'boolean' },
      backend: { type: 'string' },
      'tf-flags': { type: 'string' },
      'batch-size': { type: 'string' },
      profile: { type: 'boolean' },
      'tfjs-conv-gradient': { type: 'boolean' },
      'no-solve': { type: 'boolean' },
      'solve-backend': { type: 'string' },
      'solve-preset': { type: 'string' },
      'solve-threshold': { type: 'string' },
      'solve-minutes': { type: 'string' },
      seeds: { type: 'string' },
      backends: { type: 'string' },
      'browser-minutes': { type: 'string' },
      'no-headless': { type: 'boolean' },
      'no-browser': { type: 'boolean' },
      help: { type: 'boolean' },
    },
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
    case 'learner': {
      await learnerCommand(values, positiveInt);
      return;
    }
    case 'browser': {
      const seeds = (str(values.seeds) ?? '1,2,3').split(',').map((x) => positiveInt('seeds', x, 1));
      const backends = str(values.backends)?.split(',');
      const known = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];
      if (backends?.some((b) => !known.includes(b))) {
        console.error(`--backends takes ${known.join(', ')}`);
        process.exit(2);
      }
      const threshold = str(values['solve-threshold']);
      if (threshold !== undefined && !Number.isFinite(Number(threshold))) {
        console.error(`--solve-threshold takes a number, got '${threshold}'`);
        process.exit(2);
      }
      console.log(
        await benchBrowser({
          seconds: positiveInt('seconds', str(values.seconds), 10),
          solve: !values['no-solve'],
          solveBackend: str(values['solve-backend']) ?? 'auto',
          ...(str(values['solve-preset']) ? { solvePreset: str(values['solve-preset']) } : {}),
          ...(threshold !== undefined ? { solveThreshold: Number(threshold) } : {}),
          solveMinutes: positiveInt('solve-minutes', str(values['solve-minutes']), 15),
          seeds,
          repeats: positiveInt('repeats', str(values.repeats), 1),
          ...(backends ? { backends } : {}),
        }),
      );
      return;
    }
    case 'soak': {
      const updates = positiveInt('updates', str(values.updates), 20_000);
      const minutes = positiveInt('browser-minutes', str(values['browser-minutes']), 5);
      let flat = true;
      if (!values['no-headless']) {
        const headless = await soakHeadless({ updates, sampleEvery: Math.min(1000, Math.max(1, Math.floor(updates / 4))) });
        console.log(headless.text);
        flat &&= headless.flat;
      }
      if (!values['no-browser']) {
        if (!values['no-headless']) console.log();
        const browser = await soakBrowser({ minutes });
        console.log(browser.text);
        flat &&= browser.flat;
      }
      if (!flat) process.exitCode = 1;
      return;
    }
    default:
      console.error(`unknown benchmark '${name}'\n\n${USAGE}`);
      process.exit(2);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
