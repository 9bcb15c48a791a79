import { afterEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import type { Lab } from '../../../src/ui/lab/lab';
import type { LabRunStore } from '../../../src/ui/lab/labDeps';
import { createTestLab, disposeLab, freshDbName, learnerWeights, waitFor } from './labHarness';

const labs: Lab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await disposeLab(lab);
});

function track<T extends { lab: Lab }>(made: T): T {
  labs.push(made.lab);
  return made;
}

const version = (l: Lab): number => l.runs.slots[0]?.learner.version ?? 0;

/**
 * A store whose saves after the first `healthy` ones "crash the tab"
 * halfway: the new checkpoint is written under a new key (as RunStore's
 * first step does), and the run is never pointed at it.
 */
function crashingAfter(healthy: number, dbName: string): (store: LabRunStore) => LabRunStore {
  let saves = 0;
  return (store) => ({
    list: () => store.list(),
    load: (id) => store.load(id),
    rename: (id, name) => store.rename(id, name),
    delete: (id) => store.delete(id),
    collectGarbage: (now) => store.collectGarbage(now),
    save: async (request) => {
      if (saves++ < healthy) return store.save(request);
      const db = await openDB(dbName);
      await db.put('snapshots', { key: `${request.id}/orphan`, runId: request.id, snapshot: request.snapshot });
      db.close();
      throw new Error('the tab crashed mid-save');
    },
  });
}

describe.each(['page', 'worker'] as const)('RunPersistence (fake-indexeddb), learner on the %s', (learnerThread) => {
  it('a crash mid-save keeps the last good save: the reloaded page offers it, opens it unchanged and trains on from it', async () => {
    const dbName = freshDbName();
    const first = track(createTestLab({ learnerThread, wrapStore: crashingAfter(1, dbName), dbName }));
    const lab = first.lab;
    lab.connectStorage();
    await lab.persistence.ready();
    await lab.step();
    await lab.step();
    expect(await lab.saveNow()).toBe(true);
    const saved = { version: version(lab), frames: lab.runs.slots[0]!.learner.framesSeen, weights: await learnerWeights(lab) };
    expect(lab.getSnapshot().lastSave?.frames).toBe(saved.frames);

    await lab.step();
    expect(await lab.saveNow()).toBe(false);
    expect(lab.getSnapshot().message?.text).toContain('Could not save the run: the tab crashed mid-save');
    expect(lab.getSnapshot().message?.text).toContain(`The last save (${saved.frames.toLocaleString('en-US')} frames) is kept, unchanged.`);

    // The page is reloaded: a new lab over the same database.
    const reloaded = track(createTestLab({ learnerThread, dbName })).lab;
    reloaded.connectStorage();
    await reloaded.persistence.ready();
    const offer = reloaded.getSnapshot().resumeOffer;
    expect(offer?.frames).toBe(saved.frames);
    expect(offer?.updates).toBe(saved.version);
    await reloaded.openSavedRun(offer!.id);
    expect(reloaded.runs.restored?.weights).toEqual(saved.weights);
    expect(reloaded.getSnapshot().lastSave?.frames).toBe(saved.frames);
    await reloaded.step();
    const resumed = reloaded.runs.slots[0]!.learner;
    expect(resumed.version).toBe(saved.version + 1);
    expect(resumed.framesSeen).toBeGreaterThan(saved.frames);
    expect(reloaded.getSnapshot().savedRunId).toBe(offer!.id);
    // The orphaned checkpoint was swept when the storage opened.
    const db = await openDB(dbName);
    const keys = await db.getAllKeys('snapshots');
    db.close();
    expect(keys.some((k) => String(k).endsWith('/orphan'))).toBe(false);
  });

  it('opening a saved run restores its weights, counters and curves exactly before training goes on', async () => {
    const { lab, dbName } = track(createTestLab({ learnerThread }));
    lab.connectStorage();
    await lab.persistence.ready();
    await lab.train();
    await waitFor(() => (lab.getSnapshot().latest?.episodes ?? 0) >= 5, 'five episodes');
    lab.pause();
    await lab.persistence.saveNow();
    const weights = await learnerWeights(lab);
    const { version: v, framesSeen } = lab.runs.slots[0]!.learner;
    const episodes = lab.getSnapshot().latest!.episodes;
    const mean100 = lab.getSnapshot().latest!.episodeReturnMean100;

    const other = track(createTestLab({ learnerThread, dbName })).lab;
    other.connectStorage();
    await other.persistence.ready();
    const id = other.getSnapshot().savedRuns[0]!.id;
    await other.openSavedRun(id);
    expect(other.getSnapshot().message?.text).toContain('Press Train to continue training it.');
    expect(other.getSnapshot().latest?.episodes).toBe(episodes);
    await other.step();
    const learner = other.runs.slots[0]!.learner;
    expect(learner.version).toBe(v + 1);
    expect(learner.framesSeen).toBeGreaterThan(framesSeen);
    expect(other.getSnapshot().latest!.episodes).toBeGreaterThanOrEqual(episodes);
    // The mean of the last 100 episodes continues from the saved window, not from zero.
    if (other.getSnapshot().latest!.episodes === episodes) expect(other.getSnapshot().latest!.episodeReturnMean100).toBe(mean100);
    expect(other.getSnapshot().savedRunId).toBe(id);
    expect(weights.length).toBe((await learner.getWeights()).length);
  });

  it('a damaged saved run gets a message naming it and changes nothing', async () => {
    const { lab, dbName } = track(createTestLab({ learnerThread }));
    lab.connectStorage();
    await lab.persistence.ready();
    await lab.step();
    await lab.saveNow();
    const id = lab.getSnapshot().savedRunId!;
    const db = await openDB(dbName);
    const entry = await db.get('runs', id);
    const snap = await db.get('snapshots', entry.current);
    snap.snapshot.slots[0].weights[0] = new Float32Array(snap.snapshot.slots[0].weights[0].length).fill(NaN);
    await db.put('snapshots', snap);
    db.close();

    const other = track(createTestLab({ learnerThread, dbName })).lab;
    other.connectStorage();
    await other.persistence.ready();
    const before = other.getSnapshot().config;
    await other.openSavedRun(id);
    expect(other.getSnapshot().message?.kind).toBe('error');
    expect(other.getSnapshot().message?.text).toMatch(/^Could not open the saved run 'classic\/CartPole-v1, seed 1': run 1 has a damaged learner state: weight array 0 has \d+ values that are not finite.*It was skipped; nothing else changed\.$/);
    expect(other.getSnapshot().config).toBe(before);
    expect(other.getSnapshot().savedRunId).toBeNull();
  });
});
