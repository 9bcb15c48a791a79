import { injectedFaults } from './faultInjection';
import type { Lab } from './lab';
import { activeGpuDevice } from './selectBackend';
import { WebWorkerActor } from './webWorkerActor';

/**
 * Fault injection for the browser tests (tests/browser/faults.test.ts).
 *
 * The hooks are attached to `window.__impalaLabTest` only when the page was
 * opened with `?testHooks=1` in its query string (the share link lives in
 * the hash, so no link a user shares sets it). Without that flag nothing
 * here runs and `injectedFaults` (faultInjection.ts) stays all off; with
 * it, the hooks can only break the tab's own training, which is what they
 * are for.
 */
export interface LabTestHooks {
  /** Milliseconds before an actor that stopped answering is replaced, for runs started afterwards (the lab's default is 60 s). */
  setActorWatchdogMs(ms: number): void;
  /** Terminates the Web Worker of actor `index` of run `run` as a crash would: it simply stops answering. False if there is no such actor. */
  killActor(index: number, run?: number): boolean;
  /** The next `count` unrolls that reach the page (Infinity: every one) carry NaN rewards. */
  poisonRewards(count: number): void;
  /** Destroys the GPUDevice the learner runs on, as a GPU reset would. False if the learner is not on WebGPU. */
  destroyLearnerDevice(): boolean;
}

/** Whether the page's query string asks for the test hooks (`?testHooks=1`). */
export function testHooksRequested(search: string): boolean {
  return new URLSearchParams(search).get('testHooks') === '1';
}

/** Attaches the hooks for `lab` to `window.__impalaLabTest`. */
export function installTestHooks(lab: Lab): void {
  const hooks: LabTestHooks = {
    setActorWatchdogMs: (ms) => {
      lab.runs.actorWatchdogMs = ms;
    },
    killActor: (index, run = 0) => {
      const actor = lab.liveActors(run)[index];
      if (!(actor instanceof WebWorkerActor)) return false;
      actor.terminateSilently();
      return true;
    },
    poisonRewards: (count) => {
      injectedFaults.nanRewardUnrolls = count;
    },
    destroyLearnerDevice: () => {
      const device = activeGpuDevice();
      device?.destroy();
      return device !== null;
    },
  };
  (window as unknown as { __impalaLabTest?: LabTestHooks }).__impalaLabTest = hooks;
}
