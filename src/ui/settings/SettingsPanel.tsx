import { useId, useState, type ReactNode } from 'react';
import {
  CONFIG_FIELDS,
  CONFIG_GROUPS,
  formatNumber,
  parseFieldValue,
  validateConfig,
  type ConfigField,
  type ConfigKey,
  type ConfigValue,
  type ExperimentConfig,
  type SubsetSpec,
} from '../../core/config/experimentConfig';
import { observationOptionProblem } from '../../core/config/observationOptions';
import { envInfo, PICKABLE_ENV_IDS, type EnvFamily } from '../../core/envs/envInfo';
import { gameTitle } from '../../core/envs/suite/minatarSuite';
import { NETWORK_INPUT, networkFits, type NetworkKind } from '../../core/model/networkKinds';
import './settings.css';

/**
 * The experiment's settings, one control per `CONFIG_FIELDS` entry, grouped
 * by `CONFIG_GROUPS`. Text is parsed with `parseFieldValue` as it is typed;
 * a valid value goes through `validateConfig` (for its cross-field rules)
 * and out through `onChange`, an invalid one stays in the box with a message
 * and goes nowhere.
 */
export interface SettingsPanelProps {
  config: ExperimentConfig;
  onChange: (next: ExperimentConfig) => void;
  /** Config keys not to render, or 'advanced' to leave out the advanced section. */
  hidden?: ReadonlySet<string>;
  /** Every control read-only (e.g. while a run trains). */
  disabled?: boolean;
  /** A line above the settings, e.g. "Changes apply when you reset". */
  note?: string;
}

/**
 * Settings a student rarely changes, shown under "Advanced settings".
 * Everything else (the environment, T, B, the learning rate, the entropy
 * cost, gamma, the V-trace thresholds, the run's length and seed) is always open.
 */
export const ADVANCED_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>([
  'queueCapacity',
  'optimizer',
  'lrSchedule',
  'entropySchedule',
  'rmspropDecay',
  'rmspropEpsilon',
  'maxGradNorm',
  'replayCapacity',
  'baselineCost',
  'rewardClip',
  'pgRhoBar',
  'popartBeta',
  'coreSize',
  'corePreviousAction',
  'corePreviousReward',
]);

/** A group's share of a row: this many rem per field (see settings.css). */
const FIELD_WIDTH_REM = 12;

/**
 * Why a setting means nothing for this configuration (its control is then
 * disabled, with the reason), or undefined when it applies.
 */
function ignoredReason(key: ConfigKey, config: ExperimentConfig): string | undefined {
  const info = envInfo(config.env);
  const env = envDisplayName(config.env);
  const applies = (option: 'stickyActionProb' | 'actionSet'): boolean => info?.options.includes(option) ?? false;
  switch (key) {
    case 'stickyActionProb':
      return applies('stickyActionProb') ? undefined : `MinAtar only: ignored for ${env}.`;
    case 'actionSet':
      if (info?.tasks !== undefined) return 'The suite always uses the full 6-action set, which every game shares.';
      return applies('actionSet') ? undefined : `MinAtar only: ignored for ${env}.`;
    case 'tasks':
      return info?.tasks !== undefined ? undefined : `Task suite only: ignored for ${env}.`;
    case 'hideVelocities':
    case 'hideTrail':
      return observationOptionProblem(config, key);
    case 'popartBeta':
      return config.popart ? undefined : 'Used only with PopArt.';
    case 'coreSize':
    case 'corePreviousAction':
    case 'corePreviousReward':
      return config.core === 'lstm' ? undefined : "Used only with the LSTM core (Memory: 'lstm').";
    case 'replayCapacity':
      return config.replayShare > 0 ? undefined : 'Used only with experience replay (a replay share above 0).';
    default:
      return undefined;
  }
}


/** 'minatar/space_invaders' -> 'MinAtar Space Invaders'; 'classic/CartPole-v1' -> 'CartPole-v1'; an unknown id as it is. */
export function envDisplayName(id: string): string {
  return envInfo(id)?.displayName ?? id;
}

/** The environment menu's groups, in menu order. */
const FAMILY_LABELS: Readonly<Record<EnvFamily, string>> = {
  classic: 'Classic control',
  minatar: 'MinAtar (10x10 games)',
  suite: 'Task suite (multi-task)',
};

const ENV_FAMILIES: readonly { label: string; ids: readonly string[] }[] = (Object.keys(FAMILY_LABELS) as EnvFamily[]).map((family) => ({
  label: FAMILY_LABELS[family],
  ids: PICKABLE_ENV_IDS.filter((id) => envInfo(id)?.family === family),
}));

function formatFieldValue(value: ConfigValue): string {
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** Whether two configurations hold the same values (references may differ). */
function sameSettings(a: ExperimentConfig, b: ExperimentConfig): boolean {
  return CONFIG_FIELDS.every((f) => a[f.key] === b[f.key]);
}

function without<T>(record: Partial<Record<ConfigKey, T>>, key: ConfigKey): Partial<Record<ConfigKey, T>> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

interface ControlProps {
  field: ConfigField;
  value: ConfigValue;
  /** The text typed, when it differs from the value's usual spelling. */
  text: string | undefined;
  invalid: boolean;
  /** The configuration's environment, which decides the networks on offer. */
  env: string;
  /** Id of the field's label, for controls that are a group of inputs. */
  labelId: string;
  attrs: { id: string; 'aria-describedby': string; disabled: boolean };
  onValue: (value: ConfigValue) => void;
  onText: (text: string) => void;
  onBlur: () => void;
}

function envOptions(): ReactNode {
  return ENV_FAMILIES.filter((family) => family.ids.length > 0).map((family) => (
    <optgroup key={family.label} label={family.label}>
      {family.ids.map((id) => (
        <option key={id} value={id}>
          {envDisplayName(id)}
        </option>
      ))}
    </optgroup>
  ));
}

/** Only networks that fit the environment's observations can be chosen ('auto' always fits). */
function networkOptions(choices: readonly string[], env: string): ReactNode {
  return choices.map((choice) => {
    const info = envInfo(env);
    const kind = choice as NetworkKind;
    const fits = choice === 'auto' || info === undefined || networkFits(kind, info);
    return (
      <option key={choice} value={choice} disabled={!fits}>
        {fits ? choice : `${choice} (${NETWORK_INPUT[kind] === 'image' ? 'images' : 'vectors'} only)`}
      </option>
    );
  });
}

/**
 * A subset setting (the suite's games) as one checkbox per choice, in a
 * group named by the field's label. The last ticked box cannot be unticked:
 * a subset holds at least one choice.
 */
function SubsetControl({ spec, value, labelId, attrs, onValue }: { spec: SubsetSpec; value: string; labelId: string; attrs: ControlProps['attrs']; onValue: (value: string) => void }) {
  const chosen = new Set(value.split(','));
  const toggle = (choice: string, on: boolean): void => {
    const next = spec.choices.filter((c) => (c === choice ? on : chosen.has(c)));
    if (next.length > 0) onValue(next.join(','));
  };
  return (
    <div role="group" id={attrs.id} aria-labelledby={labelId} aria-describedby={attrs['aria-describedby']} className="settings-subset">
      {spec.choices.map((choice) => {
        const on = chosen.has(choice);
        const last = on && chosen.size === 1;
        return (
          <label key={choice} className="settings-subset-choice" title={last ? 'At least one must stay ticked' : undefined}>
            <input
              type="checkbox"
              value={choice}
              checked={on}
              disabled={attrs.disabled || last}
              onChange={(e) => toggle(choice, e.target.checked)}
            />
            {gameTitle(choice)}
          </label>
        );
      })}
    </div>
  );
}

/** enum: a select; int and number: free text (parsed by the panel); boolean: a checkbox; subset: a group of checkboxes. */
function renderControl({ field, value, text, invalid, env, labelId, attrs, onValue, onText, onBlur }: ControlProps): ReactNode {
  switch (field.kind) {
    case 'boolean':
      return <input {...attrs} type="checkbox" checked={value === true} onChange={(e) => onValue(e.target.checked)} />;
    case 'subset':
      return <SubsetControl spec={field} value={String(value)} labelId={labelId} attrs={attrs} onValue={onValue} />;
    case 'enum':
      return (
        <select
          {...attrs}
          value={String(value)}
          onChange={(e) => {
            const parsed = parseFieldValue(field, e.target.value);
            if (parsed.ok) onValue(parsed.value);
          }}
        >
          {field.key === 'env'
            ? envOptions()
            : field.key === 'network'
              ? networkOptions(field.choices, env)
              : field.choices.map((choice) => (
                  <option key={choice} value={choice}>
                    {choice}
                  </option>
                ))}
        </select>
      );
    case 'int':
    case 'number':
    case 'string':
      return (
        <input
          {...attrs}
          type="text"
          inputMode={field.kind === 'string' ? undefined : 'decimal'}
          autoComplete="off"
          spellCheck={false}
          value={text ?? formatFieldValue(value)}
          aria-invalid={invalid}
          onChange={(e) => onText(e.target.value)}
          onBlur={onBlur}
        />
      );
  }
}

/**
 * What the user typed and what the panel said about it, valid for as long as
 * the configuration holds `basis`'s values: a change from outside (a preset,
 * a share link) drops it, so every box then shows the new value.
 */
interface Drafts {
  basis: ExperimentConfig;
  /** Text that differs from the formatted value: invalid, or valid but not yet tidied on blur. */
  texts: Partial<Record<ConfigKey, string>>;
  /** Cross-field problems `validateConfig` fixed, next to the setting whose edit caused them. */
  notes: Partial<Record<ConfigKey, string>>;
}

function parseText(field: ConfigField, text: string) {
  return parseFieldValue(field, text.trim(), field.label);
}

export function SettingsPanel({ config, onChange, hidden, disabled = false, note }: SettingsPanelProps) {
  const baseId = useId();
  const [drafts, setDrafts] = useState<Drafts>(() => ({ basis: config, texts: {}, notes: {} }));
  /** The field whose explanation Escape dismissed, until the pointer or focus comes back. */
  const [quietDoc, setQuietDoc] = useState<ConfigKey | null>(null);
  const current: Drafts = sameSettings(drafts.basis, config) ? drafts : { basis: config, texts: {}, notes: {} };

  /** Applies a valid value: cross-field rules, then `onChange`. `text`: what was typed (none for a select). */
  const commit = (key: ConfigKey, value: ConfigValue, text?: string): void => {
    const requested: Record<string, unknown> = { ...config, [key]: value };
    const { config: next, problems } = validateConfig(requested);
    let texts = text === undefined ? without(current.texts, key) : { ...current.texts, [key]: text };
    // A setting the cross-field rules changed shows its new value, not old text.
    for (const f of CONFIG_FIELDS) if (next[f.key] !== requested[f.key]) texts = without(texts, f.key);
    setDrafts({ basis: next, texts, notes: problems.length > 0 ? { [key]: problems.join(' ') } : {} });
    onChange(next);
  };

  const typeText = (field: ConfigField, text: string): void => {
    const parsed = parseText(field, text);
    if (parsed.ok) {
      commit(field.key, parsed.value, text);
    } else {
      setDrafts({ basis: config, texts: { ...current.texts, [field.key]: text }, notes: without(current.notes, field.key) });
    }
  };

  /** On blur, valid text is tidied to the value's usual spelling ('0.010' -> '0.01'). */
  const tidy = (field: ConfigField): void => {
    const text = current.texts[field.key];
    if (text !== undefined && parseText(field, text).ok) setDrafts({ ...current, texts: without(current.texts, field.key) });
  };

  const renderField = (field: ConfigField): ReactNode => {
    const key = field.key;
    const inputId = `${baseId}-${key}`;
    const docId = `${inputId}-doc`;
    const messageId = `${inputId}-message`;
    const labelId = `${inputId}-label`;
    const value: ConfigValue = config[key];
    const kind = field.kind;
    const text = current.texts[key];
    const parsed = text === undefined ? undefined : parseText(field, text);
    const error = parsed !== undefined && !parsed.ok ? parsed.problem : undefined;
    const ignoredBecause = ignoredReason(key, config);
    const ignored = ignoredBecause !== undefined;
    const message = error ?? current.notes[key] ?? ignoredBecause;
    const messageKind = error !== undefined ? 'error' : current.notes[key] !== undefined ? 'fixed' : 'ignored';
    const describedBy = message === undefined ? docId : `${docId} ${messageId}`;

    const control = renderControl({
      field,
      value,
      text,
      invalid: error !== undefined,
      env: config.env,
      labelId,
      attrs: { id: inputId, 'aria-describedby': describedBy, disabled: disabled || ignored },
      onValue: (v) => commit(key, v),
      onText: (t) => typeText(field, t),
      onBlur: () => tidy(field),
    });

    return (
      <div
        key={key}
        className={`settings-field${kind === 'boolean' ? ' settings-field--check' : ''}${quietDoc === key ? ' settings-field--quiet' : ''}`}
        data-field={key}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setQuietDoc(key);
        }}
        onFocus={() => setQuietDoc(null)}
        onMouseEnter={() => setQuietDoc(null)}
      >
        <div className="settings-field-head">
          {kind === 'subset' ? (
            <span id={labelId} className="settings-label">
              {field.label}
            </span>
          ) : (
            <label htmlFor={inputId}>{field.label}</label>
          )}
          <span className="settings-help" aria-hidden="true">
            ?
          </span>
        </div>
        {control}
        <div role="tooltip" id={docId} className="settings-doc">
          {field.doc}
        </div>
        <p id={messageId} className={`settings-message settings-message--${messageKind}`} aria-live="polite">
          {message}
        </p>
      </div>
    );
  };

  const renderGroups = (advanced: boolean, idSuffix: string): ReactNode[] =>
    CONFIG_GROUPS.flatMap((group) => {
      const fields = CONFIG_FIELDS.filter(
        (f) => f.group === group.id && ADVANCED_KEYS.has(f.key) === advanced && !hidden?.has(f.key),
      );
      if (fields.length === 0) return [];
      return [
        <fieldset
          key={group.id}
          className="settings-group"
          data-group={group.id}
          id={`${baseId}-${group.id}${idSuffix}`}
          style={{ flex: `${fields.length} 1 ${fields.length * FIELD_WIDTH_REM}rem` }}
        >
          <legend>{group.title}</legend>
          {fields.map(renderField)}
        </fieldset>,
      ];
    });

  const advancedGroups = hidden?.has('advanced') ? [] : renderGroups(true, '-advanced');
  return (
    <div className="settings">
      {note && <p className="settings-panel-note">{note}</p>}
      <div className="settings-groups">{renderGroups(false, '')}</div>
      {advancedGroups.length > 0 && (
        <details className="settings-advanced">
          <summary>Advanced settings</summary>
          <div className="settings-groups">{advancedGroups}</div>
        </details>
      )}
    </div>
  );
}
