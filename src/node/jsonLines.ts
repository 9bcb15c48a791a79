import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsRecord } from '../core/telemetry/metrics';

/**
 * The JSON objects of a .jsonl file (metrics.jsonl, episodes.jsonl) that
 * `accept` takes, in order. A missing file is empty; blank lines and lines
 * that do not parse (one cut short when the process was killed) are skipped.
 */
export function readJsonLines<T>(path: string, accept: (value: unknown) => value is T): T[] {
  if (!existsSync(path)) return [];
  const values: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (accept(value)) values.push(value);
  }
  return values;
}

/** The records of a run directory's metrics.jsonl (see `readJsonLines`). */
export function readMetrics(dir: string): MetricsRecord[] {
  return readJsonLines(join(dir, 'metrics.jsonl'), isMetricsRecord);
}

/** Enough of a `MetricsRecord` to use: the lines of metrics.jsonl are the trainer's own. */
function isMetricsRecord(value: unknown): value is MetricsRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.frames === 'number' && typeof v.updates === 'number' && typeof v.episodes === 'number';
}
