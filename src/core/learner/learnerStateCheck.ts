import type { LearnerState, OptimizerName } from './learner';

/**
 * The one check of a learner state that comes from outside the running
 * learner (a model file, a saved run, weights from another machine): its
 * structure and its values. Throws an Error whose message names the first
 * problem; the caller prefixes where the state came from.
 *
 * What it checks, besides types:
 * - counters: the update counter (version), the frame counter and the
 *   optimiser's step are non-negative safe integers;
 * - weights: at least one array, at most `MAX_LEARNER_VALUES` values in all,
 *   every value finite (NaN or Infinity would poison every later update);
 * - optimiser slots: as many arrays as the optimiser keeps per weight array
 *   (RMSProp: the mean square g^2 (1 slot); Adam: m then v (2 slots)), slot
 *   k the length of weight array k mod n, every value finite, and the
 *   second-moment slots (RMSProp's, Adam's v) non-negative;
 * - PopArt: mu and nu one per task, finite, with nu >= mu^2 (up to
 *   rounding): nu is E[v^2] and mu is E[v] under the same average, so
 *   nu - mu^2 is a variance (van Hasselt et al. 2016).
 *
 * Whether the weights fit a particular network (each variable's size) is
 * checked when they are set (`setNetworkWeights`), which needs tf.
 */

/** Most float32 values a learner state's weights may hold in all (256 MiB): far above any network this lab builds. */
export const MAX_LEARNER_VALUES = 64 * 1024 * 1024;

/** Optimisers and the slots each keeps per weight array, in `Optimizer.getState()` order. */
const OPTIMIZERS: Readonly<Record<OptimizerName, { title: string; slotsPerWeight: number; secondMoment: (k: number, n: number) => boolean }>> = {
  rmsprop: { title: 'RMSProp', slotsPerWeight: 1, secondMoment: () => true },
  adam: { title: 'Adam', slotsPerWeight: 2, secondMoment: (k, n) => k >= n },
};

/** The optimiser's display name ('RMSProp', 'Adam'). */
export function optimizerTitle(name: OptimizerName): string {
  return OPTIMIZERS[name].title;
}

/** What the state must agree with: its learner's number of tasks, and (when known) its optimiser and PopArt settings. */
export interface LearnerStateRules {
  /** Value outputs (tasks) of the network: PopArt keeps one mu and one nu per task. */
  numTasks: number;
  /** The optimiser the settings use: an optimiser state of another one is refused. */
  optimizer?: OptimizerName;
  /** Whether the settings use PopArt: its statistics must then be present, and otherwise absent. */
  popart?: boolean;
}

/** Relative rounding allowed in PopArt's nu >= mu^2. */
const VARIANCE_TOLERANCE = 1e-9;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const shown = (v: unknown): string =>
  typeof v === 'number' ? String(v) : typeof v === 'string' ? `'${v.slice(0, 40)}'` : v === undefined ? 'missing' : v === null ? 'null' : typeof v;
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function nonFiniteCount(a: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) bad++;
  return bad;
}

function checkArrays(value: unknown, what: string): Float32Array[] {
  if (!Array.isArray(value)) throw new Error(`the ${what} arrays are missing`);
  value.forEach((a, i) => {
    if (!(a instanceof Float32Array)) throw new Error(`${what} array ${i} is not an array of float32 values`);
    const bad = nonFiniteCount(a);
    if (bad > 0) throw new Error(`${what} array ${i} has ${bad === 1 ? '1 value that is' : `${bad} values that are`} not finite (NaN or Infinity)`);
  });
  return value as Float32Array[];
}

function checkWeights(value: unknown): Float32Array[] {
  if (Array.isArray(value) && value.length === 0) throw new Error('there are no weights');
  if (Array.isArray(value)) {
    let total = 0;
    for (const a of value) total += a instanceof Float32Array ? a.length : 0;
    if (total > MAX_LEARNER_VALUES) throw new Error(`the weights hold ${total.toLocaleString('en-US')} values, more than the ${MAX_LEARNER_VALUES.toLocaleString('en-US')} this lab accepts`);
  }
  return checkArrays(value, 'weight');
}

function checkOptimizer(value: unknown, weights: readonly Float32Array[], rules: LearnerStateRules): NonNullable<LearnerState['optimizer']> {
  if (!isObject(value)) throw new Error('the optimiser state is damaged (not an object)');
  const { name, step } = value;
  if (typeof name !== 'string' || !Object.hasOwn(OPTIMIZERS, name)) throw new Error(`the optimiser state is of an optimiser this lab does not know (${shown(name)})`);
  const optimizer = name as OptimizerName;
  const { title, slotsPerWeight, secondMoment } = OPTIMIZERS[optimizer];
  if (rules.optimizer !== undefined && rules.optimizer !== optimizer) {
    throw new Error(`the optimiser state is ${title}'s, but the settings use ${optimizerTitle(rules.optimizer)}`);
  }
  if (!isCount(step)) throw new Error(`the optimiser's step counter must be a non-negative integer, not ${shown(step)}`);
  if (Array.isArray(value.slots) && value.slots.length !== slotsPerWeight * weights.length) {
    throw new Error(`${title} keeps ${slotsPerWeight * weights.length} slot arrays for ${plural(weights.length, 'weight array', 'weight arrays')}, the optimiser state has ${value.slots.length}`);
  }
  const slots = checkArrays(value.slots, 'optimiser slot');
  const n = weights.length;
  slots.forEach((s, k) => {
    const expected = weights[k % n]!.length;
    if (s.length !== expected) throw new Error(`optimiser slot array ${k} has ${s.length} values, expected ${expected} (as weight array ${k % n})`);
    if (secondMoment(k, n) && s.some((x) => x < 0)) throw new Error(`optimiser slot array ${k} holds ${title}'s squared gradients, but has negative values`);
  });
  return { name: optimizer, step, slots };
}

function checkPopArt(value: unknown, numTasks: number): NonNullable<LearnerState['popart']> {
  const damaged = (why: string): Error => new Error(`the PopArt statistics are damaged: ${why}`);
  if (!isObject(value)) throw damaged('not an object');
  const numbers = (key: 'mu' | 'nu'): number[] => {
    const a = value[key];
    if (!Array.isArray(a)) throw damaged(`${key} is missing`);
    if (a.length !== numTasks) throw damaged(`${key} has ${a.length} values, expected ${numTasks} (one per task)`);
    a.forEach((x: unknown, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw damaged(`${key} of task ${i} is not a finite number (${shown(x)})`);
    });
    return [...(a as number[])];
  };
  const mu = numbers('mu');
  const nu = numbers('nu');
  nu.forEach((n, i) => {
    const square = mu[i]! ** 2;
    if (n - square < -VARIANCE_TOLERANCE * Math.max(1, square)) throw damaged(`nu of task ${i} (${n}) is below mu^2 (${square}), so it is not a second moment`);
  });
  return { mu, nu };
}

/**
 * A learner state from outside, checked (see the file's opening comment):
 * returns it as a `LearnerState` (the arrays are the ones given, PopArt's
 * statistics copied), or throws an Error naming the first problem.
 */
export function checkLearnerState(value: unknown, rules: LearnerStateRules): LearnerState {
  if (!isObject(value)) throw new Error('the learner state is missing');
  const { version, frames, optimizer, popart } = value;
  if (!isCount(version)) throw new Error(`the update counter (version) must be a non-negative integer, not ${shown(version)}`);
  if (!isCount(frames)) throw new Error(`the frame counter (frames) must be a non-negative integer up to ${Number.MAX_SAFE_INTEGER}, not ${shown(frames)}`);
  const weights = checkWeights(value.weights);
  const state: LearnerState = { version, frames, weights };
  if (optimizer !== undefined) state.optimizer = checkOptimizer(optimizer, weights, rules);
  if (popart !== undefined) state.popart = checkPopArt(popart, rules.numTasks);
  if (rules.popart === true && !state.popart) throw new Error('the PopArt statistics do not match the settings: they use PopArt, and the state holds no PopArt statistics');
  if (rules.popart === false && state.popart) throw new Error('the PopArt statistics do not match the settings: the state holds some (its run used PopArt), and the settings do not use PopArt');
  return state;
}

/** Only the learner's fields of a value that extends `LearnerState` (a checkpoint, a saved run's slot). */
export function learnerStateOf(s: LearnerState): LearnerState {
  return {
    version: s.version,
    frames: s.frames,
    weights: s.weights,
    ...(s.optimizer ? { optimizer: s.optimizer } : {}),
    ...(s.popart ? { popart: s.popart } : {}),
  };
}
