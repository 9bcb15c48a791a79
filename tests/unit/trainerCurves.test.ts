import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { runTrainer } from '../../src/node/trainer';
import { closeTo, readCurveSvg } from '../support/svgCurves';
import { Capture, useTempDirs } from '../support/trainerIo';

/** The trainer's learning-curve.svg and episodes.jsonl, against its own metrics.jsonl. */

const tempDir = useTempDirs('impala-curves-');

function jsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

describe('npm run train: learning-curve.svg', () => {
  it('draws metrics.jsonl\'s mean100 against frames and every episode of episodes.jsonl', async () => {
    const out = tempDir();
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runTrainer(['--deterministic', '--frames', '1600', '--seed', '1', '--quiet', '--out', out], { stdout, stderr });
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/Wrote config\.json, metrics\.jsonl, episodes\.jsonl, learning-curve\.svg and checkpoint\.json/);
    expect(existsSync(join(out, 'learning-curve.svg'))).toBe(true);

    const metrics = jsonLines<MetricsRecord>(join(out, 'metrics.jsonl'));
    const episodes = jsonLines<{ episode: number; frames: number; return: number }>(join(out, 'episodes.jsonl'));
    const last = metrics.at(-1)!;
    expect(last.frames).toBe(1600);
    // CartPole with a random-ish policy ends dozens of episodes in 1,600 frames, fewer than 2,000: all are kept, numbered from 0.
    expect(last.episodes).toBeGreaterThan(10);
    expect(episodes.map((e) => e.episode)).toEqual(Array.from({ length: last.episodes }, (_, i) => i));
    // Each episode is stamped with the frames of the update that counted it.
    for (const r of metrics) expect(episodes.filter((e) => e.frames <= r.frames).length).toBe(r.episodes);
    // The last mean100 is the mean of the last 100 episodes' returns.
    const last100 = episodes.slice(-100);
    expect(last100).toHaveLength(Math.min(100, episodes.length));
    expect(last.episodeReturnMean100).toBeCloseTo(last100.reduce((s, e) => s + e.return, 0) / last100.length, 9);

    const { panels } = readCurveSvg(readFileSync(join(out, 'learning-curve.svg'), 'utf8'));
    expect(panels).toHaveLength(1);
    const [panel] = panels;
    const means = metrics.filter((r) => r.episodeReturnMean100 !== null).map((r): [number, number] => [r.frames, r.episodeReturnMean100!]);
    expect(means.length).toBeGreaterThan(0);
    expect(panel!.lines[0]!.runs).toHaveLength(1);
    expect(closeTo(panel!.lines[0]!.runs[0]!, means, panel!.tolerance)).toBeNull();
    expect(closeTo(panel!.dots[0]!.points, episodes.map((e) => [e.frames, e.return]), panel!.tolerance)).toBeNull();
  });
});
