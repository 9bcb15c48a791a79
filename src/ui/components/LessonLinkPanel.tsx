import { useState } from 'react';
import { CONFIG_FIELDS } from '../../core/config/experimentConfig';
import { encodeShareHash, HIDEABLE_UI_CONTROLS, OPENABLE_PANELS, type HideableControl, type OpenablePanel } from '../../core/config/shareLink';
import type { LabSnapshot } from '../lab/lab';
import { CopyLinkField } from './CopyLinkField';

const UI_LABELS: Record<(typeof HIDEABLE_UI_CONTROLS)[number], string> = {
  presets: 'Presets',
  settings: 'All settings',
  advanced: 'Advanced settings and backend choice',
  train: 'Train button',
  pause: 'Pause button',
  step: 'Step button',
  reset: 'Reset button',
  share: 'Share link button',
  model: 'Model download/load',
  backend: 'Backend line',
  charts: 'All curves',
  'chart.return': 'Return curve',
  'chart.fps': 'Frames/s curve',
  'chart.lag': 'Policy-lag curve',
  'chart.loss': 'Loss curve',
  'chart.entropy': 'Entropy curve',
  'chart.clippedRho': 'Clipped-weights curve',
  replay: 'Watch the agent',
};

const PANEL_LABELS: Record<OpenablePanel, string> = {
  inspector: 'The V-trace inspector (the last batch, step by step)',
};

/**
 * A teacher's lesson link: the current experiment plus the controls to hide
 * (TensorFlow Playground's `_hide` idea), so a class sees a reduced page,
 * and the panels to open on arrival (`_open`).
 */
/** A copy of `set` with `item` in it (`on`) or not. */
function withMember<T>(set: ReadonlySet<T>, item: T, on: boolean): Set<T> {
  const next = new Set(set);
  if (on) next.add(item);
  else next.delete(item);
  return next;
}

export function LessonLinkPanel({ state }: { state: LabSnapshot }) {
  const [hidden, setHidden] = useState<ReadonlySet<HideableControl>>(() => new Set(state.hidden));
  const [open, setOpen] = useState<ReadonlySet<OpenablePanel>>(() => new Set(state.open));
  const link = `${location.origin}${location.pathname}${location.search}${encodeShareHash(state.config, [...hidden], [...open])}`;
  const toggle = (id: HideableControl, on: boolean): void => {
    setHidden(withMember(hidden, id, on));
  };
  const toggleOpen = (id: OpenablePanel, on: boolean): void => {
    setOpen(withMember(open, id, on));
  };
  const box = (id: HideableControl, label: string) => (
    <label key={id} className="lesson-option">
      <input type="checkbox" checked={hidden.has(id)} onChange={(e) => toggle(id, e.target.checked)} /> {label}
    </label>
  );
  return (
    <details className="panel lesson-link">
      <summary>Make a lesson link (hide controls for a class)</summary>
      <p>Tick what the class should not see; the link carries the current settings and seed too.</p>
      <fieldset>
        <legend>Page controls</legend>
        <div className="lesson-options">{HIDEABLE_UI_CONTROLS.map((id) => box(id, UI_LABELS[id]))}</div>
      </fieldset>
      <fieldset>
        <legend>Open when the page loads</legend>
        <div className="lesson-options">
          {OPENABLE_PANELS.map((id) => (
            <label key={id} className="lesson-option">
              <input type="checkbox" checked={open.has(id)} onChange={(e) => toggleOpen(id, e.target.checked)} /> {PANEL_LABELS[id]}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Individual settings</legend>
        <div className="lesson-options">{CONFIG_FIELDS.map((f) => box(f.key, f.label))}</div>
      </fieldset>
      <CopyLinkField id="lesson-link-url" label="Lesson link" link={link} copyText="Copy lesson link" copiedText="Lesson link copied." inputClassName="lesson-url" />
    </details>
  );
}
