import { describe, expect, it } from 'vitest';
import {
  CONFIG_FIELDS,
  CONFIG_GROUPS,
  DEFAULT_CONFIG,
  configFieldByFlag,
  configFieldByKey,
  configFieldByUrlKey,
  parseConfigStrict,
  parseFieldValue,
  parseValue,
  resolveNetworkKind,
  validateConfig,
  type ConfigField,
  type ValueSpec,
} from '../../src/core/config/experimentConfig';
import { ENV_IDS } from '../../src/core/envs/envInfo';
import { NETWORK_KINDS } from '../../src/core/model/networkKinds';
import { CORRECTIONS } from '../../src/core/agent/corrections';
import { RandomState } from '../../src/core/rng/randomState';
import { validateStoredConfig } from '../../src/core/config/storedConfig';

/** The defaults the brief and the paper call for, written out independently of the schema. */
const EXPECTED_DEFAULTS = {
  env: 'classic/CartPole-v1',
  tasks: 'asterix,breakout,freeway,seaquest,space_invaders',
  network: 'auto',
  core: 'none',
  coreSize: 0,
  corePreviousAction: true,
  corePreviousReward: true,
  popart: true,
  popartBeta: 3e-5,
  stickyActionProb: 0.1,
  actionSet: 'full',
  hideVelocities: false,
  hideTrail: false,
  actors: 2,
  envsPerActor: 4,
  unrollLength: 10,
  batchSize: 4,
  queueCapacity: 8,
  policyLag: 0,
  frames: 100000,
  optimizer: 'rmsprop',
  learningRate: 0.01,
  lrSchedule: 'linear',
  rmspropDecay: 0.99,
  rmspropEpsilon: 0.01,
  maxGradNorm: 40,
  replayShare: 0,
  replayCapacity: 128,
  discount: 0.99,
  baselineCost: 0.5,
  entropyCost: 0.03,
  entropySchedule: 'linear',
  correction: 'vtrace',
  rhoBar: 1,
  pgRhoBar: 1,
  cBar: 1,
  lambda: 1,
  rewardClip: 'none',
  seed: 1,
};

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Values of the right type that a field must still reject, plus values of wrong types. */
function invalidValues(field: ValueSpec): unknown[] {
  const wrongTypes = [null, [], {}, field.kind === 'boolean' ? 'true' : true];
  switch (field.kind) {
    case 'int':
      return [...wrongTypes, field.min - 1, field.max + 1, field.min + 0.5, Number.NaN, Infinity, String(field.default), 'abc'];
    case 'number':
      return [
        ...wrongTypes,
        field.minExclusive ? field.min : field.min - 1e-9,
        field.maxExclusive ? field.max : field.max * 1.5 + 1,
        Number.NaN,
        -Infinity,
        Infinity,
        String(field.default),
        'abc',
      ];
    case 'enum':
      return [...wrongTypes, 'bogus', `${field.default} `, field.default.toUpperCase() === field.default ? 'x' : field.default.toUpperCase(), 3];
    case 'boolean':
      return [...wrongTypes, 0, 1, 'yes'];
    case 'string':
      return [...wrongTypes, 3];
    case 'subset':
      return [...wrongTypes, 3, '', ',', 'bogus', `${field.choices[0]},${field.choices[0]}`, `${field.choices[0]},nope`, field.choices[0]!.toUpperCase()];
  }
}

describe('the schema', () => {
  it('has the documented defaults', () => {
    expect({ ...DEFAULT_CONFIG }).toEqual(EXPECTED_DEFAULTS);
    expect(validateConfig({})).toEqual({ config: EXPECTED_DEFAULTS, problems: [] });
    expect(validateConfig(undefined)).toEqual({ config: EXPECTED_DEFAULTS, problems: [] });
    expect(parseConfigStrict({})).toEqual(EXPECTED_DEFAULTS);
  });

  it('has exactly one field per setting, in group order', () => {
    expect(CONFIG_FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(EXPECTED_DEFAULTS).sort());
    const groupIndex = CONFIG_FIELDS.map((f) => CONFIG_GROUPS.findIndex((g) => g.id === f.group));
    expect(groupIndex.every((g) => g >= 0)).toBe(true);
    expect(groupIndex).toEqual([...groupIndex].sort((a, b) => a - b));
    expect(new Set(CONFIG_FIELDS.map((f) => f.group)).size).toBe(CONFIG_GROUPS.length);
  });

  it('has unique flags and URL keys; flags are the keys in kebab-case; URL keys are URL-safe', () => {
    const flags = CONFIG_FIELDS.map((f) => f.flag);
    const urlKeys = CONFIG_FIELDS.map((f) => f.urlKey);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(urlKeys).size).toBe(urlKeys.length);
    for (const field of CONFIG_FIELDS) {
      expect(field.flag).toBe(kebab(field.key));
      expect(field.urlKey).toMatch(/^[A-Za-z][A-Za-z0-9]{0,7}$/);
    }
    expect(configFieldByUrlKey('T')?.key).toBe('unrollLength');
    expect(configFieldByUrlKey('B')?.key).toBe('batchSize');
    expect(configFieldByUrlKey('lr')?.key).toBe('learningRate');
    expect(configFieldByUrlKey('env')?.key).toBe('env');
  });

  it('documents every field and keeps each default inside its own range', () => {
    for (const field of CONFIG_FIELDS) {
      expect(field.label.length, field.key).toBeGreaterThan(0);
      expect(field.doc.length, field.key).toBeGreaterThan(20);
      expect(parseFieldValue(field, String(field.default)), field.key).toEqual({ ok: true, value: field.default });
      if (field.kind === 'enum') expect(field.choices).toContain(field.default);
    }
    expect(configFieldByKey('rhoBar').doc).toMatch(/rho-bar \(IMPALA section 4\.1\)/);
    expect(configFieldByKey('stickyActionProb').doc).toMatch(/MinAtar only/);
    expect(configFieldByKey('actionSet').doc).toMatch(/MinAtar only/);
  });

  it('offers the registry, network and correction lists as choices', () => {
    const choices = (key: string): readonly string[] => {
      const field = configFieldByKey(key);
      return field?.kind === 'enum' ? field.choices : [];
    };
    expect(choices('env')).toEqual([...ENV_IDS, 'suite/minatar']);
    expect(choices('network')).toEqual(['auto', ...NETWORK_KINDS]);
    expect(choices('correction')).toEqual(CORRECTIONS);
  });

  it('looks fields up by key, flag (with or without dashes) and URL key', () => {
    for (const field of CONFIG_FIELDS) {
      expect(configFieldByKey(field.key)).toBe(field);
      expect(configFieldByFlag(field.flag)).toBe(field);
      expect(configFieldByFlag(`--${field.flag}`)).toBe(field);
      expect(configFieldByUrlKey(field.urlKey)).toBe(field);
    }
    expect(configFieldByKey('toString')).toBeUndefined();
    expect(configFieldByFlag('learningRate')).toBeUndefined();
    expect(configFieldByUrlKey('t')).toBeUndefined();
  });
});

describe('validateConfig', () => {
  it('keeps valid values, including the ends of each range', () => {
    const input = {
      env: 'minatar/breakout',
      network: 'resnet',
      actors: 64,
      learningRate: 1,
      rmspropDecay: 0,
      lambda: 0,
      seed: 4294967295,
      frames: 1e10,
      correction: 'oneStepIS',
      rewardClip: 'unit',
    };
    expect(validateConfig(input)).toEqual({ config: { ...EXPECTED_DEFAULTS, ...input }, problems: [] });
  });

  it('names every invalid value, with the expected range and the default, and uses the default', () => {
    for (const field of CONFIG_FIELDS) {
      for (const value of invalidValues(field)) {
        const { config, problems } = validateConfig({ [field.key]: value });
        expect(problems, `${field.key} = ${String(value)}`).toHaveLength(1);
        expect(problems[0]).toMatch(new RegExp(`^${field.key} must be .*; using the default`));
        expect(config).toEqual(EXPECTED_DEFAULTS);
      }
    }
  });

  it('words problems for students', () => {
    expect(validateConfig({ learningRate: 'abc' }).problems).toEqual([
      "learningRate must be a number in (0, 1], got 'abc'; using the default 0.01",
    ]);
    expect(validateConfig({ actors: 2.5 }).problems).toEqual(['actors must be an integer in [1, 64], got 2.5; using the default 2']);
    expect(validateConfig({ optimizer: 'sgd' }).problems).toEqual([
      "optimizer must be one of 'rmsprop', 'adam', got 'sgd'; using the default 'rmsprop'",
    ]);
    expect(validateConfig({ env: 'minatar/pong' }).problems[0]).toMatch(/env must be one of .*'minatar\/breakout'.*got 'minatar\/pong'/);
  });

  it('keeps the valid values beside invalid ones', () => {
    const { config, problems } = validateConfig({ actors: 4, seed: -1, discount: 0.9 });
    expect(problems).toHaveLength(1);
    expect(config).toEqual({ ...EXPECTED_DEFAULTS, actors: 4, discount: 0.9 });
  });

  it('names and ignores unknown keys, and treats undefined values as absent', () => {
    const { config, problems } = validateConfig({ lr: 0.1, actorz: 3, seed: 5, frames: undefined });
    expect(config).toEqual({ ...EXPECTED_DEFAULTS, seed: 5 });
    expect(problems).toEqual(["unknown setting 'lr' ignored", "unknown setting 'actorz' ignored"]);
  });

  it('names at most ten unknown keys and counts the rest', () => {
    const input = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const { config, problems } = validateConfig(input);
    expect(config).toEqual(EXPECTED_DEFAULTS);
    expect(problems).toHaveLength(11);
    expect(problems[10]).toBe('4990 more unknown settings ignored');
  });

  it('falls back to the defaults for input that is not an object', () => {
    for (const input of [null, 'env=x', 42, true, [1, 2], [], () => 1, Symbol('s'), 10n]) {
      const { config, problems } = validateConfig(input);
      expect(config).toEqual(EXPECTED_DEFAULTS);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^the configuration must be an object/);
    }
  });

  it('survives objects that throw when read', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('no keys for you'); } });
    const getter = Object.defineProperty({}, 'seed', { enumerable: true, get: () => { throw new Error('boom'); } });
    for (const input of [hostile, getter]) {
      const { config, problems } = validateConfig(input);
      expect(config).toEqual(EXPECTED_DEFAULTS);
      expect(problems.at(-1)).toMatch(/could not read the configuration/);
    }
  });

  it('does not let the caller change DEFAULT_CONFIG through a result', () => {
    validateConfig({}).config.seed = 99;
    expect(DEFAULT_CONFIG.seed).toBe(1);
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
  });

  describe('cross-field checks', () => {
    it('raises a queue capacity set below B, with a problem', () => {
      const { config, problems } = validateConfig({ batchSize: 16, queueCapacity: 8 });
      expect(config.queueCapacity).toBe(16);
      expect(problems).toEqual([expect.stringMatching(/batchSize \(16\) must not exceed queueCapacity \(8\).*raising queueCapacity to 16/)]);
    });

    it('raises the default queue capacity to B silently', () => {
      expect(validateConfig({ batchSize: 32 })).toEqual({ config: { ...EXPECTED_DEFAULTS, batchSize: 32, queueCapacity: 32 }, problems: [] });
      expect(validateConfig({ batchSize: 8, queueCapacity: 8 }).problems).toEqual([]);
    });

    it('replaces a network that cannot read the observations by auto', () => {
      const classic = validateConfig({ env: 'classic/Acrobot-v1', network: 'resnet' });
      expect(classic.config.network).toBe('auto');
      expect(classic.problems).toEqual([expect.stringMatching(/network 'resnet' .*classic\/Acrobot-v1.*using 'auto'/)]);
      const minatar = validateConfig({ env: 'minatar/seaquest', network: 'mlp' });
      expect(minatar.config.network).toBe('auto');
      expect(minatar.problems).toHaveLength(1);
      expect(validateConfig({ env: 'minatar/seaquest', network: 'minatar' }).problems).toEqual([]);
      expect(validateConfig({ network: 'mlp' }).problems).toEqual([]);
    });

    it('accepts MinAtar-only, RMSProp-only and V-trace-only settings where they do not apply', () => {
      const input = { env: 'classic/CartPole-v1', stickyActionProb: 0.5, actionSet: 'minimal', optimizer: 'adam', rmspropDecay: 0.5, correction: 'none', rhoBar: 3 };
      expect(validateConfig(input)).toEqual({ config: { ...EXPECTED_DEFAULTS, ...input }, problems: [] });
    });
  });

  it('never throws and always returns a strictly valid config, for 2000 random inputs', () => {
    const random = new RandomState(20180209);
    const pick = <T>(items: readonly T[]): T => items[random.randint(items.length)]!;
    const keys = [...CONFIG_FIELDS.map((f) => f.key), 'unknownKey', '__proto__', 'constructor', 'toString', ''];
    const randomScalar = (): unknown =>
      pick<() => unknown>([
        () => random.uniform(-2, 2),
        () => random.randint(-1000, 100000),
        () => Math.exp(random.uniform(-30, 30)),
        () => -0,
        () => Number.NaN,
        () => Infinity,
        () => pick(ENV_IDS),
        () => pick(['rmsprop', 'adam', 'auto', 'mlp', 'resnet', 'minatar', 'vtrace', 'none', 'unit', 'full', 'minimal', 'linear', 'constant', '']),
        () => String(random.rand()),
        () => random.rand() < 0.5,
        () => null,
        () => undefined,
        () => [random.rand()],
        () => ({ nested: random.rand() }),
      ])();
    let withProblems = 0;
    let withChanges = 0;
    const randomValidValue = (field: ValueSpec): unknown => {
      switch (field.kind) {
        case 'int':
          return Math.min(field.max, field.min + random.randint(1000));
        case 'number':
          return field.min + (field.max - field.min) * (1 - random.rand()) * (field.maxExclusive ? 0.999 : 1);
        case 'enum':
          return pick(field.choices);
        case 'boolean':
          return random.rand() < 0.5;
        case 'string':
          return String(random.rand());
      }
    };
    for (let trial = 0; trial < 2000; trial++) {
      let input: unknown;
      const shape = random.randint(10);
      if (shape === 0) {
        input = randomScalar();
      } else if (shape === 1) {
        input = Array.from({ length: random.randint(4) }, randomScalar);
      } else {
        const object: Record<string, unknown> = {};
        const size = random.randint(12);
        for (let i = 0; i < size; i++) {
          const key = pick(keys);
          const field = configFieldByKey(key);
          object[key] = field && random.rand() < 0.4 ? randomValidValue(field) : randomScalar();
        }
        input = object;
      }
      const result = validateConfig(input);
      expect(() => parseConfigStrict(result.config)).not.toThrow();
      expect(validateConfig(result.config)).toEqual({ config: result.config, problems: [] });
      if (result.problems.length > 0) withProblems++;
      if (Object.entries(result.config).some(([k, v]) => v !== DEFAULT_CONFIG[k as keyof typeof DEFAULT_CONFIG])) withChanges++;
    }
    // The inputs reach both paths: values kept and values rejected.
    expect(withProblems).toBeGreaterThan(500);
    expect(withChanges).toBeGreaterThan(500);
  });
});

describe('parseConfigStrict', () => {
  it('throws one error that lists every problem', () => {
    let message = '';
    try {
      parseConfigStrict({ actors: 0, lr: 1, optimizer: 'sgd' });
    } catch (error) {
      message = error instanceof Error ? error.message : '';
    }
    expect(message).toMatch(/^Invalid experiment configuration:/);
    expect(message).toMatch(/actors must be an integer in \[1, 64\], got 0/);
    expect(message).toMatch(/optimizer must be one of 'rmsprop', 'adam', got 'sgd'/);
    expect(message).toMatch(/unknown setting 'lr' ignored/);
  });
});

describe('parseFieldValue', () => {
  const field = (key: string): ConfigField => {
    const found = configFieldByKey(key);
    if (!found) throw new Error(`no field ${key}`);
    return found;
  };

  it('parses integers, taking exponents that give integers', () => {
    expect(parseFieldValue(field('frames'), '1e3')).toEqual({ ok: true, value: 1000 });
    expect(parseFieldValue(field('frames'), '200000')).toEqual({ ok: true, value: 200000 });
    expect(parseFieldValue(field('policyLag'), '-0')).toEqual({ ok: true, value: 0 });
    expect(Object.is((parseFieldValue(field('policyLag'), '-0') as { value: number }).value, 0)).toBe(true);
    for (const text of ['1.5', '1e-1', '', ' 2', '0x10', 'NaN', 'Infinity', '2a', '65', '0']) {
      const result = parseFieldValue(field('actors'), text);
      expect(result, text).toEqual({ ok: false, problem: `actors must be an integer in [1, 64], got '${text}'` });
    }
  });

  it('parses numbers, rejecting NaN, Infinity, blanks and out-of-range values', () => {
    expect(parseFieldValue(field('learningRate'), '6e-4')).toEqual({ ok: true, value: 6e-4 });
    expect(parseFieldValue(field('learningRate'), '.001')).toEqual({ ok: true, value: 0.001 });
    expect(parseFieldValue(field('learningRate'), '1')).toEqual({ ok: true, value: 1 });
    for (const text of ['NaN', 'Infinity', '-Infinity', '', ' ', '0', '1.5', '1e999', 'abc', '1,5']) {
      const result = parseFieldValue(field('learningRate'), text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.problem).toBe(`learningRate must be a number in (0, 1], got '${text}'`);
    }
    expect(parseFieldValue(field('rmspropDecay'), '1').ok).toBe(false);
    expect(parseFieldValue(field('rmspropDecay'), '0').ok).toBe(true);
  });

  it('parses enums exactly, listing the choices otherwise', () => {
    expect(parseFieldValue(field('env'), 'minatar/breakout')).toEqual({ ok: true, value: 'minatar/breakout' });
    expect(parseFieldValue(field('optimizer'), 'Adam')).toEqual({ ok: false, problem: "optimizer must be one of 'rmsprop', 'adam', got 'Adam'" });
    const env = parseFieldValue(field('env'), 'breakout');
    expect(env.ok).toBe(false);
    if (!env.ok) for (const id of ENV_IDS) expect(env.problem).toContain(`'${id}'`);
  });

  it('parses booleans from true/false/1/0 (the trainer\'s switches use the same parser)', () => {
    const spec = { kind: 'boolean', default: false } as const;
    expect(parseValue(spec, 'true', '--quiet')).toEqual({ ok: true, value: true });
    expect(parseValue(spec, '1', '--quiet')).toEqual({ ok: true, value: true });
    expect(parseValue(spec, 'false', '--quiet')).toEqual({ ok: true, value: false });
    expect(parseValue(spec, '0', '--quiet')).toEqual({ ok: true, value: false });
    expect(parseValue(spec, 'yes', '--quiet')).toEqual({ ok: false, problem: "--quiet must be true or false (or 1 or 0), got 'yes'" });
  });

  it('names the value by the caller\'s name (a flag or URL key) when given', () => {
    expect(parseFieldValue(field('batchSize'), 'x', 'B')).toEqual({ ok: false, problem: "B must be an integer in [1, 256], got 'x'" });
  });
});

describe('resolveNetworkKind', () => {
  it('picks mlp for vectors and minatar for images under auto, and keeps an explicit choice', () => {
    expect(resolveNetworkKind({ network: 'auto' }, [4])).toBe('mlp');
    expect(resolveNetworkKind({ network: 'auto' }, [10, 10, 4])).toBe('minatar');
    expect(resolveNetworkKind({ network: 'resnet' }, [10, 10, 4])).toBe('resnet');
    expect(() => resolveNetworkKind({ network: 'auto' }, [2, 2])).toThrow(/shape \[2, 2\]/);
  });
});

describe('validateStoredConfig', () => {
  it('gives a stored config that predates a setting the behaviour of its time, not today\'s default', () => {
    const { entropySchedule: _added, ...old } = { ...DEFAULT_CONFIG, entropyCost: 0.01 };
    expect(validateStoredConfig(old)).toEqual({ config: { ...DEFAULT_CONFIG, entropyCost: 0.01, entropySchedule: 'constant' }, problems: [] });
    expect(validateStoredConfig({ ...old, entropySchedule: 'linear' }).config.entropySchedule).toBe('linear');
    expect(validateStoredConfig(null).config).toEqual(DEFAULT_CONFIG);
  });
});
