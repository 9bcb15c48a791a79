import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfigStrict, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { applyPreset, comparisonRunConfig, comparisonRuns, presetById, presetRuns, PRESETS } from '../../src/core/config/presets';
import { ENVS, PICKABLE_ENV_IDS } from '../../src/core/envs/envInfo';
import { SUITE_GAMES, SUITE_ID } from '../../src/core/envs/suite/minatarSuite';

describe('PRESETS', () => {
  it('have unique ids and titles, and a description of one or two sentences', () => {
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(new Set(PRESETS.map((p) => p.title)).size).toBe(PRESETS.length);
    for (const preset of PRESETS) {
      expect(preset.title.length, preset.id).toBeGreaterThan(0);
      const sentences = preset.description.split(/[.!?](?:\s|$)/).filter((s) => s.trim().length > 0);
      expect(sentences.length, preset.id).toBeGreaterThanOrEqual(1);
      expect(sentences.length, preset.id).toBeLessThanOrEqual(2);
    }
  });

  it('each pass parseConfigStrict with no problems', () => {
    for (const preset of PRESETS) {
      expect(() => parseConfigStrict(preset.config), preset.id).not.toThrow();
      expect(() => parseConfigStrict({ ...DEFAULT_CONFIG, ...preset.config }), preset.id).not.toThrow();
    }
  });

  it('have valid comparison overrides with distinct labels', () => {
    const compared = PRESETS.filter((p) => p.comparison !== undefined);
    expect(compared.length).toBeGreaterThan(0);
    for (const preset of compared) {
      const runs = preset.comparison ?? [];
      expect(runs.length, preset.id).toBeGreaterThanOrEqual(2);
      expect(new Set(runs.map((r) => r.label)).size, preset.id).toBe(runs.length);
      for (const run of runs) {
        expect(() => parseConfigStrict(run.overrides), `${preset.id}/${run.label}`).not.toThrow();
        expect(() => parseConfigStrict({ ...preset.config, ...run.overrides }), `${preset.id}/${run.label}`).not.toThrow();
      }
    }
  });

  it('name registered environments (or the task suite), and one preset per MinAtar game', () => {
    const envs = PICKABLE_ENV_IDS;
    for (const preset of PRESETS) {
      if (preset.config.env !== undefined) expect(envs, preset.id).toContain(preset.config.env);
      for (const run of preset.comparison ?? []) {
        if (run.overrides.env !== undefined) expect(envs, `${preset.id}/${run.label}`).toContain(run.overrides.env);
      }
    }
    const minatar = ENVS.filter((e) => e.family === 'minatar').map((e) => e.id);
    for (const env of minatar) expect(PRESETS.filter((p) => p.config.env === env).length, env).toBe(1);
  });

  it('give MinAtar games the settings that learned Breakout', () => {
    const expected: Partial<ExperimentConfig> = {
      network: 'minatar',
      envsPerActor: 16,
      unrollLength: 20,
      batchSize: 4,
      queueCapacity: 8,
      learningRate: 0.008,
      entropyCost: 0.01,
      entropySchedule: 'constant',
      popart: false,
      popartBeta: 3e-4,
      frames: 5_000_000,
      stickyActionProb: 0.1,
      actionSet: 'full',
    };
    // Seaquest adds experience replay to them, Space Invaders replay and PopArt (bench/results/minatar-search.md).
    const own: Record<string, object> = { seaquest: { replayShare: 0.5 }, space_invaders: { replayShare: 0.5, popart: true } };
    for (const game of ['breakout', 'asterix', 'freeway', 'seaquest', 'space_invaders']) {
      const preset = presetById(game);
      expect(preset, game).toBeDefined();
      expect(preset?.config).toEqual({ env: `minatar/${game}`, ...expected, ...own[game] });
    }
  });

  it('CartPole is the defaults', () => {
    const preset = presetById('cartpole');
    expect(preset).toBeDefined();
    // With twice the frames: the tab, with more policy lag, needs them (1 of 3 seeds reached 475 by 100,000 there).
    if (preset) expect(applyPreset(preset)).toEqual({ ...DEFAULT_CONFIG, env: 'classic/CartPole-v1', frames: 200_000 });
  });

  it('the ablation compares V-trace with no correction under a policy lag of 8, without and with replay', () => {
    const preset = presetById('ablation');
    expect(preset).toBeDefined();
    if (!preset) return;
    const runs = presetRuns(preset);
    expect(runs.map((r) => r.label)).toEqual(['V-trace', 'No correction', 'V-trace + replay', 'No correction + replay']);
    expect(runs.map((r) => r.config.correction)).toEqual(['vtrace', 'none', 'vtrace', 'none']);
    expect(runs.map((r) => r.config.replayShare)).toEqual([0, 0, 0.5, 0.5]);
    for (const run of runs) {
      expect(run.config).toEqual({
        ...DEFAULT_CONFIG,
        env: 'classic/CartPole-v1',
        policyLag: 8,
        frames: 200_000,
        popartBeta: 3e-4,
        correction: run.config.correction,
        replayShare: run.config.replayShare,
      });
    }
  });
});

describe('the multitask preset', () => {
  const preset = presetById('multitask');
  const minatar = { network: 'minatar', unrollLength: 20, batchSize: 4, queueCapacity: 8, learningRate: 0.008, stickyActionProb: 0.1, actionSet: 'full' } as const;

  it('compares the suite with and without PopArt and the five single-game agents on one frame budget', () => {
    expect(preset).toBeDefined();
    if (!preset) return;
    const runs = presetRuns(preset);
    expect(runs.map((r) => r.label)).toEqual([
      'Suite with PopArt',
      'Suite without PopArt',
      'Asterix only',
      'Breakout only',
      'Freeway only',
      'Seaquest only',
      'Space Invaders only',
    ]);
    const [withPopArt, withoutPopArt, ...singles] = runs.map((r) => r.config);
    for (const suite of [withPopArt!, withoutPopArt!]) {
      expect(suite).toMatchObject({ ...minatar, env: SUITE_ID, tasks: SUITE_GAMES.join(','), envsPerActor: 10, frames: 1_000_000 });
    }
    expect([withPopArt!.popart, withoutPopArt!.popart]).toEqual([true, false]);
    expect(singles.map((c) => c.env)).toEqual(SUITE_GAMES.map((g) => `minatar/${g}`));
    for (const single of singles) expect(single).toMatchObject({ ...minatar, envsPerActor: 16, popart: false, frames: 200_000 });
    // The single-game agents together spend what one suite agent does.
    expect(singles.reduce((n, c) => n + c.frames, 0)).toBe(withPopArt!.frames);
    // Every run has the same settings apart from what sets it apart.
    const shared = (c: (typeof runs)[number]['config']) => ({ ...c, env: '', tasks: '', popart: false, envsPerActor: 0, frames: 0 });
    for (const run of runs) expect(shared(run.config), run.label).toEqual(shared(withPopArt!));
  });

  it('runs at full scale in the headless trainer: 25M frames a suite agent, 5M a single game', () => {
    if (!preset) return;
    const full = comparisonRuns(preset, {});
    expect(full.map((r) => r.config.frames)).toEqual([25_000_000, 25_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000]);
    expect(full.map((r) => r.config.popart)).toEqual([true, false, false, false, false, false, false]);
    // --frames sets the total budget instead; other flags apply to every run.
    const flagged = comparisonRuns(preset, { frames: 500_000, seed: 7 });
    expect(flagged.map((r) => r.config.frames)).toEqual([500_000, 500_000, 100_000, 100_000, 100_000, 100_000, 100_000]);
    expect(flagged.every((r) => r.config.seed === 7)).toBe(true);
    expect(preset.description).toContain('npm run train -- --preset multitask');
  });

  it("splits the lab's frame budget as the user sets it", () => {
    if (!preset) return;
    const base = { ...applyPreset(preset), frames: 3_000_000 };
    const runs = (preset.comparison ?? []).map((run) => comparisonRunConfig(base, run));
    expect(runs.map((c) => c.frames)).toEqual([3_000_000, 3_000_000, 600_000, 600_000, 600_000, 600_000, 600_000]);
  });
});

describe('applyPreset', () => {
  it('sets every named setting over the defaults and resets the rest', () => {
    for (const preset of PRESETS) {
      const config = applyPreset(preset);
      expect(config, preset.id).toEqual({ ...DEFAULT_CONFIG, ...preset.config });
      expect(presetRuns(preset).length, preset.id).toBe(preset.comparison?.length ?? 1);
    }
  });
});

describe('presetById', () => {
  it('finds every preset and nothing else', () => {
    for (const preset of PRESETS) expect(presetById(preset.id)).toBe(preset);
    expect(presetById('no-such-preset')).toBeUndefined();
    expect(presetById('')).toBeUndefined();
  });
});
