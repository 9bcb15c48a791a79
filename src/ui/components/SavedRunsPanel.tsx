import { useState } from 'react';
import type { SavedRunInfo } from '../../core/persistence/runSnapshot';
import { MAX_RUN_NAME_LENGTH } from '../../core/persistence/runSnapshot';
import type { Lab, LabSnapshot } from '../lab/lab';
import './savedRuns.css';

const formatNumber = (n: number): string => n.toLocaleString('en-US');

function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return 'at an unknown time';
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? `at ${date.toLocaleTimeString()}` : `on ${date.toLocaleString()}`;
}

function runFacts(run: SavedRunInfo): string {
  const mean = run.meanReturn === null ? '' : `, mean return ${run.meanReturn.toFixed(1)}`;
  return `${run.env}: ${formatNumber(run.frames)} frames, ${formatNumber(run.updates)} updates${mean}${run.finished ? ', finished' : ''}; saved ${formatTime(run.updatedAt)}`;
}

/** After a reload or a tab crash: offers to resume the most recent unfinished run. */
export function ResumeOffer({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const offer = state.resumeOffer;
  if (!offer || state.status !== 'idle' || state.hidden.has('train')) return null;
  return (
    <div className="link-banner resume-offer" role="region" aria-label="Resume a saved run" data-testid="resume-offer" data-run-id={offer.id}>
      <p>
        A run did not finish: <strong>{offer.name}</strong> ({runFacts(offer)}).{' '}
        <button type="button" className="primary" onClick={() => void lab.acceptResumeOffer()}>
          Resume training
        </button>{' '}
        <button type="button" onClick={() => lab.dismissResumeOffer()}>
          Not now
        </button>
      </p>
    </div>
  );
}

/** The runs saved in this browser: open, rename, delete; and when the current run was last saved. */
export function SavedRunsPanel({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const hasRun = state.status === 'running' || state.status === 'paused' || state.status === 'finished';
  const busy = state.status === 'starting';

  const save = async (): Promise<void> => {
    setSaving(true);
    try {
      await lab.saveNow();
    } finally {
      setSaving(false);
    }
  };
  const rename = async (): Promise<void> => {
    if (!editing) return;
    if (await lab.renameSavedRun(editing.id, editing.name)) setEditing(null);
  };

  return (
    <section className="panel saved-runs" aria-labelledby="saved-runs-title" data-testid="saved-runs">
      <h2 id="saved-runs-title">Saved runs</h2>
      {state.storage === 'unavailable' ? (
        <p className="note">
          This browser does not let the lab store runs (a private window, or storage turned off), so a reload loses the run. Download the
          model to keep it.
        </p>
      ) : (
        <>
          <p>
            The run in training is saved in this browser every 30 seconds and when you pause, so a reload or a crash loses at most the last
            half minute.{' '}
            <span data-testid="last-save" data-frames={state.lastSave?.frames ?? -1} data-run-id={state.savedRunId ?? ''}>
              {state.lastSave ? `Last saved ${formatTime(state.lastSave.at)}, at ${formatNumber(state.lastSave.frames)} frames.` : 'Not saved yet.'}
            </span>
          </p>
          <div className="row">
            <button type="button" onClick={() => void save()} disabled={!hasRun || saving || state.storage !== 'ready'}>
              {saving ? 'Saving…' : 'Save now'}
            </button>
          </div>
          {state.storage === 'pending' && <p className="note">Opening the browser's storage…</p>}
          {state.storage === 'ready' && state.savedRuns.length === 0 && state.damagedRuns.length === 0 && <p className="note">No saved runs yet.</p>}
          <ul className="saved-run-list">
            {state.savedRuns.map((run) => {
              const current = run.id === state.savedRunId;
              return (
                <li key={run.id} data-testid="saved-run" data-run-id={run.id} className={current ? 'current' : undefined}>
                  {editing?.id === run.id ? (
                    <form
                      className="row"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void rename();
                      }}
                    >
                      <input
                        aria-label={`New name for ${run.name}`}
                        value={editing.name}
                        maxLength={MAX_RUN_NAME_LENGTH}
                        onChange={(e) => setEditing({ id: run.id, name: e.target.value })}
                        autoFocus
                      />
                      <button type="submit" className="primary">
                        Save name
                      </button>
                      <button type="button" onClick={() => setEditing(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    <div className="saved-run-name">
                      <strong>{run.name}</strong>
                      {current && <span className="saved-run-tag"> (open in the lab)</span>}
                    </div>
                  )}
                  <div className="saved-run-facts">{runFacts(run)}</div>
                  {confirming === run.id ? (
                    <div className="row" role="group" aria-label={`Delete ${run.name}?`}>
                      <span>Delete this run for good?</span>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => {
                          setConfirming(null);
                          void lab.deleteSavedRun(run.id);
                        }}
                      >
                        Delete
                      </button>
                      <button type="button" onClick={() => setConfirming(null)}>
                        Keep it
                      </button>
                    </div>
                  ) : (
                    <div className="row">
                      <button
                        type="button"
                        onClick={() => void lab.openSavedRun(run.id)}
                        disabled={busy}
                        title={hasRun ? 'Saves and stops the current run, then opens this one' : 'Opens this run: press Train to continue it'}
                        aria-label={`Open ${run.name}`}
                      >
                        Open
                      </button>
                      <button type="button" onClick={() => setEditing({ id: run.id, name: run.name })} aria-label={`Rename ${run.name}`}>
                        Rename
                      </button>
                      <button
                        type="button"
                        onClick={() => setConfirming(run.id)}
                        disabled={current}
                        title={current ? 'This run is open in the lab: press Reset first' : undefined}
                        aria-label={`Delete ${run.name}`}
                      >
                        Delete
                      </button>
                    </div>
                  )}
                </li>
              );
            })}
            {state.damagedRuns.map((run) => (
              <li key={run.id} className="damaged" data-testid="damaged-run">
                <div>
                  A damaged saved run cannot be opened ({run.reason}).
                </div>
                <div className="row">
                  <button type="button" onClick={() => void lab.deleteSavedRun(run.id)}>
                    Delete it
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
