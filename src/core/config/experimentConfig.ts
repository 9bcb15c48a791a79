import { envInfo } from '../envs/envInfo';
import { CONFIG_FIELDS } from './configFields';
import { checkValue, describeExpected, describeValue, formatValue, truncate } from './configValues';
import { autoNetworkForShape, NETWORK_INPUT, networkFits, type NetworkKind } from '../model/networkKinds';
import type { Correction } from '../agent/corrections';
import { fixObservationOptions } from './observationOptions';

// The table of settings and the value parsing live in their own files; callers keep importing them from here.
export { CONFIG_FIELDS };
export { describeExpected, formatNumber, formatValue, parseFieldValue, parseValue, type ParsedValue } from './configValues';

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

// The table of every setting (`CONFIG_FIELDS`) is in configFields.ts.

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
