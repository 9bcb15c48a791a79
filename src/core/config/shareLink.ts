import {
  CONFIG_FIELDS,
  configFieldByKey,
  configFieldByUrlKey,
  describeExpected,
  formatNumber,
  formatValue,
  parseFieldValue,
  validateConfig,
  type ConfigField,
  type ConfigKey,
  type ConfigValue,
  type ExperimentConfig,
} from './experimentConfig';
import { HESSEL_POPART_BETA } from '../agent/popart';

/**
 * Share links: an experiment written into the URL hash, e.g.
 * `#env=minatar/breakout&lr=0.008&T=20&_hide=lr,reset`.
 *
 * - Only settings that differ from `DEFAULT_CONFIG` are written, in
 *   `CONFIG_FIELDS` order, under their short `urlKey`s, after `v=` and the
 *   link format (`SHARE_LINK_FORMAT`). A setting a link leaves out means
 *   the default of the format it was written in (`FORMAT_DEFAULTS`), so a
 *   link keeps its meaning when a later version of the lab changes a default.
 * - `_hide` lists controls a teacher hides in a "lesson link" (TensorFlow
 *   Playground's idea): settings by `urlKey`, UI controls by id, sorted.
 * - `_open` lists panels the page opens as it loads (`_open=inspector`: the
 *   V-trace inspector), so a lesson link leads straight to one.
 * - Decoding is lenient and never throws: unknown keys and hide ids are
 *   ignored; every invalid value is named in a problem and replaced by its
 *   default; cross-field conflicts are fixed as `validateConfig` does.
 *
 * DOM-free: callers pass `location.hash` in and write the result back.
 */

/** UI controls a lesson link may hide, besides each setting (named by its config key). */
export const HIDEABLE_UI_CONTROLS = [
  'presets',
  /** The whole settings panel. */
  'settings',
  /** The advanced settings. */
  'advanced',
  'train',
  'pause',
  'step',
  'reset',
  'share',
  /** Model download and load. */
  'model',
  'backend',
  /** Every chart. */
  'charts',
  'chart.return',
  'chart.fps',
  'chart.lag',
  'chart.loss',
  'chart.entropy',
  'chart.clippedRho',
  'replay',
] as const;

export type HideableUiControl = (typeof HIDEABLE_UI_CONTROLS)[number];
/** A setting (its `ExperimentConfig` key) or a UI control. */
export type HideableControl = ConfigKey | HideableUiControl;

/** Every hideable control: the settings in `CONFIG_FIELDS` order, then the UI controls. `decodeShareHash` returns hidden ones in this order. */
export const HIDEABLE_CONTROLS: readonly HideableControl[] = [...CONFIG_FIELDS.map((f) => f.key), ...HIDEABLE_UI_CONTROLS];

/**
 * The link format written. Format 1 (links without `v=`) left out the
 * defaults of the first version of the lab, format 2 those after CartPole's
 * first tuning, format 3 those of today's `DEFAULT_CONFIG`. Raise it, and
 * record the old defaults in `FORMAT_DEFAULTS`, whenever a default changes.
 */
export const SHARE_LINK_FORMAT = 3;

/** The hash parameter of the link format; no `urlKey` is 'v'. */
export const FORMAT_PARAM = 'v';

/**
 * The defaults of each earlier format that differ from today's: what a
 * setting left out of such a link means. Format 1: before the learning
 * work of issue 12 tuned CartPole (frames 200,000, a constant entropy cost
 * of 0.01, no PopArt, B = 2 and a queue of 4; PopArt's step size 3e-4).
 * Format 2: before PopArt's step size fell to 3e-5.
 */
export const FORMAT_DEFAULTS: Readonly<Record<number, Partial<ExperimentConfig>>> = {
  1: { frames: 200_000, entropyCost: 0.01, entropySchedule: 'constant', popart: false, popartBeta: HESSEL_POPART_BETA, batchSize: 2, queueCapacity: 4 },
  2: { popartBeta: HESSEL_POPART_BETA },
};

/** The hash parameter that lists hidden controls; no `urlKey` starts with '_'. */
export const HIDE_PARAM = '_hide';

/** Panels a link may open as the page loads. */
export const OPENABLE_PANELS = [
  /** The V-trace inspector: the last batch the learner used, per time step. */
  'inspector',
] as const;

export type OpenablePanel = (typeof OPENABLE_PANELS)[number];

/** The hash parameter that lists panels to open. */
export const OPEN_PARAM = '_open';

/** Characters of a hash read at most; a link of every setting and every hide id is under 1 KB. */
export const MAX_SHARE_HASH_LENGTH = 8192;

/** Bad values are shown up to this many characters. */
const MAX_SHOWN = 40;
/** Enums with more choices are not listed in messages (the settings panel lists them). */
const MAX_CHOICES_LISTED = 4;

const HIDE_RANK = new Map<HideableControl, number>(HIDEABLE_CONTROLS.map((c, i) => [c, i]));
const UI_CONTROLS: ReadonlySet<string> = new Set(HIDEABLE_UI_CONTROLS);
const PANELS: ReadonlySet<string> = new Set(OPENABLE_PANELS);

// ---------------------------------------------------------------------------
// Encoding

/** Kept as they are inside values: they are legal in a fragment and keep links readable. */
const SAFE_ESCAPES: Readonly<Record<string, string>> = { '%2F': '/', '%2C': ',', '%3A': ':' };

/** `encodeURIComponent`, with '/', ',' and ':' left readable ('.' and '-' already are). */
function escapeText(text: string): string {
  // Every '%' of the output starts an escape (a literal '%' becomes %25), so
  // matching left to right finds only whole escapes.
  return encodeURIComponent(text).replace(/%2F|%2C|%3A/g, (escape) => SAFE_ESCAPES[escape] ?? escape);
}

/** A value as `parseFieldValue` reads it back: numbers in their shortest exact form (0.008, 6e-4, 1e10). */
function writeValue(value: ConfigValue): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  return escapeText(value);
}

/** The `_hide` token of a control: a setting's `urlKey`, or the UI control's id. */
function hideToken(control: HideableControl): string {
  return configFieldByKey(control)?.urlKey ?? control;
}

/**
 * The hash of a share link: '#v=<format>', then `urlKey=value` for each
 * setting that differs from its default, then `_hide=...` when `hidden` is
 * not empty, then `_open=...` when `open` is not empty; '' when there is
 * nothing to write (the lab's defaults). Values are written as given
 * (decoding checks them).
 */
export function encodeShareHash(config: ExperimentConfig, hidden: readonly HideableControl[] = [], open: readonly OpenablePanel[] = []): string {
  const parts: string[] = [];
  for (const field of CONFIG_FIELDS) {
    const value = config[field.key];
    if (value !== field.default) parts.push(`${field.urlKey}=${writeValue(value)}`);
  }
  const tokens = [...new Set(hidden.map(hideToken))].sort();
  if (tokens.length > 0) parts.push(`${HIDE_PARAM}=${tokens.map(escapeText).join(',')}`);
  const panels = OPENABLE_PANELS.filter((p) => open.includes(p));
  if (panels.length > 0) parts.push(`${OPEN_PARAM}=${panels.join(',')}`);
  return parts.length === 0 ? '' : `#${FORMAT_PARAM}=${SHARE_LINK_FORMAT}&${parts.join('&')}`;
}

// ---------------------------------------------------------------------------
// Decoding

export interface ShareHashDecoding {
  /** Always complete and valid: `parseConfigStrict(config)` accepts it. */
  config: ExperimentConfig;
  /** The controls to hide, in `HIDEABLE_CONTROLS` order, without repeats. */
  hidden: HideableControl[];
  /** The panels to open, in `OPENABLE_PANELS` order, without repeats. */
  open: OpenablePanel[];
  /** One short sentence per value the link gave but the config does not use; empty for a clean link. */
  problems: string[];
  /** The settings whose value came from the link (valid, and kept after cross-field checks), in `CONFIG_FIELDS` order. */
  changed: ConfigKey[];
}

/** The format a link names with `v=`; a format this lab does not know is read as today's, with a problem. */
function readFormat(value: string | undefined, problems: string[]): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1 && n <= SHARE_LINK_FORMAT) return n;
  problems.push(
    n > SHARE_LINK_FORMAT
      ? `Link: made by a newer version of the lab (link format ${n}); it is read as format ${SHARE_LINK_FORMAT}, so settings it leaves out may differ.`
      : `Link: the link format '${shown(value ?? '')}' is not one this lab knows; it is read as format ${SHARE_LINK_FORMAT}.`,
  );
  return SHARE_LINK_FORMAT;
}

/** `decodeURIComponent`, or `undefined` for malformed percent-encoding. */
function unescapeText(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A value from the link, safe to show: control characters replaced, long text cut. */
function shown(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > MAX_SHOWN ? `${printable.slice(0, MAX_SHOWN)}...` : printable;
}

function expectedText(field: ConfigField): string {
  if (field.kind === 'enum' && field.choices.length > MAX_CHOICES_LISTED) return `one of the ${field.choices.length} choices`;
  return describeExpected(field);
}

/** The text after '#' (a whole URL may be given), or after a leading '?', trimmed. */
function hashBody(hash: string): string {
  const trimmed = hash.trim();
  const sharp = trimmed.indexOf('#');
  if (sharp >= 0) return trimmed.slice(sharp + 1);
  return trimmed.startsWith('?') ? trimmed.slice(1) : trimmed;
}

/** Adds the controls named in one `_hide` value; unknown ids are ignored. */
function readHidden(raw: string, hidden: Set<HideableControl>): void {
  // Decode the whole list first, so that an escaped comma (%2C) still splits.
  const whole = unescapeText(raw);
  const tokens = whole === undefined ? raw.split(',').map(unescapeText) : whole.split(',');
  for (const token of tokens) {
    if (token === undefined) continue;
    const control = configFieldByUrlKey(token)?.key ?? configFieldByKey(token)?.key ?? (UI_CONTROLS.has(token) ? (token as HideableUiControl) : undefined);
    if (control !== undefined) hidden.add(control);
  }
}

/** Adds the panels named in one `_open` value; unknown ones are ignored. */
function readOpen(raw: string, open: Set<OpenablePanel>): void {
  for (const token of (unescapeText(raw) ?? raw).split(',')) {
    if (PANELS.has(token)) open.add(token as OpenablePanel);
  }
}

/** A setting's raw texts from the link, in order; `undefined` for a key without '='. */
type RawValues = Map<ConfigField, (string | undefined)[]>;

/** Parses the last text given for `field`, or names why the default is used. */
function readValue(field: ConfigField, texts: readonly (string | undefined)[], problems: string[], fallbackValue: ConfigValue): ConfigValue | undefined {
  const fallback = `using ${formatValue(fallbackValue)}`;
  if (texts.length > 1) problems.push(`Link: ${field.label} is given ${texts.length} times; the last one counts.`);
  const raw = texts[texts.length - 1];
  if (raw === undefined || raw === '') {
    problems.push(`Link: ${field.label} has no value; ${fallback}.`);
    return undefined;
  }
  const text = unescapeText(raw);
  if (text === undefined) {
    problems.push(`Link: ${field.label} '${shown(raw)}' is not valid percent-encoding; ${fallback}.`);
    return undefined;
  }
  const parsed = parseFieldValue(field, text);
  if (!parsed.ok) {
    problems.push(`Link: ${field.label} '${shown(text)}' is not ${expectedText(field)}; ${fallback}.`);
    return undefined;
  }
  return parsed.value;
}

/**
 * Reads a share-link hash (`location.hash`, with or without its '#'; a
 * leading '?' or a whole URL also works). Never throws, whatever the text:
 * - unknown keys, unknown hide ids and panels, and empty parts are ignored silently;
 * - an invalid, empty or badly percent-encoded value is named and replaced
 *   by its default; a repeated key is named and its last value counts;
 * - only the first `MAX_SHARE_HASH_LENGTH` characters are read (cut at the
 *   last whole parameter), and a longer hash is reported;
 * - cross-field conflicts are fixed and reported by `validateConfig`.
 */
export function decodeShareHash(hash: string): ShareHashDecoding {
  const problems: string[] = [];
  let body = hashBody(hash);
  if (body.length > MAX_SHARE_HASH_LENGTH) {
    const cut = body.lastIndexOf('&', MAX_SHARE_HASH_LENGTH);
    body = cut < 0 ? '' : body.slice(0, cut);
    problems.push(`Link: longer than ${MAX_SHARE_HASH_LENGTH} characters; only the first ${MAX_SHARE_HASH_LENGTH} were read.`);
  }

  const raw: RawValues = new Map();
  const hiddenSet = new Set<HideableControl>();
  const openSet = new Set<OpenablePanel>();
  // A link without `v=` is format 1, unless it says nothing at all (no link: today's defaults).
  let format = body.split('&').some((part) => part !== '') ? 1 : SHARE_LINK_FORMAT;
  for (const part of body.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = unescapeText(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? undefined : part.slice(equals + 1);
    if (key === HIDE_PARAM) {
      if (value !== undefined) readHidden(value, hiddenSet);
      continue;
    }
    if (key === OPEN_PARAM) {
      if (value !== undefined) readOpen(value, openSet);
      continue;
    }
    if (key === FORMAT_PARAM) {
      format = readFormat(value, problems);
      continue;
    }
    const field = key === undefined ? undefined : configFieldByUrlKey(key);
    if (field === undefined) continue; // unknown keys are ignored
    const texts = raw.get(field);
    if (texts === undefined) raw.set(field, [value]);
    else texts.push(value);
  }

  // What the link left out (or gave badly) means its format's defaults: today's, or an earlier format's where they differ.
  const formatDefaults: Partial<Record<ConfigKey, ConfigValue>> = FORMAT_DEFAULTS[format] ?? {};
  const given: Partial<Record<ConfigKey, ConfigValue>> = {};
  for (const field of CONFIG_FIELDS) {
    const texts = raw.get(field);
    if (texts === undefined) continue;
    const value = readValue(field, texts, problems, formatDefaults[field.key] ?? field.default);
    if (value !== undefined) given[field.key] = value;
  }

  const validation = validateConfig({ ...formatDefaults, ...given });
  problems.push(...validation.problems.map((p) => `Link: ${p}.`));
  const config = validation.config;
  const changed = CONFIG_FIELDS.filter((f) => {
    if (f.key in given) return given[f.key] === config[f.key];
    // An earlier format's default that differs from today's is the link's setting too.
    const old = formatDefaults[f.key];
    return old !== undefined && old === config[f.key] && old !== f.default;
  }).map((f) => f.key);
  const hidden = [...hiddenSet].sort((a, b) => (HIDE_RANK.get(a) ?? 0) - (HIDE_RANK.get(b) ?? 0));
  const open = OPENABLE_PANELS.filter((p) => openSet.has(p));
  return { config, hidden, open, problems, changed };
}
