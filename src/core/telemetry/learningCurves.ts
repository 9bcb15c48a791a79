import type { ExperimentConfig } from '../config/experimentConfig';
import { envInfo } from '../envs/envInfo';
import { gameTitle } from '../envs/suite/minatarSuite';
import { SERIES_COLORS, seriesColor, type CurveChart, type CurvePanel, type CurveSeries } from './curveSvg';
import { drawnEpisodes } from './episodeSample';
import type { MetricsRecord } from './metrics';
import { runScores } from './runScores';

/**
 * The charts of the trainer's images, from what a run directory holds
 * (its metrics.jsonl records and its kept episodes): a run's learning curve
 * and a comparison preset's curves side by side. Pure; `curveSvg` draws them.
 */

/** One finished episode kept as a raw point (`keepsEpisode`): its number in the run, the learner's frames after its batch, its return and, in a suite, its game's task id. */
export interface EpisodePoint {
  episode: number;
  frames: number;
  return: number;
  task?: number;
}

/** Whether a value read back (a line of episodes.jsonl) is an `EpisodePoint`. */
export function isEpisodePoint(value: unknown): value is EpisodePoint {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Number.isInteger(v.episode) && typeof v.frames === 'number' && typeof v.return === 'number' && Number.isFinite(v.return) && (v.task === undefined || Number.isInteger(v.task));
}

/** At most this many points of a line are drawn: every k-th record and the last (a 25M-frame run has tens of thousands). */
export const MAX_LINE_POINTS = 2000;

/** Every k-th of `items` and the last, at most `max` in all (all of them when they are that few). */
export function thinned<T>(items: readonly T[], max = MAX_LINE_POINTS): T[] {
  if (items.length <= max) return [...items];
  // floor((n - 1) / k) + 1 <= max - 1 multiples of k, and the last.
  const k = Math.ceil((items.length - 1) / (max - 2));
  return items.filter((_, i) => i % k === 0 || i === items.length - 1);
}

const DOTS_GREY = '#555555';

/**
 * A run's learning curve: the mean return of the last 100 episodes against
 * frames (a line per game for a suite) over the run's raw episode returns
 * as faint dots; a suite gets a second panel with the median normalised score.
 */
export function learningCurveChart(title: string, records: readonly MetricsRecord[], episodes: readonly EpisodePoint[]): CurveChart {
  const last = records.at(-1);
  const total = episodes.reduce((n, e) => Math.max(n, e.episode + 1), last?.episodes ?? 0);
  const drawn = drawnEpisodes(episodes, total);
  const lineRecords = thinned(records);
  const shown = total === 0 ? 'none yet' : drawn.length === total ? `all ${count(total)} episodes` : `${count(drawn.length)} of ${count(total)} episodes`;
  const tasks = last?.tasks;
  if (!tasks) {
    return {
      title,
      subtitle: `Line: mean return of the last 100 episodes. Dots: single episodes' returns (${shown}).`,
      xTitle: 'frames',
      panels: [
        {
          yTitle: 'episode return',
          lines: [{ label: 'mean of last 100 episodes', color: SERIES_COLORS[0], points: lineRecords.map((r) => [r.frames, r.episodeReturnMean100]) }],
          dots: [{ label: 'one episode', color: DOTS_GREY, points: drawn.map((e) => [e.frames, e.return]) }],
        },
      ],
    };
  }
  const returns: CurvePanel = {
    yTitle: 'episode return',
    lines: tasks.map((t, i): CurveSeries => ({
      label: `${gameTitle(t.task)}: mean of last 100`,
      color: seriesColor(i),
      points: lineRecords.map((r) => [r.frames, r.tasks?.[i]?.episodeReturnMean100 ?? null]),
    })),
    dots: tasks.map((_, i): CurveSeries => ({ label: '', color: seriesColor(i), points: drawn.filter((e) => e.task === i).map((e) => [e.frames, e.return]) })),
  };
  const scores: CurvePanel = {
    yTitle: 'normalised score',
    lines: [{ label: 'median over the games', color: SERIES_COLORS[6], points: lineRecords.map((r) => [r.frames, r.normalisedScoreMedian]) }],
    emptyText: 'no score until every game has finished an episode',
  };
  return {
    title,
    subtitle: `Lines: each game's mean return of its last 100 episodes. Dots: single episodes, in their game's colour (${shown}).`,
    xTitle: 'frames (all games together)',
    panels: [returns, scores],
  };
}

/** One run of a comparison: its legend, its settings and its metrics.jsonl records. */
export interface ComparedRun {
  label: string;
  config: ExperimentConfig;
  records: readonly MetricsRecord[];
}

/**
 * A comparison preset's runs on one chart: each run's mean return of its
 * last 100 episodes when all play the same single environment; otherwise
 * (a suite beside single-game agents, or different games) each run's
 * normalised score, a suite's the median over its games (`runScores`),
 * leaving out runs that have none (CartPole), which the subtitle names.
 */
export function comparisonChart(title: string, runs: readonly ComparedRun[]): CurveChart {
  const sameGame = runs.every((r) => envInfo(r.config.env)?.tasks === undefined && r.config.env === runs[0]?.config.env);
  if (sameGame) {
    return {
      title,
      subtitle: `Mean return of the last 100 episodes of each run (${runs[0]?.config.env ?? 'no runs'}).`,
      xTitle: 'frames',
      panels: [
        {
          yTitle: 'mean return of last 100 episodes',
          lines: runs.map((r, i): CurveSeries => ({ label: r.label, color: seriesColor(i), points: thinned(r.records).map((m) => [m.frames, m.episodeReturnMean100]) })),
        },
      ],
    };
  }
  const scored = runs.filter((r) => runScores(r.label, r.config, null) !== null);
  const left = runs.filter((r) => !scored.includes(r));
  return {
    title,
    subtitle: `Normalised score of each run: a suite's median over its games, a single game's own.${left.length > 0 ? ` Left out (no normalised score): ${left.map((r) => r.label).join(', ')}.` : ''}`,
    xTitle: 'frames (of each run, all its games together)',
    panels: [
      {
        yTitle: 'normalised score',
        lines: scored.map((r): CurveSeries => ({
          label: r.label,
          color: seriesColor(runs.indexOf(r)),
          points: thinned(r.records).map((m) => [m.frames, runScores(r.label, r.config, m)?.median ?? null]),
        })),
      },
    ],
  };
}

function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}
