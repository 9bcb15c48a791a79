import type { ExperimentConfig } from '../config/experimentConfig';
import { envInfo } from '../envs/envInfo';
import type { MinAtarGameName } from '../envs/minatar/game';
import type { MetricsRecord } from './metrics';
import { isSuiteGame, SUITE_GAMES } from '../envs/suite/minatarSuite';
import { mean, median, normalisedScore } from '../envs/suite/scores';

/**
 * Normalised scores of the runs of a comparison, one row per run, as the
 * IMPALA paper tabulates multi-task against single-task agents (section
 * 5.3): a suite run's score per game and its median and mean over the
 * games; a single MinAtar game's run, its game's score. Pure: the lab's
 * score tables and the trainer's comparison table both use these.
 */
export interface RunScores {
  label: string;
  kind: 'suite' | 'single';
  /** Frames the run has trained on (all its games together). */
  frames: number;
  /** Normalised score of each game the run plays (null before the game's first episode); games it does not play are absent. */
  games: Partial<Record<MinAtarGameName, number | null>>;
  /** Median and mean over the run's games; null until every one has a score. */
  median: number | null;
  mean: number | null;
}

/** A run's normalised scores, or null for a run that plays no MinAtar game (CartPole). */
export function runScores(label: string, config: ExperimentConfig, latest: MetricsRecord | null): RunScores | null {
  const env = envInfo(config.env);
  if (env?.tasks !== undefined) {
    const games: RunScores['games'] = {};
    for (const t of latest?.tasks ?? []) games[t.task] = t.normalisedScore;
    return { label, kind: 'suite', frames: latest?.frames ?? 0, games, median: latest?.normalisedScoreMedian ?? null, mean: latest?.normalisedScoreMean ?? null };
  }
  const game = env?.family === 'minatar' ? env.game : undefined;
  if (game === undefined || !isSuiteGame(game)) return null;
  const ret = latest?.episodeReturnMean100 ?? null;
  const score = ret === null ? null : normalisedScore(game, ret);
  return { label, kind: 'single', frames: latest?.frames ?? 0, games: { [game]: score }, median: score, mean: score };
}

/**
 * The single-game runs taken together, as one would-be agent per game: each
 * game's score from its own run (the latest of several), and the median and
 * mean over those games (null until each has a score). Null without single-game runs.
 */
export function singlesSummary(rows: readonly RunScores[]): RunScores | null {
  const singles = rows.filter((r) => r.kind === 'single');
  if (singles.length === 0) return null;
  const games: RunScores['games'] = {};
  for (const row of singles) Object.assign(games, row.games);
  const scores = Object.values(games);
  const complete = scores.every((s): s is number => s !== null && s !== undefined);
  return {
    label: 'Single-game agents',
    kind: 'single',
    frames: singles.reduce((n, r) => n + r.frames, 0),
    games,
    median: complete ? median(scores) : null,
    mean: complete ? mean(scores) : null,
  };
}

/** The games any row plays, in suite order (the table's columns). */
export function gamesOf(rows: readonly RunScores[]): MinAtarGameName[] {
  return SUITE_GAMES.filter((g) => rows.some((r) => g in r.games));
}
