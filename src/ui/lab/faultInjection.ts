import type { Unroll } from '../../core/actor/unroll';

/**
 * Faults the browser tests inject into unrolls as they reach the page. Only
 * the test hooks (testHooks.ts, attached with `?testHooks=1`) set them; they
 * are all off otherwise.
 */
export const injectedFaults = {
  /** Unrolls still to arrive with NaN rewards. */
  nanRewardUnrolls: 0,
};

/** Applies the injected faults to an unroll arriving from an actor (as is when there are none). */
export function withInjectedFaults(unroll: Unroll): Unroll {
  if (injectedFaults.nanRewardUnrolls > 0) {
    injectedFaults.nanRewardUnrolls--;
    unroll.rewards.fill(NaN);
  }
  return unroll;
}
