import type { InspectionStep } from '../../core/agent/vtraceInspection';

/**
 * The V-trace inspector's numbers as text. Clipping and episode ends are
 * said in words ("1.000 (clipped from 3.271)", "0 (episode ended)"), so the
 * table never relies on colour alone.
 */

/** A number for the table: three decimals, one past 1,000; NaN and infinities spelled out. */
export function num(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const text = Math.abs(x) >= 1000 ? x.toFixed(1) : x.toFixed(3);
  return text.replace(/^-/, '−');
}

/** More digits than `num`, for a value that `num` would show equal to another. */
function precise(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(8).replace(/^-/, '−') : num(x);
}

/**
 * A value after clipping, with the value before when the clip applied:
 * "1.000 (clipped from 3.271)". Where both would read the same at three
 * decimals (rho = 1.0000001 against rho_bar = 1), the value before gets
 * more digits: "1.000 (clipped from 1.0000001)".
 */
export function clippedText(value: number, unclipped: number, clipped: boolean): string {
  if (!clipped) return num(value);
  const before = num(unclipped) === num(value) ? precise(unclipped) : num(unclipped);
  return `${num(value)} (clipped from ${before})`;
}

/** gamma_t and why it is 0: "0.990", "0 (episode ended)", "0 (time limit: bootstrapped in r)". */
export function discountText(step: Pick<InspectionStep, 'discount' | 'end'>): string {
  switch (step.end) {
    case 'continues':
      return num(step.discount);
    case 'terminated':
      return '0 (episode ended)';
    case 'truncated':
      return '0 (time limit: bootstrapped in r)';
    default: {
      const never: never = step.end;
      return never;
    }
  }
}

/** r_t, and at a time limit the bootstrap the learner adds: "1.000 + 0.990 × 23.412 = 24.178". */
export function rewardText(step: Pick<InspectionStep, 'reward' | 'truncatedValue' | 'bootstrappedReward'>, gamma: number): string {
  if (step.truncatedValue === null) return num(step.reward);
  return `${num(step.reward)} + ${num(gamma)} × ${num(step.truncatedValue)} = ${num(step.bootstrappedReward)}`;
}

/** How the episode stands after step t, in words (empty while it goes on). */
export function endText(step: Pick<InspectionStep, 'end'>): string {
  return step.end === 'terminated' ? 'episode ended' : step.end === 'truncated' ? 'time limit' : '';
}

/** A threshold for people: its value, or "none" for no clipping. */
export function thresholdText(value: number | null): string {
  return value === null ? 'none' : String(Number(value.toPrecision(6)));
}
