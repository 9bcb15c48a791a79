import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Unroll } from '../../../src/core/actor/unroll';
import { inspectVtrace } from '../../../src/core/agent/vtraceInspection';
import { assembleBatch } from '../../../src/core/learner/batch';
import { Learner } from '../../../src/core/learner/learner';
import { RandomState } from '../../../src/core/rng/randomState';
import { useWasmBackend } from '../../../src/node/tfWasm';
import type { Lab } from '../../../src/ui/lab/lab';
import { columnLabel, NO_BATCH_NOTE, type InspectorSnapshot } from '../../../src/ui/lab/vtraceInspector';
import { SMALL_LEARNER } from '../../support/smallLearner';
import { createTestLab, crossThreadLearner, disposeLab, TEST_CONFIG, tf, waitFor } from './labHarness';

beforeAll(async () => {
  await useWasmBackend();
});

let lab: Lab | null = null;
afterEach(async () => {
  if (lab) await disposeLab(lab);
  lab = null;
});

function unroll(seed: number): Unroll {
  const T = 6;
  const N = 2;
  const r = new RandomState(seed);
  const f = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * r.uniform(-1, 1));
  return {
    actorIndex: 0, policyVersion: 0, T, numEnvs: N, numActions: 2, observationShape: [4], observationDtype: 'float32',
    observations: f((T + 1) * N * 4), actions: Int32Array.from({ length: T * N }, () => r.randint(2)), rewards: f(T * N),
    terminated: Uint8Array.from({ length: T * N }, (_, i) => (i === 5 ? 1 : 0)), truncated: Uint8Array.from({ length: T * N }, (_, i) => (i === 8 ? 1 : 0)),
    behaviourLogits: f(T * N * 2, 3), truncatedIndices: Int32Array.from([8]), truncatedObservations: f(4),
    episodeReturns: new Float64Array(0), episodeLengths: new Int32Array(0), taskIds: new Int32Array(N), episodeTaskIds: new Int32Array(0),
  };
}

const inspectorOf = (l: Lab): InspectorSnapshot => l.inspector.getSnapshot();
const shown = (l: Lab): boolean => inspectorOf(l).status === 'ready' && inspectorOf(l).inspection !== null && !inspectorOf(l).computing;

describe('lastBatchInspection across the worker boundary', () => {
  it('a learner behind the worker boundary hands back the same batch and numbers as one in this thread, and its inspection is the same', async () => {
    const page = new Learner(SMALL_LEARNER);
    const worker = await crossThreadLearner(SMALL_LEARNER);
    expect(await worker.lastBatchInspection()).toBeNull();
    // Two copies of one batch: the worker's buffers are transferred away.
    await page.update(assembleBatch([unroll(1), unroll(2)]));
    await worker.update(assembleBatch([unroll(1), unroll(2)]));
    const here = await page.lastBatchInspection();
    const there = await worker.lastBatchInspection();
    expect(there).not.toBeNull();
    expect(there).toEqual(here);
    expect(there!.values).toBeInstanceOf(Float32Array);
    for (let column = 0; column < here!.cols; column++) {
      expect(await inspectVtrace(there!, column, there!.learned)).toEqual(await inspectVtrace(here!, column, here!.learned));
    }
    // The record stays the learner's: reading it again gives it again.
    expect(await worker.lastBatchInspection()).toEqual(here);
    page.dispose();
    worker.dispose();
  });

  it('is null again after restore (the numbers belonged to the replaced weights)', async () => {
    const learner = new Learner(SMALL_LEARNER);
    await learner.update(assembleBatch([unroll(3)]));
    expect(await learner.lastBatchInspection()).not.toBeNull();
    learner.restore(await learner.snapshot());
    expect(await learner.lastBatchInspection()).toBeNull();
    learner.dispose();
  });
});

describe.each(['page', 'worker'] as const)('the Lab\'s V-trace inspector, learner on the %s', (learnerThread) => {
  it('opened by a lesson link: says there is no batch yet, loads the batch of each Step, recomputes on a threshold change, forgets on Reset', async () => {
    ({ lab } = createTestLab({ learnerThread, hash: '#_open=inspector' }));
    expect(lab.getSnapshot().open.has('inspector')).toBe(true);
    expect(lab.shareHash()).toContain('_open=inspector');
    expect(inspectorOf(lab)).toMatchObject({ status: 'empty', note: NO_BATCH_NOTE, batch: null });

    await lab.step();
    await waitFor(() => shown(lab!), 'the inspection of the first update');
    const first = inspectorOf(lab);
    const learner = lab.runs.slots[0]!.learner;
    expect(first.batch).toEqual(await learner.lastBatchInspection());
    expect(first.batch).toMatchObject({ version: 0, T: TEST_CONFIG.unrollLength, cols: TEST_CONFIG.batchSize * TEST_CONFIG.envsPerActor });
    expect(first.parameters).toEqual({ discount: 0.99, clipRhoThreshold: 1, clipPgRhoThreshold: 1, clipCThreshold: 1, lambda: 1 });
    expect(first.inspection!.steps).toHaveLength(TEST_CONFIG.unrollLength);
    expect(first.envsPerUnroll).toBe(TEST_CONFIG.envsPerActor);

    // Another column, then a threshold: the same batch, recomputed here.
    await lab.inspector.selectColumn(5);
    expect(inspectorOf(lab).inspection!.column).toBe(5);
    expect(inspectorOf(lab).inspection).toEqual(await inspectVtrace(first.batch!, 5, first.parameters));
    await lab.inspector.setParameters({ clipRhoThreshold: 0.5, lambda: 0.9 });
    const changed = inspectorOf(lab);
    expect(changed.batch).toBe(first.batch);
    expect(changed.inspection!.parameters).toMatchObject({ clipRhoThreshold: 0.5, lambda: 0.9 });
    expect(changed.inspection).toEqual(await inspectVtrace(first.batch!, 5, { ...first.parameters, clipRhoThreshold: 0.5, lambda: 0.9 }));

    // A bad value says why and keeps the table.
    await lab.inspector.setParameters({ lambda: 2 });
    expect(inspectorOf(lab).note).toMatch(/lambda must lie in \[0, 1\]/);
    expect(inspectorOf(lab).inspection).toBe(changed.inspection);
    await lab.inspector.selectColumn(999);
    expect(inspectorOf(lab).column).toBe(5);

    // The next Step's batch keeps the changed thresholds until they are put back.
    await lab.step();
    await waitFor(() => shown(lab!) && inspectorOf(lab!).batch!.version === 1, 'the inspection of the second update');
    expect(inspectorOf(lab).parameters.clipRhoThreshold).toBe(0.5);
    await lab.inspector.useLearnerParameters();
    expect(inspectorOf(lab).parameters.clipRhoThreshold).toBe(1);

    await lab.reset();
    expect(inspectorOf(lab)).toMatchObject({ status: 'empty', batch: null, inspection: null, note: NO_BATCH_NOTE });
  });

  it('closed: loads nothing until opened; while training it asks for a pause; a learner that fails to answer gives a note', async () => {
    ({ lab } = createTestLab({ learnerThread }));
    await lab.step();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(inspectorOf(lab).batch).toBeNull();
    lab.setPanelOpen('inspector', true);
    expect(lab.shareHash()).toMatch(/&_open=inspector$/);
    await waitFor(() => shown(lab!), 'the inspection once opened');

    await lab.train(); // resumes
    await lab.inspector.load();
    expect(inspectorOf(lab).note).toMatch(/Pause/);
    expect(inspectorOf(lab).batch).not.toBeNull(); // the last one stays
    lab.pause();
    await lab.inspector.load();
    expect(shown(lab)).toBe(true);
    expect(inspectorOf(lab).note).toBeNull();
    expect(inspectorOf(lab).batch).toEqual(await lab.runs.slots[0]!.learner.lastBatchInspection());

    const learner = lab.runs.slots[0]!.learner;
    learner.lastBatchInspection = () => Promise.reject(new Error('the worker is gone'));
    await lab.inspector.load();
    expect(inspectorOf(lab)).toMatchObject({ status: 'failed', batch: null });
    expect(inspectorOf(lab).note).toMatch(/Could not read the learner's batch: the worker is gone/);
    learner.lastBatchInspection = async () => ({ ...(inspectorOf(lab!).batch ?? {}), T: 3 }) as never;
    await lab.inspector.load();
    expect(inspectorOf(lab).status).toBe('failed');
  });

  it('keeps tf.js tensors flat across recomputations', async () => {
    ({ lab } = createTestLab({ learnerThread, hash: '#_open=inspector' }));
    await lab.step();
    await waitFor(() => shown(lab!), 'the inspection');
    const before = tf.memory().numTensors;
    for (const clipRhoThreshold of [0.2, 0.5, 1, 2, 5]) await lab.inspector.setParameters({ clipRhoThreshold });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('columnLabel', () => {
  it('names the unroll and environment of a column, and replayed columns', () => {
    expect(columnLabel({ cols: 8, freshCols: 4 }, 0, 4)).toBe('Unroll 1, environment 1');
    expect(columnLabel({ cols: 8, freshCols: 4 }, 5, 4)).toBe('Unroll 2, environment 2 (replayed)');
  });
});
