import type { SwarmProgress } from '../../core/swarm/swarmProgress';

const W = 480;
const H = 160;
const PAD = { left: 44, right: 8, top: 8, bottom: 22 };

/** A compact label: 12,500 → "12.5k", 2,000,000 → "2M". */
function short(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6) return `${+(x / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(x / 1e3).toFixed(1)}k`;
  return `${+x.toFixed(1)}`;
}

/**
 * The class run's learning curve as its learner reports it (mean return of
 * the last 100 episodes against frames), drawn as one SVG line, with the
 * latest figure in text beside it for those who would rather read.
 */
export function SharedCurve({ progress }: { progress: SwarmProgress }) {
  const { curve } = progress;
  const latest = progress.meanReturn === null ? 'no episode finished yet' : `mean return ${progress.meanReturn.toFixed(1)} (last 100 episodes)`;
  const summary = `${progress.frames.toLocaleString('en-US')} of ${progress.frameBudget.toLocaleString('en-US')} frames, ${progress.updates.toLocaleString('en-US')} updates, ${latest}`;
  if (curve.length < 2) return <p data-testid="shared-curve-summary">{summary}</p>;
  const xMax = Math.max(progress.frameBudget, curve[curve.length - 1]![0]);
  let yMin = Math.min(...curve.map((p) => p[1]));
  let yMax = Math.max(...curve.map((p) => p[1]));
  if (yMax - yMin < 1e-9) {
    yMin -= 1;
    yMax += 1;
  }
  const x = (f: number): number => PAD.left + ((W - PAD.left - PAD.right) * f) / xMax;
  const y = (r: number): number => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * (r - yMin)) / (yMax - yMin);
  const points = curve.map(([f, r]) => `${x(f).toFixed(1)},${y(r).toFixed(1)}`).join(' ');
  return (
    <figure className="shared-curve">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Learning curve of the class run: ${summary}`} data-testid="shared-curve" data-points={curve.length}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke="currentColor" strokeOpacity={0.4} />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke="currentColor" strokeOpacity={0.4} />
        <text x={PAD.left - 4} y={PAD.top + 10} textAnchor="end" fontSize={11} fill="currentColor">
          {short(yMax)}
        </text>
        <text x={PAD.left - 4} y={H - PAD.bottom} textAnchor="end" fontSize={11} fill="currentColor">
          {short(yMin)}
        </text>
        <text x={W - PAD.right} y={H - 6} textAnchor="end" fontSize={11} fill="currentColor">
          {short(xMax)} frames
        </text>
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.75} />
      </svg>
      <figcaption data-testid="shared-curve-summary">{summary}</figcaption>
    </figure>
  );
}
