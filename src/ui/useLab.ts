import { useSyncExternalStore } from 'react';
import type { Lab, LabSnapshot } from './lab/lab';

/** The lab's current state; re-renders when it changes. */
export function useLab(lab: Lab): LabSnapshot {
  return useSyncExternalStore(lab.subscribe, lab.getSnapshot);
}
