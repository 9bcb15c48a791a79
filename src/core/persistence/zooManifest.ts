import type { ExperimentConfig } from '../config/experimentConfig';
import { validateStoredConfig } from '../config/storedConfig';

/**
 * The zoo's manifest (`public/zoo/manifest.json`, written by `npm run zoo`):
 * the trained agents that ship with the site, one per preset (comparison
 * presets reuse them), with the figures the lab shows and what regenerates
 * each. The lab reads it to offer "Watch a trained agent"; `npm run zoo --
 * --check` compares it with the files.
 */

/** Identifies the manifest. */
export const ZOO_MANIFEST_FORMAT = 'impala-lab-zoo';
export const ZOO_MANIFEST_VERSION = 1;
/** What the whole zoo (every model file) may weigh. */
export const ZOO_BUDGET_BYTES = 5_000_000;
/** The largest zoo file the lab reads (a manifest or a model). */
export const MAX_ZOO_FILE_BYTES = 16 * 1024 * 1024;

/** One trained agent. */
export interface ZooEntry {
  /** Stable id, the model's file name without `.json` (a preset id: 'cartpole', 'breakout', 'suite'). */
  id: string;
  /** The presets whose "Watch a trained agent" plays it. */
  presets: string[];
  /** Its environment (`settings.env`). */
  env: string;
  /** The settings it was trained with (the network follows from them). */
  settings: ExperimentConfig;
  /** Frames it was trained on. */
  frames: number;
  /** Learner updates made. */
  updates: number;
  /** Mean return of its last 100 training episodes at the end (null if none finished). */
  meanReturn: number | null;
  /** A suite's median normalised score at the end (absent for one game). */
  normalisedScoreMedian?: number | null;
  /** Seconds the training took, on the machine that made it. */
  wallSeconds: number;
  /** ISO date the model was made. */
  date: string;
  /** The model file, relative to the manifest. */
  file: string;
  /** The model file's size in bytes. */
  bytes: number;
  /** The compact model format version of the file (`COMPACT_MODEL_VERSION` when made). */
  formatVersion: number;
  /** The command that trains it again (`npm run zoo -- --only ID` runs it). */
  command: string;
}

export interface ZooManifest {
  format: typeof ZOO_MANIFEST_FORMAT;
  manifestVersion: typeof ZOO_MANIFEST_VERSION;
  /** Sum of the entries' `bytes`. */
  totalBytes: number;
  entries: ZooEntry[];
}

const ID = /^[a-z0-9_-]+$/;

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function checkEntry(value: unknown, index: number): ZooEntry {
  const bad = (why: string): Error => new Error(`zoo manifest: entry ${index + 1} ${why}`);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad('is not an object');
  const e = value as Record<string, unknown>;
  if (typeof e.id !== 'string' || !ID.test(e.id)) throw bad(`has no valid id (${JSON.stringify(e.id)}; lower-case letters, digits, - and _)`);
  const name = `entry '${e.id}'`;
  const wrong = (why: string): Error => new Error(`zoo manifest: ${name} ${why}`);
  if (!Array.isArray(e.presets) || !e.presets.every((p) => typeof p === 'string')) throw wrong('has no list of presets');
  const { config, problems } = validateStoredConfig(e.settings);
  if (problems.length > 0) throw wrong(`has invalid settings: ${problems.join('; ')}`);
  if (e.env !== config.env) throw wrong(`names environment ${String(e.env)}, but its settings train ${config.env}`);
  for (const key of ['frames', 'updates', 'bytes', 'formatVersion'] as const) if (!isCount(e[key])) throw wrong(`has no valid ${key} (${JSON.stringify(e[key])})`);
  if (e.meanReturn !== null && (typeof e.meanReturn !== 'number' || !Number.isFinite(e.meanReturn))) throw wrong('has no valid meanReturn');
  if (e.normalisedScoreMedian !== undefined && e.normalisedScoreMedian !== null && (typeof e.normalisedScoreMedian !== 'number' || !Number.isFinite(e.normalisedScoreMedian))) {
    throw wrong('has no valid normalisedScoreMedian');
  }
  if (typeof e.wallSeconds !== 'number' || !(e.wallSeconds >= 0)) throw wrong('has no valid wallSeconds');
  if (typeof e.date !== 'string' || Number.isNaN(Date.parse(e.date))) throw wrong('has no valid date');
  // Only a plain file name beside the manifest: never another folder or host.
  if (typeof e.file !== 'string' || !/^[a-z0-9_-]+\.json$/.test(e.file)) throw wrong(`has no valid file name (${JSON.stringify(e.file)})`);
  if (typeof e.command !== 'string') throw wrong('has no command');
  return {
    id: e.id,
    presets: [...(e.presets as string[])],
    env: config.env,
    settings: config,
    frames: e.frames as number,
    updates: e.updates as number,
    meanReturn: e.meanReturn as number | null,
    ...(e.normalisedScoreMedian !== undefined ? { normalisedScoreMedian: e.normalisedScoreMedian as number | null } : {}),
    wallSeconds: e.wallSeconds,
    date: e.date,
    file: e.file,
    bytes: e.bytes as number,
    formatVersion: e.formatVersion as number,
    command: e.command,
  };
}

/** Parses manifest text; anything else, or a damaged manifest, throws an Error saying what is wrong. */
export function decodeZooManifest(text: string): ZooManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('zoo manifest: the file is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json) || (json as { format?: unknown }).format !== ZOO_MANIFEST_FORMAT) {
    throw new Error(`zoo manifest: not a zoo manifest (expected format '${ZOO_MANIFEST_FORMAT}')`);
  }
  const j = json as Record<string, unknown>;
  if (j.manifestVersion !== ZOO_MANIFEST_VERSION) throw new Error(`zoo manifest: version ${String(j.manifestVersion)} is not supported (this lab reads version ${ZOO_MANIFEST_VERSION})`);
  if (!Array.isArray(j.entries)) throw new Error('zoo manifest: no entries');
  const entries = j.entries.map(checkEntry);
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) throw new Error(`zoo manifest: entry '${e.id}' appears twice`);
    ids.add(e.id);
  }
  return zooManifestOf(entries);
}

/** A manifest of `entries` (sorted by id), with their total size. */
export function zooManifestOf(entries: readonly ZooEntry[]): ZooManifest {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { format: ZOO_MANIFEST_FORMAT, manifestVersion: ZOO_MANIFEST_VERSION, totalBytes: sorted.reduce((sum, e) => sum + e.bytes, 0), entries: sorted };
}

/** The entry whose agent a preset shows, if any. */
export function zooEntryForPreset(manifest: ZooManifest, presetId: string): ZooEntry | undefined {
  return manifest.entries.find((e) => e.presets.includes(presetId));
}
