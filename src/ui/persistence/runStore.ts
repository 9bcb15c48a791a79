import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Recording } from '../../core/replay/replay';
import { checkSavedRunInfo, cleanRunName, type RunSnapshot, type SavedRunInfo } from '../../core/persistence/runSnapshot';

/**
 * Saved training runs in the browser's IndexedDB (through `idb`).
 *
 * Three object stores:
 * - `runs`: one entry per run (`SavedRunInfo`, what the list shows) with
 *   `current`, the key of its checkpoint;
 * - `snapshots`: the checkpoints (`RunSnapshot`: weights, optimiser state,
 *   counters, curves), each under a key of its own;
 * - `replays`: the run's latest and best recorded episodes, kept apart so
 *   that a full disk can be relieved by dropping the oldest of them without
 *   touching any checkpoint.
 *
 * A save never overwrites a checkpoint: it writes the new one under a new
 * key, then (one transaction) points the run at it and deletes the old one.
 * A crash at any moment leaves the run pointing at a complete checkpoint,
 * the old or the new; a new checkpoint orphaned by a crash is swept on the
 * next start (`collectGarbage`).
 */

export const DB_NAME = 'impala-lab';
const DB_VERSION = 1;

/** A run's entry: what the list shows, and the key of its current checkpoint. */
interface RunEntry extends SavedRunInfo {
  current: string;
}

interface SnapshotEntry {
  key: string;
  runId: string;
  snapshot: RunSnapshot;
}

export type ReplayKind = 'latest' | 'best';

interface ReplayEntry {
  /** `<runId>/<kind>`. */
  key: string;
  runId: string;
  kind: ReplayKind;
  /** When it was written (ms since 1970): the oldest go first when the disk is full. */
  savedAt: number;
  recording: Recording;
}

interface LabDB extends DBSchema {
  runs: { key: string; value: RunEntry };
  snapshots: { key: string; value: SnapshotEntry; indexes: { runId: string } };
  replays: { key: string; value: ReplayEntry; indexes: { savedAt: number; runId: string } };
}

/** What a save writes: the list entry (less what the store keeps itself), the checkpoint and, optionally, replays. */
export interface SaveRequest {
  id: string;
  /** The list entry. `name` is used only for a run not stored yet (a rename is kept); `createdAt`/`updatedAt` are set by the store. */
  info: Omit<SavedRunInfo, 'id' | 'createdAt' | 'updatedAt'>;
  snapshot: RunSnapshot;
  /** Replays to store (a recording), to delete (null) or to leave as they are (absent). */
  replays?: Partial<Record<ReplayKind, Recording | null>>;
}

export interface SaveOutcome {
  /** Keys (`<runId>/<kind>`) of the stored replays deleted to make room. */
  freedReplays: string[];
  /** False when the replays could not be stored even after freeing every other one (the checkpoint was). */
  replaysSaved: boolean;
}

/** The browser refused to store more: the disk or this site's quota is full. */
export class StorageFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageFullError';
  }
}

/** Whether an IndexedDB error (a request's, or a transaction's abort) means the storage quota is exhausted. */
export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** A damaged entry in the list of runs: it can only be deleted. */
export interface DamagedRun {
  id: string;
  reason: string;
}

/** A run read back: its entry, and its checkpoint and replays unchecked (the caller checks them). */
export interface LoadedRun {
  info: SavedRunInfo;
  snapshot: unknown;
  replays: Record<ReplayKind, unknown>;
}

/** An orphaned checkpoint younger than this may belong to a save in progress in another tab: left alone. */
const ORPHAN_GRACE_MS = 10 * 60 * 1000;

const noop = (): void => {};

export class RunStore {
  private sequence = 0;

  private constructor(private readonly db: IDBPDatabase<LabDB>) {}

  /** Opens (creating if needed) the database. Rejects when IndexedDB is unavailable (e.g. some private modes). */
  static async open(name = DB_NAME): Promise<RunStore> {
    if (typeof indexedDB === 'undefined') throw new Error('this browser offers no IndexedDB');
    let store: RunStore | null = null;
    const db = await openDB<LabDB>(name, DB_VERSION, {
      upgrade(database) {
        database.createObjectStore('runs', { keyPath: 'id' });
        database.createObjectStore('snapshots', { keyPath: 'key' }).createIndex('runId', 'runId');
        const replays = database.createObjectStore('replays', { keyPath: 'key' });
        replays.createIndex('savedAt', 'savedAt');
        replays.createIndex('runId', 'runId');
      },
      // A newer version of the lab in another tab wants to upgrade: let it.
      blocking() {
        store?.close();
      },
    });
    store = new RunStore(db);
    return store;
  }

  close(): void {
    this.db.close();
  }

  /** Every stored run, the most recently saved first; entries that are damaged are listed apart. */
  async list(): Promise<{ runs: SavedRunInfo[]; damaged: DamagedRun[] }> {
    const [entries, keys] = await this.withTransaction(['runs'], 'readonly', (tx) =>
      Promise.all([tx.objectStore('runs').getAll(), tx.objectStore('runs').getAllKeys()]),
    );
    const runs: SavedRunInfo[] = [];
    const damaged: DamagedRun[] = [];
    entries.forEach((entry: unknown, i) => {
      try {
        const info = checkSavedRunInfo(entry);
        if (typeof (entry as { current?: unknown }).current !== 'string') throw new Error('it points to no checkpoint');
        runs.push(info);
      } catch (e) {
        damaged.push({ id: String(keys[i]), reason: e instanceof Error ? e.message : String(e) });
      }
    });
    runs.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
    return { runs, damaged };
  }

  /**
   * Saves a run: the checkpoint atomically (see the class comment), then
   * the replays. When the storage is full it deletes the oldest stored
   * replays, one at a time, and tries again; if that is not enough it
   * throws a `StorageFullError` and the run keeps its previous checkpoint.
   */
  async save(request: SaveRequest): Promise<SaveOutcome> {
    const freedReplays: string[] = [];
    for (;;) {
      try {
        await this.writeCheckpoint(request);
        break;
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        const freed = await this.deleteOldestReplay();
        if (freed === null) {
          throw new StorageFullError(
            freedReplays.length > 0 ? `the browser's storage is full, even after deleting ${freedReplays.length} stored replays` : "the browser's storage is full",
          );
        }
        freedReplays.push(freed);
      }
    }
    let replaysSaved = true;
    const replays = request.replays;
    if (replays && Object.keys(replays).length > 0) {
      for (;;) {
        try {
          await this.writeReplays(request.id, replays);
          break;
        } catch (e) {
          if (!isQuotaError(e)) throw e;
          const freed = await this.deleteOldestReplay();
          if (freed === null) {
            replaysSaved = false;
            break;
          }
          freedReplays.push(freed);
        }
      }
    }
    return { freedReplays, replaysSaved };
  }

  /** A run's entry, checkpoint and replays. Throws when the run is not stored (any more). */
  async load(id: string): Promise<LoadedRun> {
    return this.withTransaction(['runs', 'snapshots', 'replays'], 'readonly', async (tx) => {
      const entry: unknown = await tx.objectStore('runs').get(id);
      if (entry === undefined) throw new Error('it is no longer stored (deleted in another tab?)');
      const info = checkSavedRunInfo(entry);
      const current = (entry as { current?: unknown }).current;
      const snapshotEntry: unknown = typeof current === 'string' ? await tx.objectStore('snapshots').get(current) : undefined;
      const replays = tx.objectStore('replays');
      const latest: unknown = await replays.get(`${id}/latest`);
      const best: unknown = await replays.get(`${id}/best`);
      const recordingOf = (r: unknown): unknown => (r as { recording?: unknown } | undefined)?.recording;
      return { info, snapshot: (snapshotEntry as { snapshot?: unknown } | undefined)?.snapshot, replays: { latest: recordingOf(latest), best: recordingOf(best) } };
    });
  }

  /** Renames a run; throws when the name cannot be used or the run is gone. */
  async rename(id: string, name: string): Promise<string> {
    const clean = cleanRunName(name);
    await this.withTransaction(['runs'], 'readwrite', async (tx) => {
      const runs = tx.objectStore('runs');
      const entry = await runs.get(id);
      if (!entry || typeof entry !== 'object') throw new Error('it is no longer stored');
      await runs.put({ ...entry, name: clean });
    });
    return clean;
  }

  /** Deletes a run with its checkpoints and replays (a damaged entry too). */
  async delete(id: string): Promise<void> {
    await this.withTransaction(['runs', 'snapshots', 'replays'], 'readwrite', async (tx) => {
      const snapshotKeys = await tx.objectStore('snapshots').index('runId').getAllKeys(id);
      const replayKeys = await tx.objectStore('replays').index('runId').getAllKeys(id);
      await Promise.all([
        tx.objectStore('runs').delete(id),
        ...snapshotKeys.map((k) => tx.objectStore('snapshots').delete(k)),
        ...replayKeys.map((k) => tx.objectStore('replays').delete(k)),
      ]);
    });
  }

  /**
   * Deletes what no run points to: checkpoints orphaned by a crash in the
   * middle of a save (older than a grace period, as another tab may be
   * saving right now) and replays of runs that are gone. Returns how many.
   */
  async collectGarbage(now = Date.now()): Promise<number> {
    return this.withTransaction(['runs', 'snapshots', 'replays'], 'readwrite', async (tx) => {
      const entries: unknown[] = await tx.objectStore('runs').getAll();
      const runIds = new Set(await tx.objectStore('runs').getAllKeys());
      const current = new Set(entries.map((e) => (e as { current?: unknown } | null)?.current).filter((k): k is string => typeof k === 'string'));
      const snapshotKeys = await tx.objectStore('snapshots').getAllKeys();
      const orphans = snapshotKeys.filter((k) => !current.has(k) && now - keyTime(k) > ORPHAN_GRACE_MS);
      const replayKeys = await tx.objectStore('replays').getAllKeys();
      const strays = replayKeys.filter((k) => !runIds.has(k.slice(0, k.lastIndexOf('/'))));
      await Promise.all([...orphans.map((k) => tx.objectStore('snapshots').delete(k)), ...strays.map((k) => tx.objectStore('replays').delete(k))]);
      return orphans.length + strays.length;
    });
  }

  /** Writes the checkpoint under a new key, then points the run at it and deletes the old one, in one transaction. */
  private async writeCheckpoint(request: SaveRequest): Promise<void> {
    const key = `${request.id}/${Date.now().toString(36)}-${(this.sequence++).toString(36)}`;
    await this.withTransaction(['snapshots'], 'readwrite', (tx) => tx.objectStore('snapshots').put({ key, runId: request.id, snapshot: request.snapshot }));
    try {
      await this.withTransaction(['runs', 'snapshots'], 'readwrite', async (tx) => {
        const runs = tx.objectStore('runs');
        const snapshots = tx.objectStore('snapshots');
        // The new checkpoint must still be there (another tab sweeping orphans could have removed it).
        if ((await snapshots.getKey(key)) === undefined) throw new Error('the new checkpoint vanished before it could be used');
        const previous: unknown = await runs.get(request.id);
        const old = previous !== null && typeof previous === 'object' ? (previous as Partial<RunEntry>) : {};
        const now = new Date(Date.now()).toISOString();
        await runs.put({
          ...request.info,
          id: request.id,
          name: typeof old.name === 'string' && old.name.length > 0 ? old.name : request.info.name,
          createdAt: typeof old.createdAt === 'string' ? old.createdAt : now,
          updatedAt: now,
          current: key,
        });
        if (typeof old.current === 'string' && old.current !== key) await snapshots.delete(old.current);
      });
    } catch (e) {
      // The run still points at its previous checkpoint; drop the new one.
      await this.withTransaction(['snapshots'], 'readwrite', (tx) => tx.objectStore('snapshots').delete(key)).catch(noop);
      throw e;
    }
  }

  private async writeReplays(runId: string, replays: Partial<Record<ReplayKind, Recording | null>>): Promise<void> {
    await this.withTransaction(['replays'], 'readwrite', async (tx) => {
      const store = tx.objectStore('replays');
      for (const kind of ['latest', 'best'] as const) {
        const recording = replays[kind];
        if (recording === undefined) continue;
        const key = `${runId}/${kind}`;
        if (recording === null) await store.delete(key);
        else await store.put({ key, runId, kind, savedAt: Date.now(), recording });
      }
    });
  }

  /** Deletes the oldest stored replay; returns its key, or null when there is none. */
  private async deleteOldestReplay(): Promise<string | null> {
    return this.withTransaction(['replays'], 'readwrite', async (tx) => {
      const cursor = await tx.objectStore('replays').index('savedAt').openCursor();
      if (!cursor) return null;
      const key = cursor.primaryKey;
      await cursor.delete();
      return key;
    });
  }

  /**
   * Runs `body` in a transaction and resolves once the transaction has
   * committed; if `body` or the transaction fails, the transaction is
   * aborted and the first error rethrown (no rejection is left unhandled).
   */
  private async withTransaction<Names extends StoreNames<LabDB>[], Mode extends IDBTransactionMode, T>(
    names: Names,
    mode: Mode,
    body: (tx: IDBPTransaction<LabDB, Names, Mode>) => Promise<T>,
  ): Promise<T> {
    const tx = this.db.transaction(names, mode);
    const done = tx.done;
    done.catch(noop);
    let result: T;
    try {
      result = await body(tx);
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // Already finished or aborted.
      }
      await done.catch(noop);
      throw e;
    }
    await done;
    return result;
  }
}

/** The time (ms) a checkpoint key was made at: `<runId>/<base-36 ms>-<sequence>`; 0 when unreadable. */
function keyTime(key: string): number {
  const stamp = key.slice(key.lastIndexOf('/') + 1).split('-')[0] ?? '';
  const t = parseInt(stamp, 36);
  return Number.isFinite(t) ? t : 0;
}

/** A new run id (random, so that runs saved in two tabs never collide). */
export function newRunId(): string {
  // randomUUID needs a secure context; getRandomValues does not (a classroom server on plain http).
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint32Array(4)), (x) => x.toString(16).padStart(8, '0')).join('-');
}
