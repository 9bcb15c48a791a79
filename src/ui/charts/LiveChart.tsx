import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
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
}

interface Theme {
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

function toOptions(config: ChartConfig, width: number, theme: { current: Theme }): uPlot.Options {
  const { xLabel, yLabel, series, height, yRange } = config;
  const axis = { stroke: () => theme.current.fg, grid: { stroke: () => theme.current.grid, width: 1 }, ticks: { stroke: () => theme.current.grid, width: 1 } };
  return {
    width,
    height,
    scales: {
      x: { time: false },
      y: {
        range: (_u, min, max) => {
          const [lo, hi] = uPlot.rangeNum(min, max, 0.1, true);
          return [yRange?.min ?? lo, yRange?.max ?? hi];
        },
      },
    },
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
function composePng(u: uPlot, title: string, series: readonly ChartSeries[]): HTMLCanvasElement {
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
  const plotTop = legendTop + rows.length * rowHeight + 6 * ratio;
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
  ctx.drawImage(plot, 0, plotTop);
  return out;
}

/** What the uPlot instance is built from; serialised to decide when to rebuild it. */
interface ChartConfig {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  height: number;
  yRange: { min?: number; max?: number } | undefined;
}

/**
 * A uPlot chart fed by a data source. The canvas chart is created once (and
 * again only if its title, labels or series change); data changes reach it
 * through `subscribe`, coalesced to at most one `setData` per animation
 * frame, without re-rendering React. It follows its container's width.
 */
export function LiveChart({ chartId, title, xLabel, yLabel, series, getData, subscribe, height = 220, yRange }: LiveChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const getDataRef = useRef<(() => uPlot.AlignedData) | null>(null);
  const exportRef = useRef<(() => void) | null>(null);

  // Series arrays are often rebuilt by the parent: compare them by value.
  const configKey = JSON.stringify({ title, xLabel, yLabel, series, height, yRange } satisfies ChartConfig);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const config = JSON.parse(configKey) as ChartConfig;
    const theme = { current: readTheme(host) };
    const initial = getDataRef.current?.();
    const data = initial && initial.length === config.series.length + 1 ? initial : emptyData(config.series.length);
    const plot = new uPlot(toOptions(config, Math.max(160, host.clientWidth), theme), data, host);
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
        canvas = composePng(plot, config.title, config.series);
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
    <figure className="live-chart" data-chart={chartId} aria-label={`${title}: ${yLabel} against ${xLabel}`}>
      <figcaption className="live-chart-title">{title}</figcaption>
      <button type="button" className="live-chart-png" onClick={() => exportRef.current?.()}>
        Download<span className="visually-hidden"> {title} chart as</span> PNG
      </button>
      <div ref={hostRef} className="live-chart-plot" />
    </figure>
  );
}
