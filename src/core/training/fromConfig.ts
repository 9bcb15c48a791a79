import type { ActorOptions } from '../actor/actor';
import { resolveNetworkKind, type ExperimentConfig } from '../config/experimentConfig';
import type { EnvSettings } from '../envs/registry';
import type { EnvSpec } from '../envs/types';
import type { LearnerOptions } from '../learner/learner';
import type { NetworkConfig } from '../model/networks';

/** The network an experiment trains: its kind resolved against the observation shape, sizes at their defaults. */
export function networkFor(config: ExperimentConfig, spec: EnvSpec): NetworkConfig {
  return { kind: resolveNetworkKind(config, spec.observationShape) };
}

/** Environment options from an experiment (MinAtar-only options only for MinAtar). */
export function envOptionsFor(config: ExperimentConfig): EnvSettings {
  return config.env.startsWith('minatar/') ? { stickyActionProb: config.stickyActionProb, actionSet: config.actionSet } : {};
}

export function actorOptionsFor(config: ExperimentConfig, spec: EnvSpec, actorIndex: number): ActorOptions {
  return {
    actorIndex,
    envId: config.env,
    envOptions: envOptionsFor(config),
    numEnvs: config.envsPerActor,
    unrollLength: config.unrollLength,
    seed: config.seed,
    network: networkFor(config, spec),
  };
}

export function learnerOptionsFor(config: ExperimentConfig, spec: EnvSpec): LearnerOptions {
  return {
    network: networkFor(config, spec),
    spec: { observationShape: spec.observationShape, numActions: spec.numActions },
    seed: config.seed,
    optimizer: config.optimizer,
    learningRate: config.learningRate,
    lrSchedule: config.lrSchedule,
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
  };
}
