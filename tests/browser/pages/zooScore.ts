/**
 * A test page (served by Vite's dev server in tests/browser/zooScore.test.ts):
 * a trained agent of the zoo (`public/zoo/<id>.json`, the file the site
 * ships) played by the lab's own player (`createPlayer`), sampling from its
 * policy as it was trained, for `episodes` episodes, as fast as the tab
 * runs it. The page reports each episode's return.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { prepareWasm } from '../../../src/workers/workerBackend';
import { decodeCompactModel } from '../../../src/core/persistence/compactModel';
import { createPlayer } from '../../../src/ui/lab/livePlayback';

export interface ZooScoreResult {
  backend: string;
  returns: number[];
  error?: string;
}

void (async () => {
  const params = new URLSearchParams(location.search);
  const id = params.get('id') ?? 'breakout';
  const episodes = Number(params.get('episodes') ?? '20');
  const out = window as unknown as { zooScore?: ZooScoreResult };
  try {
    prepareWasm();
    if (!(await tf.setBackend(params.get('backend') ?? 'wasm'))) throw new Error(`backend ${params.get('backend') ?? 'wasm'} failed to start`);
    await tf.ready();
    const model = decodeCompactModel(await (await fetch(`/zoo/${id}.json`)).text());
    const player = createPlayer(model.config, model.version, model.weights, { popart: model.popart });
    const returns: number[] = [];
    while (returns.length < episodes) {
      const s = await player.step();
      if (s.finished) returns.push(s.finished.episodeReturn);
    }
    player.dispose();
    out.zooScore = { backend: tf.getBackend(), returns };
  } catch (e) {
    out.zooScore = { backend: tf.getBackend(), returns: [], error: e instanceof Error ? e.message : String(e) };
  }
})();
