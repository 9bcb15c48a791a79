import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CoreStateStrip, divergingColour } from '../../src/ui/replay/CoreStateStrip';

describe('CoreStateStrip', () => {
  it('draws one cell per unit, coloured by sign and size, with the numbers in its label', () => {
    const html = renderToStaticMarkup(createElement(CoreStateStrip, { state: [-0.9, 0, 0.5] }));
    expect(html.match(/<rect /g)).toHaveLength(3);
    expect(html).toContain('aria-label="LSTM state h: 3 units, from -0.90 to 0.50"');
    expect(html).toContain('unit 0: -0.900');
    expect(divergingColour(0)).toBe('hsl(30 85% 97%)');
    expect(divergingColour(-1)).toBe('hsl(210 85% 45%)');
    expect(divergingColour(1)).toBe('hsl(30 85% 45%)');
    expect(divergingColour(Number.NaN)).toBe(divergingColour(0));
  });
});
