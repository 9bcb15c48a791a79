import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { envInfo } from '../../src/core/envs/envInfo';
import { networkFits } from '../../src/core/model/networkKinds';
import { OBSERVATION_OPTIONS, observationOptionProblem } from '../../src/core/config/observationOptions';
import {
  CONFIG_FIELDS,
  DEFAULT_CONFIG,
  parseConfigStrict,
  type ConfigField,
  type ConfigValue,
  type ExperimentConfig,
} from '../../src/core/config/experimentConfig';
import {
  FORMAT_DEFAULTS,
  HIDEABLE_CONTROLS,
  HIDEABLE_UI_CONTROLS,
  MAX_SHARE_HASH_LENGTH,
  OPENABLE_PANELS,
  decodeShareHash,
  encodeShareHash,
  type HideableControl,
} from '../../src/core/config/shareLink';
import { RandomState } from '../../src/core/rng/randomState';

const configUrlKey = (key: keyof ExperimentConfig): string => CONFIG_FIELDS.find((f) => f.key === key)!.urlKey;

const pick = <T>(rng: RandomState, items: readonly T[]): T => items[rng.randint(items.length)]!;

/** A random valid value of one field, favouring edges and awkward floats (exclusive bounds, 1e-7, 1 - 2^-53). */
function randomValue(rng: RandomState, field: ConfigField): ConfigValue {
  switch (field.kind) {
    case 'int': {
      const span = field.max - field.min + 1;
      const r = rng.rand();
      if (r < 0.1) return field.min;
      if (r < 0.2) return field.max;
      if (r < 0.5) return Math.min(field.max, field.min + Math.floor(Math.exp(rng.rand() * Math.log(span))) - 1);
      return field.min + Math.floor(rng.rand() * span);
    }
    case 'number': {
      const { min, max } = field;
      const candidates = [
        min + (max - min) * rng.rand(),
        Number((min + (max - min) * rng.rand()).toPrecision(1 + rng.randint(4))),
        min + (max - min) * Math.exp(-40 * rng.rand()),
        field.minExclusive ? Number.MIN_VALUE : min,
        field.maxExclusive ? max - max * Number.EPSILON : max,
        field.default,
        1e-7,
      ].filter((x) => (field.minExclusive ? x > min : x >= min) && (field.maxExclusive ? x < max : x <= max));
      return pick(rng, candidates);
    }
    case 'enum':
      return pick(rng, field.choices);
    case 'string':
      return Array.from({ length: rng.randint(12) }, () => pick(rng, [...'aZ09/,:.-_~ %&=#?+é€😀'])).join('');
    case 'boolean':
      return rng.rand() < 0.5;
    case 'subset': {
      // A non-empty subset, stored in the choices' order.
      const chosen = field.choices.filter(() => rng.rand() < 0.5);
      return (chosen.length > 0 ? chosen : [pick(rng, field.choices)]).join(',');
    }
  }
}

/** A random configuration that `parseConfigStrict` accepts unchanged. */
function randomConfig(rng: RandomState): ExperimentConfig {
  const config = { ...DEFAULT_CONFIG } as Record<string, ConfigValue>;
  for (const field of CONFIG_FIELDS) {
    if (rng.rand() < 0.6) config[field.key] = randomValue(rng, field);
  }
  const c = config as unknown as ExperimentConfig;
  if (c.batchSize > c.queueCapacity) c.queueCapacity = c.batchSize;
  if (c.network !== 'auto' && !networkFits(c.network, envInfo(c.env)!)) c.network = 'auto';
  for (const key of OBSERVATION_OPTIONS) if (c[key] && observationOptionProblem(c, key) !== undefined) c[key] = false;
  if (!isStrictlyValid(c)) throw new Error(`randomConfig: made an invalid configuration ${JSON.stringify(c)}`);
  return c;
}

/** Whether `parseConfigStrict` accepts `config` unchanged. */
function isStrictlyValid(config: ExperimentConfig): boolean {
  try {
    return isDeepStrictEqual(parseConfigStrict(config), config);
  } catch {
    return false;
  }
}

/** Random controls, in random order with repeats. */
function randomHidden(rng: RandomState): HideableControl[] {
  if (rng.rand() < 0.3) return [];
  return Array.from({ length: rng.randint(1, 12) }, () => pick(rng, HIDEABLE_CONTROLS));
}

/** The order `decodeShareHash` returns hidden controls in. */
const canonicalHidden = (hidden: readonly HideableControl[]): HideableControl[] => HIDEABLE_CONTROLS.filter((c) => hidden.includes(c));

const changedKeys = (config: ExperimentConfig) => CONFIG_FIELDS.filter((f) => config[f.key] !== f.default).map((f) => f.key);

describe('encodeShareHash / decodeShareHash round trip', () => {
  it('gives back 500 random valid configurations and hidden sets exactly, without problems', () => {
    const rng = new RandomState(20180205);
    for (let i = 0; i < 500; i++) {
      const config = randomConfig(rng);
      const hidden = randomHidden(rng);
      const hash = encodeShareHash(config, hidden);
      const decoded = decodeShareHash(hash);
      expect(decoded.problems, hash).toEqual([]);
      expect(decoded.config, hash).toEqual(config);
      expect(Object.is(decoded.config.learningRate, config.learningRate)).toBe(true);
      expect(decoded.hidden, hash).toEqual(canonicalHidden(hidden));
      expect(decoded.changed, hash).toEqual(changedKeys(config));
      // Canonical: encoding the decoding gives the same hash.
      expect(encodeShareHash(decoded.config, decoded.hidden)).toBe(hash);
    }
  });
});

describe('encodeShareHash', () => {
  it('writes nothing for the defaults', () => {
    expect(encodeShareHash(DEFAULT_CONFIG)).toBe('');
    expect(encodeShareHash(DEFAULT_CONFIG, [])).toBe('');
    expect(decodeShareHash('')).toEqual({ config: DEFAULT_CONFIG, hidden: [], open: [], problems: [], changed: [] });
  });

  it('writes only what differs, in schema order, short and readable', () => {
    expect(encodeShareHash({ ...DEFAULT_CONFIG, learningRate: 0.008 })).toBe('#v=3&lr=0.008');
    expect(encodeShareHash({ ...DEFAULT_CONFIG, unrollLength: 20, learningRate: 0.008, env: 'minatar/breakout' })).toBe(
      '#v=3&env=minatar/breakout&T=20&lr=0.008',
    );
    expect(encodeShareHash({ ...DEFAULT_CONFIG, rmspropEpsilon: 1e-7, frames: 1e10, seed: 0xffffffff })).toBe(
      '#v=3&eps=1e-7&frames=1e10&seed=4294967295',
    );
    expect(decodeShareHash('#eps=1e-7&frames=1e10').config).toMatchObject({ rmspropEpsilon: 1e-7, frames: 1e10 });
  });

  it('writes _hide sorted and without repeats, whatever the order given', () => {
    const expected = '#v=3&_hide=B,chart.fps,lr,reset';
    expect(encodeShareHash(DEFAULT_CONFIG, ['reset', 'learningRate', 'chart.fps', 'reset', 'batchSize'])).toBe(expected);
    expect(encodeShareHash(DEFAULT_CONFIG, ['batchSize', 'chart.fps', 'learningRate', 'reset'])).toBe(expected);
    expect(encodeShareHash({ ...DEFAULT_CONFIG, actors: 8 }, ['settings'])).toBe('#v=3&actors=8&_hide=settings');
    expect(decodeShareHash(expected).hidden).toEqual(['batchSize', 'learningRate', 'reset', 'chart.fps']);
  });

  it('writes _open after _hide, each panel once, and reads it back (a lesson link that opens the V-trace inspector)', () => {
    expect(encodeShareHash(DEFAULT_CONFIG, [], ['inspector', 'inspector'])).toBe('#v=3&_open=inspector');
    const hash = encodeShareHash({ ...DEFAULT_CONFIG, rhoBar: 0.5 }, ['reset'], ['inspector']);
    expect(hash).toBe('#v=3&rhoBar=0.5&_hide=reset&_open=inspector'.replace('rhoBar', configUrlKey('rhoBar')));
    expect(decodeShareHash(hash)).toMatchObject({ config: { rhoBar: 0.5 }, hidden: ['reset'], open: [...OPENABLE_PANELS], problems: [] });
    expect(decodeShareHash('#_open=nope,,inspector&_open=inspector').open).toEqual(['inspector']);
    expect(decodeShareHash('#_open=%69nspector').open).toEqual(['inspector']);
    expect(decodeShareHash('#_open&_open=&_open=%E0').open).toEqual([]);
    expect(decodeShareHash('#_open=%E0').problems).toEqual([]);
  });

  it('hides every UI control by its own id', () => {
    const hash = encodeShareHash(DEFAULT_CONFIG, HIDEABLE_UI_CONTROLS);
    expect(hash).toBe(`#v=3&_hide=${[...HIDEABLE_UI_CONTROLS].sort().join(',')}`);
    expect(decodeShareHash(hash).hidden).toEqual([...HIDEABLE_UI_CONTROLS]);
  });
});

describe('link formats', () => {
  it('reads a link without v= (format 1) with the defaults of its time, and names them as the link\'s settings', () => {
    const old = FORMAT_DEFAULTS[1]!;
    const { config, problems, changed } = decodeShareHash('#lr=0.5&_hide=reset');
    expect(problems).toEqual([]);
    expect(config).toEqual({ ...DEFAULT_CONFIG, ...old, learningRate: 0.5 });
    const differing = CONFIG_FIELDS.filter((f) => f.key in old && old[f.key] !== f.default).map((f) => f.key);
    expect(changed).toEqual(CONFIG_FIELDS.filter((f) => f.key === 'learningRate' || differing.includes(f.key)).map((f) => f.key));
    // A bad value falls back to the default of the link's format, and the message says which.
    const bad = decodeShareHash('#B=0');
    expect(bad.config.batchSize).toBe(old.batchSize ?? DEFAULT_CONFIG.batchSize);
    expect(bad.problems).toEqual([`Link: Batch size B '0' is not an integer in [1, 256]; using ${old.batchSize ?? DEFAULT_CONFIG.batchSize}.`]);
    // Format 2 means the defaults before PopArt's step size fell to 3e-5: its links meant 3e-4.
    const format2 = decodeShareHash('#v=2&lr=0.5');
    expect(format2.problems).toEqual([]);
    expect(format2.config).toEqual({ ...DEFAULT_CONFIG, learningRate: 0.5, popartBeta: 3e-4 });
    expect(format2.changed).toEqual(CONFIG_FIELDS.filter((f) => ['learningRate', 'popartBeta'].includes(f.key)).map((f) => f.key));
    // Format 3 means today's defaults.
    expect(decodeShareHash('#v=3&lr=0.5').config).toEqual({ ...DEFAULT_CONFIG, learningRate: 0.5 });
    // No link at all is today's defaults.
    expect(decodeShareHash('#').config).toEqual(DEFAULT_CONFIG);
  });

  it('reads a link of an unknown format as today\'s, and says so', () => {
    const newer = decodeShareHash('#v=99&lr=0.5');
    expect(newer.config).toEqual({ ...DEFAULT_CONFIG, learningRate: 0.5 });
    expect(newer.problems).toEqual(['Link: made by a newer version of the lab (link format 99); it is read as format 3, so settings it leaves out may differ.']);
    expect(decodeShareHash('#v=abc').problems).toEqual(["Link: the link format 'abc' is not one this lab knows; it is read as format 3."]);
  });
});

describe('decodeShareHash', () => {
  it("reads the hash with or without '#', after '?', or from a whole URL", () => {
    for (const hash of ['#v=3&lr=0.5&T=20', 'v=3&lr=0.5&T=20', '?v=3&lr=0.5&T=20', 'https://lab.example/?x=1#v=3&lr=0.5&T=20', '  #v=3&lr=0.5&T=20\n']) {
      const { config, problems, changed } = decodeShareHash(hash);
      expect(problems, hash).toEqual([]);
      expect(config).toEqual({ ...DEFAULT_CONFIG, learningRate: 0.5, unrollLength: 20 });
      expect(changed).toEqual(['unrollLength', 'learningRate']);
    }
  });

  it('undoes percent-encoding in keys and values', () => {
    const { config, problems } = decodeShareHash('#v=3&env=minatar%2Fspace_invaders&l%72=0.5&_hide=chart%2Efps%2Creset');
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ env: 'minatar/space_invaders', learningRate: 0.5 });
    expect(decodeShareHash('#v=3&_hide=chart%2Efps%2Creset').hidden).toEqual(['reset', 'chart.fps']);
  });

  it('names each invalid value and uses its default, keeping the valid ones', () => {
    const { config, problems, changed } = decodeShareHash('#v=3&env=nope&actors=1.5&T=20&lr=abc&opt=sgd&B=0&gamma=0.9');
    expect(config).toEqual({ ...DEFAULT_CONFIG, unrollLength: 20, discount: 0.9 });
    expect(changed).toEqual(['unrollLength', 'discount']);
    expect(problems).toEqual([
      "Link: Environment 'nope' is not one of the 9 choices; using 'classic/CartPole-v1'.",
      "Link: Actors '1.5' is not an integer in [1, 64]; using 2.",
      "Link: Batch size B '0' is not an integer in [1, 256]; using 4.",
      "Link: Optimiser 'sgd' is not one of 'rmsprop', 'adam'; using 'rmsprop'.",
      "Link: Learning rate 'abc' is not a number in (0, 1]; using 0.01.",
    ]);
  });

  it('names missing values, bad percent-encoding and repeated keys', () => {
    const { config, problems, changed } = decodeShareHash('#v=3&lr&T=&gamma=%E0%A4%A&seed=3&seed=4&ent=0.1');
    expect(config).toEqual({ ...DEFAULT_CONFIG, seed: 4, entropyCost: 0.1 });
    expect(changed).toEqual(['entropyCost', 'seed']);
    expect(problems).toEqual([
      'Link: Unroll length T has no value; using 10.',
      'Link: Learning rate has no value; using 0.01.',
      "Link: Discount gamma '%E0%A4%A' is not valid percent-encoding; using 0.99.",
      'Link: Seed is given 2 times; the last one counts.',
    ]);
  });

  it('ignores unknown keys, empty parts and unknown hide ids without problems', () => {
    const { config, hidden, problems } = decodeShareHash('#v=3&foo=bar&&lr=0.5&=x&zz&%E0=1&learningRate=0.2&_hide=nope,,reset,lr,LR&_hide=seed');
    expect(problems).toEqual([]);
    expect(config).toEqual({ ...DEFAULT_CONFIG, learningRate: 0.5 });
    expect(hidden).toEqual(['learningRate', 'seed', 'reset']);
  });

  it('accepts config keys as well as URL keys in _hide', () => {
    expect(decodeShareHash('#v=3&_hide=learningRate,T').hidden).toEqual(['unrollLength', 'learningRate']);
  });

  it('reports and fixes conflicts between settings', () => {
    const queue = decodeShareHash('#v=3&queue=2&B=8');
    expect(queue.config).toMatchObject({ queueCapacity: 8, batchSize: 8 });
    expect(queue.changed).toEqual(['batchSize']);
    expect(queue.problems).toHaveLength(1);
    expect(queue.problems[0]).toMatch(/^Link: batchSize \(8\) must not exceed queueCapacity \(2\).*raising queueCapacity to 8\.$/);

    // A large batch alone raises the default capacity silently, as validateConfig does.
    expect(decodeShareHash('#v=3&B=8')).toMatchObject({ config: { queueCapacity: 8, batchSize: 8 }, problems: [] });

    const network = decodeShareHash('#v=3&env=classic/Acrobot-v1&net=minatar');
    expect(network.config).toMatchObject({ env: 'classic/Acrobot-v1', network: 'auto' });
    expect(network.changed).toEqual(['env']);
    expect(network.problems).toHaveLength(1);
  });

  it(`reads only the first ${MAX_SHARE_HASH_LENGTH} characters of a huge hash, whole parameters only`, () => {
    const huge = `#v=3&lr=0.5&${'x=1&'.repeat(3000)}T=20`;
    const { config, problems } = decodeShareHash(huge);
    expect(config).toEqual({ ...DEFAULT_CONFIG, learningRate: 0.5 });
    expect(problems).toEqual([`Link: longer than ${MAX_SHARE_HASH_LENGTH} characters; only the first ${MAX_SHARE_HASH_LENGTH} were read.`]);

    // A parameter cut by the limit is dropped, not read as a shorter value.
    const cut = `#v=3&${'x=1&'.repeat((MAX_SHARE_HASH_LENGTH - 8) / 4)}seed=123456789`;
    expect(decodeShareHash(cut).config.seed).toBe(DEFAULT_CONFIG.seed);
    expect(decodeShareHash(`#v=3&lr=${'1'.repeat(1_000_000)}`).config).toEqual(DEFAULT_CONFIG);
  });
});

describe('decodeShareHash fuzz', () => {
  const ALPHABET = [...'#?&=%,./:-_ +abcdefxyzABCDEF0123456789eE', 'lr', 'T', 'B', 'env', '_hide', '%E0%A4%A', '%00', '%25', '%F0%9F%98%80'];

  function randomText(rng: RandomState): string {
    const parts: string[] = [];
    const n = rng.randint(60);
    for (let i = 0; i < n; i++) {
      const r = rng.rand();
      if (r < 0.4) parts.push(pick(rng, ALPHABET));
      else if (r < 0.6) parts.push(String.fromCharCode(rng.randint(0x10000))); // lone surrogates included
      else if (r < 0.8) parts.push(String.fromCharCode(rng.randint(128)));
      else parts.push(`%${rng.randint(256).toString(16).slice(0, 1 + rng.randint(2))}`); // whole and cut escapes
    }
    return parts.join('');
  }

  function mutate(rng: RandomState, text: string): string {
    let s = text;
    const edits = 1 + rng.randint(5);
    for (let e = 0; e < edits; e++) {
      const at = rng.randint(s.length + 1);
      switch (rng.randint(5)) {
        case 0:
          s = s.slice(0, at) + s.slice(at + 1);
          break;
        case 1:
          s = s.slice(0, at) + s.slice(at, at + 1 + rng.randint(8)).repeat(2) + s.slice(at + 1 + rng.randint(8));
          break;
        case 2:
          if (at + 1 < s.length) s = s.slice(0, at) + s.charAt(at + 1) + s.charAt(at) + s.slice(at + 2);
          break;
        case 3:
          s = s.slice(0, at);
          break;
        default:
          s = s.slice(0, at) + pick(rng, ALPHABET) + s.slice(at);
      }
    }
    return s;
  }

  it('never throws on 12,000 random and mutated links, and always returns a valid configuration', () => {
    const rng = new RandomState(7);
    const keys = new Set<string>(CONFIG_FIELDS.map((f) => f.key));
    const failures: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      let hash: string;
      const kind = i % 4;
      if (kind === 0) hash = randomText(rng);
      else if (kind === 3 && i % 400 === 3) hash = `#${randomText(rng).repeat(400)}`; // over the length limit
      else hash = mutate(rng, encodeShareHash(randomConfig(rng), randomHidden(rng)));

      const decoded = decodeShareHash(hash);
      const again = decodeShareHash(encodeShareHash(decoded.config, decoded.hidden));
      const broken = [
        !isStrictlyValid(decoded.config) && 'config',
        !(Array.isArray(decoded.problems) && decoded.problems.every((p) => typeof p === 'string')) && 'problems',
        !isDeepStrictEqual(decoded.hidden, canonicalHidden(decoded.hidden)) && 'hidden',
        !decoded.changed.every((key) => keys.has(key)) && 'changed',
        // What was decoded survives a second trip unchanged and clean.
        !(isDeepStrictEqual(again.config, decoded.config) && isDeepStrictEqual(again.hidden, decoded.hidden) && again.problems.length === 0) &&
          'second trip',
      ].filter(Boolean);
      if (broken.length > 0) failures.push(`${JSON.stringify(hash)}: ${broken.join(', ')}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
