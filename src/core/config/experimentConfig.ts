import { envInfo, PICKABLE_ENV_IDS } from '../envs/envInfo';
import { SUITE_GAMES } from '../envs/suite/minatarSuite';
import { autoNetworkForShape, NETWORK_INPUT, networkFits, type NetworkKind } from '../model/networkKinds';
import type { Correction } from '../agent/corrections';
import { fixObservationOptions } from './observationOptions';

/**
 * The one experiment-configuration schema: the headless trainer's flags, the
 * page's URL share links and its settings panel all read `CONFIG_FIELDS`, so
 * a setting is named, bounded, defaulted and documented exactly once.
 *
 * Notation follows the IMPALA paper (Espeholt et al. 2018): T is the unroll
 * length, B the learner's batch of unrolls, rho-bar and c-bar the V-trace
 * clipping thresholds (section 4.1).
 *
 * Two entry points take outside data:
 * - `validateConfig` takes an object of typed values (JSON, a saved run) and
 *   is lenient: each bad value is named in a problem and replaced by its
 *   default; it never throws.
 * - `parseFieldValue` takes the text of one value (a CLI argument, a URL
 *   parameter) and parses it strictly.
 */

/** 'auto' picks the network from the observation shape (see `resolveNetworkKind`). */
export type NetworkChoice = 'auto' | NetworkKind;
export type Optimizer = 'rmsprop' | 'adam';
export type LrSchedule = 'linear' | 'constant';
export type RewardClip = 'none' | 'unit';
export type ActionSet = 'full' | 'minimal';
export type CoreChoice = 'none' | 'lstm';

/** Every setting of one experiment. Meanings, ranges and defaults: `CONFIG_FIELDS`. */
export interface ExperimentConfig {
  // Environment
  /** Registry id, one of `PICKABLE_ENV_IDS` (a single environment or the task suite `suite/minatar`). */
  env: string;
  /** The suite's games, comma-separated in suite order (`suite/minatar` only). */
  tasks: string;
  stickyActionProb: number;
  actionSet: ActionSet;
  /** Classic control: velocity components of the observation read 0 (`observationOptions.ts`). */
  hideVelocities: boolean;
  /** MinAtar games with a trail channel (and the suite): the trail reads 0 (`observationOptions.ts`). */
  hideTrail: boolean;
  // Agent and network
  network: NetworkChoice;
  /** The recurrent core between torso and heads (paper figure 3): 'none' (feed-forward) or 'lstm'. */
  core: CoreChoice;
  /** H, the LSTM's size; 0: the default for the observations (128 for images, 64 for vectors). */
  coreSize: number;
  /** Feed the previous action (one-hot) to the core. */
  corePreviousAction: boolean;
  /** Feed the previous reward, clipped to [-1, 1], to the core. */
  corePreviousReward: boolean;
  /** PopArt value normalisation per task (Hessel et al. 2019). */
  popart: boolean;
  /** PopArt's statistics step size beta. */
  popartBeta: number;
  // Actors
  actors: number;
  envsPerActor: number;
  /** T. */
  unrollLength: number;
  policyLag: number;
  // Learner and optimiser
  queueCapacity: number;
  /** B. */
  batchSize: number;
  optimizer: Optimizer;
  learningRate: number;
  lrSchedule: LrSchedule;
  rmspropDecay: number;
  rmspropEpsilon: number;
  maxGradNorm: number;
  /** Share of each batch's unrolls drawn from the experience replay buffer (0: none). */
  replayShare: number;
  /** Unrolls the replay buffer keeps (the most recent). */
  replayCapacity: number;
  // Loss
  discount: number;
  baselineCost: number;
  entropyCost: number;
  entropySchedule: LrSchedule;
  rewardClip: RewardClip;
  // V-trace and off-policy correction
  correction: Correction;
  /** rho-bar, V-trace's `clipRhoThreshold`. */
  rhoBar: number;
  /** V-trace's `clipPgRhoThreshold`. */
  pgRhoBar: number;
  /** c-bar, V-trace's `clipCThreshold`. */
  cBar: number;
  lambda: number;
  // Run
  frames: number;
  seed: number;
}

export type ConfigKey = keyof ExperimentConfig;
/** Any setting's value (booleans included: the schema supports them). */
export type ConfigValue = string | number | boolean;

// ---------------------------------------------------------------------------
// Field descriptors

/** How a value is typed and bounded; shared with the trainer's own flags. */
export type ValueSpec = IntSpec | NumberSpec | EnumSpec | BooleanSpec | StringSpec | SubsetSpec;

export interface IntSpec {
  readonly kind: 'int';
  readonly default: number;
  /** Inclusive. */
  readonly min: number;
  /** Inclusive. */
  readonly max: number;
}

export interface NumberSpec {
  readonly kind: 'number';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The range is open at `min`: (min, ... */
  readonly minExclusive?: boolean;
  /** The range is open at `max`: ..., max). */
  readonly maxExclusive?: boolean;
}

export interface EnumSpec<V extends string = string> {
  readonly kind: 'enum';
  readonly default: V;
  readonly choices: readonly V[];
}

export interface BooleanSpec {
  readonly kind: 'boolean';
  readonly default: boolean;
}

export interface StringSpec {
  readonly kind: 'string';
  readonly default: string;
}

/**
 * A non-empty set of choices, written comma-separated ('breakout,asterix');
 * stored in the order of `choices`, so equal sets are equal strings.
 */
export interface SubsetSpec {
  readonly kind: 'subset';
  readonly default: string;
  readonly choices: readonly string[];
}

export type ConfigGroup = 'environment' | 'agent' | 'actors' | 'learner' | 'loss' | 'correction' | 'run';

/** The groups, in display order (help text, settings panel). */
export const CONFIG_GROUPS: readonly { readonly id: ConfigGroup; readonly title: string }[] = [
  { id: 'environment', title: 'Environment' },
  { id: 'agent', title: 'Agent and network' },
  { id: 'actors', title: 'Actors' },
  { id: 'learner', title: 'Learner and optimiser' },
  { id: 'loss', title: 'Loss' },
  { id: 'correction', title: 'V-trace and off-policy correction' },
  { id: 'run', title: 'Run' },
];

interface FieldInfo<K extends ConfigKey> {
  /** The `ExperimentConfig` property. */
  readonly key: K;
  readonly group: ConfigGroup;
  /** CLI flag without the leading `--`: the key in kebab-case. */
  readonly flag: string;
  /** URL query parameter: short and stable, since share links store it. */
  readonly urlKey: string;
  /** Short label for the settings panel. */
  readonly label: string;
  /** One or two sentences for students, citing the paper where it applies. */
  readonly doc: string;
}

/** The value specs a property of type V may have (tuples stop unions distributing). */
type SpecFor<V> = [V] extends [number]
  ? IntSpec | NumberSpec
  : [V] extends [boolean]
    ? BooleanSpec
    : [V] extends [string]
      ? EnumSpec<V> | StringSpec | SubsetSpec
      : never;

/** The descriptor of the setting `K`. */
export type FieldFor<K extends ConfigKey> = FieldInfo<K> & SpecFor<ExperimentConfig[K]>;
/** The descriptor of any setting; switch on `kind`. */
export type ConfigField = { [K in ConfigKey]: FieldFor<K> }[ConfigKey];

/** Compile-time proof that `List` names every member of `Union`. */
type Covers<Union, List extends readonly Union[]> = [Exclude<Union, List[number]>] extends [never] ? true : false;

// The network and correction lists are spelled out here rather than imported
// from networks.ts and corrections.ts, which load TensorFlow.js: the config
// must stay cheap to import (URL parsing on page load). The checks below fail
// to compile if either union gains or loses a member.
const NETWORK_CHOICES = ['auto', 'mlp', 'minatar', 'resnet'] as const satisfies readonly NetworkChoice[];
const CORRECTION_CHOICES = ['vtrace', 'none', 'epsilon', 'oneStepIS'] as const satisfies readonly Correction[];
const _networkChoicesCovered: Covers<NetworkChoice, typeof NETWORK_CHOICES> = true;
const _correctionChoicesCovered: Covers<Correction, typeof CORRECTION_CHOICES> = true;

const FIELDS = [
  // --- Environment --------------------------------------------------------
  {
    key: 'env', group: 'environment', flag: 'env', urlKey: 'env', label: 'Environment',
    kind: 'enum', choices: PICKABLE_ENV_IDS, default: 'classic/CartPole-v1',
    doc: "The task to learn: a classic-control problem (a short vector observation), a MinAtar game (Young & Tian 2019; a 10x10 grid of C binary channels), or 'suite/minatar': one agent playing several MinAtar games at once (IMPALA section 5.3's multi-task setting).",
  },
  {
    key: 'tasks', group: 'environment', flag: 'tasks', urlKey: 'tasks', label: 'Suite games',
    kind: 'subset', choices: SUITE_GAMES, default: SUITE_GAMES.join(','),
    doc: "suite/minatar only: the games the one agent plays, comma-separated. Actors' environments are given the games round-robin, and every game is seen in one 10x10x31 layout with the shared 6 actions.",
  },
  {
    key: 'stickyActionProb', group: 'environment', flag: 'sticky-action-prob', urlKey: 'sticky', label: 'Sticky actions',
    kind: 'number', min: 0, max: 1, default: 0.1,
    doc: 'MinAtar only (ignored for classic control): the chance that the game repeats the previous action instead of the chosen one, which makes it stochastic (Machado et al. 2018).',
  },
  {
    key: 'actionSet', group: 'environment', flag: 'action-set', urlKey: 'actions', label: 'Action set',
    kind: 'enum', choices: ['full', 'minimal'], default: 'full',
    doc: "MinAtar only (ignored for classic control): 'full' offers all 6 actions in every game, 'minimal' only those the game uses.",
  },
  {
    key: 'hideVelocities', group: 'environment', flag: 'hide-velocities', urlKey: 'hidev', label: 'Hide velocities',
    kind: 'boolean', default: false,
    doc: 'Classic control only: the velocities in the observation read 0 (CartPole sees only the cart position and pole angle), so the agent must infer speed from what it remembers; the dynamics are unchanged.',
  },
  {
    key: 'hideTrail', group: 'environment', flag: 'hide-trail', urlKey: 'hidet', label: 'Hide trails',
    kind: 'boolean', default: false,
    doc: "MinAtar Asterix, Breakout and Seaquest (in the suite: those of its games): the 'trail' channel, where objects were a step earlier, reads 0, so which way things move must be remembered; the game is unchanged.",
  },
  // --- Agent and network --------------------------------------------------
  {
    key: 'network', group: 'agent', flag: 'network', urlKey: 'net', label: 'Network',
    kind: 'enum', choices: NETWORK_CHOICES, default: 'auto',
    doc: "The policy-and-baseline network. 'auto' picks 'mlp' for vector observations and 'minatar' (the MinAtar baselines' small CNN) for 10x10xC images; 'resnet' is a small version of the paper's deep IMPALA CNN (figure 3).",
  },
  {
    key: 'core', group: 'agent', flag: 'core', urlKey: 'core', label: 'Memory (core)',
    kind: 'enum', choices: ['none', 'lstm'], default: 'none',
    doc: "'lstm' puts an LSTM between the network and its heads, as the paper's agents have (figure 3), so the agent can remember what it saw earlier in the episode; 'none' acts on the current observation alone. Actors keep the LSTM's state, every unroll carries the state it started from, and the learner replays the LSTM over the unroll from there.",
  },
  {
    key: 'coreSize', group: 'agent', flag: 'core-size', urlKey: 'csize', label: 'LSTM size',
    kind: 'int', min: 0, max: 1024, default: 0,
    doc: 'LSTM only: the size of its state; 0 picks 128 for MinAtar images and 64 for classic control.',
  },
  {
    key: 'corePreviousAction', group: 'agent', flag: 'core-previous-action', urlKey: 'cpa', label: 'LSTM sees last action',
    kind: 'boolean', default: true,
    doc: "LSTM only: also feed the LSTM the action taken at the previous step (one-hot), as the paper's agent does.",
  },
  {
    key: 'corePreviousReward', group: 'agent', flag: 'core-previous-reward', urlKey: 'cpr', label: 'LSTM sees last reward',
    kind: 'boolean', default: true,
    doc: "LSTM only: also feed the LSTM the reward of the previous step, clipped to [-1, 1], as the paper's agent does.",
  },
  {
    key: 'popart', group: 'agent', flag: 'popart', urlKey: 'popart', label: 'PopArt',
    kind: 'boolean', default: true,
    doc: 'Normalise each task\'s value with PopArt (Hessel et al. 2019): V-trace targets stay in the game\'s own scale, but the value loss and policy gradient are scaled by running per-task statistics, so games with large returns do not drown out the others.',
  },
  {
    key: 'popartBeta', group: 'agent', flag: 'popart-beta', urlKey: 'pbeta', label: 'PopArt step size',
    kind: 'number', min: 0, minExclusive: true, max: 1, default: 3e-4,
    doc: 'The step size beta of the PopArt statistics (Hessel et al. 2019 use 3e-4).',
  },
  // --- Actors -------------------------------------------------------------
  {
    key: 'actors', group: 'actors', flag: 'actors', urlKey: 'actors', label: 'Actors',
    kind: 'int', min: 1, max: 64, default: 2,
    doc: 'Number of actors. Each steps its own environments with a copy of the policy and sends whole unrolls to the learner (IMPALA section 3).',
  },
  {
    key: 'envsPerActor', group: 'actors', flag: 'envs-per-actor', urlKey: 'envs', label: 'Envs per actor',
    kind: 'int', min: 1, max: 1024, default: 4,
    doc: 'Environments each actor steps side by side, so that one forward pass of the network chooses actions for all of them.',
  },
  {
    key: 'unrollLength', group: 'actors', flag: 'unroll-length', urlKey: 'T', label: 'Unroll length T',
    kind: 'int', min: 1, max: 1000, default: 10,
    doc: 'T: steps in each unroll an actor sends (IMPALA section 3); V-trace targets look at most T steps ahead (the n of section 4.1).',
  },
  {
    key: 'policyLag', group: 'actors', flag: 'policy-lag', urlKey: 'lag', label: 'Extra policy lag',
    kind: 'int', min: 0, max: 1000, default: 0,
    doc: "Learner updates by which each actor's weight refresh is delayed on purpose, to make visible the policy lag that V-trace corrects (0: actors take the newest weights).",
  },
  // --- Learner and optimiser ----------------------------------------------
  {
    key: 'queueCapacity', group: 'learner', flag: 'queue-capacity', urlKey: 'queue', label: 'Queue capacity',
    kind: 'int', min: 1, max: 1024, default: 8,
    doc: 'Unrolls the queue between actors and learner can hold; actors wait while it is full, which bounds how stale the data can become. At least B; when not set, raised to B if B is larger.',
  },
  {
    key: 'batchSize', group: 'learner', flag: 'batch-size', urlKey: 'B', label: 'Batch size B',
    kind: 'int', min: 1, max: 256, default: 4,
    doc: 'B: unrolls the learner takes from the queue for each update (IMPALA section 3).',
  },
  {
    key: 'optimizer', group: 'learner', flag: 'optimizer', urlKey: 'opt', label: 'Optimiser',
    kind: 'enum', choices: ['rmsprop', 'adam'], default: 'rmsprop',
    doc: "'rmsprop' (without momentum) as the paper trains, or 'adam'.",
  },
  {
    key: 'learningRate', group: 'learner', flag: 'learning-rate', urlKey: 'lr', label: 'Learning rate',
    kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.01,
    doc: "The optimiser's step size at the start of training; see the schedule.",
  },
  {
    key: 'lrSchedule', group: 'learner', flag: 'lr-schedule', urlKey: 'sched', label: 'LR schedule',
    kind: 'enum', choices: ['linear', 'constant'], default: 'linear',
    doc: "'linear' anneals the learning rate linearly to zero over `frames`, as the paper does; 'constant' keeps it fixed.",
  },
  {
    key: 'rmspropDecay', group: 'learner', flag: 'rmsprop-decay', urlKey: 'decay', label: 'RMSProp decay',
    kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.99,
    doc: "RMSProp only: decay of the running average of squared gradients; 0.99 as in the paper (tf.js's own default is 0.9).",
  },
  {
    key: 'rmspropEpsilon', group: 'learner', flag: 'rmsprop-epsilon', urlKey: 'eps', label: 'RMSProp epsilon',
    kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.01,
    doc: "RMSProp only: added to the squared-gradient average under the square root; the paper's 0.01 is much larger than the usual 1e-7, which damps the first steps.",
  },
  {
    key: 'maxGradNorm', group: 'learner', flag: 'max-grad-norm', urlKey: 'gclip', label: 'Max gradient norm',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 40,
    doc: 'Global gradient-norm clipping: when the norm of all gradients together exceeds this, they are scaled down to it (40, as in the paper and torchbeast).',
  },
  {
    key: 'replayShare', group: 'learner', flag: 'replay-share', urlKey: 'rshare', label: 'Replay share',
    kind: 'number', min: 0, max: 0.9, default: 0,
    doc: "Experience replay (IMPALA section 5.2.1, table 2 'with replay'): this share of each batch's B unrolls is drawn uniformly from a buffer of recent unrolls instead of fresh from the actors, so every frame is learned from several times. V-trace corrects for the replayed data's older behaviour policy. At least one unroll per batch is fresh; 0 turns replay off.",
  },
  {
    key: 'replayCapacity', group: 'learner', flag: 'replay-capacity', urlKey: 'rcap', label: 'Replay buffer',
    kind: 'int', min: 1, max: 100000, default: 128,
    doc: 'Experience replay only: how many of the most recent fresh unrolls the replay buffer keeps (each holds T steps of every environment of one actor).',
  },
  // --- Loss ---------------------------------------------------------------
  {
    key: 'discount', group: 'loss', flag: 'discount', urlKey: 'gamma', label: 'Discount gamma',
    kind: 'number', min: 0, max: 1, default: 0.99,
    doc: 'gamma: how much a reward one step later is worth (0.99 in the paper).',
  },
  {
    key: 'baselineCost', group: 'loss', flag: 'baseline-cost', urlKey: 'vcost', label: 'Baseline cost',
    kind: 'number', min: 0, max: 100, default: 0.5,
    doc: 'Weight of the baseline loss, the squared error between V(x_s) and the V-trace target v_s (IMPALA section 4.2; 0.5 in the paper).',
  },
  {
    key: 'entropyCost', group: 'loss', flag: 'entropy-cost', urlKey: 'ent', label: 'Entropy cost',
    kind: 'number', min: 0, max: 10, default: 0.03,
    doc: 'Weight of the entropy bonus that keeps the policy exploring instead of settling early on one action (IMPALA section 4.2).',
  },
  {
    key: 'entropySchedule', group: 'loss', flag: 'entropy-schedule', urlKey: 'entsched', label: 'Entropy schedule',
    kind: 'enum', choices: ['constant', 'linear'], default: 'linear',
    doc: "'constant' keeps the entropy cost fixed, as the paper does; 'linear' (the default: it learned CartPole fastest) anneals it to zero over `frames` like the learning rate, so that the policy explores widely early and can settle late.",
  },
  {
    key: 'rewardClip', group: 'loss', flag: 'reward-clip', urlKey: 'rclip', label: 'Reward clipping',
    kind: 'enum', choices: ['none', 'unit'], default: 'none',
    doc: "'unit' clips every reward to [-1, 1] before learning, as the paper does for Atari; 'none' learns from the raw rewards. Episode returns are always reported unclipped.",
  },
  // --- V-trace and off-policy correction ----------------------------------
  {
    key: 'correction', group: 'correction', flag: 'correction', urlKey: 'corr', label: 'Off-policy correction',
    kind: 'enum', choices: CORRECTION_CHOICES, default: 'vtrace',
    doc: "How the learner corrects for actors' stale policies, as compared in IMPALA section 5.2.1 (table 2): 'vtrace'; 'none' (treat the data as on-policy); 'epsilon' (no correction, log(pi + 1e-6) in the policy gradient); 'oneStepIS' (importance-weighted advantage, no traces).",
  },
  {
    key: 'rhoBar', group: 'correction', flag: 'rho-bar', urlKey: 'rho', label: 'rho-bar',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 1,
    doc: 'rho-bar (IMPALA section 4.1): clip on importance weights in the value target. It decides which policy V-trace evaluates: a huge rho-bar gives the value of pi, a small one a policy nearer the actors\' mu.',
  },
  {
    key: 'pgRhoBar', group: 'correction', flag: 'pg-rho-bar', urlKey: 'pgrho', label: 'Policy-gradient rho-bar',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 1,
    doc: "Clip on the importance weight rho_s that scales the policy-gradient advantage (IMPALA section 4.2; scalable_agent's clip_pg_rho_threshold).",
  },
  {
    key: 'cBar', group: 'correction', flag: 'c-bar', urlKey: 'c', label: 'c-bar',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 1,
    doc: 'c-bar (IMPALA section 4.1): clip on the trace coefficients c_i. It changes how fast V-trace converges, not which value it converges to.',
  },
  {
    key: 'lambda', group: 'correction', flag: 'lambda', urlKey: 'lambda', label: 'lambda',
    kind: 'number', min: 0, max: 1, default: 1,
    doc: 'lambda (IMPALA section 4.1, as in Retrace): scales every trace coefficient, c_i = lambda min(c-bar, rho_i); below 1 it trades bias for lower variance. 1 is plain V-trace.',
  },
  // --- Run ----------------------------------------------------------------
  {
    key: 'frames', group: 'run', flag: 'frames', urlKey: 'frames', label: 'Frames',
    kind: 'int', min: 1, max: 1e10, default: 100_000,
    doc: 'Environment frames to train for, counted over all actors and environments; the linear learning-rate schedule reaches zero here.',
  },
  {
    key: 'seed', group: 'run', flag: 'seed', urlKey: 'seed', label: 'Seed',
    kind: 'int', min: 0, max: 0xffffffff, default: 1,
    doc: 'Seed of every random choice in the run (initial weights, environments, sampled actions); every other seed is derived from it.',
  },
] as const satisfies readonly ConfigField[];

type MissingKeys = Exclude<ConfigKey, (typeof FIELDS)[number]['key']>;
/** Fails to compile, naming the keys, if a property of `ExperimentConfig` has no field. */
const _everyKeyHasAField: [MissingKeys] extends [never] ? true : MissingKeys = true;

/** Every setting, grouped in `CONFIG_GROUPS` order. */
export const CONFIG_FIELDS: readonly ConfigField[] = FIELDS;

const BY_KEY = new Map<string, ConfigField>(CONFIG_FIELDS.map((f) => [f.key, f]));
const BY_FLAG = new Map<string, ConfigField>(CONFIG_FIELDS.map((f) => [f.flag, f]));
const BY_URL_KEY = new Map<string, ConfigField>(CONFIG_FIELDS.map((f) => [f.urlKey, f]));

/** The field of a property name; `undefined` for a string that names none. */
export function configFieldByKey<K extends ConfigKey>(key: K): FieldFor<K>;
export function configFieldByKey(key: string): ConfigField | undefined;
export function configFieldByKey(key: string): ConfigField | undefined {
  return BY_KEY.get(key);
}

/** The field of a CLI flag, given with or without its leading `--`. */
export function configFieldByFlag(flag: string): ConfigField | undefined {
  return BY_FLAG.get(flag.startsWith('--') ? flag.slice(2) : flag);
}

/** The field of a URL query parameter (case-sensitive: `T` and `B` are the paper's). */
export function configFieldByUrlKey(urlKey: string): ConfigField | undefined {
  return BY_URL_KEY.get(urlKey);
}

/**
 * Writes a value that `checkValue` accepted for `key`'s field (or the field's
 * default), so it has the property's type; TypeScript cannot follow that
 * correlation through the field union, hence the one cast.
 */
function setValue(config: ExperimentConfig, key: ConfigKey, value: ConfigValue): void {
  (config as unknown as Record<ConfigKey, ConfigValue>)[key] = value;
}

function buildDefaults(): ExperimentConfig {
  const config = {} as ExperimentConfig; // filled below: every key has a field (checked at compile time)
  for (const field of CONFIG_FIELDS) setValue(config, field.key, field.default);
  return config;
}

/** Every setting at its default. Frozen: copy it (`{ ...DEFAULT_CONFIG }`) to change a value. */
export const DEFAULT_CONFIG: Readonly<ExperimentConfig> = Object.freeze(buildDefaults());

// ---------------------------------------------------------------------------
// Networks

/**
 * The network to build: `config.network`, or for 'auto' 'mlp' when
 * observations are vectors `[n]` and 'minatar' when they are images
 * `[H, W, C]` (`AUTO_NETWORK`). Throws for 'auto' and any other rank.
 */
export function resolveNetworkKind(config: Pick<ExperimentConfig, 'network'>, observationShape: readonly number[]): NetworkKind {
  if (config.network !== 'auto') return config.network;
  const kind = autoNetworkForShape(observationShape);
  if (kind === null) throw new Error(`resolveNetworkKind: no network for observations of shape [${observationShape.join(', ')}]; expected [n] or [H, W, C]`);
  return kind;
}

// ---------------------------------------------------------------------------
// Values

/** A number as a person would write it: 6e-4 and 1e10, but 0.01 and 200000. */
export function formatNumber(x: number): string {
  const plain = String(x);
  const abs = Math.abs(x);
  if (!Number.isFinite(x) || x === 0 || (abs >= 1e-3 && abs < 1e7)) return plain;
  const exponential = x.toExponential().replace('e+', 'e');
  return exponential.length < plain.length ? exponential : plain;
}

/** A setting's value as written in messages and help: strings quoted. */
export function formatValue(value: ConfigValue): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

const MAX_SHOWN = 40;

function truncate(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}

/** Any value, briefly and safely (no JSON of huge or cyclic objects). */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `'${truncate(value)}'`;
    case 'number':
      return formatNumber(value);
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${truncate(value.toString())}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? `an array of ${value.length} items` : 'an object';
  }
}

/** What a spec accepts, in words: "an integer in [1, 64]", "one of 'rmsprop', 'adam'". */
export function describeExpected(spec: ValueSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer in [${formatNumber(spec.min)}, ${formatNumber(spec.max)}]`;
    case 'number':
      return `a number in ${spec.minExclusive ? '(' : '['}${formatNumber(spec.min)}, ${formatNumber(spec.max)}${spec.maxExclusive ? ')' : ']'}`;
    case 'enum':
      return `one of ${spec.choices.map((c) => `'${c}'`).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'subset':
      return `a comma-separated list of ${spec.choices.map((c) => `'${c}'`).join(', ')} (at least one, each once)`;
  }
}

type Checked = { ok: true; value: ConfigValue } | { ok: false };

/** Checks an already-typed value against a spec; -0 becomes 0. */
function checkValue(spec: ValueSpec, value: unknown): Checked {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false };
      if (spec.kind === 'int' && !Number.isInteger(value)) return { ok: false };
      const aboveMin = spec.kind === 'number' && spec.minExclusive ? value > spec.min : value >= spec.min;
      const belowMax = spec.kind === 'number' && spec.maxExclusive ? value < spec.max : value <= spec.max;
      return aboveMin && belowMax ? { ok: true, value: value === 0 ? 0 : value } : { ok: false };
    }
    case 'enum': {
      const choice = spec.choices.find((c) => c === value);
      return choice === undefined ? { ok: false } : { ok: true, value: choice };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false };
    case 'string':
      return typeof value === 'string' ? { ok: true, value } : { ok: false };
    case 'subset': {
      if (typeof value !== 'string') return { ok: false };
      const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
      const known = names.every((n) => spec.choices.includes(n));
      const unique = new Set(names).size === names.length;
      if (names.length === 0 || !known || !unique) return { ok: false };
      return { ok: true, value: spec.choices.filter((c) => names.includes(c)).join(',') };
    }
  }
}

export type ParsedValue = { ok: true; value: ConfigValue } | { ok: false; problem: string };

/** A decimal literal: digits, an optional fraction and exponent. No hex, no 'Infinity', no blanks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses the text of one value against any spec (the trainer's own flags use
 * this too). `name` heads the problem message: a key, `--flag` or URL key.
 */
export function parseValue(spec: ValueSpec, text: string, name: string): ParsedValue {
  let candidate: unknown = text;
  if (spec.kind === 'int' || spec.kind === 'number') {
    candidate = DECIMAL.test(text) ? Number(text) : Number.NaN;
  } else if (spec.kind === 'boolean') {
    candidate = text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : undefined;
  }
  const checked = checkValue(spec, candidate);
  if (checked.ok) return checked;
  const expected = spec.kind === 'boolean' ? "true or false (or 1 or 0)" : describeExpected(spec);
  return { ok: false, problem: `${name} must be ${expected}, got '${truncate(text)}'` };
}

/**
 * Parses the text of one setting (a CLI argument, a URL parameter): ints
 * reject '1.5' but take '1e3'; numbers reject 'NaN', 'Infinity' and '';
 * booleans take 'true'/'false'/'1'/'0'; enums need an exact choice.
 */
export function parseFieldValue(field: ConfigField, text: string, name: string = field.key): ParsedValue {
  return parseValue(field, text, name);
}

// ---------------------------------------------------------------------------
// Whole configurations

export interface ConfigValidation {
  /** Always complete and valid: `parseConfigStrict(config)` accepts it. */
  config: ExperimentConfig;
  /** One sentence per value that was ignored or replaced; empty when the input was clean. */
  problems: string[];
}

/** Unknown keys named one by one before the rest are counted. */
const MAX_UNKNOWN_KEYS_NAMED = 10;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies the valid values of `input` into `config`; returns the keys it set. */
function readFields(input: unknown, config: ExperimentConfig, problems: string[]): Set<ConfigKey> {
  const given = new Set<ConfigKey>();
  if (input === undefined) return given;
  if (!isRecord(input)) {
    problems.push(`the configuration must be an object of settings, got ${describeValue(input)}; using the defaults`);
    return given;
  }
  const unknownKeys: string[] = [];
  for (const key of Object.keys(input)) {
    const field = BY_KEY.get(key);
    if (field === undefined) {
      unknownKeys.push(key);
      continue;
    }
    const value = input[key];
    if (value === undefined) continue;
    const checked = checkValue(field, value);
    if (checked.ok) {
      setValue(config, field.key, checked.value);
      given.add(field.key);
    } else {
      problems.push(
        `${field.key} must be ${describeExpected(field)}, got ${describeValue(value)}; using the default ${formatValue(field.default)}`,
      );
    }
  }
  for (const key of unknownKeys.slice(0, MAX_UNKNOWN_KEYS_NAMED)) problems.push(`unknown setting '${truncate(key)}' ignored`);
  if (unknownKeys.length > MAX_UNKNOWN_KEYS_NAMED) {
    problems.push(`${unknownKeys.length - MAX_UNKNOWN_KEYS_NAMED} more unknown settings ignored`);
  }
  return given;
}

/**
 * Checks between settings, each fixed in place. `given`: the keys the input
 * set validly. MinAtar-only settings are allowed for classic control (they
 * are ignored there), and so are V-trace thresholds under other corrections
 * and RMSProp settings under Adam; but an observation-hiding switch turned
 * on for an environment without what it hides is a mistake, reported and
 * turned off.
 */
function fixCrossFieldProblems(config: ExperimentConfig, given: ReadonlySet<ConfigKey>, problems: string[]): void {
  if (config.batchSize > config.queueCapacity && !given.has('queueCapacity')) {
    // The default capacity follows B: asking for a large batch alone is no mistake.
    config.queueCapacity = config.batchSize;
  } else if (config.batchSize > config.queueCapacity) {
    problems.push(
      `batchSize (${config.batchSize}) must not exceed queueCapacity (${config.queueCapacity}), or the learner could wait for a batch the queue cannot hold; raising queueCapacity to ${config.batchSize}`,
    );
    config.queueCapacity = config.batchSize;
  }
  const env = envInfo(config.env);
  if (config.network !== 'auto' && env !== undefined && !networkFits(config.network, env)) {
    const wantsImages = NETWORK_INPUT[config.network] === 'image';
    problems.push(
      `network '${config.network}' takes ${wantsImages ? '[H, W, C] images' : 'vector observations'}, but ${config.env} gives ${env.observation.kind === 'image' ? 'images' : 'vectors'}; using 'auto'`,
    );
    config.network = 'auto';
  }
  fixObservationOptions(config, problems);
}

/**
 * Reads a configuration leniently: missing settings take their defaults;
 * unknown keys are ignored and named; every invalid value is named and
 * replaced by its default; cross-field conflicts are reported and fixed.
 * Values must already be typed (numbers as numbers); for text use
 * `parseFieldValue`. Never throws, whatever `input` is.
 */
export function validateConfig(input: unknown): ConfigValidation {
  const config: ExperimentConfig = { ...DEFAULT_CONFIG };
  const problems: string[] = [];
  try {
    const given = readFields(input, config, problems);
    fixCrossFieldProblems(config, given, problems);
    return { config, problems };
  } catch (error) {
    // A hostile object (a throwing getter or proxy): keep nothing from it.
    const reason = error instanceof Error ? error.message : 'unknown error';
    return { config: { ...DEFAULT_CONFIG }, problems: [...problems, `could not read the configuration (${truncate(reason)}); using the defaults`] };
  }
}

/** Like `validateConfig`, but throws one Error listing every problem. */
export function parseConfigStrict(input: unknown): ExperimentConfig {
  const { config, problems } = validateConfig(input);
  if (problems.length > 0) {
    throw new Error(`Invalid experiment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}
