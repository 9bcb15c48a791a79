import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../src/core/config/experimentConfig';
import { learnerAndBatch } from './learnerKernels';
import { formatTable } from './table';

/**
 * Where one learner update spends its kernel time, by `tf.profile`: the
 * kernels' own times summed per kernel name, largest first, and the single
 * slowest kernels with their input shapes. On WebGPU the times are the
 * GPU's own (timestamp queries, where the adapter offers them); on WASM and
 * CPU, the kernels' wall time. The update is profiled after three warm-up
 * updates.
 */
export async function profileLearnerUpdate(name: string, config: ExperimentConfig, top = 8): Promise<string> {
  const { learner, batch } = await learnerAndBatch(config);
  try {
    for (let i = 0; i < 3; i++) await learner.update(batch);
    const info = await tf.profile(async () => {
      await learner.update(batch);
      return [];
    });
    const byName = new Map<string, { count: number; ms: number }>();
    const single: { kernel: string; ms: number }[] = [];
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const entry = byName.get(k.name) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += ms;
      byName.set(k.name, entry);
      single.push({ kernel: `${k.name} ${JSON.stringify(k.inputShapes)}`, ms });
    }
    const total = single.reduce((sum, k) => sum + k.ms, 0);
    const share = (ms: number): string => (total > 0 ? `${((100 * ms) / total).toFixed(0)}%` : '-');
    const names = [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
    const slowest = single.sort((a, b) => b.ms - a.ms).slice(0, top);
    return (
      `${name}: ${info.kernels.length} kernels, ${total.toFixed(2)} ms of kernel time in one update\n\n` +
      formatTable(['kernel', 'count', 'ms', 'share'], names.map(([k, e]) => [k, String(e.count), e.ms.toFixed(3), share(e.ms)])) +
      '\n\nslowest single kernels (input shapes)\n\n' +
      formatTable(['ms', 'kernel'], slowest.map((k) => [k.ms.toFixed(3), k.kernel]))
    );
  } finally {
    learner.dispose();
  }
}
