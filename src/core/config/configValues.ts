import type { ConfigField, ConfigValue, ValueSpec } from './experimentConfig';

/**
 * Setting values as text and back: formatting a value, naming what a spec
 * expects, checking a typed value (`validateConfig`'s lenient path) and
 * parsing the text of one value strictly (a CLI argument, a URL parameter).
 */

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

export function truncate(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}

/** Any value, briefly and safely (no JSON of huge or cyclic objects). */
export function describeValue(value: unknown): string {
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

export type Checked = { ok: true; value: ConfigValue } | { ok: false };

/** Checks an already-typed value against a spec; -0 becomes 0. */
export function checkValue(spec: ValueSpec, value: unknown): Checked {
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
