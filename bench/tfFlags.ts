/** `--tf-flags A=1,B=true`: tf.js flags by name, values as numbers or booleans; or what is wrong. */
export function parseTfFlags(text: string | undefined): Record<string, number | boolean> | string {
  const flags: Record<string, number | boolean> = {};
  for (const part of text?.split(',').filter((p) => p !== '') ?? []) {
    const [key, value, ...rest] = part.split('=');
    if (!key || value === undefined || rest.length > 0) return `--tf-flags takes NAME=VALUE pairs separated by commas, got '${part}'`;
    if (value === 'true' || value === 'false') flags[key] = value === 'true';
    else if (value !== '' && Number.isFinite(Number(value))) flags[key] = Number(value);
    else return `--tf-flags: ${key} needs a number or true/false, got '${value}'`;
  }
  return flags;
}
