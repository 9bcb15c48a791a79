import type { InspectionParameters } from '../../core/agent/vtraceInspection';
import { thresholdText } from './inspectionText';

type Threshold = 'clipRhoThreshold' | 'clipPgRhoThreshold' | 'clipCThreshold' | 'lambda';

/** The inspector's sliders: what each threshold is (section 4.1 and 4.2), and its range here. */
const SLIDERS: readonly { key: Threshold; label: string; min: number; max: number; step: number; doc: string }[] = [
  { key: 'clipRhoThreshold', label: 'ρ̄ (rho-bar)', min: 0.05, max: 5, step: 0.05, doc: 'Clips ρ in δV: decides which policy V-trace evaluates.' },
  { key: 'clipCThreshold', label: 'c̄ (c-bar)', min: 0.05, max: 5, step: 0.05, doc: 'Clips the traces c: how far back a TD error reaches.' },
  { key: 'lambda', label: 'λ (lambda)', min: 0, max: 1, step: 0.01, doc: 'Scales every trace: c = λ min(c̄, ρ).' },
  { key: 'clipPgRhoThreshold', label: 'policy-gradient ρ̄', min: 0.05, max: 5, step: 0.05, doc: 'Clips the weight of the policy-gradient advantage.' },
];

export interface ThresholdControlsProps {
  parameters: InspectionParameters;
  /** The thresholds the learner used, shown beside each slider. */
  learned: InspectionParameters;
  onChange(patch: Partial<InspectionParameters>): void;
  onUseLearned(): void;
}

/** Sliders for rho-bar, c-bar, lambda and the policy-gradient rho-bar; each change recomputes the table at once. */
export function ThresholdControls({ parameters, learned, onChange, onUseLearned }: ThresholdControlsProps) {
  const same = SLIDERS.every(({ key }) => parameters[key] === learned[key]);
  return (
    <fieldset className="threshold-controls">
      <legend>Thresholds (recompute the targets of this batch)</legend>
      {SLIDERS.map(({ key, label, min, max, step, doc }) => {
        const value = parameters[key];
        const id = `inspector-${key}`;
        return (
          <div key={key} className="threshold">
            <label htmlFor={id}>{label}</label>
            <input
              id={id}
              type="range"
              min={min}
              max={max}
              step={step}
              value={value ?? max}
              aria-valuetext={thresholdText(value)}
              aria-describedby={`${id}-doc`}
              onChange={(e) => onChange({ [key]: Number(e.target.value) })}
            />
            <output htmlFor={id} data-testid={id}>
              {thresholdText(value)}
            </output>
            <span className="learned" id={`${id}-doc`}>
              {doc} The learner used {thresholdText(learned[key])}.
            </span>
          </div>
        );
      })}
      <button type="button" onClick={onUseLearned} disabled={same}>
        Use the learner's thresholds
      </button>
    </fieldset>
  );
}
