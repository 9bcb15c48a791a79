import { allElements, parseXml, type XmlElement } from './xml';

/**
 * Reads back what `curveSvg` drew, through the axis transform its header
 * documents: each `<g class="panel">` records its plot rectangle and axis
 * domains, and a drawn point (px, py) stands for
 *   x = xmin + (px - left) / width * (xmax - xmin)
 *   y = ymin + (top + height - py) / height * (ymax - ymin).
 */

export interface DrawnPanel {
  element: XmlElement;
  plot: { left: number; top: number; width: number; height: number };
  xDomain: [number, number];
  yDomain: [number, number];
  /** Each line's polylines, mapped back to data coordinates. */
  lines: { label: string; color: string; runs: [number, number][][] }[];
  /** Each dot series' circles, mapped back. */
  dots: { label: string; color: string; points: [number, number][] }[];
  /** The legend's texts. */
  legend: string[];
  /** How far a data value may be from the drawn one: 0.05 SVG units (half the 0.1 rounding) in data units. */
  tolerance: { x: number; y: number };
}

/** Parses `svg` (throwing if it is not well-formed) and reads back its panels. */
export function readCurveSvg(svg: string): { root: XmlElement; panels: DrawnPanel[] } {
  const root = parseXml(svg);
  const panels = allElements(root)
    .filter((e) => e.name === 'g' && e.attributes.class === 'panel')
    .map((element): DrawnPanel => {
      const [left, top, width, height] = numbers(element.attributes['data-plot']!);
      const xDomain = numbers(element.attributes['data-x-domain']!) as [number, number];
      const yDomain = numbers(element.attributes['data-y-domain']!) as [number, number];
      const back = (px: number, py: number): [number, number] => [
        xDomain[0] + ((px - left!) / width!) * (xDomain[1] - xDomain[0]),
        yDomain[0] + ((top! + height! - py) / height!) * (yDomain[1] - yDomain[0]),
      ];
      const groups = (cls: string): XmlElement[] => element.children.filter((c) => c.name === 'g' && c.attributes.class === cls);
      return {
        element,
        plot: { left: left!, top: top!, width: width!, height: height! },
        xDomain,
        yDomain,
        lines: groups('line').map((g) => ({
          label: g.attributes['data-label']!,
          color: g.attributes.stroke!,
          runs: g.children.map((p) => {
            if (p.name !== 'polyline') throw new Error(`a ${p.name} in a line`);
            return p.attributes.points!.split(' ').map((pair) => {
              const [px, py] = numbers(pair.replace(',', ' '));
              return back(px!, py!);
            });
          }),
        })),
        dots: groups('dots').map((g) => ({
          label: g.attributes['data-label']!,
          color: g.attributes.fill!,
          points: g.children.map((c) => back(Number(c.attributes.cx), Number(c.attributes.cy))),
        })),
        legend: groups('legend').flatMap((g) => g.children.filter((c) => c.name === 'text').map((t) => t.text)),
        tolerance: { x: (0.05 / width!) * (xDomain[1] - xDomain[0]) * 1.0001, y: (0.05 / height!) * (yDomain[1] - yDomain[0]) * 1.0001 },
      };
    });
  return { root, panels };
}

function numbers(text: string): number[] {
  return text
    .trim()
    .split(' ')
    .map((s) => {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new Error(`not a number: '${s}' in '${text}'`);
      return n;
    });
}

/** Expects drawn points to be `expected` within the panel's rounding, in order. */
export function closeTo(drawn: readonly (readonly [number, number])[], expected: readonly (readonly [number, number])[], tolerance: { x: number; y: number }): string | null {
  if (drawn.length !== expected.length) return `${drawn.length} points drawn, ${expected.length} expected`;
  for (const [i, [x, y]] of drawn.entries()) {
    const [ex, ey] = expected[i]!;
    if (Math.abs(x - ex) > tolerance.x || Math.abs(y - ey) > tolerance.y) return `point ${i}: drawn (${x}, ${y}), expected (${ex}, ${ey}) within (${tolerance.x}, ${tolerance.y})`;
  }
  return null;
}
