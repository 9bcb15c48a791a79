import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPACT_MODEL_VERSION, decodeCompactModel } from '../../src/core/persistence/compactModel';
import { decodeCheckpoint } from '../../src/core/persistence/checkpoint';
import { decodeZooManifest, ZOO_BUDGET_BYTES, type ZooManifest } from '../../src/core/persistence/zooManifest';
import { checkZoo, runZoo, trainerArgsOf } from '../../src/node/zooBuilder';
import { ZOO_ENTRIES, type ZooEntrySpec } from '../../src/node/zooEntries';
import { Capture, useTempDirs } from '../support/trainerIo';

const tempDir = useTempDirs('impala-zoo-');

/** Two tiny CartPole agents, trained deterministically (the same seed gives the same model). */
const ENTRIES: ZooEntrySpec[] = [
  { id: 'tiny', presets: ['cartpole', 'ablation'], args: ['--env', 'classic/CartPole-v1', '--frames', '2400', '--seed', '4', '--deterministic', '--quiet'] },
  { id: 'tiny-lstm', presets: ['memory'], args: ['--env', 'classic/CartPole-v1', '--core', 'lstm', '--core-size', '8', '--frames', '1600', '--seed', '2', '--deterministic', '--quiet'] },
];

async function zoo(argv: string[], dirs: { zooDir: string; runsDir: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runZoo(argv, { stdout, stderr }, { entries: ENTRIES, ...dirs, now: () => new Date('2026-03-04T05:06:07.000Z') });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const manifestOf = (dir: string): ZooManifest => decodeZooManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'));

describe('npm run zoo', () => {
  it('trains each entry with the trainer, writes compact models and a manifest that --check accepts, and --only retrains one keeping the other', async () => {
    const dirs = { zooDir: tempDir(), runsDir: tempDir() };
    const first = await zoo([], dirs);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const manifest = manifestOf(dirs.zooDir);
    expect(manifest.entries.map((e) => e.id)).toEqual(['tiny', 'tiny-lstm']);
    const tiny = manifest.entries[0]!;
    // The figures come from the run's own files: its checkpoint and the last line of its metrics.
    const checkpoint = decodeCheckpoint(readFileSync(join(dirs.runsDir, 'tiny', 'checkpoint.json'), 'utf8'));
    const metrics = readFileSync(join(dirs.runsDir, 'tiny', 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { episodeReturnMean100: number | null; wallSeconds: number });
    expect(tiny).toMatchObject({
      presets: ['cartpole', 'ablation'],
      env: 'classic/CartPole-v1',
      frames: checkpoint.frames,
      updates: checkpoint.version,
      meanReturn: metrics.at(-1)!.episodeReturnMean100,
      wallSeconds: metrics.at(-1)!.wallSeconds,
      date: '2026-03-04T05:06:07.000Z',
      file: 'tiny.json',
      formatVersion: COMPACT_MODEL_VERSION,
      command: 'npm run train -- --env classic/CartPole-v1 --frames 2400 --seed 4 --deterministic --quiet',
    });
    expect(tiny.frames).toBeGreaterThanOrEqual(2400);
    expect(tiny.meanReturn).toBeGreaterThan(0);
    expect(tiny.settings).toEqual(checkpoint.config);
    expect(tiny.settings.seed).toBe(4);
    expect(tiny.bytes).toBe(readFileSync(join(dirs.zooDir, 'tiny.json')).length);
    expect(manifest.totalBytes).toBe(manifest.entries[0]!.bytes + manifest.entries[1]!.bytes);
    // The compact model is the checkpoint's, in float16.
    const model = decodeCompactModel(readFileSync(join(dirs.zooDir, 'tiny.json'), 'utf8'));
    expect(model.version).toBe(checkpoint.version);
    model.weights.forEach((w, i) => w.forEach((x, k) => expect(Math.abs(x - checkpoint.weights[i]![k]!)).toBeLessThanOrEqual(Math.abs(checkpoint.weights[i]![k]!) * 2 ** -11 + 1e-7)));
    expect(manifest.entries[1]!.settings.core).toBe('lstm');

    const checked = await zoo(['--check'], dirs);
    expect(checked.stdout).toMatch(/zoo: 2 agents \(tiny, tiny-lstm\), 0\.\d\d MB of 5\.00 MB: OK/);
    expect(checked.code).toBe(0);

    // --only with --frames: retrains one, for other frames, and keeps the other's entry as it was.
    const lstmBefore = manifest.entries[1];
    const again = await zoo(['--only', 'tiny', '--frames', '800'], dirs);
    expect(again.code).toBe(0);
    const merged = manifestOf(dirs.zooDir);
    expect(merged.entries.map((e) => e.id)).toEqual(['tiny', 'tiny-lstm']);
    expect(merged.entries[0]!.frames).toBeLessThan(1200);
    expect(merged.entries[0]!.command).toContain('--frames 800');
    expect(merged.entries[1]).toEqual(lstmBefore);
    expect((await zoo(['--check'], dirs)).code).toBe(0);
  });

  it('--check names what is wrong: a file changed since, one missing, an old format version, an entry not in the list', async () => {
    const dirs = { zooDir: tempDir(), runsDir: tempDir() };
    expect((await zoo(['--only', 'tiny'], dirs)).code).toBe(0);
    const path = join(dirs.zooDir, 'tiny.json');
    const good = readFileSync(path, 'utf8');
    const manifestText = readFileSync(join(dirs.zooDir, 'manifest.json'), 'utf8');

    writeFileSync(path, `${good} `);
    let result = await zoo(['--check'], dirs);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/'tiny': .*tiny\.json has \d+ bytes, the manifest says \d+/);

    writeFileSync(path, good.replace('"formatVersion":1', '"formatVersion":0'));
    const stale = JSON.parse(manifestText) as ZooManifest;
    stale.entries[0]!.formatVersion = 0;
    writeFileSync(join(dirs.zooDir, 'manifest.json'), JSON.stringify(stale));
    result = await zoo(['--check'], dirs);
    expect(result.stderr).toMatch(/'tiny' is in compact format version 0, not the current 1: train it again: npm run zoo -- --only tiny/);
    expect(result.stderr).toMatch(/format version 0 is not supported/);

    writeFileSync(path, good);
    const foreign = JSON.parse(manifestText) as ZooManifest;
    foreign.entries[0]!.id = 'stranger';
    writeFileSync(join(dirs.zooDir, 'manifest.json'), JSON.stringify(foreign));
    expect((await zoo(['--check'], dirs)).stderr).toMatch(/'stranger' is not in the committed list/);

    const missing = JSON.parse(manifestText) as ZooManifest;
    missing.entries[0]!.file = 'gone.json';
    writeFileSync(join(dirs.zooDir, 'manifest.json'), JSON.stringify(missing));
    expect((await zoo(['--check'], dirs)).stderr).toMatch(/gone\.json is missing/);

    writeFileSync(join(dirs.zooDir, 'manifest.json'), '{"format": "something"}');
    expect((await zoo(['--check'], dirs)).stderr).toMatch(/not a zoo manifest/);
  });

  it('refuses unknown ids and flags, and overrides frames as asked', async () => {
    const dirs = { zooDir: tempDir(), runsDir: tempDir() };
    expect((await zoo(['--only', 'nope'], dirs)).stderr).toMatch(/no zoo entry 'nope' \(the entries: tiny, tiny-lstm\)/);
    expect((await zoo(['--bogus'], dirs)).code).toBe(2);
    expect((await zoo(['--frames', '10', '--frames-scale', '2'], dirs)).stderr).toMatch(/do not go together/);
    expect(trainerArgsOf(ENTRIES[0]!, null, 0.5)).toContain('1200');
    expect(trainerArgsOf(ENTRIES[0]!, 99, null)).toContain('99');
  });

  it('the committed list: one agent per single-environment preset, the memory lesson and the suite, each with a seed and frames', () => {
    expect(ZOO_ENTRIES.map((e) => e.id)).toEqual(['cartpole', 'breakout', 'asterix', 'freeway', 'seaquest', 'space_invaders', 'memory', 'suite']);
    for (const e of ZOO_ENTRIES) {
      expect(e.args).toContain('--seed');
      expect(trainerArgsOf(e, null, null)).toEqual(e.args);
    }
    expect(ZOO_ENTRIES.find((e) => e.id === 'asterix')!.args).toEqual(['--preset', 'asterix', '--frames', '5000000', '--seed', '1']);
    expect(ZOO_ENTRIES.find((e) => e.id === 'breakout')!.args).toEqual(['--preset', 'breakout', '--core', 'lstm', '--frames', '5000000', '--seed', '1']);
  });

  it('the zoo committed in public/zoo passes --check, within the budget', async () => {
    const problems = await checkZoo(join(__dirname, '..', '..', 'public', 'zoo'));
    expect(problems).toEqual([]);
    expect(manifestOf(join(__dirname, '..', '..', 'public', 'zoo')).totalBytes).toBeLessThanOrEqual(ZOO_BUDGET_BYTES);
  });
});
