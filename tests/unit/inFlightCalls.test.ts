import { describe, expect, it } from 'vitest';
import { InFlightCalls } from '../../src/core/training/inFlightCalls';

describe('InFlightCalls', () => {
  it('passes results through, rejects pending and later calls once stopped, first reason wins', async () => {
    const calls = new InFlightCalls();
    await expect(calls.track(Promise.resolve(7))).resolves.toBe(7);
    await expect(calls.track(Promise.reject(new Error('own error')))).rejects.toThrow('own error');
    const pending = calls.track(new Promise<never>(() => {}));
    calls.stop(new Error('worker died'));
    calls.stop(new Error('later reason'));
    await expect(pending).rejects.toThrow('worker died');
    await expect(calls.track(Promise.resolve(1))).rejects.toThrow('worker died');
    expect(calls.stopReason?.message).toBe('worker died');
  });
});
