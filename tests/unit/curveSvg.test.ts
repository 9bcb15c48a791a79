import { describe, expect, it } from 'vitest';
import { curveSvg, escapeXml, type CurveChart } from '../../src/core/telemetry/curveSvg';
import { closeTo, readCurveSvg } from '../support/svgCurves';
import { allElements, parseXml } from '../support/xml';

const LINE: [number, number | null][] = [
  [0, 0],
  [400, 10],
  [800, null],
  [1200, 30],
  [1600, 50],
];
const DOTS: [number, number][] = [
  [400, -5],
  [1200, 60],
];

function chart(overrides: Partial<CurveChart> = {}): CurveChart {
  return {
    title: 'CartPole, seed 1',
    xTitle: 'frames',
    panels: [{ yTitle: 'episode return', lines: [{ label: 'mean of last 100', color: '#0072B2', points: LINE }], dots: [{ label: 'one episode', color: '#555555', points: DOTS }] }],
    ...overrides,
  };
}

describe('curveSvg', () => {
  it('writes a standalone SVG document with a viewBox, a title and no outside references', () => {
    const svg = curveSvg(chart());
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    const [x, y, w, h] = root.attributes.viewBox!.split(' ').map(Number);
    expect([x, y]).toEqual([0, 0]);
    expect(w).toBeGreaterThan(0);
    expect(h).toBeGreaterThan(0);
    expect(root.children.find((c) => c.name === 'title')?.text).toBe('CartPole, seed 1');
    expect(svg).not.toMatch(/href|url\(|@import|@font-face|<script/);
  });

  it('puts the points where its documented transform says, so that they map back to the data', () => {
    const { panels } = readCurveSvg(curveSvg(chart()));
    expect(panels).toHaveLength(1);
    const panel = panels[0]!;
    // x: 0 .. 1600 -> step 500 -> 0 .. 2000; y: -5 .. 60 (the dots included) -> 65 / 5 = 13 -> step 20 -> -20 .. 60.
    expect(panel.xDomain).toEqual([0, 2000]);
    expect(panel.yDomain).toEqual([-20, 60]);
    // By hand: (0, 0) -> px = 76, py = 56 + 240 - (0 + 20) / 80 * 240 = 236;
    // (400, 10) -> px = 76 + 400 / 2000 * 540 = 184, py = 296 - (10 + 20) / 80 * 240 = 206.
    expect(panel.plot).toEqual({ left: 76, top: 56, width: 540, height: 240 });
    const polylines = allElements(panel.element).filter((e) => e.name === 'polyline');
    expect(polylines[0]!.attributes.points).toBe('76,236 184,206');
    // The null breaks the line in two.
    expect(panel.lines).toHaveLength(1);
    expect(panel.lines[0]!.runs).toHaveLength(2);
    expect(closeTo(panel.lines[0]!.runs[0]!, [[0, 0], [400, 10]], panel.tolerance)).toBeNull();
    expect(closeTo(panel.lines[0]!.runs[1]!, [[1200, 30], [1600, 50]], panel.tolerance)).toBeNull();
    expect(closeTo(panel.dots[0]!.points, DOTS, panel.tolerance)).toBeNull();
    expect(panel.legend).toEqual(['mean of last 100', 'one episode']);
  });

  it('labels the ticks at round values along both axes', () => {
    const { panels } = readCurveSvg(curveSvg(chart()));
    const texts = (cls: string): string[] => panels[0]!.element.children.find((c) => c.attributes.class === cls)!.children.map((t) => t.text);
    expect(texts('x-ticks')).toEqual(['0', '500', '1,000', '1,500', '2,000']);
    expect(texts('y-ticks')).toEqual(['-20', '0', '20', '40', '60']);
    const titles = panels[0]!.element.children.filter((c) => c.name === 'text').map((t) => t.text);
    expect(titles).toEqual(['frames', 'episode return']);
  });

  it('draws a run of one point as that point twice, so that round caps show it', () => {
    const { panels } = readCurveSvg(curveSvg(chart({ panels: [{ yTitle: 'y', lines: [{ label: 'a', color: 'red', points: [[0, 1], [5, null], [10, 3]] }] }] })));
    expect(panels[0]!.lines[0]!.runs.map((r) => r.length)).toEqual([2, 2]);
    expect(closeTo(panels[0]!.lines[0]!.runs[1]!, [[10, 3], [10, 3]], panels[0]!.tolerance)).toBeNull();
  });

  it('escapes text, so that labels with markup characters stay text', () => {
    const title = `Tom & Jerry's <run> "1"`;
    const svg = curveSvg(chart({ title, panels: [{ yTitle: 'a < b', lines: [{ label: '</g><script>x</script>', color: '#000', points: [[0, 1], [1, 2]] }] }] }));
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('Tom &amp; Jerry&apos;s &lt;run&gt; &quot;1&quot;');
    const { root, panels } = readCurveSvg(svg);
    expect(root.children.find((c) => c.name === 'title')?.text).toBe(title);
    expect(panels[0]!.legend).toEqual(['</g><script>x</script>']);
    expect(panels[0]!.lines[0]!.label).toBe('</g><script>x</script>');
    expect(escapeXml('a\u0001b&')).toBe('ab&amp;');
  });

  it('with no points says "no episodes yet" in a valid SVG', () => {
    for (const empty of [chart({ panels: [{ yTitle: 'episode return', lines: [{ label: 'mean', color: '#000', points: [] }], dots: [] }] }), chart({ panels: [{ yTitle: 'y', lines: [{ label: 'mean', color: '#000', points: [[0, null], [400, null]] }] }] }), chart({ panels: [] })]) {
      const root = parseXml(curveSvg(empty));
      const texts = allElements(root).filter((e) => e.name === 'text').map((t) => t.text);
      expect(texts).toContain('no episodes yet');
      expect(allElements(root).filter((e) => e.name === 'polyline' || e.name === 'circle')).toEqual([]);
    }
  });

  it('says so in a panel without points beside one with them', () => {
    const svg = curveSvg(chart({ panels: [chart().panels[0]!, { yTitle: 'normalised score', lines: [{ label: 'median', color: '#000', points: [[0, null]] }], emptyText: 'not yet' }] }));
    const { panels } = readCurveSvg(svg);
    expect(panels).toHaveLength(2);
    expect(panels[1]!.element.children.filter((c) => c.attributes.class === 'empty').map((t) => t.text)).toEqual(['not yet']);
    // The panels share the x axis.
    expect(panels[1]!.xDomain).toEqual(panels[0]!.xDomain);
    expect(panels[1]!.plot.top).toBeGreaterThan(panels[0]!.plot.top + panels[0]!.plot.height);
    expect(panels[1]!.legend).toEqual(['median (none yet)']);
  });
});

describe('the test XML parser', () => {
  it.each(['<a><b></a></b>', '<a>', '<a x="1" x="2"/>', '<a>&</a>', '<a>&nope;</a>', '<a/><b/>', '<a y=1/>', 'text<a/>'])('refuses %s', (source) => {
    expect(() => parseXml(source)).toThrow(/not well-formed/);
  });
  it('reads entities in text and attributes', () => {
    const root = parseXml(`<?xml version="1.0"?>\n<a t='&lt;&amp;&#65;&#x42;'>x &gt; y<!-- c --><b/></a>\n`);
    expect(root).toMatchObject({ name: 'a', attributes: { t: '<&AB' }, text: 'x > y', children: [{ name: 'b' }] });
  });
});
