import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint } from '../core/persistence/checkpoint';
import { COMPACT_MODEL_VERSION, decodeCompactModel, encodeCompactModel } from '../core/persistence/compactModel';
import { decodeZooManifest, ZOO_BUDGET_BYTES, zooManifestOf, type ZooEntry, type ZooManifest } from '../core/persistence/zooManifest';
import { createNetwork } from '../core/model/networks';
import { setNetworkWeights } from '../core/model/weights';
import { envSpecFor, networkFor, networkSpecFor, tasksOf } from '../core/training/fromConfig';
import { writeFileAtomic } from './atomicFile';
import { readMetrics } from './jsonLines';
import { runTrainer, type TrainerIo } from './trainer';
import { useWasmBackend } from './tfWasm';
import { ZOO_ENTRIES, type ZooEntrySpec } from './zooEntries';

/**
 * `npm run zoo`: trains the zoo's agents (zooEntries.ts) with the headless
 * trainer's own code, each into `runs/zoo/<id>/`, converts each final
 * checkpoint to a compact model (`public/zoo/<id>.json`, float16 weights) and
 * writes `public/zoo/manifest.json` (zooManifest.ts): environment, settings,
 * frames, final mean return, date, size, format version and the command.
 *
 *   --only ID,ID      train these entries only, keeping the manifest's others
 *   --frames N        train every chosen entry for N frames (quick tries)
 *   --frames-scale X  or for X times its frames
 *   --check           train nothing: check the manifest against the files
 *                     (present, sizes, format versions, the 5 MB budget);
 *                     exit 1 when anything is wrong
 */

export const ZOO_USAGE = `Usage: npm run zoo -- [--only ID,ID] [--frames N | --frames-scale X] [--check]
Trains the site's agents (src/node/zooEntries.ts) and writes public/zoo/: a compact model per agent and manifest.json.
  --only ID,ID      train only these (${ZOO_ENTRIES.map((e) => e.id).join(', ')}); the manifest keeps the others
  --frames N        train each for N frames instead of its own count (quick tries)
  --frames-scale X  train each for X times its own frame count
  --check           train nothing; check manifest.json against the model files and the ${ZOO_BUDGET_BYTES / 1e6} MB budget
  --zoo-dir DIR     where the models and manifest go (default public/zoo)
  --runs-dir DIR    where the training runs go (default runs/zoo)`;

export interface ZooOptions {
  entries?: readonly ZooEntrySpec[];
  zooDir?: string;
  runsDir?: string;
  /** The date written into the manifest. */
  now?: () => Date;
}

interface ZooArgs {
  only: string[] | null;
  frames: number | null;
  framesScale: number | null;
  check: boolean;
  zooDir: string;
  runsDir: string;
}

function parseZooArgs(argv: readonly string[], options: ZooOptions): ZooArgs | { help: true } | { error: string } {
  const args: ZooArgs = { only: null, frames: null, framesScale: null, check: false, zooDir: options.zooDir ?? 'public/zoo', runsDir: options.runsDir ?? 'runs/zoo' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--help':
      case '-h':
        return { help: true };
      case '--check':
        args.check = true;
        break;
      case '--only': {
        const v = value();
        if (!v) return { error: '--only needs a comma-separated list of ids' };
        args.only = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      }
      case '--frames': {
        const n = Number(value());
        if (!Number.isSafeInteger(n) || n < 1) return { error: '--frames needs a positive integer' };
        args.frames = n;
        break;
      }
      case '--frames-scale': {
        const x = Number(value());
        if (!(x > 0) || !Number.isFinite(x)) return { error: '--frames-scale needs a positive number' };
        args.framesScale = x;
        break;
      }
      case '--zoo-dir':
      case '--runs-dir': {
        const v = value();
        if (!v) return { error: `${flag} needs a directory` };
        if (flag === '--zoo-dir') args.zooDir = v;
        else args.runsDir = v;
        break;
      }
      default:
        return { error: `unknown argument '${flag}' (npm run zoo -- --help)` };
    }
  }
  if (args.frames !== null && args.framesScale !== null) return { error: '--frames and --frames-scale do not go together' };
  return args;
}

/** An entry's trainer flags with its frame count overridden as asked. */
export function trainerArgsOf(entry: ZooEntrySpec, frames: number | null, framesScale: number | null): string[] {
  const args = [...entry.args];
  const at = args.indexOf('--frames');
  if (at < 0 || !Number.isSafeInteger(Number(args[at + 1]))) throw new Error(`zoo entry '${entry.id}' has no --frames N`);
  const own = Number(args[at + 1]);
  const wanted = frames ?? (framesScale !== null ? Math.max(1, Math.round(own * framesScale)) : own);
  args[at + 1] = String(wanted);
  return args;
}

/** Runs `npm run zoo` with `argv`; resolves to the exit code. */
export async function runZoo(argv: readonly string[], io: TrainerIo, options: ZooOptions = {}): Promise<number> {
  const parsed = parseZooArgs(argv, options);
  if ('help' in parsed) {
    io.stdout.write(`${ZOO_USAGE}\n`);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr.write(`error: ${parsed.error}\n`);
    return 2;
  }
  const entries = options.entries ?? ZOO_ENTRIES;
  if (parsed.check) {
    const problems = await checkZoo(parsed.zooDir, entries);
    if (problems.length === 0) {
      const manifest = readManifest(parsed.zooDir);
      io.stdout.write(`zoo: ${manifest.entries.length} agents (${manifest.entries.map((e) => e.id).join(', ')}), ${(manifest.totalBytes / 1e6).toFixed(2)} MB of ${(ZOO_BUDGET_BYTES / 1e6).toFixed(2)} MB: OK\n`);
      return 0;
    }
    for (const p of problems) io.stderr.write(`zoo: ${p}\n`);
    return 1;
  }
  const chosen = parsed.only ?? entries.map((e) => e.id);
  const unknown = chosen.filter((id) => !entries.some((e) => e.id === id));
  if (unknown.length > 0) {
    io.stderr.write(`error: no zoo entry ${unknown.map((u) => `'${u}'`).join(', ')} (the entries: ${entries.map((e) => e.id).join(', ')})\n`);
    return 2;
  }
  let kept: ZooEntry[] = [];
  if (parsed.only !== null && existsSync(join(parsed.zooDir, 'manifest.json'))) {
    try {
      kept = readManifest(parsed.zooDir).entries.filter((e) => !chosen.includes(e.id) && entries.some((s) => s.id === e.id));
    } catch (e) {
      io.stderr.write(`warning: the existing manifest is unreadable (${e instanceof Error ? e.message : String(e)}); it is replaced by the agents trained now\n`);
    }
  }
  mkdirSync(parsed.zooDir, { recursive: true });
  const made: ZooEntry[] = [];
  for (const id of chosen) {
    const spec = entries.find((e) => e.id === id)!;
    const args = trainerArgsOf(spec, parsed.frames, parsed.framesScale);
    const out = join(parsed.runsDir, id);
    rmSync(out, { recursive: true, force: true });
    io.stdout.write(`\n== zoo: ${id}: npm run train -- ${args.join(' ')} --out ${out}\n`);
    const code = await runTrainer([...args, '--out', out], io);
    if (code !== 0) {
      io.stderr.write(`error: training '${id}' ended with exit code ${code}; the manifest is left as it was\n`);
      return code;
    }
    made.push(compactEntry(spec, args, out, parsed.zooDir, (options.now ?? (() => new Date()))()));
    // Written after each agent, so that a long run stopped later keeps the agents finished so far.
    writeManifest(parsed.zooDir, zooManifestOf([...kept, ...made]));
    io.stdout.write(`zoo: ${id}: ${made.at(-1)!.bytes.toLocaleString('en-US')} bytes, mean return ${made.at(-1)!.meanReturn ?? '-'}\n`);
  }
  const manifest = zooManifestOf([...kept, ...made]);
  io.stdout.write(`zoo: manifest with ${manifest.entries.length} agents, ${(manifest.totalBytes / 1e6).toFixed(2)} MB of ${(ZOO_BUDGET_BYTES / 1e6).toFixed(2)} MB\n`);
  if (manifest.totalBytes > ZOO_BUDGET_BYTES) {
    io.stderr.write(`error: the zoo weighs ${manifest.totalBytes.toLocaleString('en-US')} bytes, over its budget of ${ZOO_BUDGET_BYTES.toLocaleString('en-US')}\n`);
    return 1;
  }
  return 0;
}

/** The compact model of a finished run in `out`, written to `zooDir`, and its manifest entry. */
function compactEntry(spec: ZooEntrySpec, args: readonly string[], out: string, zooDir: string, date: Date): ZooEntry {
  const checkpoint = decodeCheckpoint(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
  const saved = JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8')) as { weights: { shape?: number[] }[] };
  const shapes = saved.weights.map((w) => w.shape ?? []);
  const file = `${spec.id}.json`;
  const text = encodeCompactModel({ ...checkpoint, createdAt: date.toISOString() }, shapes);
  writeFileAtomic(join(zooDir, file), text);
  const last = readMetrics(out).at(-1) ?? null;
  return {
    id: spec.id,
    presets: [...spec.presets],
    env: checkpoint.config.env,
    settings: checkpoint.config,
    frames: checkpoint.frames,
    updates: checkpoint.version,
    meanReturn: last?.episodeReturnMean100 ?? null,
    ...(tasksOf(checkpoint.config).length > 0 ? { normalisedScoreMedian: last?.normalisedScoreMedian ?? null } : {}),
    wallSeconds: last?.wallSeconds ?? 0,
    date: date.toISOString(),
    file,
    bytes: statSync(join(zooDir, file)).size,
    formatVersion: COMPACT_MODEL_VERSION,
    command: `npm run train -- ${args.join(' ')}`,
  };
}

function readManifest(zooDir: string): ZooManifest {
  return decodeZooManifest(readFileSync(join(zooDir, 'manifest.json'), 'utf8'));
}

function writeManifest(zooDir: string, manifest: ZooManifest): void {
  writeFileAtomic(join(zooDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * What is wrong with the zoo in `zooDir`: a manifest that is missing or
 * damaged, entries that are not in the committed list, model files missing,
 * of another size than recorded, of another format version (train again),
 * that do not decode or whose weights do not fit their settings' network,
 * and a total over the budget. Empty when all is well.
 */
export async function checkZoo(zooDir: string, entries: readonly ZooEntrySpec[] = ZOO_ENTRIES): Promise<string[]> {
  let manifest: ZooManifest;
  try {
    manifest = readManifest(zooDir);
  } catch (e) {
    return [`${join(zooDir, 'manifest.json')}: ${e instanceof Error ? e.message : String(e)}`];
  }
  const problems: string[] = [];
  let total = 0;
  await useWasmBackend();
  for (const entry of manifest.entries) {
    const path = join(zooDir, entry.file);
    const again = `train it again: npm run zoo -- --only ${entry.id}`;
    if (!entries.some((e) => e.id === entry.id)) problems.push(`'${entry.id}' is not in the committed list of entries (src/node/zooEntries.ts)`);
    if (entry.formatVersion !== COMPACT_MODEL_VERSION) problems.push(`'${entry.id}' is in compact format version ${entry.formatVersion}, not the current ${COMPACT_MODEL_VERSION}: ${again}`);
    if (!existsSync(path)) {
      problems.push(`'${entry.id}': ${path} is missing (${again})`);
      continue;
    }
    const size = statSync(path).size;
    total += size;
    if (size !== entry.bytes) problems.push(`'${entry.id}': ${path} has ${size} bytes, the manifest says ${entry.bytes}`);
    try {
      const model = decodeCompactModel(readFileSync(path, 'utf8'));
      if (model.config.env !== entry.env) throw new Error(`it is a model of ${model.config.env}, the manifest says ${entry.env}`);
      if (model.frames !== entry.frames) throw new Error(`it was trained for ${model.frames} frames, the manifest says ${entry.frames}`);
      const spec = envSpecFor(model.config);
      const network = createNetwork(networkFor(model.config, spec), networkSpecFor(model.config, spec), 0, false);
      try {
        setNetworkWeights(network, model.weights);
      } finally {
        network.dispose();
      }
    } catch (e) {
      problems.push(`'${entry.id}': ${path}: ${e instanceof Error ? e.message : String(e)} (${again})`);
    }
  }
  if (manifest.totalBytes !== manifest.entries.reduce((s, e) => s + e.bytes, 0)) problems.push('the manifest\'s totalBytes is not the sum of its entries\' sizes');
  if (total > ZOO_BUDGET_BYTES) problems.push(`the model files weigh ${total.toLocaleString('en-US')} bytes, over the budget of ${ZOO_BUDGET_BYTES.toLocaleString('en-US')}`);
  return problems;
}
