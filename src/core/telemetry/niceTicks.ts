/**
 * Axis ticks at round values, for the trainer's SVG curves (`curveSvg.ts`):
 * a step of 1, 2 or 5 times a power of ten, about `target` intervals across
 * the data, and an axis that runs from the last tick at or below the data's
 * minimum to the first at or above its maximum (Heckbert's "nice numbers").
 *
 *   niceTicks(0, 487)  -> step 100, 0 .. 500
 *   niceTicks(-21, 21) -> step 10, -30 .. 30
 */

export interface Ticks {
  /** The axis's ends: the first and last tick. */
  min: number;
  max: number;
  step: number;
  /** min, min + step, ..., max, each the double nearest its decimal value (0.6, not 0.6000000000000001). */
  values: number[];
}

/** Tolerance for values that land on a tick but for floating-point error (0.30000000000000004). */
const EPSILON = 1e-9;

/** Ticks for data from `lo` to `hi` (in either order; equal values get an axis around them). */
export function niceTicks(lo: number, hi: number, target = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`niceTicks: the data's range must be finite, got ${lo} .. ${hi}`);
  if (!(target >= 1)) throw new Error(`niceTicks: target must be at least 1, got ${target}`);
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    // One value: an axis one power of ten (below its magnitude) either side; 0 gets 0 .. 1.
    if (lo === 0) return niceTicks(0, 1, target);
    const pad = 10 ** Math.floor(Math.log10(Math.abs(lo)));
    return niceTicks(lo - pad, hi + pad, target);
  }
  const raw = (hi - lo) / target;
  let exponent = Math.floor(Math.log10(raw));
  const residual = raw / 10 ** exponent;
  let multiple = residual <= 1 + EPSILON ? 1 : residual <= 2 + EPSILON ? 2 : residual <= 5 + EPSILON ? 5 : 10;
  if (multiple === 10) {
    multiple = 1;
    exponent++;
  }
  // A tick's value is k * multiple * 10^exponent, computed from integers so that it is the double nearest the decimal.
  const at = (k: number): number => (exponent >= 0 ? k * multiple * 10 ** exponent : (k * multiple) / 10 ** -exponent) + 0; // + 0 turns -0 into 0
  const step = at(1);
  const first = Math.floor(lo / step + EPSILON);
  const last = Math.ceil(hi / step - EPSILON);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(at(k));
  return { min: values[0]!, max: values.at(-1)!, step, values };
}

/**
 * The labels of an axis's ticks, in one unit for the whole axis: M (millions)
 * when a tick reaches a million, k (thousands) from ten thousand, otherwise
 * plain with thousands separators; with the decimals the step needs, trailing
 * zeros dropped. 0..25,000,000 by 5,000,000 -> '0', '5M', ... '25M';
 * 0..1 by 0.2 -> '0', '0.2', ... '1'; 0..2,000 by 500 -> '0', '500', '1,000', ...
 */
export function tickLabels(ticks: Ticks): string[] {
  const largest = Math.max(...ticks.values.map(Math.abs));
  const [divisor, suffix] = largest >= 1e6 ? [1e6, 'M'] : largest >= 1e4 ? [1e3, 'k'] : [1, ''];
  const stepInUnit = ticks.step / divisor;
  const decimals = stepInUnit >= 1 ? 0 : Math.ceil(-Math.log10(stepInUnit) - EPSILON);
  return ticks.values.map((v) => `${formatNumber(v / divisor, decimals)}${v === 0 ? '' : suffix}`);
}

/** `value` with `decimals` decimals (trailing zeros dropped) and commas between thousands. */
function formatNumber(value: number, decimals: number): string {
  const fixed = Math.abs(value).toFixed(decimals);
  const [whole = '0', fraction = ''] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  const trimmed = fraction.replace(/0+$/, '');
  const text = trimmed === '' ? grouped : `${grouped}.${trimmed}`;
  return value < 0 && text !== '0' ? `-${text}` : text;
}
