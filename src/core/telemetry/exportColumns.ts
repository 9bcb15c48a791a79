import type { MetricsRecord, TaskRecord } from './metrics';

/**
 * The columns of a training history's CSV export (trainingHistory.ts), each
 * list checked at compile time against the record type it is read from.
 */

/**
 * The CSV column order: `MetricsRecord`'s keys as documented in metrics.ts
 * (progress, episodes, throughput and lag, losses, diagnostics, stage timings).
 */
export const METRIC_KEYS = [
  'frames',
  'updates',
  'episodes',
  'episodeReturnMean100',
  'episodeLengthMean100',
  'fps',
  'policyLagMin',
  'policyLagMean',
  'policyLagMax',
  'queueDepth',
  'actorRestarts',
  'learningRate',
  'totalLoss',
  'policyGradientLoss',
  'baselineLoss',
  'entropyLoss',
  'entropy',
  'gradNorm',
  'clippedRhoFraction',
  'skippedUpdates',
  'timeWaitMs',
  'timeAssembleMs',
  'timeForwardBackwardMs',
  'timeApplyMs',
  'timePublishMs',
  'wallSeconds',
  'normalisedScoreMean',
  'normalisedScoreMedian',
] as const satisfies readonly (keyof MetricsRecord)[];

// Compile-time check that METRIC_KEYS lists every scalar key of MetricsRecord
// (`tasks`, a suite's per-game records, is not a single column).
type MissingMetricKey = Exclude<keyof MetricsRecord, (typeof METRIC_KEYS)[number] | 'tasks'>;
const metricKeysAreComplete: [MissingMetricKey] extends [never] ? true : MissingMetricKey = true;
void metricKeysAreComplete;

/**
 * The per-game columns of a suite run's CSV, each written `<game>.<key>`
 * (`breakout.episodeReturnMean100`), after the METRIC_KEYS columns; the
 * JSON export keeps each record's `tasks` as they are.
 */
export const TASK_KEYS = [
  'frames',
  'episodes',
  'episodeReturnMean100',
  'normalisedScore',
  'popartMu',
  'popartSigma',
] as const satisfies readonly (keyof TaskRecord)[];

// Compile-time check that TASK_KEYS lists every per-game value of TaskRecord.
type MissingTaskKey = Exclude<keyof TaskRecord, (typeof TASK_KEYS)[number] | 'task'>;
const taskKeysAreComplete: [MissingTaskKey] extends [never] ? true : MissingTaskKey = true;
void taskKeysAreComplete;
