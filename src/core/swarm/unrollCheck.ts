import type { Unroll } from '../actor/unroll';
import type { ObservationDtype } from '../envs/types';

/**
 * What every unroll of a run must be: the run's unroll length, actors'
 * environments, actions, observations and tasks. An unroll from another
 * machine is checked against it before the learner sees it (`checkUnroll`).
 */
export interface UnrollExpectation {
  /** Unroll length T. */
  T: number;
  /** Environments per actor (N columns of the batch). */
  numEnvs: number;
  numActions: number;
  observationShape: readonly number[];
  observationDtype: ObservationDtype;
  /** Task ids are in `[0, numTasks)` (1 outside a task suite). */
  numTasks: number;
  /** H of the run's LSTM core: every unroll carries its core state (`Unroll.core`); 0 or absent: a feed-forward run, none may. */
  coreSize?: number;
}

/** A safe bound on the |value| of rewards, returns and logits: far beyond any environment here, short of float32 overflow in sums. */
export const MAX_ABS_VALUE = 1e9;

function badFloat(a: Float32Array | Float64Array, what: string): string | null {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) return `${what}[${i}] is ${v}`;
    if (Math.abs(v) > MAX_ABS_VALUE) return `${what}[${i}] = ${v} is beyond +-${MAX_ABS_VALUE}`;
  }
  return null;
}

function badFlags(a: Uint8Array, what: string): string | null {
  for (let i = 0; i < a.length; i++) if (a[i]! > 1) return `${what}[${i}] = ${a[i]} is not 0 or 1`;
  return null;
}

function badRange(a: Int32Array, lo: number, hi: number, what: string): string | null {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v < lo || v >= hi) return `${what}[${i}] = ${v} is outside [${lo}, ${hi})`;
  }
  return null;
}

/**
 * The core state an unroll of a recurrent run carries (`Unroll.core`): h and
 * c of each environment, finite, with |h| < 1 as h = o tanh(c) always is;
 * previous actions in `[-1, A)` (-1: none) and finite previous rewards.
 */
function badCore(u: Unroll, expect: UnrollExpectation): string | null {
  const H = expect.coreSize ?? 0;
  const N = expect.numEnvs;
  if (H === 0) return u.core === undefined ? null : 'the unroll carries an LSTM state, but the run has no LSTM core';
  const core = u.core;
  if (!core) return "the run's network has an LSTM core, but the unroll carries no core state";
  const lengths: [string, { length: number }, number][] = [
    ['core h', core.initialState.h, N * H],
    ['core c', core.initialState.c, N * H],
    ['core previousActions', core.previousActions, N],
    ['core previousRewards', core.previousRewards, N],
  ];
  for (const [name, array, length] of lengths) if (array.length !== length) return `${name} has ${array.length} values, not ${length}`;
  const problem = badFloat(core.initialState.h, 'core h') ?? badFloat(core.initialState.c, 'core c') ?? badRange(core.previousActions, -1, expect.numActions, 'core previousActions') ?? badFloat(core.previousRewards, 'core previousRewards');
  if (problem) return problem;
  for (let i = 0; i < core.initialState.h.length; i++) if (Math.abs(core.initialState.h[i]!) > 1) return `core h[${i}] = ${core.initialState.h[i]} is outside [-1, 1]`;
  return null;
}

/**
 * The first problem with an unroll that came from outside this process,
 * or null if it is fit for the learner: its sizes agree with `expect` and
 * with each other, and its values are what an honest actor produces:
 * - observations: 0/1 for boolean (uint8) ones, finite float32 otherwise;
 * - actions a_t in `[0, A)`; rewards r_t and behaviour logits finite;
 * - terminated and truncated flags 0 or 1, never both at one step;
 * - `truncatedIndices`: strictly increasing, exactly the steps flagged
 *   truncated, each with its final observation (finite);
 * - episodes: finite returns, lengths positive integers, task ids in range;
 * - a recurrent run's core state (`badCore`), and none in a feed-forward run;
 * - the policy version a non-negative integer no newer than the learner's
 *   (`maxPolicyVersion`): an actor cannot have acted with weights that do
 *   not exist yet.
 */
export function checkUnroll(u: Unroll, expect: UnrollExpectation, maxPolicyVersion: number): string | null {
  const { T, numEnvs: N, numActions: A, numTasks } = expect;
  const size = expect.observationShape.reduce((a, b) => a * b, 1);
  if (u.T !== T) return `T is ${u.T}, the run's is ${T}`;
  if (u.numEnvs !== N) return `${u.numEnvs} environments, the run's actors have ${N}`;
  if (u.numActions !== A) return `${u.numActions} actions, the run's environment has ${A}`;
  if (u.observationShape.join() !== expect.observationShape.join()) return `observation shape [${u.observationShape}], the run's is [${expect.observationShape}]`;
  if (u.observationDtype !== expect.observationDtype) return `${u.observationDtype} observations, the run's are ${expect.observationDtype}`;
  if (!Number.isSafeInteger(u.policyVersion) || u.policyVersion < 0) return `policy version ${u.policyVersion} is not a non-negative integer`;
  if (u.policyVersion > maxPolicyVersion) return `policy version ${u.policyVersion} is newer than the learner's ${maxPolicyVersion}`;
  const lengths: [string, { length: number }, number][] = [
    ['observations', u.observations, (T + 1) * N * size],
    ['actions', u.actions, T * N],
    ['rewards', u.rewards, T * N],
    ['terminated', u.terminated, T * N],
    ['truncated', u.truncated, T * N],
    ['behaviourLogits', u.behaviourLogits, T * N * A],
    ['truncatedObservations', u.truncatedObservations, u.truncatedIndices.length * size],
    ['episodeLengths', u.episodeLengths, u.episodeReturns.length],
    ['episodeTaskIds', u.episodeTaskIds, u.episodeReturns.length],
    ['taskIds', u.taskIds, N],
  ];
  for (const [name, array, length] of lengths) if (array.length !== length) return `${name} has ${array.length} values, not ${length}`;
  const observations = u.observations instanceof Uint8Array ? badFlags(u.observations, 'observations') : badFloat(u.observations, 'observations');
  if (observations) return observations;
  const final = u.truncatedObservations instanceof Uint8Array ? badFlags(u.truncatedObservations, 'truncatedObservations') : badFloat(u.truncatedObservations, 'truncatedObservations');
  if (final) return final;
  const problem =
    badRange(u.actions, 0, A, 'actions') ??
    badFloat(u.rewards, 'rewards') ??
    badFloat(u.behaviourLogits, 'behaviourLogits') ??
    badFlags(u.terminated, 'terminated') ??
    badFlags(u.truncated, 'truncated') ??
    badRange(u.taskIds, 0, numTasks, 'taskIds') ??
    badRange(u.episodeTaskIds, 0, numTasks, 'episodeTaskIds') ??
    badFloat(u.episodeReturns, 'episodeReturns') ??
    badRange(u.episodeLengths, 1, 2 ** 31 - 1, 'episodeLengths');
  if (problem) return problem;
  const core = badCore(u, expect);
  if (core) return core;
  for (let i = 0; i < T * N; i++) if (u.terminated[i]! && u.truncated[i]!) return `step ${i} is both terminated and truncated`;
  let previous = -1;
  let flagged = 0;
  for (let i = 0; i < T * N; i++) flagged += u.truncated[i]!;
  if (flagged !== u.truncatedIndices.length) return `${flagged} steps are flagged truncated but ${u.truncatedIndices.length} final observations were sent`;
  for (let k = 0; k < u.truncatedIndices.length; k++) {
    const flat = u.truncatedIndices[k]!;
    if (flat <= previous || flat >= T * N) return `truncatedIndices[${k}] = ${flat} is out of order or range`;
    if (!u.truncated[flat]) return `truncatedIndices[${k}] = ${flat} is not a truncated step`;
    previous = flat;
  }
  return null;
}
