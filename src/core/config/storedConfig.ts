import { validateConfig, type ConfigValidation, type ExperimentConfig } from './experimentConfig';

/**
 * What a stored config (a model file, a saved run, a checkpoint) written
 * before a setting existed means by leaving it out: the behaviour of the
 * lab at the time, which may differ from today's default. A setting added
 * later whose default is not the old behaviour must be listed here.
 */
export const SETTINGS_ADDED_LATER: Readonly<Partial<ExperimentConfig>> = {
  // Entropy was a constant cost before the schedule setting; the default is now 'linear'.
  entropySchedule: 'constant',
};

/**
 * `validateConfig` for a config read back from storage: a setting it lacks
 * that was added later takes its old behaviour (`SETTINGS_ADDED_LATER`)
 * rather than today's default.
 */
export function validateStoredConfig(input: unknown): ConfigValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return validateConfig(input);
  const missing = Object.fromEntries(Object.entries(SETTINGS_ADDED_LATER).filter(([key]) => !(key in input)));
  return validateConfig({ ...missing, ...(input as Record<string, unknown>) });
}
