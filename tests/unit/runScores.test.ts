import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { presetById, presetRuns } from '../../src/core/config/presets';
import type { MinAtarGameName } from '../../src/core/envs/minatar/game';
import { RANDOM_SCORES, REFERENCE_SCORES } from '../../src/core/envs/suite/scores';
import type { MetricsRecord, TaskRecord } from '../../src/core/telemetry/metrics';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { SuiteScores } from '../../src/ui/components/SuiteScores';
import { gamesOf, runScores, singlesSummary } from '../../src/core/telemetry/runScores';

/** A metrics record with only what the score tables read set meaningfully. */
function record(over: Partial<MetricsRecord>): MetricsRecord {
  return {
    frames: 1000, updates: 1, episodes: 0, episodeReturnMean100: null, episodeLengthMean100: null, fps: 0,
    policyLagMin: 0, policyLagMean: 0, policyLagMax: 0, queueDepth: 0, actorRestarts: 0, learningRate: 0,
    totalLoss: 0, policyGradientLoss: 0, baselineLoss: 0, entropyLoss: 0, entropy: 0, gradNorm: 0, clippedRhoFraction: 0,
    skippedUpdates: 0, timeWaitMs: 0, timeAssembleMs: 0, timeForwardBackwardMs: 0, timeApplyMs: 0, timePublishMs: 0, wallSeconds: 0,
    tasks: null, normalisedScoreMean: null, normalisedScoreMedian: null,
    ...over,
  };
}

/** The return whose normalised score is `score`: random + score (reference - random). */
const returnFor = (game: MinAtarGameName, score: number): number => RANDOM_SCORES[game] + score * (REFERENCE_SCORES[game] - RANDOM_SCORES[game]);

function task(game: MinAtarGameName, score: number | null, popart = false): TaskRecord {
  return {
    task: game, frames: 200, episodes: score === null ? 0 : 3,
    episodeReturnMean100: score === null ? null : returnFor(game, score), normalisedScore: score,
    popartMu: popart ? 1.5 : null, popartSigma: popart ? 2.5 : null,
  };
}

const suite: ExperimentConfig = { ...DEFAULT_CONFIG, env: 'suite/minatar', tasks: 'breakout,freeway,seaquest', network: 'minatar' };
const single = (game: MinAtarGameName): ExperimentConfig => ({ ...DEFAULT_CONFIG, env: `minatar/${game}`, network: 'minatar' });

describe('runScores', () => {
  it("reads a suite run's per-game scores and its median and mean from the latest record", () => {
    const latest = record({ frames: 600, tasks: [task('breakout', 0.5), task('freeway', 0.25), task('seaquest', 1)], normalisedScoreMedian: 0.5, normalisedScoreMean: 0.5833 });
    expect(runScores('Suite', suite, latest)).toEqual({
      label: 'Suite', kind: 'suite', frames: 600,
      games: { breakout: 0.5, freeway: 0.25, seaquest: 1 },
      median: 0.5, mean: 0.5833,
    });
    expect(runScores('Suite', suite, null)).toMatchObject({ kind: 'suite', frames: 0, games: {}, median: null });
  });

  it("scores a single game's run from its mean return with the formula (return - random) / (reference - random)", () => {
    const row = runScores('Breakout only', single('breakout'), record({ episodeReturnMean100: 9 }));
    const expected = (9 - RANDOM_SCORES.breakout) / (REFERENCE_SCORES.breakout - RANDOM_SCORES.breakout);
    expect(row?.kind).toBe('single');
    expect(row?.games.breakout).toBeCloseTo(expected, 12);
    expect(row?.median).toBe(row?.games.breakout);
    expect(runScores('x', single('freeway'), record({}))?.games).toEqual({ freeway: null });
    expect(runScores('CartPole', DEFAULT_CONFIG, record({ episodeReturnMean100: 500 }))).toBeNull();
  });
});

describe('singlesSummary', () => {
  it("takes each game's single-game agent, and their median once every one has a score", () => {
    const rows = [
      runScores('Suite', suite, null)!,
      runScores('Breakout only', single('breakout'), record({ frames: 100, episodeReturnMean100: returnFor('breakout', 0.2) }))!,
      runScores('Freeway only', single('freeway'), record({ frames: 100, episodeReturnMean100: returnFor('freeway', 0.9) }))!,
      runScores('Seaquest only', single('seaquest'), record({ frames: 100 }))!,
    ];
    const waiting = singlesSummary(rows);
    expect(waiting?.median).toBeNull();
    expect(waiting?.frames).toBe(300);
    rows[3] = runScores('Seaquest only', single('seaquest'), record({ frames: 100, episodeReturnMean100: returnFor('seaquest', 0.4) }))!;
    const done = singlesSummary(rows);
    expect(done?.median).toBeCloseTo(0.4, 12);
    expect(done?.mean).toBeCloseTo(0.5, 12);
    expect(gamesOf(rows)).toEqual(['breakout', 'freeway', 'seaquest']);
    expect(singlesSummary([rows[0]!])).toBeNull();
  });
});

describe('SuiteScores', () => {
  it('shows one suite run game by game: return, random, reference, normalised score, median and mean', () => {
    const history = new TrainingHistory();
    history.addRecord(record({ tasks: [task('breakout', 0.5, true), task('freeway', 0.25, true), task('seaquest', null, true)] }));
    const html = renderToStaticMarkup(createElement(SuiteScores, { histories: [{ label: 'Run', history, config: { ...suite, popart: true } }] }));
    expect(html).toContain('data-testid="suite-scores"');
    const breakout = /<tr data-game="breakout">(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect(breakout).toContain('>Breakout<');
    expect(breakout).toContain(`>${returnFor('breakout', 0.5).toFixed(2)}<`);
    expect(breakout).toContain(`>${RANDOM_SCORES.breakout.toFixed(2)}<`);
    expect(breakout).toContain('>17.5<');
    expect(breakout).toContain('>0.50<');
    expect(breakout).toContain('1.50 / 2.50');
    expect(/<tr data-game="seaquest">.*?data-testid="normalised-score">–</.test(html)).toBe(true);
    expect(html).toMatch(/data-testid="normalised-median">–</);
  });

  it('renders nothing for runs that are not a task suite', () => {
    const html = renderToStaticMarkup(createElement(SuiteScores, { histories: [{ label: 'Run', history: new TrainingHistory(), config: DEFAULT_CONFIG }] }));
    expect(html).toBe('');
    expect(renderToStaticMarkup(createElement(SuiteScores, { histories: [{ label: 'Run', history: new TrainingHistory() }] }))).toBe('');
  });

  it("compares the multitask preset's seven runs in one table, with the single-game agents' median", () => {
    const preset = presetById('multitask')!;
    const histories = presetRuns(preset).map(({ label, config }) => ({ label, config, history: new TrainingHistory() }));
    const html = renderToStaticMarkup(createElement(SuiteScores, { histories }));
    expect(html).toContain('data-testid="comparison-scores"');
    for (const { label } of histories) expect(html).toContain(`>${label}<`);
    expect(html).toContain('>Single-game agents<');
    for (const game of ['Asterix', 'Breakout', 'Freeway', 'Seaquest', 'Space Invaders']) expect(html).toContain(`<th scope="col">${game}</th>`);
    // Each suite run's per-game table, folded away.
    expect(html.match(/<details/g)).toHaveLength(2);
  });
});
