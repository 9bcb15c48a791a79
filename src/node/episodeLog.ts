import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { keepsEpisode } from '../core/telemetry/episodeSample';
import { isEpisodePoint, type EpisodePoint } from '../core/telemetry/learningCurves';
import { writeFileAtomic } from './atomicFile';
import { readJsonLines } from './jsonLines';

/** The run directory's raw episode points, one JSON `EpisodePoint` a line: `{"episode":12,"frames":3200,"return":21}` (and `"task"` in a suite). */
export const EPISODES_FILE = 'episodes.jsonl';

/**
 * Appends a run's finished episodes that `keepsEpisode` keeps to
 * episodes.jsonl as the run goes, numbering the run's episodes from 0 (a
 * resumed run from its checkpoint's count), so that the learning curve can
 * be drawn again from the directory's files alone.
 */
export class EpisodeLog {
  private constructor(
    private readonly fd: number,
    /** The number of the run's next episode. */
    private next: number,
    /** Whether lines carry the episode's task id (a suite). */
    private readonly withTasks: boolean,
  ) {}

  /** A new run's log in `dir` (which exists): an empty file. */
  static create(dir: string, withTasks: boolean): EpisodeLog {
    return new EpisodeLog(openSync(join(dir, EPISODES_FILE), 'w'), 0, withTasks);
  }

  /**
   * A resumed run's log: keeps the lines of the episodes its checkpoint had
   * counted (the first `upTo.episodes`, none after `upTo.frames`; the rest
   * are played again), then appends from there.
   */
  static resume(dir: string, upTo: { frames: number; episodes: number }, withTasks: boolean): EpisodeLog {
    const path = join(dir, EPISODES_FILE);
    const kept = readJsonLines(path, isEpisodePoint).filter((e) => e.frames <= upTo.frames && e.episode < upTo.episodes);
    writeFileAtomic(path, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
    return new EpisodeLog(openSync(path, 'a'), upTo.episodes, withTasks);
  }

  /** The episodes of one batch (`TrainingRun`'s `onEpisodes`); unbuffered, as metrics.jsonl is. */
  add(returns: readonly number[], frames: number, taskIds: readonly number[]): void {
    let lines = '';
    for (const [i, ret] of returns.entries()) {
      const episode = this.next++;
      if (!keepsEpisode(episode)) continue;
      const point: EpisodePoint = { episode, frames, return: ret, ...(this.withTasks ? { task: taskIds[i] ?? 0 } : {}) };
      lines += `${JSON.stringify(point)}\n`;
    }
    if (lines !== '') writeSync(this.fd, lines);
  }

  close(): void {
    closeSync(this.fd);
  }
}
