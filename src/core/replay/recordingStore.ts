import type { Recording } from './replay';

/** What a `RecordingStore` holds; a new object whenever either changes, so it can be compared by identity. */
export interface RecordingSnapshot {
  /** The most recently finished episode. */
  readonly latest: Recording | null;
  /** The episode with the highest return so far; the earliest of equals. */
  readonly best: Recording | null;
}

const DEFAULT_MAX_STEPS = 5000;

/**
 * Keeps the latest and the best recordings and tells subscribers when they
 * change. DOM-free and framework-free; `subscribe` and `getSnapshot` have the
 * shape React's `useSyncExternalStore` expects. Holds at most two recordings,
 * each cut to `maxSteps` stored steps (players already cap theirs).
 */
export class RecordingStore {
  readonly maxSteps: number;
  private snapshot: RecordingSnapshot = { latest: null, best: null };
  private readonly listeners = new Set<() => void>();

  constructor(options: { maxSteps?: number } = {}) {
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`RecordingStore: maxSteps must be a positive integer, got ${String(maxSteps)}`);
    this.maxSteps = maxSteps;
  }

  get latest(): Recording | null {
    return this.snapshot.latest;
  }

  get best(): Recording | null {
    return this.snapshot.best;
  }

  readonly getSnapshot = (): RecordingSnapshot => this.snapshot;

  /** Adds a finished episode: it becomes `latest`, and `best` if its return beats the best's (ties keep the earlier). */
  add(recording: Recording): void {
    const kept = this.capped(recording);
    const best = this.snapshot.best;
    this.snapshot = { latest: kept, best: best === null || kept.episodeReturn > best.episodeReturn ? kept : best };
    this.notify();
  }

  /** Puts back the recordings of a saved run (when it is resumed), replacing what the store holds. */
  restore(saved: RecordingSnapshot): void {
    this.snapshot = { latest: saved.latest && this.capped(saved.latest), best: saved.best && this.capped(saved.best) };
    this.notify();
  }

  /** Forgets both recordings (e.g. when a new run starts). */
  clear(): void {
    if (this.snapshot.latest === null && this.snapshot.best === null) return;
    this.snapshot = { latest: null, best: null };
    this.notify();
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private capped(recording: Recording): Recording {
    if (recording.steps.length <= this.maxSteps) return recording;
    return { ...recording, steps: recording.steps.slice(0, this.maxSteps), truncatedAt: Math.min(recording.truncatedAt ?? Infinity, this.maxSteps) };
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
