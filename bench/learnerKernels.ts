import * as tf from '@tensorflow/tfjs';
import { Actor } from '../src/core/actor/actor';
import type { ExperimentConfig } from '../src/core/config/experimentConfig';
import { computeTargetsFromImportanceWeights, policyLogEpsilon } from '../src/core/agent/corrections';
import { actionMask, behaviourActionLogProbs, impalaObjective, objectiveTotal } from '../src/core/agent/impalaObjective';
import { createEnv } from '../src/core/envs/registry';
import { assembleBatch, type Batch } from '../src/core/learner/batch';
import { coreInputsOf } from '../src/core/learner/coreInputs';
import { Learner } from '../src/core/learner/learner';
import { createNetwork } from '../src/core/model/networks';
import { clipByGlobalNormFlat } from '../src/core/optim/clipByGlobalNorm';
import { FlatLayout } from '../src/core/optim/optimizer';
import { RmsProp } from '../src/core/optim/rmsprop';
import { formatTable } from './table';
import { actorOptionsFor, learnerOptionsFor } from '../src/core/training/fromConfig';

/**
 * tf.js kernels per learner update, per stage. A kernel is one `runKernel`
 * of the tf.js engine, as `tf.profile` lists them; the list is the same on
 * every backend (what a backend does inside one kernel is its own: on WebGPU
 * most kernels are one dispatch, Reshape is none, and a few, such as Concat
 * of more than 7 inputs, are several).
 *
 * `total` is measured on `Learner.update` itself. The stages are measured on
 * the same network and batch by running the learner's building blocks the
 * way the learner composes them, inside one profile with a mark at each
 * stage boundary; `other` is the total less the stages (building the input
 * tensors, the glue between stages, the metrics read).
 */
export const STAGES = ['forward', 'vtrace', 'losses', 'backward', 'clipping', 'optimiser'] as const;
export type Stage = (typeof STAGES)[number];
export type KernelCounts = Record<Stage | 'other' | 'total', number>;

/**
 * Kernels that move no data on any backend (they relabel a buffer or share
 * it), and the entries of custom-gradient ops, which wrap the kernels they
 * run (listed too). The rest are the kernels that compute: on WebGPU, each a
 * dispatch.
 */
const METADATA_KERNELS = new Set(['Identity', 'Reshape', 'ExpandDims', 'Squeeze']);
export function computes(name: string): boolean {
  return !METADATA_KERNELS.has(name) && tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** A batch of real unrolls for `config`, and a fresh learner. */
export async function learnerAndBatch(config: ExperimentConfig): Promise<{ learner: Learner; batch: Batch }> {
  const spec = createEnv(config.env, { seed: 0 }).spec;
  const learner = new Learner(learnerOptionsFor(config, spec));
  const actor = new Actor(actorOptionsFor(config, spec, 0));
  actor.setWeights(0, await learner.getWeights());
  const unrolls = [];
  for (let b = 0; b < config.batchSize; b++) unrolls.push(await actor.unroll());
  actor.dispose();
  return { learner, batch: assembleBatch(unrolls) };
}

/** Kernels recorded so far by the running `tf.profile`. */
const recorded = (): number => tf.engine().state.activeProfile.kernels.length;
const namesOf = (kernels: readonly { name: string }[]): string[] => kernels.map((k) => k.name);

/** Kernels per stage of one learner update on a batch for `config` (no PopArt: the benchmark setups use none). */
export async function kernelsPerStage(config: ExperimentConfig): Promise<{ all: KernelCounts; computing: KernelCounts }> {
  const { learner, batch } = await learnerAndBatch(config);
  const o = learner.options;
  if (o.popart) throw new Error('kernelsPerStage: PopArt is not counted');
  const net = learner.network;
  const vars = net.variables as tf.Variable[];
  const { T, cols: C, numActions: A } = batch;
  const K = batch.truncatedIndices.length;
  const shape = batch.observationShape;
  await learner.update(batch);
  const total = namesOf((await tf.profile(async () => (await learner.update(batch), []))).kernels);

  const stages: Record<Stage, string[]> = { forward: [], vtrace: [], losses: [], backward: [], clipping: [], optimiser: [] };
  // The optimiser's stage runs on a copy of the network (slot names are unique per variable).
  const copy = createNetwork(o.network, o.spec, o.seed, true);
  const optimizer = new RmsProp(copy.variables, o.rmspropDecay, o.rmspropEpsilon);
  const layout = new FlatLayout(vars);
  const observations = tf.tensor(batch.observations, [(T + 1) * C, ...shape], 'float32');
  const truncatedObservations = K > 0 ? tf.tensor(batch.truncatedObservations, [K, ...shape], 'float32') : null;
  const constants = {
    actionMask: tf.tensor3d(actionMask(batch.actions, A), [T, C, A]),
    behaviourActionLogProbs: tf.tensor2d(behaviourActionLogProbs(batch.behaviourLogits, batch.actions, A), [T, C]),
    discounts: tf.tensor2d(Float32Array.from(batch.terminated, (d, i) => (d || batch.truncated[i] ? 0 : o.discount)), [T, C]),
    rewards: tf.tensor2d(batch.rewards, [T, C]),
  };
  const vtraceParameters = { clipRhoThreshold: o.clipRhoThreshold, clipPgRhoThreshold: o.clipPgRhoThreshold, clipCThreshold: o.clipCThreshold, lambda: o.lambda };
  type VtraceInputs = Parameters<typeof computeTargetsFromImportanceWeights>[1];
  const vtraceInputs: { current?: VtraceInputs } = {};

  await tf.profile(() => {
    tf.tidy(() => {
      let mark = recorded();
      const close = (stage: Stage): void => {
        stages[stage].push(...namesOf(tf.engine().state.activeProfile.kernels.slice(mark, recorded())));
        mark = recorded();
      };
      const { grads } = tf.variableGrads(() => {
        mark = recorded();
        // A recurrent network replays its core from the stored state (its truncations' extra core step is left to 'other').
        if (truncatedObservations && !net.core) net.apply(truncatedObservations);
        const { policyLogits, baseline } = net.apply(observations, undefined, net.core ? coreInputsOf(batch) : undefined);
        const logits = tf.reshape(tf.slice(policyLogits, [0, 0], [T * C, A]), [T, C, A]) as tf.Tensor3D;
        const outputs = tf.reshape(baseline, [T + 1, C]) as tf.Tensor2D;
        close('forward');
        const objective = impalaObjective(
          { ...constants, logits, outputs },
          { correction: o.correction, ...vtraceParameters, baselineCost: o.baselineCost, entropyCost: o.entropyCost, logEpsilon: policyLogEpsilon(o.correction) },
        );
        const total = objectiveTotal(objective);
        close('losses');
        // V-trace's share of the objective, counted apart below on the same values.
        vtraceInputs.current = {
          logRhos: tf.keep(tf.sub(tf.sum(tf.mul(tf.logSoftmax(logits), constants.actionMask), -1), constants.behaviourActionLogProbs)),
          discounts: constants.discounts,
          rewards: constants.rewards,
          values: tf.keep(tf.slice(outputs, [0, 0], [T, C])),
          bootstrapValue: tf.keep(tf.reshape(tf.slice(outputs, [T, 0], [1, C]), [C])),
        };
        mark = recorded();
        return total;
      }, vars);
      close('backward');
      const { clipped } = clipByGlobalNormFlat(layout.flatten(vars.map((v) => grads[v.name]!)), o.maxGradNorm);
      close('clipping');
      optimizer.applyFlat(clipped, 0);
      close('optimiser');
    });
    return [];
  });
  const v = vtraceInputs.current!;
  const vtrace = await tf.profile(() => tf.tidy(() => computeTargetsFromImportanceWeights(o.correction, { ...v, ...vtraceParameters })));
  stages.vtrace = namesOf(vtrace.kernels);
  // The objective's forward runs V-trace inside it: move those kernels from 'losses' to 'vtrace'.
  for (const name of stages.vtrace) stages.losses.splice(stages.losses.indexOf(name), 1);
  tf.dispose(vtrace.result);
  tf.dispose([observations, truncatedObservations ?? [], ...Object.values(constants), v.logRhos, v.values, v.bootstrapValue]);
  optimizer.dispose();
  copy.dispose();
  learner.dispose();
  const count = (keep: (name: string) => boolean): KernelCounts => {
    const counts = Object.fromEntries(STAGES.map((s) => [s, stages[s].filter(keep).length])) as Record<Stage, number>;
    const n = total.filter(keep).length;
    return { ...counts, other: n - STAGES.reduce((sum, s) => sum + counts[s], 0), total: n };
  };
  return { all: count(() => true), computing: count(computes) };
}

/**
 * The counts before the leaner update (issue 11, item 3), measured with this
 * file at commit 07259ae on the benchmark setups: all kernels, and those
 * that compute.
 */
export const KERNELS_BEFORE: Record<string, { all: KernelCounts; computing: KernelCounts }> = {
  mlp: {
    all: { forward: 30, vtrace: 177, losses: 82, backward: 220, clipping: 34, optimiser: 72, other: 12, total: 627 },
    computing: { forward: 10, vtrace: 69, losses: 43, backward: 167, clipping: 34, optimiser: 72, other: 3, total: 398 },
  },
  minatar: {
    all: { forward: 32, vtrace: 247, losses: 82, backward: 291, clipping: 34, optimiser: 72, other: 12, total: 770 },
    computing: { forward: 10, vtrace: 89, losses: 43, backward: 217, clipping: 34, optimiser: 72, other: 3, total: 468 },
  },
  resnet: {
    all: { forward: 120, vtrace: 247, losses: 82, backward: 374, clipping: 106, optimiser: 234, other: 12, total: 1175 },
    computing: { forward: 42, vtrace: 89, losses: 43, backward: 274, clipping: 106, optimiser: 234, other: 3, total: 791 },
  },
};

const ratio = (before: number | undefined, now: number): string =>
  before === undefined ? '' : now === 0 ? (before === 0 ? '' : 'all gone') : `${(before / now).toFixed(1)}x`;

/** The kernel table: per network and stage, before and now, all kernels and the computing ones. */
export function formatKernelTable(rows: readonly { network: string; counts: { all: KernelCounts; computing: KernelCounts } }[]): string {
  const cells: string[][] = [];
  for (const { network, counts } of rows) {
    const before = KERNELS_BEFORE[network];
    for (const stage of [...STAGES, 'other', 'total'] as const) {
      cells.push([
        stage === 'forward' ? network : '',
        stage,
        before ? String(before.all[stage]) : '',
        String(counts.all[stage]),
        ratio(before?.all[stage], counts.all[stage]),
        before ? String(before.computing[stage]) : '',
        String(counts.computing[stage]),
        ratio(before?.computing[stage], counts.computing[stage]),
      ]);
    }
  }
  return formatTable(['network', 'stage', 'kernels before', 'now', 'fewer', 'computing before', 'now', 'fewer'], cells);
}
