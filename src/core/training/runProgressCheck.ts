import type { TaskProgress } from '../telemetry/metrics';
import { isRecentEpisodesState } from '../telemetry/recentEpisodes';
import type { RunProgress } from './trainingRun';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * A run's progress read back from storage (a saved run, a checkpoint): its counters and the last 100 episodes (overall
 * and, for a suite, per game), the one copy a saved run keeps of them
 * (the curves' state leaves them out; runs saved before kept a copy there too).
 */
export function checkRunProgress(value: unknown, what: string): RunProgress {
  if (!isObject(value)) throw new Error(`${what} has no progress counters`);
  const { episodes, skippedUpdates, actorRestarts, wallSeconds, tasks } = value;
  if (!isCount(episodes) || !isCount(skippedUpdates) || !isCount(actorRestarts) || !isNonNegative(wallSeconds)) {
    throw new Error(`${what} has damaged progress counters`);
  }
  if (!isRecentEpisodesState(value)) throw new Error(`${what} has damaged recent episodes`);
  const progress: RunProgress = { episodes, skippedUpdates, actorRestarts, wallSeconds, recentReturns: [...value.recentReturns], recentLengths: [...value.recentLengths] };
  if (tasks !== undefined) {
    if (!Array.isArray(tasks) || !tasks.every((t) => isObject(t) && isNonNegative(t.frames) && isCount(t.episodes) && isRecentEpisodesState(t))) {
      throw new Error(`${what} has damaged progress of its games`);
    }
    progress.tasks = (tasks as TaskProgress[]).map((t) => ({ frames: t.frames, episodes: t.episodes, recentReturns: [...t.recentReturns], recentLengths: [...t.recentLengths] }));
  }
  return progress;
}

