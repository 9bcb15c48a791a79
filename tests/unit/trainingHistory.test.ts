import { describe, expect, it } from 'vitest';
import type { MinAtarGameName } from '../../src/core/envs/minatar/game';
import type { MetricsRecord, TaskRecord } from '../../src/core/telemetry/metrics';
import { METRIC_KEYS, TASK_KEYS } from '../../src/core/telemetry/exportColumns';
import { HISTORY_CHARTS, TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { ThinnedLog } from '../../src/core/telemetry/thinnedLog';

function record(i: number, over: Partial<MetricsRecord> = {}): MetricsRecord {
  return {
    frames: (i + 1) * 80,
    updates: i + 1,
    episodes: i,
    episodeReturnMean100: i === 0 ? null : i / 2,
    episodeLengthMean100: i === 0 ? null : 20,
    fps: 1000 + i,
    policyLagMin: 0,
    policyLagMean: 0.5,
    policyLagMax: i % 3,
    queueDepth: 1,
    actorRestarts: 0,
    learningRate: 6e-4,
    totalLoss: 1.5,
    policyGradientLoss: 0.25,
    baselineLoss: 2,
    entropyLoss: -0.75,
    entropy: 0.69,
    gradNorm: 3,
    clippedRhoFraction: 0.125,
    skippedUpdates: 0,
    timeWaitMs: 1,
    timeAssembleMs: 2,
    timeForwardBackwardMs: 3,
    timeApplyMs: 1,
    timePublishMs: 4,
    wallSeconds: i / 10,
    tasks: null,
    normalisedScoreMean: null,
    normalisedScoreMedian: null,
    ...over,
  };
}

describe('TrainingHistory', () => {
  it('charts each record against frames', () => {
    const h = new TrainingHistory();
    h.addRecord(record(0));
    h.addRecord(record(1, { totalLoss: NaN }));
    expect(h.columns('fps')).toEqual([[80, 160], [1000, 1001]]);
    expect(h.columns('lag')).toEqual([[80, 160], [0.5, 0.5], [0, 1]]);
    expect(h.columns('loss')).toEqual([[80, 160], [0.25, 0.25], [2, 2], [-0.75, -0.75], [1.5, null]]);
    expect(h.columns('entropy')).toEqual([[80, 160], [0.69, 0.69]]);
    expect(h.columns('clippedRho')).toEqual([[80, 160], [0.125, 0.125]]);
    for (const [chart, names] of Object.entries(HISTORY_CHARTS)) {
      if (chart !== 'return') expect(h.columns(chart as keyof typeof HISTORY_CHARTS)).toHaveLength(names.length + 1);
    }
  });

  it('plots each episode return and the mean of the last 100 episodes', () => {
    const h = new TrainingHistory();
    const returns = Array.from({ length: 150 }, (_, i) => i);
    h.addEpisodes(returns.slice(0, 50), returns.slice(0, 50).map(() => 10), 400);
    h.addEpisodes(returns.slice(50), returns.slice(50).map(() => 10), 800);
    const [xs, raw, mean] = h.columns('return');
    expect(xs).toHaveLength(150);
    expect(xs[0]).toBe(400);
    expect(xs[149]).toBe(800);
    expect(raw).toEqual(returns);
    // Independent reference: the mean of returns max(0, i-99)..i.
    returns.forEach((_, i) => {
      const window = returns.slice(Math.max(0, i - 99), i + 1);
      expect(mean![i]).toBeCloseTo(window.reduce((a, b) => a + b, 0) / window.length, 10);
    });
    expect(h.episodes[0]).toEqual({ frames: 400, return: 0, length: 10 });
    expect(h.episodeCount).toBe(150);
  });

  it('notifies once per call, once per batch, and stops after unsubscribe', () => {
    const h = new TrainingHistory();
    let calls = 0;
    const unsubscribe = h.subscribe(() => calls++);
    h.addEpisodes([1, 2, 3, 4], [5, 6, 7, 8], 100);
    expect(calls).toBe(1);
    h.addEpisodes([], [], 100);
    expect(calls).toBe(1);
    h.batch(() => {
      h.addEpisodes([1], [2], 200);
      h.addRecord(record(1));
    });
    expect(calls).toBe(2);
    expect(h.version).toBe(3);
    h.clear();
    expect(calls).toBe(3);
    expect(h.columns('return')).toEqual([[], [], []]);
    expect(h.records).toHaveLength(0);
    unsubscribe();
    h.addRecord(record(2));
    expect(calls).toBe(3);
    expect(h.version).toBe(5);
  });

  it('caches chart data until the next change', () => {
    const h = new TrainingHistory();
    h.addRecord(record(0));
    const a = h.columns('loss');
    expect(h.columns('loss')).toBe(a);
    h.addRecord(record(1));
    expect(h.columns('loss')).not.toBe(a);
  });

  it('exports CSV with the documented header and one row per record', () => {
    const h = new TrainingHistory();
    h.addRecord(record(0));
    h.addRecord(record(1));
    const lines = h.toCSV().trimEnd().split('\n');
    expect(lines[0]).toBe(METRIC_KEYS.join(','));
    expect(lines).toHaveLength(3);
    const row = lines[1]!.split(',');
    expect(row).toHaveLength(METRIC_KEYS.length);
    expect(row[METRIC_KEYS.indexOf('frames')]).toBe('80');
    expect(row[METRIC_KEYS.indexOf('episodeReturnMean100')]).toBe('');
    expect(row[METRIC_KEYS.indexOf('learningRate')]).toBe('0.0006');
    expect(lines[2]!.split(',')[METRIC_KEYS.indexOf('episodeReturnMean100')]).toBe('0.5');
    // Every MetricsRecord key is a column, once (a suite's per-game `tasks` become <game>.<key> columns).
    expect(new Set(METRIC_KEYS).size).toBe(METRIC_KEYS.length);
    expect([...METRIC_KEYS, 'tasks'].sort()).toEqual(Object.keys(record(0)).sort());
  });

  it('exports JSON with records and episodes', () => {
    const h = new TrainingHistory();
    h.addEpisodes([3.5], [12], 80);
    h.addRecord(record(0));
    const parsed = JSON.parse(h.toJSON()) as { records: MetricsRecord[]; episodes: unknown[]; recordsTotal: number };
    expect(parsed.records).toEqual([record(0)]);
    expect(parsed.episodes).toEqual([{ frames: 80, return: 3.5, length: 12 }]);
    expect(parsed.recordsTotal).toBe(1);
  });

  it('memory stays bounded over 1,000,000 records and episodes', () => {
    const h = new TrainingHistory();
    const returns = Array.from({ length: 1000 }, (_, i) => i % 7);
    const lengths = returns.map(() => 10);
    for (let i = 0; i < 1_000_000; i++) {
      h.addRecord(record(i));
      if (i % 1000 === 0) h.addEpisodes(returns, lengths, (i + 1) * 80);
    }
    expect(h.recordCount).toBe(1_000_000);
    expect(h.episodeCount).toBe(1_000_000);
    expect(h.records.length).toBeLessThanOrEqual(20_000);
    expect(h.episodes.length).toBeLessThanOrEqual(20_000);
    for (const chart of Object.keys(HISTORY_CHARTS) as (keyof typeof HISTORY_CHARTS)[]) {
      // A single environment has no suite scores.
      if (chart === 'normalisedScore') continue;
      const columns = h.columns(chart);
      for (const column of columns) expect(column.length).toBeLessThanOrEqual(2048);
      expect(columns[0].length).toBeGreaterThanOrEqual(1024);
    }
    // The whole run stays visible, first frames to last, and the latest record is kept.
    const [xs] = h.columns('fps');
    expect(xs[0]).toBeLessThan(80 * 1000);
    expect(xs.at(-1)).toBe(80_000_000);
    expect(h.latest?.updates).toBe(1_000_000);
    expect(h.toCSV().split('\n').length).toBeLessThanOrEqual(20_002);
  });
});

/** A suite record: update i of a two-game suite where breakout gets 3 of every 4 frames and asterix finishes its first episode at update 2. */
function suiteRecord(i: number): MetricsRecord {
  const task = (name: MinAtarGameName, frames: number, ret: number | null): TaskRecord => ({
    task: name,
    frames,
    episodes: ret === null ? 0 : i,
    episodeReturnMean100: ret,
    normalisedScore: ret === null ? null : ret / 4,
    popartMu: 0.5,
    popartSigma: 2,
  });
  const asterix = task('asterix', (i + 1) * 20, i < 2 ? null : i);
  const breakout = task('breakout', (i + 1) * 60, 2 * i);
  const complete = asterix.normalisedScore !== null;
  return record(i, {
    tasks: [asterix, breakout],
    normalisedScoreMean: complete ? (asterix.normalisedScore! + breakout.normalisedScore!) / 2 : null,
    normalisedScoreMedian: complete ? (asterix.normalisedScore! + breakout.normalisedScore!) / 2 : null,
  });
}

describe('TrainingHistory of a task suite', () => {
  it("charts each game's mean-100 return against that game's own frames", () => {
    const h = new TrainingHistory();
    expect(h.tasks).toEqual([]);
    for (let i = 0; i < 4; i++) h.addRecord(suiteRecord(i));
    expect(h.tasks).toEqual(['asterix', 'breakout']);
    expect(h.taskColumns('asterix')).toEqual([[20, 40, 60, 80], [null, null, 2, 3]]);
    expect(h.taskColumns('breakout')).toEqual([[60, 120, 180, 240], [0, 2, 4, 6]]);
    expect(h.taskColumns('freeway')).toEqual([[], []]);
    // Mean and median normalised score against total frames, gaps until every game has a score.
    expect(h.columns('normalisedScore')).toEqual([[80, 160, 240, 320], [null, null, 0.75, 1.125], [null, null, 0.75, 1.125]]);
  });

  it('has no per-game series for a single environment', () => {
    const h = new TrainingHistory();
    h.addRecord(record(0));
    expect(h.tasks).toEqual([]);
    expect(h.columns('normalisedScore')).toEqual([[], [], []]);
  });

  it('exports <game>.<key> columns in CSV and the TaskRecords in JSON', () => {
    const h = new TrainingHistory();
    h.addRecord(suiteRecord(0));
    h.addRecord(suiteRecord(2));
    const lines = h.toCSV().trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const taskColumns = ['asterix', 'breakout'].flatMap((g) => TASK_KEYS.map((k) => `${g}.${k}`));
    expect(header).toEqual([...METRIC_KEYS, ...taskColumns]);
    expect(header).toContain('asterix.frames');
    expect(header).toContain('breakout.episodeReturnMean100');
    expect(header).toContain('asterix.normalisedScore');
    const cell = (line: number, column: string): string => lines[line]!.split(',')[header.indexOf(column)]!;
    expect(cell(1, 'asterix.frames')).toBe('20');
    expect(cell(1, 'asterix.episodeReturnMean100')).toBe('');
    expect(cell(2, 'asterix.episodeReturnMean100')).toBe('2');
    expect(cell(2, 'breakout.frames')).toBe('180');
    expect(cell(2, 'breakout.normalisedScore')).toBe('1');
    expect(cell(2, 'breakout.popartSigma')).toBe('2');
    expect(cell(2, 'normalisedScoreMedian')).toBe('0.75');
    const parsed = JSON.parse(h.toJSON()) as { tasks: string[]; taskKeys: string[]; records: MetricsRecord[] };
    expect(parsed.tasks).toEqual(['asterix', 'breakout']);
    expect(parsed.taskKeys).toEqual([...TASK_KEYS]);
    expect(parsed.records[1]!.tasks).toEqual(suiteRecord(2).tasks);
  });

  it('forgets the games on clear', () => {
    const h = new TrainingHistory();
    h.addRecord(suiteRecord(0));
    h.clear();
    expect(h.tasks).toEqual([]);
    expect(h.taskColumns('asterix')).toEqual([[], []]);
    expect(h.toCSV()).toBe(`${METRIC_KEYS.join(',')}\n`);
  });

  it('keeps per-game series bounded over 100,000 updates', () => {
    const h = new TrainingHistory({ seriesCapacity: 256, recordCapacity: 1000 });
    for (let i = 0; i < 100_000; i++) h.addRecord(suiteRecord(i));
    for (const task of h.tasks) {
      const [xs, ys] = h.taskColumns(task);
      expect(xs.length, task).toBeLessThanOrEqual(256);
      expect(xs.length, task).toBeGreaterThanOrEqual(128);
      expect(ys).toHaveLength(xs.length);
      expect(xs.at(-1), task).toBe(task === 'asterix' ? 100_000 * 20 : 100_000 * 60);
    }
    expect(h.columns('normalisedScore')[0].length).toBeLessThanOrEqual(256);
    expect(h.records.length).toBeLessThanOrEqual(1000);
  });
});

describe('ThinnedLog', () => {
  it('keeps every item up to capacity, then every 2nd, 4th, ... evenly, the latest last', () => {
    const log = new ThinnedLog<number>(8);
    for (let i = 1; i <= 8; i++) log.push(i);
    // Full at 8: every 2nd kept.
    expect(log.items).toEqual([2, 4, 6, 8]);
    log.push(9);
    expect(log.items).toEqual([2, 4, 6, 8, 9]);
    log.push(10);
    expect(log.items).toEqual([2, 4, 6, 8, 10]);
    for (let i = 11; i <= 16; i++) log.push(i);
    // Full again at 16: every 4th kept.
    expect(log.items).toEqual([4, 8, 12, 16]);
    expect(log.stride).toBe(4);
    for (let i = 17; i <= 1000; i++) {
      log.push(i);
      expect(log.items.length).toBeLessThanOrEqual(8);
      expect(log.items.at(-1)).toBe(i);
    }
    const kept = log.items.slice(0, -1);
    // Evenly spread: all multiples of the stride.
    for (const v of kept) expect(v % log.stride).toBe(0);
  });
});
