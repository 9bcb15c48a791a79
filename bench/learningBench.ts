import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { ExperimentConfig } from '../src/core/config/experimentConfig';
import { isSuiteGame } from '../src/core/envs/suite/minatarSuite';
import { REFERENCE_SCORES } from '../src/core/envs/suite/scores';
import type { MetricsRecord } from '../src/core/telemetry/metrics';
import { summariseRun, summariseSeeds, type RunLearningSummary, type SeedsSummary, type Spread } from '../src/core/telemetry/learningSummary';
import { parseTrainArgs, runDirName } from '../src/node/cli/parseTrainArgs';
import { runTrainer } from '../src/node/trainer';
import { formatInt, formatTable } from './table';

/**
 * `npm run bench -- learning [trainer flags] [--seeds 1,2,3] [--thresholds
 * 475,300] [--json FILE] [--out DIR]`: trains the same experiment (the
 * trainer's flags, a preset included) once per seed with `npm run train`'s
 * own code, and prints how well and how fast each run learned (final and
 * best mean100 return, the frames at which each threshold was first
 * reached, the area under the curve, the training time), then the mean and
 * standard deviation over the seeds. A comparison preset gives one block
 * per run. The figures are also written as JSON so that two settings can be
 * compared.
 */

export const LEARNING_USAGE = `  learning  trains an experiment once per seed (npm run train's flags and presets) and prints,
           per run and as mean +- sd over the seeds: the final and best mean100 return (a suite's
           median normalised score), the frames at which each threshold was first reached, the area
           under the curve (the score averaged over the frames) and the training time
           --seeds a,b,c       seeds (default 1,2,3)
           --thresholds x,y    scores to time (default: 475 for CartPole, the MinAtar reference
                               return for a game, 1.0 for the suite)
           --json FILE         also write the figures as JSON (default DIR/learning.json)
           --out DIR           where the runs go, DIR/seed<N> (default runs/bench-learning)
           any other flag goes to the trainer (npm run train -- --help), e.g. --preset cartpole
           --frames 100000 --deterministic`;

/** This bench's own flags; everything else is the trainer's. */
interface LearningFlags {
  seeds: number[];
  thresholds: number[] | null;
  json: string | null;
  out: string;
  trainerArgs: string[];
}

export function parseLearningFlags(argv: readonly string[]): LearningFlags | string {
  const flags: LearningFlags = { seeds: [1, 2, 3], thresholds: null, json: null, out: 'runs/bench-learning', trainerArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    if (!['--seeds', '--thresholds', '--json', '--out'].includes(name)) {
      flags.trainerArgs.push(arg);
      continue;
    }
    const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
    if (value === undefined || value === '') return `${name} needs a value`;
    if (name === '--json') flags.json = value;
    else if (name === '--out') flags.out = value;
    else {
      const numbers = value.split(',').map(Number);
      if (numbers.some((n) => !Number.isFinite(n))) return `${name} takes numbers separated by commas, got '${value}'`;
      if (name === '--seeds') {
        if (numbers.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff)) return `--seeds takes integers from 0 to 4294967295, got '${value}'`;
        if (new Set(numbers).size !== numbers.length) return `--seeds names a seed twice: '${value}'`;
        flags.seeds = numbers;
      } else {
        flags.thresholds = numbers;
      }
    }
  }
  if (flags.trainerArgs.some((a) => a === '--seed' || a.startsWith('--seed='))) return 'use --seeds (the bench sets each run\'s --seed)';
  if (flags.trainerArgs.some((a) => a === '--resume' || a.startsWith('--resume='))) return '--resume does not apply to the learning bench';
  return flags;
}

/** The thresholds a setting is timed against when none are given. */
export function defaultThresholds(config: ExperimentConfig): number[] {
  if (config.env.startsWith('suite/')) return [1];
  const game = config.env.startsWith('minatar/') ? config.env.slice('minatar/'.length) : '';
  if (isSuiteGame(game)) return [REFERENCE_SCORES[game]];
  if (config.env === 'classic/CartPole-v1') return [475];
  return [];
}

function readMetrics(dir: string): MetricsRecord[] {
  const text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as MetricsRecord);
}

/** Keeps the trainer's summary lines out of the bench's table, but shows errors. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

interface SettingResult {
  label: string;
  config: ExperimentConfig;
  runs: { seed: number; dir: string; summary: RunLearningSummary }[];
  summary: SeedsSummary;
}

const score = (x: number | null, kind: RunLearningSummary['scoreKind']): string => (x === null ? '-' : kind === 'normalised' ? x.toFixed(2) : x.toFixed(1));
const frames = (x: number | null): string => (x === null ? 'not reached' : formatInt(x));
function plusMinus(s: Spread, format: (x: number | null) => string): string {
  if (s.mean === null) return '-';
  return s.n > 1 ? `${format(s.mean)} +- ${format(s.std)}` : format(s.mean);
}

/** One setting's table: a row per seed, then the mean +- sd. */
export function formatSetting(result: SettingResult): string {
  const kind = result.runs[0]?.summary.scoreKind ?? 'return';
  const s = (x: number | null): string => score(x, kind);
  const name = kind === 'normalised' ? 'median norm' : 'mean100';
  const thresholds = result.summary.reached.map((t) => t.threshold);
  const header = ['seed', 'frames', `final ${name}`, `best ${name}`, ...thresholds.map((t) => `frames to ${s(t)}`), 'AUC', 'train s'];
  const rows = result.runs.map(({ seed, summary: r }) => [
    String(seed),
    formatInt(r.frames),
    s(r.finalScore),
    r.bestScore === null ? '-' : `${s(r.bestScore)} @ ${formatInt(r.bestFrames ?? 0)}`,
    ...r.reached.map((t) => frames(t.frames)),
    s(r.auc),
    r.trainingSeconds.toFixed(0),
  ]);
  const m = result.summary;
  rows.push([
    `mean +- sd (${m.seeds})`,
    '',
    plusMinus(m.finalScore, s),
    plusMinus(m.bestScore, s),
    ...m.reached.map((t) => `${t.frames.n}/${m.seeds}${t.frames.mean === null ? '' : `: ${plusMinus(t.frames, (x) => formatInt(x ?? 0))}`}`),
    plusMinus(m.auc, s),
    plusMinus(m.trainingSeconds, (x) => (x ?? 0).toFixed(0)),
  ]);
  return formatTable(header, rows);
}

export async function benchLearning(argv: readonly string[]): Promise<number> {
  const flags = parseLearningFlags(argv);
  if (typeof flags === 'string') {
    console.error(`error: ${flags}`);
    return 2;
  }
  const parsed = parseTrainArgs(flags.trainerArgs);
  if (parsed.kind === 'help') {
    console.log(LEARNING_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`error: ${parsed.message}`);
    return 2;
  }
  const settings = parsed.comparison ?? [{ label: '', config: parsed.config }];
  const thresholds = flags.thresholds ?? defaultThresholds(settings[0]!.config);
  const mode = parsed.trainer.deterministic ? 'deterministic (one in-process actor)' : `${settings[0]!.config.actors} worker-thread actors`;
  console.log(`learning benchmark: ${parsed.comparison ? `preset ${parsed.trainer.preset}, ${settings.length} run${settings.length === 1 ? '' : 's'}` : settings[0]!.config.env}, seeds ${flags.seeds.join(',')}, ${mode}, Node ${process.version}, ${cpus().length} cores`);
  console.log(`trainer flags: ${flags.trainerArgs.join(' ') || '(defaults)'}\n`);

  const results: SettingResult[] = settings.map(({ label, config }) => ({ label, config, runs: [], summary: summariseSeeds([]) }));
  for (const seed of flags.seeds) {
    const dir = join(flags.out, `seed${seed}`);
    const stdout = new Sink();
    const stderr = new Sink();
    const started = Date.now();
    const code = await runTrainer([...flags.trainerArgs, '--seed', String(seed), '--out', dir, '--quiet', '--log-every', '1000000'], { stdout, stderr });
    if (code !== 0) {
      console.error(`seed ${seed}: the trainer failed (exit ${code}):\n${stderr.text}`);
      return 1;
    }
    for (const result of results) {
      // A comparison preset's runs (all, or those of --only) each train into a folder of their own.
      const runDir = parsed.comparison ? join(dir, runDirName(result.label)) : dir;
      const summary = summariseRun(readMetrics(runDir), thresholds);
      result.runs.push({ seed, dir: runDir, summary });
      const reachedText = summary.reached.map((t) => `${t.threshold} at ${frames(t.frames)}`).join(', ');
      console.log(
        `seed ${seed}${result.label ? ` ${result.label}` : ''}: final ${score(summary.finalScore, summary.scoreKind)}` +
          `${reachedText ? `, ${reachedText}` : ''} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  }
  for (const result of results) {
    result.summary = summariseSeeds(result.runs.map((r) => r.summary));
    console.log(`\n${result.label ? `${result.label} (${result.config.env})` : result.config.env}, ${formatInt(result.config.frames)} frames:`);
    console.log(formatSetting(result));
  }
  const jsonPath = flags.json ?? join(flags.out, 'learning.json');
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        benchmark: 'learning',
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        trainerArgs: flags.trainerArgs,
        seeds: flags.seeds,
        thresholds,
        deterministic: parsed.trainer.deterministic,
        settings: results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nWrote ${jsonPath}`);
  return 0;
}
