import { describe, expect, it } from 'vitest';
import { RandomState } from '../../src/core/rng/randomState';
import { deriveSeed } from '../../src/core/rng/deriveSeed';

// Reference values printed by numpy 2.4 (`np.random.RandomState`), and the
// MT19937 reference outputs of Matsumoto & Nishimura's mt19937ar.c.
describe('RandomState (numpy legacy MT19937)', () => {
  it('reproduces the reference MT19937 32-bit outputs', () => {
    const r = new RandomState(5489);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([3499211612, 581869302, 3890346734]);
    const s = new RandomState(1);
    expect(Array.from({ length: 5 }, () => s.nextUint32())).toEqual([1791095845, 4282876139, 3093770124, 4005303368, 491263]);
  });

  it('rand() matches numpy to the last bit', () => {
    const r = new RandomState(0);
    expect([r.rand(), r.rand(), r.rand()]).toEqual([0.5488135039273248, 0.7151893663724195, 0.6027633760716439]);
    expect(new RandomState(4294967295).rand()).toBe(0.0976320289940138);
  });

  it('stays exact past a state refill (624 words)', () => {
    const r = new RandomState(7);
    for (let i = 0; i < 1000; i++) r.rand();
    expect(r.rand()).toBe(0.08378587007198324);
    expect(r.randint(2, 6)).toBe(3);
  });

  it('randint(n), randint(low, high, size) and randint(1) match numpy', () => {
    const r = new RandomState(42);
    expect(Array.from({ length: 10 }, () => r.randint(7))).toEqual([6, 3, 4, 6, 2, 4, 4, 6, 1, 2]);
    expect(Array.from(r.randintArray(3, 17, 6))).toEqual([9, 13, 13, 10, 7, 6]);
    // randint(1) draws nothing: the next rand() is unaffected.
    expect(r.randint(1)).toBe(0);
    expect(r.rand()).toBe(0.14286681792194078);
    expect(new RandomState(4294967295).randint(0, 1000000) >= 0).toBe(true);
  });

  it('rand(n) draws element by element', () => {
    const a = new RandomState(3);
    const b = new RandomState(3);
    const arr = a.randArray(5);
    for (let i = 0; i < 5; i++) expect(arr[i]).toBe(b.rand());
  });

  it('rejects invalid seeds and ranges with a clear message', () => {
    expect(() => new RandomState(-1)).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(() => new RandomState(1.5)).toThrow(/seed/);
    expect(() => new RandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new RandomState(1).randint(0)).toThrow(/low < high/);
    expect(() => new RandomState(1).randint(5, 5)).toThrow(/low < high/);
  });
});

describe('deriveSeed', () => {
  it('is deterministic, 32-bit, and separates paths that seed + i would merge', () => {
    expect(deriveSeed(1, 0, 1)).toBe(deriveSeed(1, 0, 1));
    expect(deriveSeed(1, 0, 1)).not.toBe(deriveSeed(1, 1, 0));
    const seen = new Set<number>();
    for (let a = 0; a < 32; a++) for (let e = 0; e < 32; e++) seen.add(deriveSeed(7, a, e));
    expect(seen.size).toBe(1024);
    for (const s of seen) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });
});
