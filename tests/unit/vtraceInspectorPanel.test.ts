import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { InspectionStep, VtraceInspection } from '../../src/core/agent/vtraceInspection';
import { InspectionTable } from '../../src/ui/inspector/InspectionTable';
import { clippedText, discountText, num, rewardText, thresholdText } from '../../src/ui/inspector/inspectionText';
import { VtraceInspectorPanel } from '../../src/ui/inspector/VtraceInspectorPanel';
import type { BatchInspection } from '../../src/core/learner/batchInspection';
import type { Lab, LabSnapshot } from '../../src/ui/lab/lab';
import { NO_BATCH_NOTE, type InspectorSnapshot } from '../../src/ui/lab/vtraceInspector';

const step = (t: number, patch: Partial<InspectionStep> = {}): InspectionStep => ({
  t, action: 1, behaviourProb: 0.2, targetProb: 0.6, logRho: Math.log(3), rho: 3, clippedRho: 1, rhoClipped: true, c: 0.95, unclippedC: 2.85, cClipped: true,
  pgRho: 1, pgRhoClipped: true, reward: 1, end: 'continues', truncatedValue: null, bootstrappedReward: 1, discount: 0.99, value: 2, nextValue: 2.5,
  delta: 1.475, vs: 3.1, pgAdvantage: 1.2, ...patch,
});

const inspection: VtraceInspection = {
  column: 2,
  parameters: { discount: 0.99, clipRhoThreshold: 1, clipPgRhoThreshold: 1, clipCThreshold: 1, lambda: 0.95 },
  bootstrapValue: 4.25,
  steps: [
    step(0),
    step(1, { rho: 0.5, clippedRho: 0.5, rhoClipped: false, c: 0.475, unclippedC: 0.475, cClipped: false, pgRho: 0.5, pgRhoClipped: false, end: 'terminated', discount: 0 }),
    step(2, { rho: 1.0000001, clippedRho: 1, end: 'truncated', discount: 0, truncatedValue: 23.412, bootstrappedReward: 1 + 0.99 * 23.412 }),
  ],
};

/** The text of each cell of row `t`, tags stripped. */
function rowCells(html: string, t: number): string[] {
  const row = new RegExp(`<tr[^>]*data-t="${t}"[^>]*>(.*?)</tr>`).exec(html)![1]!;
  return [...row.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

describe('the inspector in words: clipping and episode ends are said in text', () => {
  it('formats clipped values with the value before clipping, with more digits where they would read the same', () => {
    expect(clippedText(1, 3.2714, true)).toBe('1.000 (clipped from 3.271)');
    expect(clippedText(0.5, 0.5, false)).toBe('0.500');
    expect(clippedText(1, 1.0000001, true)).toBe('1.000 (clipped from 1.0000001)');
    expect(num(-2.5)).toBe('−2.500');
    expect(num(12345.678)).toBe('12345.7');
    expect([num(Number.NaN), num(Infinity)]).toEqual(['NaN', '∞']);
    expect(thresholdText(null)).toBe('none');
    expect(thresholdText(0.30000000000000004)).toBe('0.3');
  });

  it('says why a discount is 0, and spells out a time limit’s bootstrap', () => {
    expect(discountText({ discount: 0.99, end: 'continues' })).toBe('0.990');
    expect(discountText({ discount: 0, end: 'terminated' })).toBe('0 (episode ended)');
    expect(discountText({ discount: 0, end: 'truncated' })).toBe('0 (time limit: bootstrapped in r)');
    expect(rewardText({ reward: 1, truncatedValue: 23.412, bootstrappedReward: 24.178 }, 0.99)).toBe('1.000 + 0.990 × 23.412 = 24.178');
    expect(rewardText({ reward: -1, truncatedValue: null, bootstrappedReward: -1 }, 0.99)).toBe('−1.000');
  });

  it('renders one row per step with every quantity, a labelled picture, and the bootstrap value', () => {
    const html = renderToStaticMarkup(createElement(InspectionTable, { inspection }));
    expect(html.match(/data-testid="inspection-step"/g)).toHaveLength(3);
    const first = rowCells(html, 0);
    expect(first).toHaveLength(15);
    expect(first.slice(0, 14)).toEqual(['0', '1', '0.200', '0.600', '3.000', '1.000 (clipped from 3.000)', '0.950 (clipped from 2.850)', '1.000 (clipped from 3.000)', '1.000', '0.990', '2.000', '1.475', '3.100', '1.200']);
    expect(rowCells(html, 1)[0]).toBe('1 (episode ended)');
    expect(rowCells(html, 1)[5]).toBe('0.500');
    expect(rowCells(html, 1)[9]).toBe('0 (episode ended)');
    expect(rowCells(html, 2)[0]).toBe('2 (time limit)');
    expect(rowCells(html, 2)[5]).toBe('1.000 (clipped from 1.0000001)');
    expect(rowCells(html, 2)[8]).toBe('1.000 + 0.990 × 23.412 = 24.178');
    expect(html).toMatch(/role="img" aria-label="Step 0: value 2.000, target 3.100, the target above the value"/);
    expect(html).toMatch(/bootstrap: the learner&#x27;s value of the state after the last step<\/td><td>4.250<\/td>/);
  });
});

describe('VtraceInspectorPanel', () => {
  const empty: InspectorSnapshot = {
    status: 'empty', note: NO_BATCH_NOTE, run: 0, runLabels: [], batch: null, envsPerUnroll: 1, column: 0,
    parameters: inspection.parameters, inspection: null, computing: false,
  };
  const render = (snapshot: InspectorSnapshot, state: Partial<LabSnapshot>): string => {
    const lab = { inspector: { subscribe: () => () => {}, getSnapshot: () => snapshot } } as unknown as Lab;
    return renderToStaticMarkup(createElement(VtraceInspectorPanel, { lab, state: { status: 'idle', open: new Set(['inspector']), ...state } as LabSnapshot }));
  };

  it('opens as the lab says, and with no batch says so and offers nothing to load until paused', () => {
    const html = render(empty, {});
    expect(html).toMatch(/<details[^>]*open=""/);
    expect(html).toContain(NO_BATCH_NOTE);
    expect(html).toMatch(/<button type="button" disabled="">Load the last batch<\/button>/);
    expect(html).not.toContain('inspection-table');
    expect(render(empty, { status: 'paused', open: new Set() })).not.toMatch(/<details[^>]*open=""/);
    expect(render(empty, { status: 'paused' })).toMatch(/<button type="button">Load the last batch<\/button>/);
  });

  it('with a batch: says which update it is, names each column with its clipped weights and episode ends, and shows the table', () => {
    // T = 3, two columns; column 0: rho = 3 at t = 0 and an episode end at t = 1.
    const batch: BatchInspection = {
      T: 3, cols: 2, numActions: 2, freshCols: 1, version: 4, applied: true, taskIds: new Int32Array(2),
      actions: new Int32Array(6), behaviourActionLogProbs: Float32Array.from([Math.log(0.2), Math.log(0.5), Math.log(0.5), Math.log(0.5), Math.log(0.5), Math.log(0.5)]),
      targetActionLogProbs: Float32Array.from([Math.log(0.6), Math.log(0.5), Math.log(0.5), Math.log(0.5), Math.log(0.5), Math.log(0.5)]),
      values: new Float32Array(8), rewards: new Float32Array(6), terminated: Uint8Array.from([0, 0, 1, 0, 0, 0]), truncated: new Uint8Array(6),
      truncatedIndices: new Int32Array(0), truncatedValues: new Float32Array(0),
      learned: { correction: 'vtrace', ...inspection.parameters },
    };
    const html = render({ ...empty, status: 'ready', note: null, batch, inspection, envsPerUnroll: 1 }, { status: 'paused' });
    expect(html).toContain('The batch of update 5 (the weights of version 4): 3 steps × 2 columns, of which 1 replayed.');
    expect(html).toContain('1: Unroll 1, environment 1 — 1 ρ clipped, 1 episode end</option>');
    expect(html).toContain('2: Unroll 2, environment 1 (replayed)</option>');
    expect(html).toContain('data-testid="inspection-table"');
    expect(html).toMatch(/<output[^>]*data-testid="inspector-clipRhoThreshold"[^>]*>1<\/output>/);
    expect(html).not.toContain('not V-trace');
    const other = render({ ...empty, status: 'ready', note: null, batch: { ...batch, learned: { ...batch.learned, correction: 'none' } }, inspection }, { status: 'paused' });
    expect(other).toContain("This run learns with the correction &#x27;none&#x27;, not V-trace");
  });
});
