/** A validation rule for one option: a predicate and the words for what it expects. */
export interface OptionRule {
  check: (value: unknown) => boolean;
  expected: string;
}

/**
 * Validates an options object against per-key rules: unknown keys, missing
 * required keys and bad values throw an error that names the valid choices.
 * `undefined` values count as absent.
 */
export function checkOptions(
  owner: string,
  options: Record<string, unknown>,
  rules: Record<string, OptionRule>,
  required: readonly string[],
): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object with keys ${Object.keys(rules).join(', ')}`);
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(rules, key)) {
      throw new Error(`${owner}: unknown option '${key}'. Valid options: ${Object.keys(rules).join(', ')}`);
    }
  }
  for (const key of required) {
    if (options[key] === undefined) throw new Error(`${owner}: option '${key}' is required (${rules[key]!.expected})`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = rules[key]!;
    if (!rule.check(value)) {
      throw new Error(`${owner}: option '${key}' must be ${rule.expected}, got ${JSON.stringify(value) ?? String(value)}`);
    }
  }
  return options;
}
