import { describe, expect, it } from 'vitest';
import { blockedMatMulProgram, splitsFor } from '../../src/core/tf/blockedMatMul';

// The WGSL itself runs only on a WebGPU adapter: tests/browser/learnerParity.test.ts checks it against the CPU backend.
describe('the register-block matrix product for software adapters', () => {
  it('cuts a long inner sum only when the output fills too few workgroups', () => {
    expect(splitsFor(64, 86_016)).toBe(1);
    expect(splitsFor(2, 86_016)).toBe(64);
    expect(splitsFor(2, 4_096)).toBe(8);
    expect(splitsFor(2, 1_000)).toBe(1);
    expect(splitsFor(2, 511)).toBe(1);
  });

  it('dispatches one invocation per 4x4 block of the output, per batch and chunk', () => {
    // Breakout's dense layer, forward: 1344x1024 by 1024x128.
    const forward = blockedMatMulProgram([1, 1344, 1024], [1, 1024, 128], false, false);
    expect(forward.outputShape).toEqual([1, 1344, 128]);
    expect(forward.dispatch).toEqual([4, 42, 1]);
    // Its weight gradient, x^T dy, and a broadcast batch with B transposed.
    expect(blockedMatMulProgram([1, 1344, 1024], [1, 1344, 128], true, false).outputShape).toEqual([1, 1024, 128]);
    expect(blockedMatMulProgram([1, 5, 7], [3, 9, 7], false, true).outputShape).toEqual([3, 5, 9]);
    // A split sum: one output per chunk, added up by the caller.
    const split = blockedMatMulProgram([1, 86_016, 36], [1, 86_016, 16], true, false, 64);
    expect(split.outputShape).toEqual([64, 36, 16]);
    expect(split.dispatch).toEqual([1, 2, 64]);
  });
});
