import { niceTicks, tickLabels, type Ticks } from './niceTicks';

/**
 * A small SVG writer for learning curves: series in, one standalone SVG
 * document out (a string; no DOM, no fonts beyond the viewer's sans-serif).
 * The headless trainer writes its learning-curve.svg and comparison.svg with
 * it (`learningCurves.ts` turns metrics into series).
 *
 * Layout: a title, then the panels stacked, each a plot with a frame, grid
 * lines and labels at round tick values (`niceTicks`), an x title, a y
 * title, and its legend on the right. All panels share one x axis range,
 * which starts at 0 or below.
 *
 * The axis transform. Each panel is a `<g class="panel">` that records
 *   data-plot="left top width height"   the plot's rectangle in SVG units
 *   data-x-domain="xmin xmax"            the x axis's first and last tick
 *   data-y-domain="ymin ymax"            the y axis's first and last tick
 * and a data point (x, y) is drawn at
 *   px = left + (x - xmin) / (xmax - xmin) * width
 *   py = top + height - (y - ymin) / (ymax - ymin) * height
 * rounded to 0.1 SVG units; so (x, y) = (xmin + (px - left) / width *
 * (xmax - xmin), ymin + (top + height - py) / height * (ymax - ymin)),
 * within 0.05 units' worth of rounding. Lines are `<polyline>`s (a null y
 * breaks a line; a run of one point is drawn as that point twice, which
 * round caps show as a dot); dots are `<circle>`s.
 */

export interface CurveSeries {
  /** The legend's text; '' keeps the series out of the legend. */
  label: string;
  /** (x, y) points, x non-decreasing; a null y is a gap in a line. */
  points: readonly (readonly [number, number | null])[];
  /** A CSS colour, e.g. one of `SERIES_COLORS`. */
  color: string;
}

export interface CurvePanel {
  yTitle: string;
  lines: readonly CurveSeries[];
  /** Drawn under the lines as small faint dots (raw observations). */
  dots?: readonly CurveSeries[];
  /** Shown in the panel while it has no point to draw (default 'no data yet'). */
  emptyText?: string;
}

export interface CurveChart {
  title: string;
  /** A line under the title (what the dots are, what was left out); optional. */
  subtitle?: string;
  xTitle: string;
  panels: readonly CurvePanel[];
  /** Shown alone, under the title, when no panel has a point (default 'no episodes yet'). */
  emptyText?: string;
}

/** Line colours that stay apart for colour-blind readers (Okabe and Ito), then a few more. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#BCBD22'] as const;

/** The colour of series `i`, cycling through `SERIES_COLORS`. */
export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]!;
}

// Layout, in SVG units (the viewBox is WIDTH x height).
const WIDTH = 880;
const LEFT = 76;
const PLOT_WIDTH = 540;
const LEGEND_LEFT = LEFT + PLOT_WIDTH + 24;
const HEADER = 56;
const PLOT_HEIGHT = 240;
/** Below each plot: tick labels, the x title and a gap before the next panel. */
const PANEL_FOOT = 72;
const FONT_SIZE = 12;
/** Legend labels longer than this many characters are cut (with an ellipsis) to stay inside the image. */
const LEGEND_CHARS = 30;
const GRID = '#e4e4e4';
const FRAME = '#888888';
const TEXT = '#222222';

/** The SVG document (with an XML declaration) that draws `chart`. */
export function curveSvg(chart: CurveChart): string {
  const hasData = chart.panels.some((p) => [...p.lines, ...(p.dots ?? [])].some((s) => s.points.some(drawable)));
  const panels = hasData ? chart.panels : [];
  const height = hasData ? HEADER + panels.length * (PLOT_HEIGHT + PANEL_FOOT) : HEADER + 80;
  const body: string[] = [
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${LEFT}" y="24" font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  if (chart.subtitle) body.push(`<text class="subtitle" x="${LEFT}" y="42" fill="#555555">${escapeXml(chart.subtitle)}</text>`);
  if (!hasData) {
    body.push(`<text class="empty" x="${WIDTH / 2}" y="${HEADER + 40}" text-anchor="middle" font-size="14" fill="#555555">${escapeXml(chart.emptyText ?? 'no episodes yet')}</text>`);
  } else {
    const xs = panels.flatMap((p) => [...p.lines, ...(p.dots ?? [])].flatMap((s) => s.points.filter(drawable).map(([x]) => x)));
    const [xLo, xHi] = extent(xs);
    const xTicks = niceTicks(Math.min(0, xLo), xHi);
    panels.forEach((panel, i) => body.push(panelSvg(panel, chart.xTitle, xTicks, HEADER + i * (PLOT_HEIGHT + PANEL_FOOT))));
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="${FONT_SIZE}" fill="${TEXT}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** One panel: grid, frame, ticks, titles, dots, lines and legend; `top` is the plot's top edge. */
function panelSvg(panel: CurvePanel, xTitle: string, xTicks: Ticks, top: number): string {
  const dots = panel.dots ?? [];
  const ys = [...panel.lines, ...dots].flatMap((s) => s.points.filter(drawable).map(([, y]) => y));
  const empty = ys.length === 0;
  const yTicks = empty ? niceTicks(0, 1) : niceTicks(...extent(ys));
  const px = (x: number): number => round1(LEFT + ((x - xTicks.min) / (xTicks.max - xTicks.min)) * PLOT_WIDTH);
  const py = (y: number): number => round1(top + PLOT_HEIGHT - ((y - yTicks.min) / (yTicks.max - yTicks.min)) * PLOT_HEIGHT);
  const bottom = top + PLOT_HEIGHT;
  const parts: string[] = [`<g class="panel" data-plot="${LEFT} ${top} ${PLOT_WIDTH} ${PLOT_HEIGHT}" data-x-domain="${xTicks.min} ${xTicks.max}" data-y-domain="${yTicks.min} ${yTicks.max}">`];

  // Grid, frame and tick labels.
  const xLabels = tickLabels(xTicks);
  const yLabels = tickLabels(yTicks);
  parts.push(`<g class="grid" stroke="${GRID}" stroke-width="1">`);
  for (const x of xTicks.values) parts.push(`<line x1="${px(x)}" y1="${top}" x2="${px(x)}" y2="${bottom}"/>`);
  for (const y of yTicks.values) parts.push(`<line x1="${LEFT}" y1="${py(y)}" x2="${LEFT + PLOT_WIDTH}" y2="${py(y)}"/>`);
  parts.push('</g>');
  parts.push(`<rect class="frame" x="${LEFT}" y="${top}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" fill="none" stroke="${FRAME}" stroke-width="1"/>`);
  parts.push('<g class="x-ticks" text-anchor="middle">');
  xTicks.values.forEach((x, i) => parts.push(`<text x="${px(x)}" y="${bottom + 16}">${escapeXml(xLabels[i]!)}</text>`));
  parts.push('</g>');
  parts.push('<g class="y-ticks" text-anchor="end">');
  yTicks.values.forEach((y, i) => parts.push(`<text x="${LEFT - 6}" y="${round1(py(y) + FONT_SIZE * 0.35)}">${escapeXml(yLabels[i]!)}</text>`));
  parts.push('</g>');
  parts.push(`<text class="x-title" x="${LEFT + PLOT_WIDTH / 2}" y="${bottom + 36}" text-anchor="middle">${escapeXml(xTitle)}</text>`);
  parts.push(`<text class="y-title" transform="translate(18 ${top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yTitle)}</text>`);

  if (empty) {
    parts.push(`<text class="empty" x="${LEFT + PLOT_WIDTH / 2}" y="${top + PLOT_HEIGHT / 2}" text-anchor="middle" fill="#555555">${escapeXml(panel.emptyText ?? 'no data yet')}</text>`);
  }
  for (const series of dots) {
    const points = series.points.filter(drawable);
    if (points.length === 0) continue;
    parts.push(`<g class="dots" data-label="${escapeXml(series.label)}" fill="${escapeXml(series.color)}" fill-opacity="0.3">`);
    for (const [x, y] of points) parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="1.6"/>`);
    parts.push('</g>');
  }
  for (const series of panel.lines) {
    const runs = unbroken(series.points);
    if (runs.length === 0) continue;
    parts.push(`<g class="line" data-label="${escapeXml(series.label)}" fill="none" stroke="${escapeXml(series.color)}" stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round">`);
    for (const run of runs) {
      const drawn = run.length === 1 ? [run[0]!, run[0]!] : run;
      parts.push(`<polyline points="${drawn.map(([x, y]) => `${px(x)},${py(y)}`).join(' ')}"/>`);
    }
    parts.push('</g>');
  }
  parts.push(legendSvg(panel, top));
  parts.push('</g>');
  return parts.join('\n');
}

/** The panel's legend, beside its plot: a line or a dot, then the label, for each labelled series. */
function legendSvg(panel: CurvePanel, top: number): string {
  const entries = [...panel.lines.map((s) => ({ s, dot: false })), ...(panel.dots ?? []).map((s) => ({ s, dot: true }))].filter(({ s }) => s.label !== '');
  const rows = entries.map(({ s, dot }, i) => {
    const y = top + 8 + i * 18;
    const swatch = dot
      ? `<circle cx="${LEGEND_LEFT + 10}" cy="${y + 6}" r="3" fill="${escapeXml(s.color)}" fill-opacity="0.5"/>`
      : `<line x1="${LEGEND_LEFT}" y1="${y + 6}" x2="${LEGEND_LEFT + 20}" y2="${y + 6}" stroke="${escapeXml(s.color)}" stroke-width="2.5"/>`;
    // A series with nothing to draw yet (a run without a score so far) says so, rather than seeming lost.
    const label = s.points.some(drawable) ? cut(s.label, LEGEND_CHARS) : `${cut(s.label, LEGEND_CHARS - 9)} (none yet)`;
    return `${swatch}<text x="${LEGEND_LEFT + 28}" y="${y + 10}">${escapeXml(label)}</text>`;
  });
  return `<g class="legend">${rows.length > 0 ? `\n${rows.join('\n')}\n` : ''}</g>`;
}

/** A point with finite coordinates (a null or non-finite y is a gap). */
function drawable(point: readonly [number, number | null]): point is readonly [number, number] {
  return point[1] !== null && Number.isFinite(point[1]) && Number.isFinite(point[0]);
}

/** The runs of consecutive points with a y value. */
function unbroken(points: CurveSeries['points']): [number, number][][] {
  const runs: [number, number][][] = [];
  let current: [number, number][] = [];
  for (const point of points) {
    if (!drawable(point)) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else {
      current.push([point[0], point[1]]);
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** The least and greatest of non-empty `values` (a loop: spreading 100,000 arguments overflows the stack). */
function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function round1(v: number): number {
  return Math.round(v * 10) / 10 + 0;
}

function cut(text: string, chars: number): string {
  const glyphs = [...text];
  return glyphs.length <= chars ? text : `${glyphs.slice(0, chars - 1).join('')}…`;
}

/** Text for XML content or a quoted attribute: markup characters as entities, and no characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing exactly the control characters XML 1.0 does not allow
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
