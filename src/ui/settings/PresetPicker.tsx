import { useId } from 'react';
import { PRESETS, type Preset } from '../../core/config/presets';
import './settings.css';

/** 'A and B'; 'A, B, and C'. */
const LIST = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });

export interface PresetPickerProps {
  /** The preset shown as chosen (aria-pressed), if any. */
  selectedId?: string;
  onPick: (preset: Preset) => void;
  /** The presets offered; `PRESETS` unless given. */
  presets?: readonly Preset[];
}

/**
 * Ready-made experiments as a list of cards. Each card is one button whose
 * accessible name is the preset's title and whose description is its
 * accessible description; Tab moves between them, Enter or Space picks one.
 */
export function PresetPicker({ selectedId, onPick, presets = PRESETS }: PresetPickerProps) {
  const baseId = useId();
  return (
    <ul className="preset-list" aria-label="Presets">
      {presets.map((preset) => {
        const titleId = `${baseId}-${preset.id}-title`;
        const descriptionId = `${baseId}-${preset.id}-description`;
        const selected = preset.id === selectedId;
        return (
          <li key={preset.id}>
            <button
              type="button"
              className="preset-card"
              data-preset={preset.id}
              aria-pressed={selected}
              aria-labelledby={titleId}
              aria-describedby={descriptionId}
              onClick={() => onPick(preset)}
            >
              <span id={titleId} className="preset-card-title">
                {preset.title}
              </span>
              <span id={descriptionId} className="preset-card-description">
                {preset.description}
                {preset.comparison && (
                  <span className="preset-card-compare">
                    {' '}
                    Runs side by side: {LIST.format(preset.comparison.map((run) => run.label))}.
                  </span>
                )}
              </span>
              {selected && (
                <span className="preset-card-selected" aria-hidden="true">
                  ✓ Selected
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
