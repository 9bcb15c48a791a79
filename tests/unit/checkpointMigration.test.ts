import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleBatch } from '../../src/core/learner/batch';
import { Learner, type LearnerState } from '../../src/core/learner/learner';
import { CHECKPOINT_VERSION, checkpointOf, decodeCheckpoint, encodeCheckpoint } from '../../src/core/persistence/checkpoint';
import { checkRunSnapshot, savedSlotOf } from '../../src/core/persistence/runSnapshot';
import { actorOptionsFor, envSpecFor, learnerOptionsFor } from '../../src/core/training/fromConfig';
import { InProcessActor } from '../../src/core/training/inProcessActor';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import type { ExperimentConfig } from '../../src/core/config/experimentConfig';
import { useWasmBackend } from '../../src/node/tfWasm';

beforeAll(async () => {
  await useWasmBackend();
});

/** Written by the format-version-1 encoder (see tests/fixtures/README.md). */
const V1_TEXT = readFileSync(new URL('../fixtures/checkpoint-v1-cartpole.json', import.meta.url), 'utf8');

interface V1Array {
  length: number;
  data: string;
}
interface V1File {
  formatVersion: number;
  envId: string;
  spec: unknown;
  network: unknown;
  config: ExperimentConfig;
  version: number;
  frames: number;
  createdAt: string;
  weights: V1Array[];
  optimizer: { name: string; step: number; slots: V1Array[] };
}

/** Independent of the decoder: base64 through Node's Buffer, float32 little-endian through readFloatLE. */
function floatsOf(a: V1Array): number[] {
  const bytes = Buffer.from(a.data, 'base64');
  expect(bytes.length).toBe(4 * a.length);
  return Array.from({ length: a.length }, (_, i) => bytes.readFloatLE(4 * i));
}

const plain = (s: LearnerState): unknown => ({
  version: s.version,
  frames: s.frames,
  weights: s.weights.map((w) => Array.from(w)),
  optimizer: s.optimizer && { name: s.optimizer.name, step: s.optimizer.step, slots: s.optimizer.slots.map((a) => Array.from(a)) },
  popart: s.popart,
});

describe('checkpoint format version 1 (stored envId, spec, network) still loads', () => {
  const v1 = JSON.parse(V1_TEXT) as V1File;

  it('the fixture is a version-1 file of the default CartPole network after two updates', () => {
    expect([v1.formatVersion, v1.envId, v1.config.env, v1.version, v1.frames, v1.optimizer.name]).toEqual([1, 'classic/CartPole-v1', 'classic/CartPole-v1', 2, 80, 'rmsprop']);
    expect(v1.spec).toEqual({ observationShape: [4], numActions: 2, numTasks: 1 });
    expect(CHECKPOINT_VERSION).toBe(2);
  });

  it('decodes value for value, and the weights fit the network its config describes', async () => {
    const c = decodeCheckpoint(V1_TEXT);
    // Settings added since keep the behaviour of the file's time: a constant entropy cost, no replay, nothing hidden.
    expect(c.config).toEqual({ ...v1.config, entropySchedule: 'constant', replayShare: 0, replayCapacity: 128, hideVelocities: false, hideTrail: false, core: 'none', coreSize: 0, corePreviousAction: true, corePreviousReward: true });
    expect([c.version, c.frames, c.createdAt]).toEqual([2, 80, '2025-06-01T12:00:00.000Z']);
    expect(c.weights.map((w) => Array.from(w))).toEqual(v1.weights.map(floatsOf));
    expect(c.optimizer!.slots.map((w) => Array.from(w))).toEqual(v1.optimizer.slots.map(floatsOf));
    expect([c.optimizer!.name, c.optimizer!.step]).toEqual(['rmsprop', 2]);
    expect(c).not.toHaveProperty('envId');
    expect(c).not.toHaveProperty('spec');

    const learner = new Learner(learnerOptionsFor(c.config, envSpecFor(c.config)));
    learner.restore(c);
    expect(plain(await learner.snapshot())).toEqual(plain(c));
    learner.dispose();
  });

  it('re-encodes as version 2 without the derived fields, reading back the same', () => {
    const c = decodeCheckpoint(V1_TEXT);
    const text = encodeCheckpoint(c);
    const j = JSON.parse(text) as Record<string, unknown>;
    expect(j.formatVersion).toBe(2);
    expect(Object.keys(j).filter((k) => ['envId', 'spec', 'network'].includes(k))).toEqual([]);
    expect(plain(decodeCheckpoint(text))).toEqual(plain(c));
    expect(decodeCheckpoint(text).config).toEqual(c.config);
  });

  it('a version-1 file is checked like a version-2 one: its environment against its config, its values', () => {
    const other = { ...v1, envId: 'minatar/breakout' };
    expect(() => decodeCheckpoint(JSON.stringify(other))).toThrow("checkpoint: the file's environment (minatar/breakout) does not match its settings (classic/CartPole-v1)");
    const noEnv: Partial<V1File> = { ...v1 };
    delete noEnv.envId;
    expect(() => decodeCheckpoint(JSON.stringify(noEnv))).toThrow('checkpoint: the environment is missing (format version 1)');
    expect(() => decodeCheckpoint(JSON.stringify({ ...v1, version: -5 }))).toThrow('checkpoint: the update counter (version) must be a non-negative integer, not -5');
    const nan = structuredClone(v1);
    nan.weights[0]!.data = Buffer.from(new Float32Array(nan.weights[0]!.length).fill(NaN).buffer).toString('base64');
    expect(() => decodeCheckpoint(JSON.stringify(nan))).toThrow(`checkpoint: weight array 0 has ${v1.weights[0]!.length} values that are not finite (NaN or Infinity)`);
  });
});

describe("saved runs in today's record shape (impala-lab.run-snapshot.v1, flat learner fields) still open", () => {
  it('a record written the way the lab writes it opens, and restores a learner exactly', async () => {
    const config: ExperimentConfig = { ...(JSON.parse(V1_TEXT) as V1File).config, seed: 11 };
    const spec = envSpecFor(config);
    const learner = new Learner(learnerOptionsFor(config, spec));
    const actor = new InProcessActor(actorOptionsFor(config, spec, 0));
    await actor.setWeights(0, await learner.getWeights());
    await learner.update(assembleBatch([await actor.unroll()]));
    // Exactly the fields the lab's captureSlot stored before the learner state had one type.
    const weights = await learner.getWeights();
    const o = await learner.getOptimizerState();
    const record = {
      format: 'impala-lab.run-snapshot.v1',
      savedAt: '2025-05-01T00:00:00.000Z',
      presetId: null,
      slots: [
        {
          label: 'Run',
          config,
          version: learner.version,
          frames: learner.framesSeen,
          weights,
          optimizer: { name: learner.options.optimizer, step: o.step, slots: o.slots },
          history: new TrainingHistory().toState(),
          progress: { episodes: 3, skippedUpdates: 0, actorRestarts: 0, wallSeconds: 1.5, recentReturns: [10], recentLengths: [10] },
        },
      ],
    };
    const opened = checkRunSnapshot(structuredClone(record));
    const slot = opened.slots[0]!;
    expect([slot.label, slot.version, slot.frames, slot.progress.episodes]).toEqual(['Run', 1, 40, 3]);
    const fresh = new Learner(learnerOptionsFor(slot.config, envSpecFor(slot.config)));
    fresh.restore(slot);
    expect(plain(await fresh.snapshot())).toEqual(plain(await learner.snapshot()));
    // What the lab makes of an opened run for "Download model" and "Train": a checkpoint of its learner fields only.
    const checkpoint = checkpointOf(slot.config, slot, opened.savedAt);
    expect(Object.keys(checkpoint).sort()).toEqual(['config', 'createdAt', 'frames', 'optimizer', 'version', 'weights']);
    expect(plain(decodeCheckpoint(encodeCheckpoint(checkpoint)))).toEqual(plain(slot));
    // And a slot built again from the learner: the same record, field for field.
    const again = savedSlotOf('Run', config, await fresh.snapshot(), { history: slot.history, progress: slot.progress });
    expect(Object.keys(again).sort()).toEqual(Object.keys(record.slots[0]!).sort());
    expect(plain(again)).toEqual(plain(slot));
    learner.dispose();
    fresh.dispose();
    actor.dispose();
  });
});
