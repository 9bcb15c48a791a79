import { afterEach, describe, expect, it } from 'vitest';
import { decodeCompactModel } from '../../../src/core/persistence/compactModel';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, waitFor } from './labHarness';
// The zoo committed in public/zoo, as the site serves it (made by npm run zoo).
import manifestText from '../../../public/zoo/manifest.json?raw';
import cartpoleText from '../../../public/zoo/cartpole.json?raw';

const SITE_ZOO: Record<string, string> = { 'manifest.json': manifestText, 'cartpole.json': cartpoleText };

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) {
    lab.zoo.playback.dispose();
    await disposeLab(lab);
  }
  lab = null;
});

describe('ZooAgents: the trained agents that ship with the site', () => {
  it('offers the preset\'s agent, plays it at once with no run and no training, beside an untouched run', async () => {
    ({ lab } = createTestLab({ zooFiles: SITE_ZOO }));
    await lab.zoo.loadManifest();
    lab.applyPreset('cartpole');
    const entry = lab.zoo.entryFor('cartpole');
    expect(entry?.id).toBe('cartpole');
    expect(lab.zoo.entryFor('ablation')?.id).toBe('cartpole');
    expect(lab.zoo.entryFor('multitask')?.id).toBe('suite'); // the five-game comparison shows the suite's agent
    await lab.watchTrainedAgent('cartpole');
    expect(lab.getSnapshot().message?.kind).toBe('info');
    expect(lab.zoo.getSnapshot().watching?.id).toBe('cartpole');
    // It plays the file's weights: version and steps, while nothing trains.
    const model = decodeCompactModel(SITE_ZOO['cartpole.json']!);
    const player = lab.zoo.playback.player!;
    expect(player.policyVersion).toBe(model.version);
    await waitFor(() => (lab!.zoo.playback.getSnapshot().result?.t ?? 0) >= 5, 'the trained agent to play 5 steps');
    expect(lab.runs.slots).toHaveLength(0);
    expect(lab.getSnapshot().status).toBe('idle');
    expect(lab.playback.player).toBeNull();

    // The trained CartPole agent balances: its first episode lasts far beyond a random policy's ~22 steps.
    lab.zoo.playback.setSpeed(8);
    player.setGreedy(true);
    await waitFor(() => (lab!.zoo.playback.getSnapshot().result?.t ?? 0) >= 150 || lab!.zoo.playback.recordings.getSnapshot().latest !== null, 'a long episode', 60_000);
    const finished = lab.zoo.playback.recordings.getSnapshot().latest;
    if (finished) expect(finished.length).toBeGreaterThan(150);

    // Your own run trains beside it; the trained viewer keeps playing the file's weights.
    await lab.step();
    expect(lab.runs.slots).toHaveLength(1);
    expect(lab.zoo.playback.player).toBe(player);
    expect(player.policyVersion).toBe(model.version);
    lab.zoo.stopWatching();
    expect(lab.zoo.playback.player).toBeNull();
  });

  it('Start from this agent trains on from its weights and counters, with a fresh optimiser', async () => {
    ({ lab } = createTestLab({ zooFiles: SITE_ZOO, config: { actors: 1 } }));
    lab.applyPreset('cartpole');
    await lab.startFromTrainedAgent('cartpole');
    const model = decodeCompactModel(SITE_ZOO['cartpole.json']!);
    expect(lab.getSnapshot().message?.text).toMatch(/^Training on from the trained agent of classic\/CartPole-v1 \(200,000 frames, 1,250 updates\) up to 400,000 frames/);
    expect(lab.getSnapshot().config.frames).toBe(model.frames + 200_000);
    expect(lab.runs.restored?.weights).toEqual(model.weights);
    await waitFor(() => (lab!.runs.slots[0]?.learner.version ?? 0) > model.version, 'an update after the agent\'s own');
    lab.pause();
    const learner = lab.runs.slots[0]!.learner;
    expect(learner.framesSeen).toBeGreaterThan(model.frames);
    const optimizer = (await learner.snapshot()).optimizer!;
    // RMSProp's step counts this run's updates only: its statistics started afresh.
    expect(optimizer.step).toBe(learner.version - model.version);
  });

  it('a missing or damaged zoo gives a clear message and changes nothing', async () => {
    // No manifest on the site: nothing is offered.
    ({ lab } = createTestLab());
    await lab.zoo.loadManifest();
    expect(lab.zoo.entryFor('cartpole')).toBeNull();
    expect(lab.zoo.getSnapshot().problem).toMatch(/404/);
    await disposeLab(lab);

    const broken = JSON.parse(SITE_ZOO['cartpole.json']!) as { weights: { length: number; data: string }[] };
    broken.weights = broken.weights.slice(1);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a model missing from the site', { 'manifest.json': SITE_ZOO['manifest.json']! }, /zoo\/cartpole\.json: the site answered 404/],
      ['a damaged model', { ...SITE_ZOO, 'cartpole.json': '{"format": "impala-lab-compact-model", "formatVersion": 1' }, /not JSON/],
      ['weights of another network', { ...SITE_ZOO, 'cartpole.json': JSON.stringify(broken) }, /expected \d+ arrays/],
      ['a model of another environment', { ...SITE_ZOO, 'cartpole.json': SITE_ZOO['cartpole.json']!.replace(/"env":"classic\/CartPole-v1"/, '"env":"classic/Acrobot-v1"') }, /is a model of classic\/Acrobot-v1, but the site's list says classic\/CartPole-v1/],
    ];
    for (const [what, files, message] of cases) {
      ({ lab } = createTestLab({ zooFiles: files }));
      lab.applyPreset('cartpole');
      await lab.step();
      const before = lab.getSnapshot();
      await lab.watchTrainedAgent('cartpole');
      expect(lab.getSnapshot().message?.text, what).toMatch(message);
      expect(lab.getSnapshot().message?.text, what).toMatch(/^Could not show the trained agent: .*Nothing was changed\.$/);
      await lab.startFromTrainedAgent('cartpole');
      expect(lab.getSnapshot().message?.text, what).toMatch(/^Could not start from the trained agent: /);
      expect(lab.zoo.getSnapshot().watching, what).toBeNull();
      expect(lab.getSnapshot().config, what).toBe(before.config);
      expect(lab.runs.slots[0]!.learner.version, what).toBe(1);
      expect(lab.runs.restored, what).toBeNull();
      await disposeLab(lab);
      lab = null;
    }
  });
});
