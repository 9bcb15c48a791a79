import { describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { ContributorTable } from '../../src/core/swarm/contributors';
import { decodeSwarmProgress, encodeSwarmProgress, MAX_CURVE_POINTS, ProgressBoard, PROGRESS_EVERY_MS } from '../../src/core/swarm/swarmProgress';
import { encodeAsciiJson } from '../../src/core/swarm/asciiJson';
import type { MetricsRecord } from '../../src/core/telemetry/metrics';
import { contributorId, joinHash, parseJoinHash } from '../../src/ui/join/joinLink';
import { qrModules } from '../../src/ui/classrun/qrModules';

/** The fields of an update record the board reads (the rest do not matter to it). */
function record(frames: number, updates: number, mean: number | null): MetricsRecord {
  return { frames, updates, episodes: updates, episodeReturnMean100: mean } as MetricsRecord;
}

describe("a class run's progress record", () => {
  it('keeps the curve within its bound, evenly thinned, the first and newest points kept', () => {
    const board = new ProgressBoard('r', 1_000_000);
    const all: Array<[number, number]> = [];
    for (let u = 1; u <= 5000; u++) {
      const mean = u < 3 ? null : Math.sqrt(u);
      board.add(record(u * 100, u, mean));
      if (mean !== null) all.push([u * 100, mean]);
    }
    const { curve } = board.progress(new ContributorTable(5, 1000), 0, 'training');
    expect(curve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(curve.length).toBeGreaterThan(MAX_CURVE_POINTS / 2);
    expect(curve[0]).toEqual(all[0]);
    expect(curve.at(-1)).toEqual(all.at(-1));
    // Every kept point is a real one, in order.
    const real = new Map(all);
    for (const [f, m] of curve) expect(real.get(f)).toBe(m);
    for (let i = 1; i < curve.length; i++) expect(curve[i]![0]).toBeGreaterThan(curve[i - 1]![0]);
    // Evenly: the gaps between kept points (but the newest) differ by at most a factor of 2.
    const gaps = curve.slice(1, -1).map((p, i) => p[0] - curve[i]![0]);
    expect(Math.max(...gaps) / Math.min(...gaps)).toBeLessThanOrEqual(2);
  });

  it('lists contributors with what the table counted, most frames first, and says when one is due', () => {
    const table = new ContributorTable(2, 30_000);
    table.arrived('ada-1', 0, 1000);
    table.counted('ada-1', 80, 3, false);
    table.arrived('bob-2', 0, 1000);
    table.counted('bob-2', 160, 1, false);
    table.rejected('eve', 'NaN in rewards', 2000);
    table.rejected('eve', 'NaN in rewards', 2500);
    const board = new ProgressBoard('lesson', 500);
    board.add(record(240, 3, 21.5));
    const p = board.progress(table, 32_000, 'paused');
    expect(p.contributors.map((c) => c.id)).toEqual(['bob-2', 'ada-1', 'eve']);
    expect(p.contributors[1]).toEqual({ id: 'ada-1', frames: 80, stale: 0, rejected: 0, lastLag: 3, lastSeenSecondsAgo: 31, gone: true, cutOff: false, lastProblem: null });
    expect(p.contributors[2]).toMatchObject({ rejected: 2, cutOff: true, lastProblem: 'NaN in rewards', gone: false });
    expect(p).toMatchObject({ run: 'lesson', frames: 240, updates: 3, frameBudget: 500, meanReturn: 21.5, state: 'paused' });
    expect(decodeSwarmProgress(encodeSwarmProgress(p))).toEqual(p);
    expect(board.due(0)).toBe(true);
    expect(board.due(PROGRESS_EVERY_MS - 1)).toBe(false);
    expect(board.due(PROGRESS_EVERY_MS)).toBe(true);
  });

  it('a record that is not ours, too long or malformed in any field is refused with a reason', () => {
    const good = new ProgressBoard('r', 10).progress(new ContributorTable(1, 1), 0, 'training');
    const bad = (patch: Record<string, unknown>): Uint8Array => encodeAsciiJson({ ...good, ...patch });
    expect(() => decodeSwarmProgress(bad({ format: 'other' }))).toThrow(/format other/);
    expect(() => decodeSwarmProgress(bad({ frames: -1 }))).toThrow(/frames must be a count/);
    expect(() => decodeSwarmProgress(bad({ state: 'dancing' }))).toThrow(/unknown state/);
    expect(() => decodeSwarmProgress(bad({ curve: [[1, 'x']] }))).toThrow(/curve point 0/);
    expect(() => decodeSwarmProgress(bad({ curve: Array.from({ length: MAX_CURVE_POINTS + 1 }, (_, i) => [i, 0]) }))).toThrow(/at most/);
    expect(() => decodeSwarmProgress(bad({ contributors: [{ id: 'x'.repeat(65) }] }))).toThrow(/contributor 0 is malformed/);
    expect(() => decodeSwarmProgress(new Uint8Array(300 * 1024))).toThrow(/bytes, more than/);
    expect(() => decodeSwarmProgress(new Uint8Array([0xff]))).toThrow();
  });
});

describe('joining a class run', () => {
  it("a student's name becomes a contributor id that unroll message ids can carry", () => {
    expect(contributorId('Ada Lovelace', '1a2b3c4d')).toBe('Ada_Lovelace-1a2b3c4d');
    expect(contributorId('José Ñúñez', '00ff00ff')).toBe('Jose_Nunez-00ff00ff');
    expect(contributorId('  ', 'abcd0123')).toBe('tab-abcd0123');
    expect(contributorId('李雷', 'abcd0123')).toBe('__-abcd0123');
    expect(contributorId('a/b\\c<script>', '12345678')).toBe('a_b_c_script_-12345678');
    const long = contributorId('x'.repeat(100), '12345678');
    expect(long).toBe(`${'x'.repeat(24)}-12345678`);
    for (const id of [long, contributorId('Ada Lovelace', '1a2b3c4d'), contributorId('---', 'ab')]) {
      expect(id).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
      // The learner reads the sender back from `<id>-<seq>` (learnerLink.ts's senderOf).
      expect(/^([A-Za-z0-9_.-]{1,64})-\d+$/.exec(`${id}-17`)![1]).toBe(id);
    }
  });

  it('the QR code a class scans decodes to the join link', () => {
    const link = `https://lab.example.org/impala/${joinHash({ run: 'class-3f2a', url: 'wss://nats.example.org:8443', user: 'student', pass: 'p@ss word&more' })}`;
    const { size, dark } = qrModules(link);
    expect(dark).toHaveLength(size);
    const scale = 4;
    const px = size * scale;
    const rgba = new Uint8ClampedArray(px * px * 4);
    for (let y = 0; y < px; y++)
      for (let x = 0; x < px; x++) {
        const v = dark[Math.floor(y / scale)]![Math.floor(x / scale)] ? 0 : 255;
        rgba.set([v, v, v, 255], (y * px + x) * 4);
      }
    const decoded = jsQR(rgba, px, px);
    expect(decoded?.data).toBe(link);
    expect(parseJoinHash(new URL(decoded!.data).hash)).toEqual({ run: 'class-3f2a', url: 'wss://nats.example.org:8443', user: 'student', pass: 'p@ss word&more' });
  });
});
