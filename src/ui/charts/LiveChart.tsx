import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { clippedNote, clippedPoints, robustRange, type Clipped, type SeriesValues } from '../../core/telemetry/robustRange';
import { downloadBlob, slugify } from '../download';

/** One line or scatter of a chart. */
export interface ChartSeries {
  label: string;
  /** Any CSS colour (for points, may carry alpha). */
  color: string;
  /** Draw points only (a scatter), no line. */
  points?: boolean;
  /** Scatter points as rings rather than discs (told apart without colour). */
  hollow?: boolean;
  /** Line width in CSS pixels (default 1.75). */
  width?: number;
  /** Canvas line dash, e.g. [8, 4]; none for a solid line. */
  dash?: readonly number[];
}

export interface LiveChartProps {
  /** Identifies the chart in the page (data-chart), e.g. 'chart.return'. */
  chartId?: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** The data in uPlot's layout [xs, ys1, ...], one y-column per series; return the same object while unchanged. */
  getData: () => uPlot.AlignedData;
  /** Calls `onChange` whenever `getData` has something new; returns an unsubscribe. */
  subscribe: (onChange: () => void) => () => void;
  /** Height of the plot and its axes in CSS pixels (legend excluded). Default 220. */
  height?: number;
  /** Fixed ends of the y axis (e.g. min 0 for a rate); the other end follows the data. */
  yRange?: { min?: number; max?: number };
  /**
   * 'robust': fit the y axis to the bulk of the visible points (`robustRange`),
   * so that one early spike cannot flatten the curve; 'all' (the default):
   * to all of them. Either way, points beyond the axis are marked at its edge
   * and counted in a note under the plot.
   */
  yFit?: 'all' | 'robust';
}

export interface Theme {
  fg: string;
  grid: string;
  bg: string;
}

/** What exported PNGs are drawn with: dark text on white, whatever the page's colour scheme. */
const LIGHT: Theme = { fg: '#1b1b1f', grid: 'rgba(0, 0, 0, 0.1)', bg: '#ffffff' };

/** The text colour at `alpha`, for grid lines that suit light and dark pages alike. */
function faded(rgb: string, alpha: number): string {
  const m = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(rgb);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : `rgba(128, 128, 128, ${alpha})`;
}

/** Axis colours from the page's CSS (its text colour and --panel), so dark mode works. */
function readTheme(el: HTMLElement): Theme {
  const style = getComputedStyle(el);
  const fg = style.color || LIGHT.fg;
  return { fg, grid: faded(fg, 0.14), bg: style.getPropertyValue('--panel').trim() || LIGHT.bg };
}

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumSignificantDigits: 3 });
const precise = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
const formatValue = (v: number | null | undefined) => (v == null ? '–' : precise.format(v));

/** Width of a y axis that fits its longest tick label (uPlot's default 50 px clips "-0.00025"). */
function yAxisSize(_u: uPlot, values: string[] | null): number {
  const longest = (values ?? []).reduce((n, v) => Math.max(n, v.length), 0);
  return Math.max(36, 14 + 7 * longest);
}

/** True when the user has zoomed into part of the x range (drag to zoom; double-click resets). */
function isZoomed(u: uPlot): boolean {
  const xs = u.data[0];
  const { min, max } = u.scales.x ?? {};
  if (xs.length < 2 || min == null || max == null) return false;
  return min > xs[0]! || max < xs[xs.length - 1]!;
}

/** The y-columns as the y axis should see them: a series the user hid in the legend counts as empty. */
function shownColumns(u: uPlot): SeriesValues[] {
  return u.data.slice(1).map((col, k) => (u.series[k + 1]?.show === false ? [] : col));
}

/** First and last index of the points inside the x scale (all of them unless zoomed). */
function visibleWindow(u: uPlot): { from: number; to: number } {
  const xs = u.data[0];
  const { min, max } = u.scales.x ?? {};
  let from = 0;
  let to = xs.length - 1;
  if (min != null) while (from <= to && xs[from]! < min) from++;
  if (max != null) while (to >= from && xs[to]! > max) to--;
  return { from, to };
}

/** What the note under a chart says about points beyond its y axis, or null when there are none. */
export function clippedText(clipped: Clipped): string | null {
  const note = clippedNote(clipped, formatValue);
  if (note === null) return null;
  const where = clipped.below === 0 ? '▲ at the top edge' : clipped.above === 0 ? '▼ at the bottom edge' : '▲ and ▼ at the edges';
  return `${note}, marked ${where}`;
}

/**
 * Marks each visible point beyond the y axis with a triangle at the edge it
 * lies beyond (pointing out of the plot, in its series' colour, outlined in
 * the text colour), and returns them all.
 */
function markClipped(u: uPlot, series: readonly ChartSeries[], theme: Theme): Clipped | null {
  const { min, max } = u.scales.y ?? {};
  if (min == null || max == null || u.data[0].length === 0) return null;
  const clipped = clippedPoints(shownColumns(u), min, max, visibleWindow(u));
  if (clipped.clipped.length === 0) return clipped;
  const ratio = u.ctx.canvas.width / Math.max(1, u.width);
  const size = 4 * ratio;
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  ctx.save();
  ctx.lineWidth = ratio;
  ctx.strokeStyle = theme.fg;
  ctx.setLineDash([]);
  for (const p of clipped.clipped) {
    const x = u.valToPos(u.data[0][p.index]!, 'x', true);
    if (x < left - 1 || x > left + width + 1) continue;
    const tip = p.value > max ? top + ratio : top + height - ratio;
    const base = p.value > max ? tip + 1.6 * size : tip - 1.6 * size;
    ctx.beginPath();
    ctx.moveTo(x, tip);
    ctx.lineTo(x - size, base);
    ctx.lineTo(x + size, base);
    ctx.closePath();
    ctx.fillStyle = series[p.series]?.color ?? theme.fg;
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
  return clipped;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A legend key drawn as the series is (its dash pattern, or a point), then its label. */
function legendLabel(s: ChartSeries): HTMLElement {
  const key = document.createElement('span');
  key.className = 'live-chart-key';
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', '24');
  svg.setAttribute('height', '10');
  svg.setAttribute('aria-hidden', 'true');
  const mark = document.createElementNS(SVG, s.points ? 'circle' : 'line');
  const attrs: Record<string, string> = s.points
    ? { cx: '12', cy: '5', r: '3.5', stroke: s.color, fill: s.hollow ? 'none' : s.color, 'stroke-width': '1.25' }
    : { x1: '0', y1: '5', x2: '24', y2: '5', stroke: s.color, 'stroke-width': String(s.width ?? 1.75), 'stroke-dasharray': (s.dash ?? []).join(' ') };
  for (const [name, value] of Object.entries(attrs)) mark.setAttribute(name, value);
  svg.append(mark);
  key.append(svg, document.createTextNode(s.label));
  return key;
}

/**
 * The y scale of a chart: fixed ends where `yRange` fixes them, the other
 * ends fitted to the visible points, all of them or (`yFit: 'robust'`) their
 * bulk.
 */
export function yScale({ yRange, yFit }: Pick<ChartConfig, 'yRange' | 'yFit'>): uPlot.Scale {
  return {
    range: (u, min, max) => {
      if (yFit === 'robust') {
        // uPlot has set each series' idxs to the x window being ranged (the x scale itself is set after).
        const [from, to] = u.series[1]?.idxs ?? [0, u.data[0].length - 1];
        const fit = robustRange(shownColumns(u), { from, to, min: yRange?.min, max: yRange?.max });
        if (fit) return [fit.min, fit.max];
      }
      const [lo, hi] = uPlot.rangeNum(min, max, 0.1, true);
      return [yRange?.min ?? lo, yRange?.max ?? hi];
    },
  };
}

/** A draw hook that marks the visible points beyond the y axis (`markClipped`) and tells `onClipped` about them (null before there is data). */
export function clipMarkerHook(series: readonly ChartSeries[], theme: { current: Theme }, onClipped: (clipped: Clipped | null) => void): (u: uPlot) => void {
  return (u) => onClipped(markClipped(u, series, theme.current));
}

/** The uPlot options of a chart; `onClipped` hears after every draw about the points beyond the y axis. */
function toOptions(config: ChartConfig, width: number, theme: { current: Theme }, onClipped: (clipped: Clipped | null) => void): uPlot.Options {
  const { xLabel, yLabel, series, height } = config;
  const axis = { stroke: () => theme.current.fg, grid: { stroke: () => theme.current.grid, width: 1 }, ticks: { stroke: () => theme.current.grid, width: 1 } };
  return {
    width,
    height,
    scales: { x: { time: false }, y: yScale(config) },
    hooks: { draw: [clipMarkerHook(series, theme, onClipped)] },
    axes: [
      { ...axis, label: xLabel, values: (_u, splits) => splits.map((v) => compact.format(v)) },
      { ...axis, label: yLabel, size: yAxisSize },
    ],
    series: [
      { label: xLabel, value: (_u, v) => formatValue(v) },
      ...series.map((s): uPlot.Series => ({
        label: legendLabel(s),
        stroke: s.color,
        width: s.points ? 0 : (s.width ?? 1.75),
        ...(s.dash && s.dash.length > 0 ? { dash: [...s.dash] } : {}),
        spanGaps: true,
        value: (_u, v) => formatValue(v),
        ...(s.points
          ? {
              paths: () => null,
              points: { show: true, size: 4, width: 1, stroke: s.color, fill: s.hollow ? () => theme.current.bg : s.color },
            }
          : { points: { show: false } }),
      })),
    ],
    // Keys are drawn by legendLabel, which shows dash patterns that uPlot's square markers cannot.
    legend: { live: true, markers: { show: false } },
    // Overlaid runs leave nulls in each other's rows: hover each series' nearest real point instead.
    cursor: { drag: { x: true, y: false }, hover: { skip: [null, undefined] } },
  };
}

/** Data with no points, for a plot created before its data source is known. */
const emptyData = (series: number): uPlot.AlignedData => [[], ...Array.from({ length: series }, () => [])];

/** Draws the chart on a white canvas with its title and a legend, for download. */
function composePng(u: uPlot, title: string, series: readonly ChartSeries[], note: string | null): HTMLCanvasElement {
  const plot = u.ctx.canvas;
  const ratio = plot.width / Math.max(1, u.width);
  const pad = 12 * ratio;
  const titleFont = `600 ${16 * ratio}px system-ui, sans-serif`;
  const legendFont = `${12 * ratio}px system-ui, sans-serif`;
  const swatch = 22 * ratio;
  const rowHeight = 18 * ratio;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  // Lay out the legend in rows that fit the width.
  ctx.font = legendFont;
  const rows: { s: ChartSeries; x: number }[][] = [[]];
  let x = pad;
  for (const s of series) {
    const w = swatch + 6 * ratio + ctx.measureText(s.label).width + 16 * ratio;
    if (x + w > plot.width - pad && rows.at(-1)!.length > 0) {
      rows.push([]);
      x = pad;
    }
    rows.at(-1)!.push({ s, x });
    x += w;
  }
  const titleHeight = 28 * ratio;
  const legendTop = pad + titleHeight;
  const noteTop = legendTop + rows.length * rowHeight;
  const plotTop = noteTop + (note ? rowHeight : 0) + 6 * ratio;
  out.width = plot.width;
  out.height = Math.ceil(plotTop + plot.height + pad);
  ctx.fillStyle = LIGHT.bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = LIGHT.fg;
  ctx.textBaseline = 'middle';
  ctx.font = titleFont;
  ctx.fillText(title, pad, pad + titleHeight / 2);
  ctx.font = legendFont;
  rows.forEach((row, r) => {
    const y = legendTop + r * rowHeight + rowHeight / 2;
    for (const { s, x: left } of row) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      if (s.points) {
        ctx.beginPath();
        ctx.arc(left + swatch / 2, y, 3 * ratio, 0, 2 * Math.PI);
        ctx.lineWidth = ratio;
        if (s.hollow) ctx.stroke();
        else ctx.fill();
      } else {
        ctx.lineWidth = (s.width ?? 1.75) * ratio;
        ctx.setLineDash((s.dash ?? []).map((d) => d * ratio));
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + swatch, y);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = LIGHT.fg;
      ctx.fillText(s.label, left + swatch + 6 * ratio, y);
    }
  });
  if (note) {
    ctx.fillStyle = LIGHT.fg;
    ctx.fillText(note, pad, noteTop + rowHeight / 2);
  }
  ctx.drawImage(plot, 0, plotTop);
  return out;
}

/** What the uPlot instance is built from; serialised to decide when to rebuild it. */
export interface ChartConfig {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  height: number;
  yRange: { min?: number; max?: number } | undefined;
  yFit: 'all' | 'robust';
}

/**
 * A uPlot chart fed by a data source. The canvas chart is created once (and
 * again only if its title, labels or series change); data changes reach it
 * through `subscribe`, coalesced to at most one `setData` per animation
 * frame, without re-rendering React. It follows its container's width.
 */
export function LiveChart({ chartId, title, xLabel, yLabel, series, getData, subscribe, height = 220, yRange, yFit = 'all' }: LiveChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const noteRef = useRef<HTMLParagraphElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const getDataRef = useRef<(() => uPlot.AlignedData) | null>(null);
  const exportRef = useRef<(() => void) | null>(null);

  // Series arrays are often rebuilt by the parent: compare them by value.
  const configKey = JSON.stringify({ title, xLabel, yLabel, series, height, yRange, yFit } satisfies ChartConfig);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const config = JSON.parse(configKey) as ChartConfig;
    const theme = { current: readTheme(host) };
    const initial = getDataRef.current?.();
    const data = initial && initial.length === config.series.length + 1 ? initial : emptyData(config.series.length);
    // The note of a chart this effect replaces is out of date: the new chart fills it in after its first draw.
    let note: string | null = null;
    if (noteRef.current) noteRef.current.textContent = '';
    const onClipped = (clipped: Clipped | null) => {
      const text = clipped && clippedText(clipped);
      const el = noteRef.current;
      if (text === note || !el) return;
      note = text;
      el.textContent = text ?? '';
      el.dataset.clipped = String(clipped ? clipped.below + clipped.above : 0);
    };
    const plot = new uPlot(toOptions(config, Math.max(160, host.clientWidth), theme, onClipped), data, host);
    plot.ctx.canvas.setAttribute('aria-hidden', 'true');
    host.dataset.empty = String(data[0].length === 0);
    plotRef.current = plot;

    const resize = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0);
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: config.height });
    });
    resize.observe(host);

    // Follow the page's colour scheme if it changes while the chart is open.
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const restyle = () => {
      theme.current = readTheme(host);
      plot.redraw(false, true);
    };
    scheme.addEventListener('change', restyle);

    exportRef.current = () => {
      // Redraw with dark-on-white axes, copy the canvas, and restore (batch draws synchronously).
      const own = theme.current;
      theme.current = LIGHT;
      let canvas: HTMLCanvasElement;
      try {
        plot.batch(() => plot.redraw(false, true));
        canvas = composePng(plot, config.title, config.series, note);
      } finally {
        theme.current = own;
        plot.batch(() => plot.redraw(false, true));
      }
      canvas.toBlob((blob) => {
        if (blob) downloadBlob(`${slugify(config.title)}.png`, blob);
      }, 'image/png');
    };

    return () => {
      exportRef.current = null;
      scheme.removeEventListener('change', restyle);
      resize.disconnect();
      plotRef.current = null;
      plot.destroy();
    };
  }, [configKey]);

  useEffect(() => {
    getDataRef.current = getData;
    let frame = 0;
    const apply = () => {
      frame = 0;
      const plot = plotRef.current;
      const host = hostRef.current;
      if (!plot) return;
      const data = getData();
      if (data === plot.data || data.length !== plot.series.length) return;
      // Keep a user's zoom while data streams in; otherwise rescale to all of it.
      plot.setData(data, !isZoomed(plot));
      if (host) {
        host.dataset.empty = String(data[0].length === 0);
        host.dataset.points = String(data[0].length);
      }
    };
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(apply);
    };
    schedule();
    const unsubscribe = subscribe(schedule);
    return () => {
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [getData, subscribe]);

  return (
    <figure className="live-chart" data-chart={chartId} data-y-fit={yFit} aria-label={`${title}: ${yLabel} against ${xLabel}`}>
      <figcaption className="live-chart-title">{title}</figcaption>
      <button type="button" className="live-chart-png" onClick={() => exportRef.current?.()}>
        Download<span className="visually-hidden"> {title} chart as</span> PNG
      </button>
      <div ref={hostRef} className="live-chart-plot" />
      {/* Filled in by the chart after each draw (empty, and hidden, while nothing is beyond the axis). */}
      <p ref={noteRef} className="live-chart-note" />
    </figure>
  );
}
