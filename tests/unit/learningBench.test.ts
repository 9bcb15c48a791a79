import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { benchLearning, defaultThresholds, parseLearningFlags } from '../../bench/learningBench';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { useTempDirs } from '../support/trainerIo';

const tempDir = useTempDirs('impala-bench-learning-');

describe('npm run bench -- learning', () => {
  it('separates its own flags from the trainer\'s and refuses what it cannot do', () => {
    expect(parseLearningFlags(['--seeds', '4,5', '--frames', '800', '--thresholds=100,200', '--json', 'x.json', '--deterministic'])).toEqual({
      seeds: [4, 5], thresholds: [100, 200], json: 'x.json', out: 'runs/bench-learning', trainerArgs: ['--frames', '800', '--deterministic'],
    });
    expect(parseLearningFlags(['--seeds', '1,1'])).toMatch(/names a seed twice/);
    expect(parseLearningFlags(['--seeds', '1.5'])).toMatch(/integers/);
    expect(parseLearningFlags(['--thresholds', 'abc'])).toMatch(/numbers/);
    expect(parseLearningFlags(['--seed', '3'])).toMatch(/use --seeds/);
    expect(parseLearningFlags(['--resume', 'runs/x'])).toMatch(/--resume does not apply/);
    expect(parseLearningFlags(['--json'])).toMatch(/--json needs a value/);
  });

  it('times CartPole against 475, a MinAtar game against its reference return, the suite against 1', () => {
    expect(defaultThresholds(DEFAULT_CONFIG)).toEqual([475]);
    expect(defaultThresholds({ ...DEFAULT_CONFIG, env: 'minatar/breakout' })).toEqual([17.5]);
    expect(defaultThresholds({ ...DEFAULT_CONFIG, env: 'suite/minatar' })).toEqual([1]);
    expect(defaultThresholds({ ...DEFAULT_CONFIG, env: 'classic/Acrobot-v1' })).toEqual([]);
  });

  it('trains each seed into its own folder and writes figures that match each run\'s metrics', async () => {
    const out = tempDir();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const code = await benchLearning(['--seeds', '1,2', '--frames', '1600', '--deterministic', '--thresholds', '15,1000', '--out', out]);
      expect(code).toBe(0);
    } finally {
      log.mockRestore();
    }
    const json = JSON.parse(readFileSync(join(out, 'learning.json'), 'utf8')) as {
      seeds: number[];
      settings: { runs: { seed: number; summary: { frames: number; finalScore: number | null; reached: { threshold: number; frames: number | null }[] } }[]; summary: { seeds: number } }[];
    };
    expect(json.seeds).toEqual([1, 2]);
    const runs = json.settings[0]!.runs;
    expect(runs.map((r) => r.seed)).toEqual([1, 2]);
    for (const run of runs) {
      const records = readFileSync(join(out, `seed${run.seed}`, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricsRecord);
      expect(run.summary.frames).toBe(records.at(-1)!.frames);
      expect(run.summary.finalScore).toBe(records.at(-1)!.episodeReturnMean100);
      const first15 = records.find((r) => (r.episodeReturnMean100 ?? -Infinity) >= 15)?.frames ?? null;
      expect(run.summary.reached).toEqual([{ threshold: 15, frames: first15 }, { threshold: 1000, frames: null }]);
    }
    // Different seeds, different runs.
    expect(runs[0]!.summary.finalScore).not.toBe(runs[1]!.summary.finalScore);
  });

  it('reads each of a comparison preset\'s runs from its own folder, also when --only leaves one', async () => {
    const out = tempDir();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const code = await benchLearning(['--seeds', '1', '--preset', 'ablation', '--only', 'no-correction', '--frames', '1600', '--deterministic', '--out', out]);
      expect(code).toBe(0);
    } finally {
      log.mockRestore();
    }
    const json = JSON.parse(readFileSync(join(out, 'learning.json'), 'utf8')) as {
      settings: { label: string; runs: { dir: string; summary: { frames: number; finalScore: number | null } }[] }[];
    };
    expect(json.settings.map((s) => s.label)).toEqual(['No correction']);
    const run = json.settings[0]!.runs[0]!;
    expect(run.dir).toBe(join(out, 'seed1', 'no-correction'));
    const records = readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricsRecord);
    expect(run.summary.frames).toBe(records.at(-1)!.frames);
    expect(run.summary.finalScore).toBe(records.at(-1)!.episodeReturnMean100);
  });
});
