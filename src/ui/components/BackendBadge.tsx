import type { Lab, LabSnapshot } from '../lab/lab';
import { describeMeasurement, type BackendMeasurement } from '../lab/backendProbe';
import { BACKEND_ORDER, type BackendChoice } from '../lab/backendTypes';

const NAMES: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/** The measurement's provenance and, for each backend without a figure, why. */
function measurementDetails(m: BackendMeasurement): string {
  const when = m.cached ? `measured ${m.measuredAt.slice(0, 10)}, kept in this browser` : `in ${(m.probeMs / 1000).toFixed(1)} s`;
  const missing = m.timings.filter((t) => t.framesPerSecond === null).map((t) => `${NAMES[t.backend]}: ${t.note ?? 'not measured'}`);
  return [`Automatic timed learner updates of this network and batch on each backend (${when}).`, ...missing].join('\n');
}

/** Which tf.js backend the learner got, on which adapter, why it fell back; and the override. */
export function BackendBadge({ lab, state, hideOverride }: { lab: Lab; state: LabSnapshot; hideOverride: boolean }) {
  const b = state.backend;
  return (
    <div className="backend" aria-live="polite">
      <span data-testid="backend" data-backend={b?.backend ?? ''} data-thread={state.learnerThread ?? ''}>
        Learner: {b ? NAMES[b.backend] : 'not started'}
        {b?.adapter ? ` (${b.adapter})` : ''}
        {b && state.learnerThread === 'worker' ? ' in its own worker' : ''}
        {state.actorBackend ? ` · actors: ${NAMES[state.actorBackend] ?? state.actorBackend} in Web Workers` : ''}
      </span>
      {b && b.fallbacks.length > 0 && (
        <span className="fallbacks">
          {' '}
          — fell back from {b.fallbacks.map((f) => `${NAMES[f.backend]} (${f.reason})`).join(', ')}
        </span>
      )}
      {state.measuring && <span className="measurement"> — measuring each backend with this run’s learner (a few seconds)…</span>}
      {state.measurement && !state.measuring && (
        <span className="measurement" data-testid="measurement" data-probe-ms={Math.round(state.measurement.probeMs)} title={measurementDetails(state.measurement)}>
          {' '}
          — measured: {describeMeasurement(state.measurement)}{' '}
          <button type="button" className="link-button" onClick={() => lab.measureAgain()}>
            Measure again
          </button>
        </span>
      )}
      {!hideOverride && (
        <span className="backend-choice">
          <label htmlFor="backend-choice">Backend</label>{' '}
          <select id="backend-choice" value={state.backendChoice} onChange={(e) => lab.setBackendChoice(e.target.value as BackendChoice)}>
            <option value="auto">Automatic (fastest, measured)</option>
            {BACKEND_ORDER.map((name) => (
              <option key={name} value={name}>
                {NAMES[name]}
              </option>
            ))}
          </select>
        </span>
      )}
    </div>
  );
}
