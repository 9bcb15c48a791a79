/**
 * The learner's record of every actor that contributes to a swarm run,
 * keyed by the contributor id each unroll and heartbeat carries: what it
 * gave, what was refused, how stale its unrolls were, when it was last
 * heard from. A contributor whose unrolls are rejected `maxRejections`
 * times is cut off: its later unrolls are ignored unread. One not heard
 * from (no unroll, no heartbeat) for `goneAfterMs` is reported gone.
 * Time comes in from the caller.
 */

export interface ContributorStats {
  id: string;
  /** Unrolls accepted and handed to the learner. */
  accepted: number;
  /** Environment frames in the accepted unrolls. */
  frames: number;
  /** Unrolls that failed the checks (`decodeUnroll`). */
  rejected: number;
  /** The last rejection's reason. */
  lastProblem: string | null;
  /** Unrolls dropped because their policy lag exceeded the limit. */
  stale: number;
  /** Unrolls seen twice (a redelivery after a lost acknowledgement). */
  duplicates: number;
  /**
   * Sequence numbers never received (gaps after the first unroll this learner
   * received from the contributor): unrolls lost on the way. Those before
   * that first one are not counted: a resumed learner, or one that a
   * contributor started sending to before, never sees them.
   */
  lost: number;
  /** Unrolls ignored after the cut-off. */
  ignored: number;
  /** Policy lag of the last accepted unroll (learner version minus its behaviour version). */
  lastLag: number;
  cutOff: boolean;
  /** Time (the caller's clock, ms) of the last unroll or heartbeat. */
  lastSeenMs: number;
}

export type Verdict = 'accept' | 'duplicate' | 'ignore';

/** Sequence numbers remembered per contributor, to spot duplicates. */
const SEEN_WINDOW = 1024;
/** Contributors recorded one by one; beyond this many, new ids share one entry, so that made-up ids cannot grow the table without bound. */
export const MAX_CONTRIBUTORS = 4096;
/** The entry new ids share beyond `MAX_CONTRIBUTORS`. */
export const TOO_MANY = '(too many contributors)';

export class ContributorTable {
  /** Besides the figures: the sequence numbers seen lately, the highest and the first (-1: none yet). */
  private readonly table = new Map<string, ContributorStats & { seen: Set<number>; maxSeq: number; firstSeq: number }>();

  constructor(
    readonly maxRejections: number,
    readonly goneAfterMs: number,
  ) {}

  private entry(claimed: string, nowMs: number): ContributorStats & { seen: Set<number>; maxSeq: number; firstSeq: number } {
    const id = this.table.has(claimed) || this.table.size < MAX_CONTRIBUTORS ? claimed : TOO_MANY;
    let e = this.table.get(id);
    if (!e) {
      e = { id, accepted: 0, frames: 0, rejected: 0, lastProblem: null, stale: 0, duplicates: 0, lost: 0, ignored: 0, lastLag: 0, cutOff: false, lastSeenMs: nowMs, seen: new Set(), maxSeq: -1, firstSeq: -1 };
      this.table.set(id, e);
    }
    e.lastSeenMs = Math.max(e.lastSeenMs, nowMs);
    return e;
  }

  /** A heartbeat: the contributor is alive, whether or not it is sending unrolls. */
  heard(id: string, nowMs: number): void {
    this.entry(id, nowMs);
  }

  /** Whether a contributor's unrolls are ignored. */
  isCutOff(id: string): boolean {
    return this.table.get(id)?.cutOff ?? false;
  }

  /**
   * What to do with an unroll that passed the checks: ignore it (its sender
   * is cut off), drop it (a duplicate of a sequence number already seen) or
   * accept it. Counts sequence gaps as lost.
   */
  arrived(id: string, seq: number, nowMs: number): Verdict {
    const e = this.entry(id, nowMs);
    if (e.cutOff) {
      e.ignored++;
      return 'ignore';
    }
    if (e.seen.has(seq) || seq <= e.maxSeq - SEEN_WINDOW) {
      e.duplicates++;
      return 'duplicate';
    }
    e.seen.add(seq);
    if (e.seen.size > SEEN_WINDOW) e.seen.delete(e.seen.values().next().value!);
    if (e.firstSeq < 0) {
      // The first: the sequence numbers before it went to an earlier learner of the run (this one was restarted), not lost.
      e.firstSeq = seq;
      e.maxSeq = seq;
    } else if (seq > e.maxSeq) {
      // A gap: sequence numbers skipped (a redelivered one later fills its place and is taken off again).
      e.lost += seq - e.maxSeq - 1;
      e.maxSeq = seq;
    } else if (seq > e.firstSeq) {
      e.lost = Math.max(0, e.lost - 1);
    }
    return 'accept';
  }

  /** An accepted unroll of `frames` frames, `lag` updates behind the learner; `stale`: dropped for its lag. */
  counted(id: string, frames: number, lag: number, stale: boolean): void {
    const e = this.table.get(id);
    if (!e) return;
    e.lastLag = lag;
    if (stale) {
      e.stale++;
    } else {
      e.accepted++;
      e.frames += frames;
    }
  }

  /** An unroll that failed the checks (ignored if its sender is already cut off); true if this rejection cut its sender off. */
  rejected(id: string | null, problem: string, nowMs: number): boolean {
    const e = this.entry(id ?? '(unknown)', nowMs);
    if (e.cutOff) {
      e.ignored++;
      return false;
    }
    e.rejected++;
    e.lastProblem = problem;
    if (id === null || e.rejected < this.maxRejections) return false;
    e.cutOff = true;
    return true;
  }

  /** Whether a contributor has not been heard from for `goneAfterMs`. */
  isGone(stats: ContributorStats, nowMs: number): boolean {
    return nowMs - stats.lastSeenMs >= this.goneAfterMs;
  }

  /** Every contributor's figures, in order of first appearance (copies). */
  list(): ContributorStats[] {
    return [...this.table.values()].map(({ seen: _seen, maxSeq: _maxSeq, firstSeq: _firstSeq, ...stats }) => ({ ...stats }));
  }

  /** Sums over every contributor. */
  totals(): Pick<ContributorStats, 'accepted' | 'frames' | 'rejected' | 'stale' | 'duplicates' | 'lost' | 'ignored'> {
    const t = { accepted: 0, frames: 0, rejected: 0, stale: 0, duplicates: 0, lost: 0, ignored: 0 };
    for (const e of this.table.values()) {
      t.accepted += e.accepted;
      t.frames += e.frames;
      t.rejected += e.rejected;
      t.stale += e.stale;
      t.duplicates += e.duplicates;
      t.lost += e.lost;
      t.ignored += e.ignored;
    }
    return t;
  }
}
