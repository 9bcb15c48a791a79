import type { MetricsRecord } from '../telemetry/metrics';
import { decodeAsciiJson, encodeAsciiJson } from './asciiJson';
import type { ContributorTable } from './contributors';

/**
 * What the learner of a swarm run tells everyone who joined: the run's
 * counters, its learning curve (mean return of the last 100 episodes
 * against frames) and every contributor's share, stored under the run's
 * progress key (`<run>.progress`) a few times a minute. A join tab shows
 * its own share and the shared curve from it; the teacher's panel shows
 * the same contributors. Read back strictly and bounded: the key is in a
 * bucket every student may read, so a reader trusts no field.
 */
export interface SwarmProgress {
  format: typeof SWARM_PROGRESS_FORMAT;
  run: string;
  /** Frames the learner has learned from, its updates (the weights' version) and finished episodes. */
  frames: number;
  updates: number;
  episodes: number;
  /** The frame budget of the run. */
  frameBudget: number;
  /** Mean return of the last 100 episodes; null before the first. */
  meanReturn: number | null;
  /** [frames, mean return of the last 100] pairs, oldest first, at most `MAX_CURVE_POINTS`. */
  curve: Array<[number, number]>;
  contributors: ContributorShare[];
  /** The learner's state: training, paused or stopped (finished, or ended by the teacher). */
  state: 'training' | 'paused' | 'stopped';
}

/** One contributor's share as the learner counted it. */
export interface ContributorShare {
  id: string;
  /** Frames of its unrolls the learner learned from. */
  frames: number;
  /** Its unrolls dropped as stale (policy lag over the run's limit), and rejected by the checks. */
  stale: number;
  rejected: number;
  /** Policy lag of its last unroll, in updates. */
  lastLag: number;
  /** Seconds since the learner last heard from it (an unroll or a heartbeat). */
  lastSeenSecondsAgo: number;
  gone: boolean;
  /** Cut off after repeated bad unrolls: its unrolls are ignored. */
  cutOff: boolean;
  /** Why its last unroll was rejected, if one was. */
  lastProblem: string | null;
}

export const SWARM_PROGRESS_FORMAT = 'impala-lab-swarm-progress-1';
/** Points of the curve at most: when full, every other point is dropped (the curve thins evenly; the first and newest stay). */
export const MAX_CURVE_POINTS = 256;
/** Contributors listed; beyond these (most frames first), the rest are left out of the record. */
export const MAX_LISTED_CONTRIBUTORS = 256;
/** Longest progress record read (256 points and 256 contributors take about 60 KB). */
export const MAX_PROGRESS_BYTES = 256 * 1024;
/** The learner stores a record at most this often. */
export const PROGRESS_EVERY_MS = 2000;

/**
 * The learner's side: collects the curve from its update records and
 * builds the record from the counters and the contributor table.
 */
export class ProgressBoard {
  /** Points kept: the curve's n-th point (n from 0) for every n that is a multiple of `stride`. */
  private points: Array<[number, number]> = [];
  private stride = 1;
  private count = 0;
  /** The newest point when it is not one of those kept (the curve always ends at the run's latest figure). */
  private newest: [number, number] | null = null;
  private latest: MetricsRecord | null = null;
  private lastDueMs = -Infinity;

  constructor(
    readonly run: string,
    readonly frameBudget: number,
  ) {}

  /**
   * An update's record: the curve gains its mean return. When the curve is
   * full, every other point goes and points are kept half as often from
   * then on, so that they stay evenly spaced in updates as the run grows.
   */
  add(record: MetricsRecord): void {
    this.latest = record;
    const mean = record.episodeReturnMean100;
    if (mean === null || !Number.isFinite(mean)) return;
    const point: [number, number] = [record.frames, mean];
    if (this.count++ % this.stride !== 0) {
      this.newest = point;
      return;
    }
    this.newest = null;
    this.points.push(point);
    if (this.points.length >= MAX_CURVE_POINTS) {
      this.points = this.points.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** Whether a record is due: true at most once every `PROGRESS_EVERY_MS`. */
  due(nowMs: number): boolean {
    if (nowMs - this.lastDueMs < PROGRESS_EVERY_MS) return false;
    this.lastDueMs = nowMs;
    return true;
  }

  /** The record to store now (`nowMs` on the contributor table's clock). */
  progress(contributors: ContributorTable, nowMs: number, state: SwarmProgress['state']): SwarmProgress {
    const r = this.latest;
    const shares = contributors
      .list()
      .sort((a, b) => b.frames - a.frames)
      .slice(0, MAX_LISTED_CONTRIBUTORS)
      .map((c) => ({
        id: c.id,
        frames: c.frames,
        stale: c.stale,
        rejected: c.rejected,
        lastLag: c.lastLag,
        lastSeenSecondsAgo: Math.max(0, Math.round((nowMs - c.lastSeenMs) / 100) / 10),
        gone: contributors.isGone(c, nowMs),
        cutOff: c.cutOff,
        lastProblem: c.lastProblem === null ? null : c.lastProblem.slice(0, 200),
      }));
    return {
      format: SWARM_PROGRESS_FORMAT,
      run: this.run,
      frames: r?.frames ?? 0,
      updates: r?.updates ?? 0,
      episodes: r?.episodes ?? 0,
      frameBudget: this.frameBudget,
      meanReturn: r?.episodeReturnMean100 ?? null,
      curve: [...this.points, ...(this.newest ? [this.newest] : [])].map(([f, m]) => [f, m]),
      contributors: shares,
      state,
    };
  }
}

export function encodeSwarmProgress(progress: SwarmProgress): Uint8Array {
  return encodeAsciiJson(progress);
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Reads a progress record; throws an Error naming the first thing wrong. */
export function decodeSwarmProgress(bytes: Uint8Array): SwarmProgress {
  if (bytes.length > MAX_PROGRESS_BYTES) throw new Error(`progress: ${bytes.length} bytes, more than ${MAX_PROGRESS_BYTES}`);
  const value = decodeAsciiJson(bytes);
  if (typeof value !== 'object' || value === null) throw new Error('progress: not an object');
  const p = value as Record<string, unknown>;
  if (p.format !== SWARM_PROGRESS_FORMAT) throw new Error(`progress: format ${String(p.format).slice(0, 40)}, this version reads ${SWARM_PROGRESS_FORMAT}`);
  if (typeof p.run !== 'string') throw new Error('progress: run must be a string');
  for (const key of ['frames', 'updates', 'episodes', 'frameBudget'] as const) if (!isCount(p[key])) throw new Error(`progress: ${key} must be a count`);
  if (p.meanReturn !== null && !isFiniteNumber(p.meanReturn)) throw new Error('progress: meanReturn must be a number or null');
  if (p.state !== 'training' && p.state !== 'paused' && p.state !== 'stopped') throw new Error('progress: unknown state');
  if (!Array.isArray(p.curve) || p.curve.length > MAX_CURVE_POINTS) throw new Error(`progress: curve must be at most ${MAX_CURVE_POINTS} points`);
  const curve = p.curve.map((point: unknown, i): [number, number] => {
    if (!Array.isArray(point) || point.length !== 2 || !isCount(point[0]) || !isFiniteNumber(point[1])) throw new Error(`progress: curve point ${i} is not [frames, return]`);
    return [point[0], point[1]];
  });
  if (!Array.isArray(p.contributors) || p.contributors.length > MAX_LISTED_CONTRIBUTORS) throw new Error(`progress: contributors must be at most ${MAX_LISTED_CONTRIBUTORS}`);
  const contributors = p.contributors.map((item: unknown, i): ContributorShare => {
    const c = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const ok =
      typeof c.id === 'string' &&
      c.id.length <= 64 &&
      isCount(c.frames) &&
      isCount(c.stale) &&
      isCount(c.rejected) &&
      isFiniteNumber(c.lastLag) &&
      isFiniteNumber(c.lastSeenSecondsAgo) &&
      typeof c.gone === 'boolean' &&
      typeof c.cutOff === 'boolean' &&
      (c.lastProblem === null || (typeof c.lastProblem === 'string' && c.lastProblem.length <= 200));
    if (!ok) throw new Error(`progress: contributor ${i} is malformed`);
    return {
      id: c.id as string,
      frames: c.frames as number,
      stale: c.stale as number,
      rejected: c.rejected as number,
      lastLag: c.lastLag as number,
      lastSeenSecondsAgo: c.lastSeenSecondsAgo as number,
      gone: c.gone as boolean,
      cutOff: c.cutOff as boolean,
      lastProblem: c.lastProblem as string | null,
    };
  });
  return {
    format: SWARM_PROGRESS_FORMAT,
    run: p.run,
    frames: p.frames as number,
    updates: p.updates as number,
    episodes: p.episodes as number,
    frameBudget: p.frameBudget as number,
    meanReturn: p.meanReturn,
    curve,
    contributors,
    state: p.state,
  };
}
