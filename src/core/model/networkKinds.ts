import type { EnvInfo, ObservationKind } from '../envs/envInfo';

/**
 * Which network takes which observations, apart from `networks.ts` (which
 * loads TensorFlow.js) so that the configuration schema and the settings
 * panel can ask cheaply. The one list of image networks.
 */

export type NetworkKind = 'mlp' | 'minatar' | 'resnet';
export const NETWORK_KINDS: readonly NetworkKind[] = ['mlp', 'minatar', 'resnet'];

/**
 * The networks' default sizes (what `networkFor` builds from an experiment
 * config), here rather than in networks.ts so that cheap callers (the memory
 * estimate, `config/memoryBudget.ts`) read the same numbers.
 */
export const DEFAULT_NETWORK_SIZES = {
  mlp: { hiddenSizes: [64, 64] as readonly number[] },
  minatar: { convChannels: 16, hiddenSize: 128 },
  resnet: { channels: [16, 32] as readonly number[], hiddenSize: 256 },
} as const;

/** The LSTM core's default size H (`lstmCore.ts`) for each kind of observation (128 for MinAtar, 64 for classic control). */
export const DEFAULT_CORE_SIZE: Readonly<Record<ObservationKind, number>> = { image: 128, vector: 64 };

/** What each network takes: the MLP vectors `[n]`; the MinAtar CNN and the ResNet `[H, W, C]` images. */
export const NETWORK_INPUT: Readonly<Record<NetworkKind, ObservationKind>> = {
  mlp: 'vector',
  minatar: 'image',
  resnet: 'image',
};

/** What the network choice 'auto' builds for each kind of observation. */
export const AUTO_NETWORK: Readonly<Record<ObservationKind, NetworkKind>> = {
  vector: 'mlp',
  image: 'minatar',
};

/** Whether a network takes an environment's observations. */
export function networkFits(kind: NetworkKind, env: Pick<EnvInfo, 'observation'>): boolean {
  return NETWORK_INPUT[kind] === env.observation.kind;
}

/** The networks that suit an environment, in `NETWORK_KINDS` order. */
export function networksFor(env: Pick<EnvInfo, 'observation'>): NetworkKind[] {
  return NETWORK_KINDS.filter((kind) => networkFits(kind, env));
}

/** 'auto''s network for observations of this shape: `[n]` vectors or `[H, W, C]` images; null for any other rank. */
export function autoNetworkForShape(observationShape: readonly number[]): NetworkKind | null {
  if (observationShape.length === 1) return AUTO_NETWORK.vector;
  if (observationShape.length === 3) return AUTO_NETWORK.image;
  return null;
}
