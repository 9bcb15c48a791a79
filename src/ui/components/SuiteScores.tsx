import { useCallback, useSyncExternalStore } from 'react';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { gameTitle } from '../../core/envs/suite/minatarSuite';
import { RANDOM_SCORES, REFERENCE_SCORES } from '../../core/envs/suite/scores';
import type { MetricsRecord } from '../../core/telemetry/metrics';
import type { TrainingHistory } from '../../core/telemetry/trainingHistory';
import { gamesOf, runScores, singlesSummary, type RunScores } from '../../core/telemetry/runScores';

export interface SuiteScoresProps {
  /** The lab's runs with their settings (runs without settings, not yet created, are left out). */
  histories: readonly { label: string; history: TrainingHistory; config?: ExperimentConfig }[];
}

/** Table refreshes at most this often (ms): runs report many updates a second. */
const REFRESH_MS = 500;

const fmt = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });


/** Re-renders when any history changes, at most every REFRESH_MS. */
function useHistoriesVersion(histories: SuiteScoresProps['histories']): string {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const later = (): void => {
        timer ??= setTimeout(() => {
          timer = null;
          onChange();
        }, REFRESH_MS);
      };
      const unsubscribes = histories.map((h) => h.history.subscribe(later));
      return () => {
        unsubscribes.forEach((u) => u());
        if (timer !== null) clearTimeout(timer);
      };
    },
    [histories],
  );
  const versions = useCallback(() => histories.map((h) => h.history.version).join(), [histories]);
  return useSyncExternalStore(subscribe, versions, versions);
}

/**
 * A task suite's normalised scores, from each run's latest metrics: for one
 * suite run, per game its mean return of the last 100 episodes against the
 * random and reference scores; for a comparison, each run's normalised
 * score per game with its median and mean, and the single-game agents'
 * together. Renders nothing for runs that play no suite game together.
 */
export function SuiteScores({ histories }: SuiteScoresProps) {
  useHistoriesVersion(histories);
  const runs = histories.flatMap(({ label, history, config }) => {
    if (!config) return [];
    const scores = runScores(label, config, history.latest);
    return scores ? [{ scores, latest: history.latest }] : [];
  });
  const rows = runs.map((r) => r.scores);
  if (!rows.some((r) => r.kind === 'suite')) return null;
  if (histories.length === 1) return <GameTable label={rows[0]!.label} latest={runs[0]!.latest} />;
  return (
    <div className="suite-scores">
      <ComparisonTable rows={rows} />
      {runs
        .filter((r) => r.scores.kind === 'suite')
        .map((r) => (
          <details key={r.scores.label} className="suite-scores-details">
            <summary>Per game: {r.scores.label}</summary>
            <GameTable label={r.scores.label} latest={r.latest} />
          </details>
        ))}
    </div>
  );
}

/** One suite run, game by game: the normalised score from its mean return, random and reference scores. */
function GameTable({ label, latest }: { label: string; latest: MetricsRecord | null }) {
  const tasks = latest?.tasks ?? [];
  const popart = tasks.some((t) => t.popartMu !== null);
  return (
    <div className="score-table-wrap">
      <table className="score-table" data-testid="suite-scores">
        <caption>
          Normalised score of {label}: (return − random) / (reference − random), 0 for a uniformly random policy, 1 for the reference (the best MinAtar-paper
          baseline at 5 million frames).
        </caption>
        <thead>
          <tr>
            <th scope="col">Game</th>
            <th scope="col">Frames</th>
            <th scope="col">Episodes</th>
            <th scope="col">Mean return (last 100)</th>
            <th scope="col">Random</th>
            <th scope="col">Reference</th>
            <th scope="col">Normalised score</th>
            {popart && (
              <th scope="col">
                PopArt <abbr title="mean of the value targets">μ</abbr> / <abbr title="their standard deviation">σ</abbr>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {tasks.length === 0 && (
            <tr>
              <td colSpan={popart ? 8 : 7}>No update yet: press Train.</td>
            </tr>
          )}
          {tasks.map((t) => (
            <tr key={t.task} data-game={t.task}>
              <th scope="row">{gameTitle(t.task)}</th>
              <td>{fmt(t.frames, 0)}</td>
              <td>{fmt(t.episodes, 0)}</td>
              <td>{fmt(t.episodeReturnMean100)}</td>
              <td>{fmt(RANDOM_SCORES[t.task])}</td>
              <td>{fmt(REFERENCE_SCORES[t.task], 1)}</td>
              <td data-testid="normalised-score">{fmt(t.normalisedScore)}</td>
              {popart && (
                <td>
                  {fmt(t.popartMu)} / {fmt(t.popartSigma)}
                </td>
              )}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={6}>
              Median over the games
            </th>
            <td data-testid="normalised-median">{fmt(latest?.normalisedScoreMedian)}</td>
          </tr>
          <tr>
            <th scope="row" colSpan={6}>
              Mean over the games
            </th>
            <td data-testid="normalised-mean">{fmt(latest?.normalisedScoreMean)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** Every run's normalised score per game, with its median and mean; then the single-game agents taken together. */
function ComparisonTable({ rows }: { rows: readonly RunScores[] }) {
  const games = gamesOf(rows);
  const singles = singlesSummary(rows);
  const row = (r: RunScores, summary: boolean) => (
    <tr key={summary ? '(singles)' : r.label} className={summary ? 'score-table-summary' : undefined}>
      <th scope="row">{r.label}</th>
      <td>{summary ? '' : fmt(r.frames, 0)}</td>
      {games.map((g) => (
        <td key={g}>{g in r.games ? fmt(r.games[g]) : ''}</td>
      ))}
      <td data-testid="comparison-median">{fmt(r.median)}</td>
      <td>{fmt(r.mean)}</td>
    </tr>
  );
  return (
    <div className="score-table-wrap">
      <table className="score-table" data-testid="comparison-scores">
        <caption>
          Normalised scores per game (0 random, 1 the MinAtar paper&rsquo;s reference), from each run&rsquo;s mean return of its last 100 episodes; a suite
          agent&rsquo;s median and mean are over its games, the single-game agents&rsquo; over their games together (each with its share of the frames).
        </caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Frames</th>
            {games.map((g) => (
              <th key={g} scope="col">
                {gameTitle(g)}
              </th>
            ))}
            <th scope="col">Median</th>
            <th scope="col">Mean</th>
          </tr>
        </thead>
        <tbody>{rows.map((r) => row(r, false))}</tbody>
        {singles && <tfoot>{row(singles, true)}</tfoot>}
      </table>
    </div>
  );
}
