import { useMemo, useSyncExternalStore } from 'react';
import { summariseColumn } from '../../core/agent/vtraceInspection';
import type { Lab, LabSnapshot } from '../lab/lab';
import { columnLabel } from '../lab/vtraceInspector';
import { InspectionTable } from './InspectionTable';
import { thresholdText } from './inspectionText';
import { ThresholdControls } from './ThresholdControls';

/**
 * The V-trace inspector panel: the last batch the learner used, one column
 * per table, per time step. A thin view over `lab.inspector`
 * (ui/lab/vtraceInspector.ts), which loads the batch and computes the table.
 * Opened by the user or by a lesson link (`_open=inspector`).
 */
export function VtraceInspectorPanel({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const inspector = useSyncExternalStore(lab.inspector.subscribe, lab.inspector.getSnapshot, lab.inspector.getSnapshot);
  const { batch, inspection, parameters, note, status, column } = inspector;
  const canLoad = state.status === 'paused' || state.status === 'finished';
  const columns = useMemo(
    () =>
      batch
        ? Array.from({ length: batch.cols }, (_, c) => {
            const s = summariseColumn(batch, c, parameters.clipRhoThreshold);
            const extras = [
              s.clippedRhos > 0 && `${s.clippedRhos} ρ clipped`,
              s.terminations > 0 && `${s.terminations} episode end${s.terminations > 1 ? 's' : ''}`,
              s.truncations > 0 && `${s.truncations} time limit${s.truncations > 1 ? 's' : ''}`,
            ].filter(Boolean);
            return `${c + 1}: ${columnLabel(batch, c, inspector.envsPerUnroll)}${extras.length > 0 ? ` — ${extras.join(', ')}` : ''}`;
          })
        : [],
    [batch, parameters.clipRhoThreshold, inspector.envsPerUnroll],
  );
  return (
    <details
      className="panel vtrace-inspector"
      data-testid="vtrace-inspector"
      open={state.open.has('inspector')}
      onToggle={(e) => lab.setPanelOpen('inspector', e.currentTarget.open)}
    >
      <summary>V-trace inspector: the last batch the learner used, step by step</summary>
      <p className="inspector-intro">
        Pause a run (or press Step) to see the batch of the latest update. Per step: the actor's policy μ and the learner's π of the action
        taken, the importance weight ρ = π/μ before and after clipping at ρ̄, the traces c = λ min(c̄, ρ), the TD error δV = min(ρ̄, ρ)(r + γV(x
        <sub>t+1</sub>) − V(x<sub>t</sub>)), the value V and its V-trace target v (Espeholt et al. 2018, section 4.1, eq. 1) and the
        policy-gradient advantage (section 4.2). Move a threshold to recompute the targets of the same batch.
      </p>
      <div className="row">
        <button type="button" onClick={() => void lab.inspector.load()} disabled={!canLoad || status === 'loading'}>
          Load the last batch
        </button>
        {inspector.runLabels.length > 1 && (
          <label>
            Run{' '}
            <select value={inspector.run} onChange={(e) => void lab.inspector.load(Number(e.target.value))}>
              {inspector.runLabels.map((label, i) => (
                <option key={label} value={i}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        )}
        {status === 'loading' && <span role="status">Loading the batch…</span>}
        {inspector.computing && <span role="status">Recomputing…</span>}
      </div>
      {note && (
        <p className={status === 'failed' ? 'message warning' : 'note'} role={status === 'failed' ? 'alert' : 'status'} data-testid="inspector-note">
          {note}
        </p>
      )}
      {batch && (
        <>
          <p data-testid="inspector-batch" data-version={batch.version}>
            The batch of update {batch.version + 1} (the weights of version {batch.version}
            {batch.applied ? '' : '; this update was skipped: its loss or gradient was not finite'}): {batch.T} steps × {batch.cols} columns
            {batch.freshCols < batch.cols ? `, of which ${batch.cols - batch.freshCols} replayed` : ''}. The learner used γ ={' '}
            {thresholdText(batch.learned.discount)}, ρ̄ = {thresholdText(batch.learned.clipRhoThreshold)}, c̄ = {thresholdText(batch.learned.clipCThreshold)}, λ ={' '}
            {thresholdText(batch.learned.lambda)}.
          </p>
          {batch.learned.correction !== 'vtrace' && (
            <p className="note">
              This run learns with the correction '{batch.learned.correction}', not V-trace: the table shows V-trace's targets for the same batch, which
              are not the ones its learner regressed to.
            </p>
          )}
          <label>
            Column (environment){' '}
            <select value={column} onChange={(e) => void lab.inspector.selectColumn(Number(e.target.value))} data-testid="inspector-column">
              {columns.map((label, c) => (
                <option key={c} value={c}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <ThresholdControls
            parameters={parameters}
            learned={batch.learned}
            onChange={(patch) => void lab.inspector.setParameters(patch)}
            onUseLearned={() => void lab.inspector.useLearnerParameters()}
          />
          {inspection && <InspectionTable inspection={inspection} />}
        </>
      )}
    </details>
  );
}
