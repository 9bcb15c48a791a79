import type { ActorOptions } from '../actor/actor';
import { resolveNetworkKind, type ExperimentConfig } from '../config/experimentConfig';
import { envInfo } from '../envs/envInfo';
import type { MinAtarGameName } from '../envs/minatar/game';
import { createEnv, type EnvSettings } from '../envs/registry';
import type { EnvSpec } from '../envs/types';
import type { LearnerOptions } from '../learner/learner';
import type { NetworkConfig, NetworkSpec } from '../model/networks';
import { parseTaskList, slotTaskIds, suiteTaskEnvId } from '../envs/suite/minatarSuite';

/** Whether an experiment trains one agent on a task suite. */
export function isSuite(config: Pick<ExperimentConfig, 'env'>): boolean {
  return envInfo(config.env)?.tasks !== undefined;
}

/** The games an experiment's agent plays, in task-id order: the suite's tasks, or none for a single environment. */
export function tasksOf(config: Pick<ExperimentConfig, 'env' | 'tasks'>): MinAtarGameName[] {
  if (!isSuite(config)) return [];
  const parsed = parseTaskList(config.tasks);
  if (!parsed.ok) throw new Error(`tasks: ${parsed.problem}`);
  return parsed.tasks;
}

/** The environment spec the agent sees (for a suite, the shared layout of its games). */
export function envSpecFor(config: Pick<ExperimentConfig, 'env' | 'tasks'> & Partial<Pick<ExperimentConfig, 'actionSet'>>): EnvSpec {
  const tasks = tasksOf(config);
  // The action set changes the number of actions (MinAtar's minimal set): the learner's network must match the actors' environments.
  const actionSet = config.actionSet !== undefined && tasks.length === 0 && (envInfo(config.env)?.options ?? []).includes('actionSet') ? { actionSet: config.actionSet } : {};
  return createEnv(tasks.length > 0 ? suiteTaskEnvId(tasks[0]!) : config.env, { seed: 0, ...actionSet }).spec;
}

/** The network's inputs and outputs: observation shape, actions, and one value output per task. */
export function networkSpecFor(config: Pick<ExperimentConfig, 'env' | 'tasks'>, spec: EnvSpec): NetworkSpec {
  return { observationShape: spec.observationShape, numActions: spec.numActions, numTasks: Math.max(1, tasksOf(config).length) };
}

/** The network an experiment trains: its kind resolved against the observation shape, torso sizes at their defaults, and its core. */
export function networkFor(config: ExperimentConfig, spec: EnvSpec): NetworkConfig {
  const kind = resolveNetworkKind(config, spec.observationShape);
  if (config.core !== 'lstm') return { kind };
  return {
    kind,
    core: {
      kind: 'lstm',
      ...(config.coreSize > 0 ? { size: config.coreSize } : {}),
      previousAction: config.corePreviousAction,
      previousReward: config.corePreviousReward,
    },
  };
}

/**
 * Environment options from an experiment: those of its settings that apply
 * to the environment (`EnvInfo.options`): MinAtar's sticky actions and
 * action set, nothing for classic control; a suite's games always use the
 * full action set. The observation-hiding switches (`hideVelocities`,
 * `hideTrail`) are passed only when on, so that a run without them creates
 * its environments exactly as before they existed.
 */
export function envOptionsFor(config: ExperimentConfig): EnvSettings {
  const applies = envInfo(config.env)?.options ?? [];
  const settings: Partial<Pick<ExperimentConfig, 'stickyActionProb' | 'actionSet' | 'hideVelocities' | 'hideTrail'>> = {};
  if (applies.includes('stickyActionProb')) settings.stickyActionProb = config.stickyActionProb;
  if (applies.includes('actionSet')) settings.actionSet = config.actionSet;
  if (applies.includes('hideVelocities') && config.hideVelocities) settings.hideVelocities = true;
  if (applies.includes('hideTrail') && config.hideTrail) settings.hideTrail = true;
  return settings;
}

export function actorOptionsFor(config: ExperimentConfig, spec: EnvSpec, actorIndex: number): ActorOptions {
  const tasks = tasksOf(config);
  const options: ActorOptions = {
    actorIndex,
    envId: config.env,
    envOptions: envOptionsFor(config),
    numEnvs: config.envsPerActor,
    unrollLength: config.unrollLength,
    seed: config.seed,
    network: networkFor(config, spec),
  };
  if (tasks.length === 0) return options;
  const taskIds = slotTaskIds(actorIndex, config.actors, config.envsPerActor, tasks.length);
  return { ...options, tasks: { envIds: taskIds.map((t) => suiteTaskEnvId(tasks[t]!)), taskIds, numTasks: tasks.length } };
}

export function learnerOptionsFor(config: ExperimentConfig, spec: EnvSpec): LearnerOptions {
  return {
    network: networkFor(config, spec),
    spec: networkSpecFor(config, spec),
    seed: config.seed,
    optimizer: config.optimizer,
    learningRate: config.learningRate,
    lrSchedule: config.lrSchedule,
    entropySchedule: config.entropySchedule,
    totalFrames: config.frames,
    rmspropDecay: config.rmspropDecay,
    rmspropEpsilon: config.rmspropEpsilon,
    maxGradNorm: config.maxGradNorm,
    discount: config.discount,
    baselineCost: config.baselineCost,
    entropyCost: config.entropyCost,
    correction: config.correction,
    clipRhoThreshold: config.rhoBar,
    clipPgRhoThreshold: config.pgRhoBar,
    clipCThreshold: config.cBar,
    lambda: config.lambda,
    rewardClip: config.rewardClip,
    popart: config.popart ? { beta: config.popartBeta } : null,
  };
}
