import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/core/config/experimentConfig';
import { RecordingStore } from '../../../src/core/replay/recordingStore';
import { createPlayer, LivePlayback } from '../../../src/ui/lab/livePlayback';
import type { Lab } from '../../../src/ui/lab/lab';
import { createTestLab, disposeLab, testScheduler, waitFor, wasmBackends } from './labHarness';
import { Learner } from '../../../src/core/learner/learner';
import { envSpecFor, learnerOptionsFor } from '../../../src/core/training/fromConfig';

let lab: Lab | null = null;
let playback: LivePlayback | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  playback?.dispose();
  lab = null;
  playback = null;
});

describe('LivePlayback (no React, no panel)', () => {
  it('records the latest and best episodes while a run trains, with no replay panel mounted, and saves them with the run', async () => {
    const made = createTestLab();
    lab = made.lab;
    lab.playback.setSpeed(8);
    lab.connectStorage();
    await lab.persistence.ready();
    await lab.train();
    await waitFor(() => lab!.recordings.latest !== null, 'a recorded episode');
    const { latest, best } = lab.recordings;
    expect(latest!.envId).toBe('classic/CartPole-v1');
    expect(latest!.steps.length).toBe(latest!.length);
    expect(latest!.episodeReturn).toBe(latest!.steps.reduce((sum, s) => sum + s.reward, 0));
    expect(best!.episodeReturn).toBeGreaterThanOrEqual(latest!.episodeReturn);
    lab.pause();
    await lab.persistence.saveNow();

    // A reloaded page opens the run with its replays.
    const other = createTestLab({ dbName: made.dbName }).lab;
    try {
      other.connectStorage();
      await other.persistence.ready();
      await other.openSavedRun(other.getSnapshot().savedRuns[0]!.id);
      expect(other.recordings.latest?.episodeReturn).toBe(lab.recordings.latest!.episodeReturn);
      expect(other.recordings.best?.episodeReturn).toBe(lab.recordings.best!.episodeReturn);
    } finally {
      await disposeLab(other);
    }
  });

  it('steps only while playing and visible, and a failing player stops with its error', async () => {
    const config = { ...DEFAULT_CONFIG };
    await wasmBackends.select('auto');
    const learner = new Learner(learnerOptionsFor(config, envSpecFor(config)));
    const player = createPlayer(config, 0, await learner.getWeights());
    learner.dispose();
    playback = new LivePlayback(testScheduler(), new RecordingStore(), { autoplay: false });
    playback.setSpeed(8);
    playback.setPlayer(player);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(playback.getSnapshot().result).toBeNull();

    playback.setPlaying(true);
    await waitFor(() => playback!.getSnapshot().result !== null, 'a live step');
    playback.setPageVisible(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t = playback.getSnapshot().result!.t;
    const episode = playback.getSnapshot().result!.episode;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(playback.getSnapshot().result!.t).toBe(t);
    expect(playback.getSnapshot().result!.episode).toBe(episode);
    playback.setPageVisible(true);
    await waitFor(() => playback!.getSnapshot().result!.t !== t || playback!.getSnapshot().result!.episode !== episode, 'stepping again');

    player.dispose(); // its network is gone: the next step throws
    await waitFor(() => playback!.getSnapshot().error !== null, 'the error');
    expect(playback.getSnapshot().playing).toBe(false);
  });
});
