import { SWARM_LIMITS } from '../../core/swarm/swarmRunSettings';
import {
  CONFIG_FIELDS,
  CONFIG_GROUPS,
  configFieldByFlag,
  configFieldByKey,
  configFieldByUrlKey,
  describeExpected,
  formatValue,
  parseValue,
  validateConfig,
  type ConfigValue,
  type ExperimentConfig,
  type BooleanSpec,
  type EnumSpec,
  type IntSpec,
  type NumberSpec,
  type StringSpec,
  type ValueSpec,
} from '../../core/config/experimentConfig';
import { comparisonRuns, presetById, PRESETS } from '../../core/config/presets';

/**
 * The headless trainer's command line: every `CONFIG_FIELDS` setting as
 * `--flag value` or `--flag=value`, plus the trainer's own flags below.
 * Parsing is pure: it never throws and never exits; the caller prints the
 * help or error text and chooses the exit code.
 */

/** Settings of the trainer process itself, not of the experiment. */
export interface TrainerOptions {
  /** Output directory for logs and checkpoints. */
  out: string;
  /** Seconds between progress log lines. */
  logEvery: number;
  /** Learner updates between checkpoints; 0 writes one only at the end. */
  checkpointEvery: number;
  /** No progress bar. */
  quiet: boolean;
  /** One in-process actor alternating with the learner, for reproducible runs. */
  deterministic: boolean;
  /** The preset the settings start from (flags override it); '' for none. */
  preset: string;
  /** Seconds of wall time between checkpoints (besides `checkpointEvery`); 0 for none. */
  checkpointSeconds: number;
  /** A run directory to continue (its checkpoint.json and metrics.jsonl); '' to start a new run. */
  resume: string;
  /** A comparison preset's runs to train, by directory name (`runDirName`), comma-separated; '' for all. */
  only?: string;
  // A swarm run (`--swarm`): actors on other machines feed this learner through a NATS server.
  // These are present only with --swarm, each with its default.
  /** The NATS server, nats://host:4222. */
  swarm?: string;
  /** The run's name on the server. */
  run?: string;
  /** Server user and password (nats/class.conf: teacher). */
  user?: string;
  pass?: string;
  /** Unrolls more than this many updates behind the learner are dropped and counted. */
  maxPolicyLag?: number;
  /** Rejected unrolls after which a contributor is cut off. */
  maxRejections?: number;
  /** Seconds without an unroll or heartbeat after which a contributor is reported gone. */
  goneAfter?: number;
  /** Seconds the server waits for the learner's acknowledgement before delivering an unroll again. */
  ackWait?: number;
}

/** The swarm flags and their defaults (present in `TrainerOptions` only with --swarm). */
export const SWARM_DEFAULTS = {
  run: 'default',
  user: '',
  pass: '',
  maxPolicyLag: SWARM_LIMITS.maxPolicyLag,
  maxRejections: SWARM_LIMITS.maxRejections,
  goneAfter: SWARM_LIMITS.goneAfterSeconds,
  ackWait: SWARM_LIMITS.ackWaitSeconds,
} as const;

export type TrainArgs =
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }
  | {
      kind: 'run';
      /** The experiment's settings (for a comparison preset, its first run's). */
      config: ExperimentConfig;
      trainer: TrainerOptions;
      /** A comparison preset's runs, trained one after another (absent otherwise). */
      comparison?: { label: string; config: ExperimentConfig }[];
    };

interface TrainerFlag {
  key: keyof TrainerOptions;
  flag: string;
  spec: ValueSpec;
  /** Shown after the flag in the help, e.g. DIR; none for switches. */
  placeholder?: string;
  /** The default as the help shows it, where the spec's is not it. */
  shownDefault?: string;
  doc: string;
}

/** Computed from the config when `--out` is not given. */
function defaultOut(config: ExperimentConfig): string {
  const name = config.env.slice(config.env.lastIndexOf('/') + 1);
  return `runs/${name}-seed${config.seed}`;
}

const OUT: StringSpec = { kind: 'string', default: '' };
const LOG_EVERY: NumberSpec = { kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 2 };
const CHECKPOINT_EVERY: IntSpec = { kind: 'int', min: 0, max: 1e9, default: 0 };
const CHECKPOINT_SECONDS: NumberSpec = { kind: 'number', min: 0, max: 1e9, default: 300 };
const RESUME: StringSpec = { kind: 'string', default: '' };
const ONLY: StringSpec = { kind: 'string', default: '' };
const SWITCH: BooleanSpec = { kind: 'boolean', default: false };
const SWARM_STRING: StringSpec = { kind: 'string', default: '' };
const MAX_POLICY_LAG: IntSpec = { kind: 'int', min: 0, max: 1e9, default: SWARM_DEFAULTS.maxPolicyLag };
const MAX_REJECTIONS: IntSpec = { kind: 'int', min: 1, max: 1e9, default: SWARM_DEFAULTS.maxRejections };
const GONE_AFTER: NumberSpec = { kind: 'number', min: 0, minExclusive: true, max: 1e6, default: SWARM_DEFAULTS.goneAfter };
const ACK_WAIT: NumberSpec = { kind: 'number', min: 1, max: 3600, default: SWARM_DEFAULTS.ackWait };
const PRESET: EnumSpec = { kind: 'enum', choices: PRESETS.map((p) => p.id), default: '' };
/** The presets that are several runs side by side (`--only` picks among their runs). */
const COMPARISON_PRESETS = PRESETS.filter((p) => p.comparison).map((p) => p.id).join(', ');

const TRAINER_FLAGS: readonly TrainerFlag[] = [
  {
    key: 'out', flag: 'out', placeholder: 'DIR', spec: OUT, shownDefault: 'runs/<env-name>-seed<seed>',
    doc: 'Directory for the metrics log, the configuration, checkpoints and the learning-curve picture (learning-curve.svg).',
  },
  {
    key: 'logEvery', flag: 'log-every', placeholder: 'SECONDS', spec: LOG_EVERY,
    doc: 'Seconds between progress lines.',
  },
  {
    key: 'checkpointEvery', flag: 'checkpoint-every', placeholder: 'UPDATES', spec: CHECKPOINT_EVERY,
    doc: 'Learner updates between checkpoints; 0 writes one only at the end.',
  },
  {
    key: 'checkpointSeconds', flag: 'checkpoint-seconds', placeholder: 'SECONDS', spec: CHECKPOINT_SECONDS,
    doc: 'Also write a checkpoint whenever this many seconds of wall time have passed since the last one (0: only by updates and at the end), so that a long run killed without warning can be resumed.',
  },
  {
    key: 'resume', flag: 'resume', placeholder: 'DIR', spec: RESUME, shownDefault: 'none',
    doc: "Continue the run in DIR (written by an earlier `npm run train`) from its checkpoint.json: its settings, weights, optimiser state, counters and learning-rate schedule, appending to its metrics.jsonl and episodes.jsonl from the checkpoint's update on (learning-curve.svg is drawn again over the whole run). Its settings cannot be changed (no experiment flags, no --out); a deterministic run continues exactly as if it had never stopped (except that an experience replay buffer starts empty).",
  },
  {
    key: 'preset', flag: 'preset', placeholder: 'ID', spec: PRESET, shownDefault: 'none',
    doc: `Start from one of the lab's presets (${PRESETS.map((p) => p.id).join(', ')}); other flags override its settings. A comparison preset (${COMPARISON_PRESETS}) trains each of its runs in turn, into DIR/<run>, and ends with a table comparing them and a picture of their curves, DIR/comparison.svg.`,
  },
  {
    key: 'only', flag: 'only', placeholder: 'RUN,...', spec: ONLY, shownDefault: 'all',
    doc: "With a comparison preset: train only these of its runs, named as their directories are (e.g. --preset multitask --only suite-with-popart,breakout-only), each with the frames it has in the whole comparison.",
  },
  { key: 'quiet', flag: 'quiet', spec: SWITCH, doc: 'No progress bar.' },
  {
    key: 'swarm', flag: 'swarm', placeholder: 'URL', spec: SWARM_STRING, shownDefault: 'none',
    doc: 'Learn from actors on other machines and browser tabs through this NATS server (nats://host:4222, with JetStream; see nats/class.conf), instead of worker threads: they join with `npm run actor -- --swarm URL --run NAME`.',
  },
  { key: 'run', flag: 'run', placeholder: 'NAME', spec: SWARM_STRING, shownDefault: SWARM_DEFAULTS.run, doc: "With --swarm: the run's name on the server (letters, digits, - and _); actors join it by this name." },
  { key: 'user', flag: 'user', placeholder: 'USER', spec: SWARM_STRING, shownDefault: '$IMPALA_NATS_USER', doc: 'With --swarm: the server user (nats/class.conf: teacher).' },
  { key: 'pass', flag: 'pass', placeholder: 'PASS', spec: SWARM_STRING, shownDefault: '$IMPALA_NATS_PASS', doc: "With --swarm: the user's password." },
  { key: 'maxPolicyLag', flag: 'max-policy-lag', placeholder: 'UPDATES', spec: MAX_POLICY_LAG, doc: 'With --swarm: unrolls acted more than this many updates ago are dropped and counted, per contributor.' },
  { key: 'maxRejections', flag: 'max-rejections', placeholder: 'N', spec: MAX_REJECTIONS, doc: 'With --swarm: a contributor whose unrolls fail the checks this many times is cut off (its unrolls are ignored).' },
  { key: 'goneAfter', flag: 'gone-after', placeholder: 'SECONDS', spec: GONE_AFTER, doc: 'With --swarm: a contributor not heard from for this long is reported gone.' },
  { key: 'ackWait', flag: 'ack-wait', placeholder: 'SECONDS', spec: ACK_WAIT, doc: "With --swarm: the server delivers an unroll again if the learner has not acknowledged it within this time (a learner that died)." },
  {
    key: 'deterministic', flag: 'deterministic', spec: SWITCH,
    doc: 'Run one in-process actor that alternates with the learner, so that a seed reproduces the run exactly (slower).',
  },
];

const HELP_FLAGS = ['--help', '-h'];
const EXAMPLE = 'npm run train -- --env classic/CartPole-v1 --frames 200000 --actors 2 --seed 1 --out runs/cartpole';
const HELP_HINT = 'Run `npm run train -- --help` to list the options.';

/** Every flag name, config fields first, for suggestions. */
const ALL_FLAGS: readonly string[] = [...CONFIG_FIELDS.map((f) => f.flag), ...TRAINER_FLAGS.map((f) => f.flag), 'help'];

type FlagTarget = { kind: 'config'; key: keyof ExperimentConfig; spec: ValueSpec } | { kind: 'trainer'; key: keyof TrainerOptions; spec: ValueSpec };

function lookupFlag(name: string): FlagTarget | undefined {
  const field = configFieldByFlag(name);
  if (field) return { kind: 'config', key: field.key, spec: field };
  const trainer = TRAINER_FLAGS.find((f) => f.flag === name);
  return trainer && { kind: 'trainer', key: trainer.key, spec: trainer.spec };
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The flag meant by an unknown one: a setting's key or URL key, else the nearest flag by edit distance. */
export function suggestFlag(name: string): string | undefined {
  const byName = configFieldByKey(name) ?? configFieldByUrlKey(name);
  if (byName) return byName.flag;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const flag of ALL_FLAGS) {
    const d = editDistance(name.toLowerCase(), flag);
    if (d < bestDistance) {
      best = flag;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 2)) ? best : undefined;
}

function unknownFlagMessage(arg: string, name: string): string {
  const suggestion = suggestFlag(name);
  return `unknown flag ${arg}${suggestion ? `; did you mean --${suggestion}?` : ''}`;
}

/**
 * Parses `process.argv.slice(2)`. `--help`/`-h` anywhere wins; otherwise
 * every problem is collected into one error message.
 */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const configInput: Partial<Record<keyof ExperimentConfig, ConfigValue>> = {};
  const trainerInput: Partial<Record<keyof TrainerOptions, ConfigValue>> = {};
  const seen = new Set<string>();
  const errors: string[] = [];
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (HELP_FLAGS.includes(arg)) {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      errors.push(`unexpected argument '${arg}'`);
      continue;
    }
    const equals = arg.indexOf('=');
    const dashes = arg.startsWith('--') ? 2 : 1;
    const name = equals === -1 ? arg.slice(dashes) : arg.slice(dashes, equals);
    const target = dashes === 2 ? lookupFlag(name) : undefined;
    if (!target) {
      errors.push(unknownFlagMessage(arg.slice(0, equals === -1 ? arg.length : equals), name));
      // Skip its value too, so that one mistake gives one message.
      if (equals === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
      continue;
    }
    let text: string;
    if (equals !== -1) {
      text = arg.slice(equals + 1);
    } else if (target.spec.kind === 'boolean') {
      text = 'true';
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--') || HELP_FLAGS.includes(next)) {
        errors.push(`--${name} needs a value: ${describeExpected(target.spec)}`);
        continue;
      }
      text = next;
      i++;
    }
    if (seen.has(name)) {
      errors.push(`--${name} is given more than once`);
      continue;
    }
    seen.add(name);
    const parsed = parseValue(target.spec, text, `--${name}`);
    if (!parsed.ok) {
      errors.push(parsed.problem);
    } else if (target.kind === 'config') {
      configInput[target.key] = parsed.value;
    } else if ((target.key === 'out' || target.key === 'resume') && parsed.value === '') {
      errors.push(`--${name} must not be empty`);
    } else {
      trainerInput[target.key] = parsed.value;
    }
  }

  if (help) return { kind: 'help', text: trainHelpText() };
  if (typeof trainerInput.resume === 'string') {
    // A resumed run keeps the settings it was started with: they come from its checkpoint.
    const changed = [...Object.keys(configInput).map((k) => configFieldByKey(k)!.flag), ...(['out', 'preset', 'deterministic'] as const).filter((k) => trainerInput[k] !== undefined)];
    if (changed.length > 0) errors.push(`--resume continues a run with its own settings; it cannot take ${changed.map((f) => `--${f}`).join(', ')}`);
  }
  // Values are checked one by one above; what is left are checks between settings.
  const preset = typeof trainerInput.preset === 'string' ? presetById(trainerInput.preset) : undefined;
  const { config, problems } = validateConfig(preset ? { ...preset.config, ...configInput } : configInput);
  errors.push(...problems);
  if (errors.length > 0) return { kind: 'error', message: [...errors, HELP_HINT].join('\n') };
  // Each value passed its own field's parser above, so it has that setting's type.
  const allRuns = preset?.comparison ? comparisonRuns(preset, configInput as Partial<ExperimentConfig>) : undefined;
  const comparison = typeof trainerInput.only === 'string' ? selectRuns(allRuns, trainerInput.only) : allRuns;
  if (typeof comparison === 'string') return { kind: 'error', message: [comparison, HELP_HINT].join('\n') };

  const { out, logEvery, checkpointEvery, checkpointSeconds, quiet, deterministic, resume } = trainerInput;
  const swarmGiven = (['run', 'user', 'pass', 'maxPolicyLag', 'maxRejections', 'goneAfter', 'ackWait'] as const).filter((k) => trainerInput[k] !== undefined);
  if (typeof trainerInput.swarm !== 'string' && swarmGiven.length > 0) return { kind: 'error', message: [`${swarmGiven.map((k) => `--${TRAINER_FLAGS.find((f) => f.key === k)!.flag}`).join(', ')} need --swarm URL`, HELP_HINT].join('\n') };
  if (typeof trainerInput.swarm === 'string' && deterministic === true) return { kind: 'error', message: ['--swarm and --deterministic exclude each other: swarm actors run concurrently', HELP_HINT].join('\n') };
  const swarm = typeof trainerInput.swarm === 'string'
    ? {
        swarm: trainerInput.swarm,
        run: typeof trainerInput.run === 'string' ? trainerInput.run : SWARM_DEFAULTS.run,
        user: typeof trainerInput.user === 'string' ? trainerInput.user : SWARM_DEFAULTS.user,
        pass: typeof trainerInput.pass === 'string' ? trainerInput.pass : SWARM_DEFAULTS.pass,
        maxPolicyLag: typeof trainerInput.maxPolicyLag === 'number' ? trainerInput.maxPolicyLag : SWARM_DEFAULTS.maxPolicyLag,
        maxRejections: typeof trainerInput.maxRejections === 'number' ? trainerInput.maxRejections : SWARM_DEFAULTS.maxRejections,
        goneAfter: typeof trainerInput.goneAfter === 'number' ? trainerInput.goneAfter : SWARM_DEFAULTS.goneAfter,
        ackWait: typeof trainerInput.ackWait === 'number' ? trainerInput.ackWait : SWARM_DEFAULTS.ackWait,
      }
    : {};
  return {
    kind: 'run',
    config: comparison ? comparison[0]!.config : config,
    ...(comparison ? { comparison } : {}),
    trainer: {
      preset: preset?.id ?? '',
      out: typeof resume === 'string' ? resume : typeof out === 'string' ? out : preset?.comparison ? `runs/${preset.id}-seed${config.seed}` : defaultOut(config),
      logEvery: typeof logEvery === 'number' ? logEvery : LOG_EVERY.default,
      checkpointEvery: typeof checkpointEvery === 'number' ? checkpointEvery : CHECKPOINT_EVERY.default,
      checkpointSeconds: typeof checkpointSeconds === 'number' ? checkpointSeconds : CHECKPOINT_SECONDS.default,
      resume: typeof resume === 'string' ? resume : '',
      quiet: typeof quiet === 'boolean' ? quiet : SWITCH.default,
      deterministic: typeof deterministic === 'boolean' ? deterministic : SWITCH.default,
      ...swarm,
    },
  };
}

/** A comparison run's directory name from its label: 'Suite + PopArt' -> 'suite-popart'. */
export function runDirName(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
}

/**
 * `--only a,b`: the comparison's runs whose directory names are listed, in
 * the preset's order; a message when there is no comparison or a name is
 * not one of its runs.
 */
function selectRuns(runs: { label: string; config: ExperimentConfig }[] | undefined, only: string): { label: string; config: ExperimentConfig }[] | string {
  if (!runs) return `--only picks runs of a comparison preset (${COMPARISON_PRESETS}); give one with --preset`;
  const names = only.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) return '--only needs at least one run name';
  const known = runs.map((run) => runDirName(run.label));
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) return `--only: no run ${unknown.map((name) => `'${name}'`).join(', ')} in this preset; its runs are ${known.join(', ')}`;
  return runs.filter((run) => names.includes(runDirName(run.label)));
}

// ---------------------------------------------------------------------------
// Help

const WIDTH = 100;
const FLAG_COLUMN = 32;

/** Greedy word wrap to `width` columns. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** One option: the flag in a column, its description wrapped beside it. */
function optionLines(usage: string, description: string): string[] {
  const head = `  ${usage}`;
  const body = wrap(description, WIDTH - FLAG_COLUMN);
  const indent = ' '.repeat(FLAG_COLUMN);
  if (head.length >= FLAG_COLUMN - 1) return [head, ...body.map((l) => indent + l)];
  return body.map((l, i) => (i === 0 ? head.padEnd(FLAG_COLUMN) : indent) + l);
}

function placeholderOf(spec: ValueSpec): string {
  switch (spec.kind) {
    case 'int':
      return 'INT';
    case 'number':
      return 'NUMBER';
    case 'enum':
      return spec.choices.join('|').length <= 24 ? spec.choices.join('|') : 'CHOICE';
    case 'boolean':
      return '';
    case 'string':
      return 'TEXT';
    case 'subset':
      return 'A,B,...';
  }
}

function rangeText(spec: ValueSpec): string {
  switch (spec.kind) {
    case 'enum':
      return spec.choices.join('|').length <= 24 ? '' : `Choices: ${spec.choices.join(', ')}.`;
    case 'int':
    case 'number': {
      const expected = describeExpected(spec);
      return `${expected[0]!.toUpperCase()}${expected.slice(1)}.`;
    }
    case 'boolean':
    case 'string':
      return '';
    case 'subset':
      return `Any of: ${spec.choices.join(', ')}.`;
  }
}

/** The `--help` text, generated from `CONFIG_FIELDS` and the trainer's flags. */
export function trainHelpText(): string {
  const out: string[] = [
    'Usage: npm run train -- [--flag value | --flag=value]...',
    '',
    ...wrap('Trains an IMPALA agent (Espeholt et al. 2018) headlessly in Node, with the same settings as the browser lab.', WIDTH),
    '',
    'Example:',
    `  ${EXAMPLE}`,
  ];
  for (const group of CONFIG_GROUPS) {
    out.push('', `${group.title}:`);
    for (const field of CONFIG_FIELDS.filter((f) => f.group === group.id)) {
      const placeholder = placeholderOf(field);
      const usage = placeholder === '' ? `--${field.flag}` : `--${field.flag} ${placeholder}`;
      const description = [field.doc, rangeText(field), `Default: ${formatValue(field.default).replace(/^'(.*)'$/, '$1')}.`]
        .filter((s) => s !== '')
        .join(' ');
      out.push(...optionLines(usage, description));
    }
  }
  out.push('', 'Trainer:');
  for (const flag of TRAINER_FLAGS) {
    const usage = flag.placeholder ? `--${flag.flag} ${flag.placeholder}` : `--${flag.flag}`;
    const shown = flag.shownDefault ?? (flag.spec.kind === 'boolean' ? undefined : formatValue(flag.spec.default));
    out.push(...optionLines(usage, [flag.doc, rangeText(flag.spec), shown === undefined ? '' : `Default: ${shown}.`].filter((s) => s !== '').join(' ')));
  }
  out.push(...optionLines('--help, -h', 'Show this help and exit.'));
  return out.join('\n');
}
