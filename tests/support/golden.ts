import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The golden-trace folder: `$GOLDEN_DIR`, or `../shared/golden` beside the project. */
export const GOLDEN_DIR = resolve(process.env.GOLDEN_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'golden'));

/**
 * Lists the JSON files of one golden subfolder. Throws when the folder is
 * missing or empty, so a test can never pass by finding nothing.
 */
export function goldenFiles(subdir: string): string[] {
  const dir = join(GOLDEN_DIR, subdir);
  if (!existsSync(dir)) throw new Error(`golden folder ${dir} is missing (set GOLDEN_DIR)`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`golden folder ${dir} holds no .json traces`);
  return files.map((f) => join(dir, f));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * Unpacks a MinAtar observation hex string: the boolean `[10][10][C]` array
 * flattened row-major, 8 bits a byte, most significant bit first.
 */
export function unpackBits(hex: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const byte = parseInt(hex.substr((i >> 3) * 2, 2), 16);
    out[i] = (byte >> (7 - (i & 7))) & 1;
  }
  return out;
}

/** The channel names of each MinAtar game, as the golden traces' README lists them (the original's order, index = channel). */
export function goldenChannelOrder(): Record<string, string[]> {
  const readme = readFileSync(join(GOLDEN_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('Channel order per game'));
  const block = section.slice(section.indexOf('\n') + 1, section.indexOf('\n\n'));
  const out: Record<string, string[]> = {};
  for (const item of block.split(/\n- /)) {
    const [game, names] = item.replace(/^- /, '').split(':') as [string, string];
    out[game.trim()] = names.split(',').map((n) => n.trim());
  }
  return out;
}

/** One step of a classic-control golden trace (`classic/*.json`, see the golden README). */
export interface ClassicStep {
  a: number;
  obs: number[];
  r: number;
  terminated: boolean;
  truncated: boolean;
  resetState?: number[];
  resetObs?: number[];
}

/** A classic-control golden trace. */
export interface ClassicTrace {
  env: string;
  seed: number;
  maxEpisodeSteps: number;
  initialState: number[];
  initialObs: number[];
  steps: ClassicStep[];
}
