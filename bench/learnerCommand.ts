import * as tf from '@tensorflow/tfjs';
import type { CoreChoice } from '../src/core/config/experimentConfig';
import { NETWORK_KINDS, type NetworkKind } from '../src/core/model/networkKinds';
import { useWasmBackend } from '../src/node/tfWasm';
import { useNodeWebGpuBackend } from '../src/node/tfWebGpu';
import { benchEndToEnd, benchLearner, benchLearnerKernels, benchSetups } from './learnerBench';
import { profileLearnerUpdate } from './learnerProfile';
import { parseTfFlags } from './tfFlags';

/**
 * `npm run bench -- learner`: the kernels per update, learner-alone
 * frames/s (optionally with a kernel-time profile) on the chosen backend,
 * and end to end with worker actors on WASM. Its own module, free of the
 * browser bench's imports, so that it also runs bundled on a machine with
 * a GPU and no npm.
 */
export async function learnerCommand(
  values: Record<string, string | boolean | undefined>,
  positiveInt: (name: string, value: string | undefined, fallback: number) => number,
): Promise<void> {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const networks = (str(values.networks)?.split(',') ?? [...NETWORK_KINDS]) as NetworkKind[];
  const unknown = networks.filter((n) => !NETWORK_KINDS.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown network(s): ${unknown.join(', ')}. Valid: ${NETWORK_KINDS.join(', ')}`);
    process.exit(2);
  }
  const cores = (str(values.cores)?.split(',') ?? ['none', 'lstm']) as CoreChoice[];
  if (cores.some((c) => c !== 'none' && c !== 'lstm')) {
    console.error(`--cores takes none, lstm or both (none,lstm), got '${str(values.cores)}'`);
    process.exit(2);
  }
  const batchSize = str(values['batch-size']);
  const setups = benchSetups(networks, cores).map((s) => {
    if (batchSize === undefined) return s;
    const B = positiveInt('batch-size', batchSize, 1);
    return { ...s, config: { ...s.config, batchSize: B, queueCapacity: Math.max(B, s.config.queueCapacity) } };
  });
  const repeats = positiveInt('repeats', str(values.repeats), 3);
  const choice = str(values.backend) ?? 'wasm';
  if (!['wasm', 'cpu', 'webgpu'].includes(choice)) {
    console.error(`--backend takes wasm, cpu or webgpu, got '${choice}'`);
    process.exit(2);
  }
  let where = '';
  if (choice === 'webgpu') {
    try {
      where = `, adapter: ${(await useNodeWebGpuBackend(process.env.DAWN_FLAGS?.split(',').filter((f) => f !== '') ?? [], { tfjsKernels: values['tfjs-conv-gradient'] === true })).adapter}, conv filter gradient: ${values['tfjs-conv-gradient'] === true ? "tf.js's kernel" : 'patch product'}`;
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    }
  } else if (choice === 'wasm') await useWasmBackend();
  else await tf.setBackend('cpu');
  const tfFlags = parseTfFlags(str(values['tf-flags']));
  if (typeof tfFlags === 'string') {
    console.error(tfFlags);
    process.exit(2);
  }
  for (const [key, value] of Object.entries(tfFlags)) tf.env().set(key, value);
  const flagsText = Object.keys(tfFlags).length > 0 ? `, tf.js flags ${JSON.stringify(tfFlags)}` : '';
  console.log(`learner benchmark on tf.js '${tf.getBackend()}'${where}${flagsText}, Node ${process.version}\n`);
  console.log(await benchLearnerKernels(setups));
  if (values['kernels-only']) return;
  if (values.profile) for (const setup of setups) console.log(`\n${await profileLearnerUpdate(setup.name, setup.config)}`);
  console.log();
  console.log(await benchLearner({ updates: positiveInt('updates', str(values.updates), 10), repeats, setups }));
  if (!values['no-e2e'] && choice === 'wasm') {
    console.log();
    console.log(await benchEndToEnd({ seconds: positiveInt('seconds', str(values.seconds), 10), repeats, setups }));
  }
}
