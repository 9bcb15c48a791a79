import { useEffect, useState } from 'react';
import type { LabSnapshot } from '../lab/lab';
import type { FrameRateMeter } from '../lab/frameRateMeter';

const fmt = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Live counters of run 1, and how responsive the page is. */
export function StatusPanel({ state, meter }: { state: LabSnapshot; meter: FrameRateMeter }) {
  const r = state.latest;
  const [page, setPage] = useState({ fps: 0, longTasks: 0 });
  useEffect(() => {
    const timer = setInterval(() => setPage({ fps: meter.fps, longTasks: meter.longTasks }), 1000);
    return () => clearInterval(timer);
  }, [meter]);
  return (
    <dl className="status-panel">
      <div>
        <dt>Frames</dt>
        <dd data-testid="frames" data-value={r?.frames ?? 0}>
          {fmt(r?.frames ?? 0)} / {fmt(state.config.frames)}
        </dd>
      </div>
      <div>
        <dt>Updates</dt>
        <dd data-testid="updates" data-value={r?.updates ?? 0}>
          {fmt(r?.updates ?? 0)}
        </dd>
      </div>
      <div>
        <dt>Episodes</dt>
        <dd>{fmt(r?.episodes ?? 0)}</dd>
      </div>
      <div>
        <dt>Mean return (last 100)</dt>
        <dd data-testid="mean-return">{fmt(r?.episodeReturnMean100, 1)}</dd>
      </div>
      <div>
        <dt>Frames/s</dt>
        <dd data-testid="fps">{fmt(r?.fps)}</dd>
      </div>
      <div>
        <dt>Policy lag</dt>
        <dd>{r ? `${fmt(r.policyLagMean, 1)} (max ${r.policyLagMax})` : '–'}</dd>
      </div>
      <div>
        <dt>Skipped updates · actor restarts</dt>
        <dd data-testid="faults" data-skipped={r?.skippedUpdates ?? 0} data-restarts={r?.actorRestarts ?? 0}>
          {r ? `${r.skippedUpdates} · ${r.actorRestarts}` : '–'}
        </dd>
      </div>
      <div>
        <dt>Page</dt>
        <dd data-testid="page-fps" data-value={page.fps} data-long-tasks={page.longTasks}>
          {page.fps} frames/s, {page.longTasks} long tasks
        </dd>
      </div>
    </dl>
  );
}
