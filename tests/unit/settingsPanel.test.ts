import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, DEFAULT_CONFIG, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { applyPreset, PRESETS, presetById } from '../../src/core/config/presets';
import { ADVANCED_KEYS, envDisplayName, SettingsPanel, type SettingsPanelProps } from '../../src/ui/settings/SettingsPanel';
import { PresetPicker } from '../../src/ui/settings/PresetPicker';

/**
 * Server-rendered markup, checked with regular expressions: enough to prove
 * the structure and ARIA wiring without a DOM. Typing is checked in a browser.
 */
function render(props: Partial<SettingsPanelProps> = {}): string {
  return renderToStaticMarkup(createElement(SettingsPanel, { config: { ...DEFAULT_CONFIG }, onChange: () => {}, ...props }));
}

/** The markup of one field's wrapper (fields do not nest). */
function fieldHtml(html: string, key: string): string | undefined {
  const start = html.indexOf(`data-field="${key}"`);
  if (start < 0) return undefined;
  const end = html.indexOf('data-field="', start + 1);
  return html.slice(start, end < 0 ? undefined : end);
}

function attr(html: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(html)?.[1];
}

/** The always-visible settings the brief names. */
const BASIC = [
  'env', 'network', 'actors', 'envsPerActor', 'unrollLength', 'batchSize', 'learningRate', 'entropyCost',
  'discount', 'correction', 'rhoBar', 'cBar', 'lambda', 'seed', 'frames', 'policyLag',
] as const;

describe('SettingsPanel', () => {
  it('renders one wrapper per setting, basic ones outside the advanced section', () => {
    const html = render();
    for (const field of CONFIG_FIELDS) expect(fieldHtml(html, field.key), field.key).toBeDefined();
    const details = html.indexOf('<details');
    expect(details).toBeGreaterThan(0);
    for (const key of BASIC) {
      expect(ADVANCED_KEYS.has(key), key).toBe(false);
      expect(html.indexOf(`data-field="${key}"`), key).toBeLessThan(details);
    }
    for (const key of ADVANCED_KEYS) expect(html.indexOf(`data-field="${key}"`), key).toBeGreaterThan(details);
  });

  it('labels every control and describes it with its doc', () => {
    const html = render();
    for (const field of CONFIG_FIELDS) {
      const part = fieldHtml(html, field.key) ?? '';
      const id = attr(part, 'id');
      expect(id, field.key).toBeDefined();
      if (field.kind === 'subset') {
        // A group of checkboxes, named by the field's label.
        expect(part, field.key).toMatch(new RegExp(`<div role="group" id="[^"]+" aria-labelledby="${id}"`));
      } else {
        expect(part, field.key).toContain(`for="${id}"`);
      }
      const describedBy = attr(part, 'aria-describedby')?.split(' ') ?? [];
      const tooltip = /<div role="tooltip" id="([^"]+)"[^>]*>([^<]*)</.exec(part);
      expect(tooltip?.[1], field.key).toBe(describedBy[0]);
      expect(tooltip?.[2], field.key).toBe(field.doc.replaceAll('&', '&amp;').replaceAll("'", '&#x27;'));
      if (field.kind === 'int' || field.kind === 'number') {
        expect(part, field.key).toMatch(/<input[^>]*type="text"[^>]*inputMode="decimal"/);
      } else if (field.kind === 'enum') {
        expect(part, field.key).toContain('<select');
      }
    }
  });

  it('leaves out hidden settings and the advanced section', () => {
    const html = render({ hidden: new Set(['seed', 'frames', 'advanced']) });
    expect(fieldHtml(html, 'seed')).toBeUndefined();
    expect(fieldHtml(html, 'frames')).toBeUndefined();
    expect(html).not.toContain('data-group="run"');
    expect(html).not.toContain('<details');
    expect(fieldHtml(html, 'learningRate')).toBeDefined();
  });

  it('disables MinAtar-only settings for classic control, with a note', () => {
    const classic = render();
    for (const key of ['stickyActionProb', 'actionSet']) {
      const part = fieldHtml(classic, key) ?? '';
      expect(part, key).toMatch(/disabled=""/);
      expect(part, key).toContain('MinAtar only: ignored for CartPole-v1.');
      expect(attr(part, 'aria-describedby')?.split(' ').length, key).toBe(2);
    }
    const breakout = presetById('breakout');
    expect(breakout).toBeDefined();
    const minatar = render({ config: applyPreset(breakout ?? PRESETS[0]!) });
    for (const key of ['stickyActionProb', 'actionSet']) expect(fieldHtml(minatar, key), key).not.toMatch(/disabled=""/);
  });

  it('offers each observation-hiding switch only where there is something to hide, with a note', () => {
    const classic = render({ config: { ...DEFAULT_CONFIG, hideVelocities: true } });
    expect(fieldHtml(classic, 'hideVelocities')).toMatch(/<input[^>]*type="checkbox"[^>]*checked=""/);
    expect(fieldHtml(classic, 'hideVelocities')).not.toMatch(/disabled=""/);
    expect(fieldHtml(classic, 'hideTrail')).toMatch(/disabled=""/);
    expect(fieldHtml(classic, 'hideTrail')).toContain('Asterix, Breakout and Seaquest only: CartPole-v1 has no trail channel.');
    const breakout = render({ config: { ...DEFAULT_CONFIG, env: 'minatar/breakout' } });
    expect(fieldHtml(breakout, 'hideTrail')).not.toMatch(/disabled=""/);
    expect(fieldHtml(breakout, 'hideVelocities')).toMatch(/disabled=""/);
    expect(fieldHtml(breakout, 'hideVelocities')).toContain('Classic control only: MinAtar Breakout has no velocities in its observation.');
    const freeway = render({ config: { ...DEFAULT_CONFIG, env: 'minatar/freeway' } });
    expect(fieldHtml(freeway, 'hideTrail')).toMatch(/disabled=""/);
    const suite = render({ config: { ...DEFAULT_CONFIG, env: 'suite/minatar', tasks: 'freeway,seaquest' } });
    expect(fieldHtml(suite, 'hideTrail')).not.toMatch(/disabled=""/);
  });

  it('disables every control when asked and shows the note', () => {
    const html = render({ disabled: true, note: 'Changes apply when you reset' });
    expect(html).toContain('Changes apply when you reset');
    for (const field of CONFIG_FIELDS) expect(fieldHtml(html, field.key), field.key).toMatch(/disabled=""/);
  });

  it('shows the values of the configuration it is given', () => {
    const config: ExperimentConfig = { ...DEFAULT_CONFIG, learningRate: 6e-4, frames: 1e10, env: 'minatar/space_invaders', network: 'resnet' };
    const html = render({ config });
    expect(fieldHtml(html, 'learningRate')).toContain('value="6e-4"');
    expect(fieldHtml(html, 'frames')).toContain('value="1e10"');
    expect(fieldHtml(html, 'env')).toMatch(/<option value="minatar\/space_invaders" selected="">MinAtar Space Invaders<\/option>/);
    // Networks that do not fit the observations are offered but disabled.
    expect(fieldHtml(html, 'network')).toMatch(/<option value="mlp" disabled="">mlp \(vectors only\)<\/option>/);
  });
});

describe('SettingsPanel for the task suite', () => {
  const suite: ExperimentConfig = { ...DEFAULT_CONFIG, env: 'suite/minatar', network: 'auto', tasks: 'breakout,freeway' };
  const checkboxes = (part: string): string[] => part.match(/<input type="checkbox"[^>]*>/g) ?? [];

  it('offers the suite in its own group of the environment select', () => {
    const html = render({ config: suite });
    expect(fieldHtml(html, 'env')).toMatch(/<optgroup label="Task suite \(multi-task\)"><option value="suite\/minatar" selected="">MinAtar suite/);
    // Image networks fit the suite's 10x10x31 observations; the MLP does not.
    expect(fieldHtml(html, 'network')).toMatch(/<option value="mlp" disabled="">mlp \(vectors only\)<\/option>/);
    expect(fieldHtml(html, 'network')).toMatch(/<option value="minatar">minatar<\/option>/);
  });

  it('shows the games as checkboxes, the last ticked one locked', () => {
    const part = fieldHtml(render({ config: suite }), 'tasks') ?? '';
    const boxes = checkboxes(part);
    expect(boxes.map((b) => attr(b, 'value'))).toEqual(['asterix', 'breakout', 'freeway', 'seaquest', 'space_invaders']);
    expect(boxes.map((b) => b.includes('checked=""'))).toEqual([false, true, true, false, false]);
    expect(boxes.some((b) => b.includes('disabled=""'))).toBe(false);
    expect(part).toContain('Space Invaders');
    const one = checkboxes(fieldHtml(render({ config: { ...suite, tasks: 'seaquest' } }), 'tasks') ?? '');
    expect(one.map((b) => b.includes('disabled=""'))).toEqual([false, false, false, true, false]);
  });

  it('disables the games for a single environment, and the action set for the suite, with a note', () => {
    const single = fieldHtml(render(), 'tasks') ?? '';
    expect(checkboxes(single).every((b) => b.includes('disabled=""'))).toBe(true);
    expect(single).toContain('Task suite only: ignored for CartPole-v1.');
    const html = render({ config: suite });
    expect(fieldHtml(html, 'actionSet')).toMatch(/disabled=""/);
    expect(fieldHtml(html, 'actionSet')).toContain('full 6-action set');
    expect(fieldHtml(html, 'stickyActionProb')).not.toMatch(/disabled=""/);
  });

  it('has a PopArt checkbox; its step size applies only with PopArt', () => {
    const off = render({ config: { ...suite, popart: false } });
    expect(fieldHtml(off, 'popart')).toMatch(/<input[^>]*type="checkbox"/);
    expect(fieldHtml(off, 'popart')).not.toMatch(/checked=""/);
    expect(fieldHtml(off, 'popartBeta')).toMatch(/disabled=""/);
    expect(fieldHtml(off, 'popartBeta')).toContain('Used only with PopArt.');
    const on = render({ config: { ...suite, popart: true } });
    expect(fieldHtml(on, 'popart')).toMatch(/checked=""/);
    expect(fieldHtml(on, 'popartBeta')).not.toMatch(/disabled=""/);
    expect(fieldHtml(on, 'popartBeta')).toContain('value="3e-5"');
  });
});

describe('envDisplayName', () => {
  it('gives friendly names', () => {
    expect(envDisplayName('suite/minatar')).toBe('MinAtar suite (several games, one agent)');
    expect(envDisplayName('minatar/breakout')).toBe('MinAtar Breakout');
    expect(envDisplayName('minatar/space_invaders')).toBe('MinAtar Space Invaders');
    expect(envDisplayName('classic/CartPole-v1')).toBe('CartPole-v1');
    expect(envDisplayName('other')).toBe('other');
  });
});

describe('PresetPicker', () => {
  it('renders one button per preset named by its title and described by its description', () => {
    const html = renderToStaticMarkup(createElement(PresetPicker, { selectedId: 'ablation', onPick: () => {} }));
    const buttons = html.match(/<button[^>]*>/g) ?? [];
    expect(buttons.length).toBe(PRESETS.length);
    for (const [i, preset] of PRESETS.entries()) {
      const button = buttons[i] ?? '';
      expect(attr(button, 'type')).toBe('button');
      expect(attr(button, 'aria-pressed')).toBe(String(preset.id === 'ablation'));
      const titleId = attr(button, 'aria-labelledby');
      expect(html).toContain(`id="${titleId}" class="preset-card-title">${preset.title}<`);
      expect(html).toContain(`id="${attr(button, 'aria-describedby')}"`);
    }
  });
});
