import { existsSync, readFileSync } from 'node:fs';

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
