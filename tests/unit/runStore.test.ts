import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { checkRunSnapshot, RUN_SNAPSHOT_FORMAT, type RunSnapshot } from '../../src/core/persistence/runSnapshot';
import type { Recording } from '../../src/core/replay/replay';
import { TrainingHistory } from '../../src/core/telemetry/trainingHistory';
import { RunStore, StorageFullError, type SaveRequest } from '../../src/ui/persistence/runStore';

let dbCount = 0;
let store: RunStore;
let clock = 1_700_000_000_000;

beforeEach(async () => {
  // Each save stamps Date.now(): make it strictly increase, so "oldest" is well defined.
  vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1000));
  store = await RunStore.open(`test-db-${dbCount++}`);
});

afterEach(() => {
  store.close();
  vi.restoreAllMocks();
});

function snapshot(version: number, fill = version): RunSnapshot {
  return {
    format: RUN_SNAPSHOT_FORMAT,
    savedAt: new Date(0).toISOString(),
    presetId: null,
    slots: [
      {
        label: 'Run',
        config: { ...DEFAULT_CONFIG, popart: false },
        version,
        frames: version * 100,
        weights: [new Float32Array([fill, fill + 0.5]), new Float32Array(3).fill(fill)],
        optimizer: { name: 'rmsprop', step: version, slots: [new Float32Array(2), new Float32Array(3)] },
        history: new TrainingHistory().toState(),
        progress: { episodes: 0, skippedUpdates: 0, actorRestarts: 0, wallSeconds: 0, recentReturns: [], recentLengths: [] },
      },
    ],
  };
}

function request(id: string, version: number, replays?: SaveRequest['replays']): SaveRequest {
  return {
    id,
    info: { name: `run ${id}`, env: 'classic/CartPole-v1', seed: 1, labels: ['Run'], frames: version * 100, updates: version, meanReturn: null, finished: false },
    snapshot: snapshot(version),
    ...(replays ? { replays } : {}),
  };
}

function recording(episodeReturn: number): Recording {
  return {
    envId: 'classic/CartPole-v1',
    actionNames: ['left', 'right'],
    policyVersion: 1,
    steps: [{ observation: [0, 0, 0, 0], actionProbabilities: [0.5, 0.5], action: 1, value: 0.1, reward: 1 }],
    episodeReturn,
    length: 1,
    end: 'terminal',
  };
}

/** Every key of one object store, read with the raw IndexedDB API. */
async function keysOf(dbName: string, storeName: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction(storeName).objectStore(storeName).getAllKeys();
      req.onsuccess = () => {
        db.close();
        resolve(req.result as string[]);
      };
      req.onerror = () => reject(req.error);
    };
    open.onerror = () => reject(open.error);
  });
}

const currentDb = (): string => `test-db-${dbCount - 1}`;

/** Makes the next `count` puts into `storeName` fail as a full disk does. */
function fillDisk(storeName: string, count: number): { failures: () => number } {
  let failures = 0;
  const proto = IDBObjectStore.prototype;
  const put = proto.put;
  vi.spyOn(proto, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (this.name === storeName && failures < count) {
      failures++;
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    return put.apply(this, args);
  });
  return { failures: () => failures };
}

describe('RunStore (IndexedDB, here fake-indexeddb)', () => {
  it('saves a run and reads it back: list entry, weights as Float32Arrays, replays', async () => {
    await store.save(request('a', 3, { latest: recording(10), best: recording(20) }));
    const { runs, damaged } = await store.list();
    expect(damaged).toEqual([]);
    expect(runs.map((r) => [r.id, r.name, r.updates, r.frames])).toEqual([['a', 'run a', 3, 300]]);
    const loaded = await store.load('a');
    const snap = checkRunSnapshot(loaded.snapshot);
    expect(snap.slots[0]!.weights[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(snap.slots[0]!.weights[0]!)).toEqual([3, 3.5]);
    expect((loaded.replays.best as Recording).episodeReturn).toBe(20);
    expect((loaded.replays.latest as Recording).episodeReturn).toBe(10);
  });

  it('writes each checkpoint under a new key, switches the run to it and deletes the old one', async () => {
    await store.save(request('a', 1));
    const first = await keysOf(currentDb(), 'snapshots');
    await store.save(request('a', 2));
    const second = await keysOf(currentDb(), 'snapshots');
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
    expect(checkRunSnapshot((await store.load('a')).snapshot).slots[0]!.version).toBe(2);
    // A rename survives later saves; createdAt stays, updatedAt moves.
    const before = (await store.list()).runs[0]!;
    await store.rename('a', '  my   run ');
    await store.save(request('a', 3));
    const after = (await store.list()).runs[0]!;
    expect(after.name).toBe('my run');
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.updatedAt > before.updatedAt).toBe(true);
  });

  it('a save that fails while switching to the new checkpoint leaves the old one current and intact', async () => {
    await store.save(request('a', 1));
    const proto = IDBObjectStore.prototype;
    const put = proto.put;
    vi.spyOn(proto, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'runs') throw new DOMException('simulated crash', 'UnknownError');
      return put.apply(this, args);
    });
    await expect(store.save(request('a', 2))).rejects.toThrow('simulated crash');
    vi.restoreAllMocks();
    const snap = checkRunSnapshot((await store.load('a')).snapshot);
    expect(snap.slots[0]!.version).toBe(1);
    expect(Array.from(snap.slots[0]!.weights[1]!)).toEqual([1, 1, 1]);
    expect(await keysOf(currentDb(), 'snapshots')).toHaveLength(1); // the half-written one was removed
  });

  it('sweeps checkpoints orphaned by a crash between the two steps, but not recent ones (another tab may be saving)', async () => {
    await store.save(request('a', 1));
    const now = Date.now();
    const put = (key: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(currentDb());
        open.onsuccess = () => {
          const tx = open.result.transaction('snapshots', 'readwrite');
          tx.objectStore('snapshots').put({ key, runId: 'a', snapshot: snapshot(9) });
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      });
    await put(`a/${(now - 60 * 60 * 1000).toString(36)}-0`);
    await put(`a/${now.toString(36)}-0`);
    expect(await keysOf(currentDb(), 'snapshots')).toHaveLength(3);
    expect(await store.collectGarbage(now)).toBe(1);
    expect(await keysOf(currentDb(), 'snapshots')).toHaveLength(2);
    expect(checkRunSnapshot((await store.load('a')).snapshot).slots[0]!.version).toBe(1);
  });

  it('when the disk is full, deletes the oldest stored replays first, then saves', async () => {
    await store.save(request('old', 1, { latest: recording(1), best: recording(2) }));
    await store.save(request('new', 1, { latest: recording(3) }));
    const disk = fillDisk('snapshots', 2);
    const outcome = await store.save(request('new', 2));
    expect(disk.failures()).toBe(2);
    expect(outcome.freedReplays).toEqual(['old/latest', 'old/best']);
    expect(checkRunSnapshot((await store.load('new')).snapshot).slots[0]!.version).toBe(2);
    expect(await keysOf(currentDb(), 'replays')).toEqual(['new/latest']);
  });

  it('when even freeing every replay is not enough: a StorageFullError, and the last good checkpoint stays', async () => {
    await store.save(request('a', 1, { latest: recording(1) }));
    fillDisk('snapshots', 100);
    const error = await store.save(request('a', 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toMatch(/storage is full, even after deleting 1 stored replays/);
    vi.restoreAllMocks();
    const loaded = await store.load('a');
    expect(checkRunSnapshot(loaded.snapshot).slots[0]!.version).toBe(1);
    expect(await keysOf(currentDb(), 'snapshots')).toHaveLength(1);
  });

  it('replays that do not fit are skipped; the checkpoint is saved', async () => {
    fillDisk('replays', 100);
    const outcome = await store.save(request('a', 1, { latest: recording(1) }));
    expect(outcome.replaysSaved).toBe(false);
    vi.restoreAllMocks();
    expect(checkRunSnapshot((await store.load('a')).snapshot).slots[0]!.version).toBe(1);
  });

  it('lists runs newest first, renames, rejects empty names, deletes a run with its checkpoints and replays', async () => {
    await store.save(request('a', 1, { latest: recording(1) }));
    await store.save(request('b', 1, { best: recording(1) }));
    expect((await store.list()).runs.map((r) => r.id)).toEqual(['b', 'a']);
    await expect(store.rename('a', '   ')).rejects.toThrow(/at least one character/);
    await expect(store.rename('zz', 'x')).rejects.toThrow(/no longer stored/);
    expect(await store.rename('a', 'First')).toBe('First');
    await store.delete('b');
    expect((await store.list()).runs.map((r) => [r.id, r.name])).toEqual([['a', 'First']]);
    expect(await keysOf(currentDb(), 'snapshots')).toHaveLength(1);
    expect(await keysOf(currentDb(), 'replays')).toEqual(['a/latest']);
    await expect(store.load('b')).rejects.toThrow(/no longer stored/);
  });

  it('lists a damaged entry apart (it can be deleted) instead of failing the list', async () => {
    await store.save(request('a', 1));
    await new Promise<void>((resolve) => {
      const open = indexedDB.open(currentDb());
      open.onsuccess = () => {
        const tx = open.result.transaction('runs', 'readwrite');
        tx.objectStore('runs').put({ id: 'broken', name: 42 });
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
      };
    });
    const { runs, damaged } = await store.list();
    expect(runs.map((r) => r.id)).toEqual(['a']);
    expect(damaged).toEqual([{ id: 'broken', reason: 'its name or environment is missing' }]);
    await store.delete('broken');
    expect((await store.list()).damaged).toEqual([]);
  });
});
