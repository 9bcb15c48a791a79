import { useState } from 'react';
import type { Lab, LabSnapshot } from '../lab/lab';

/** Train, Pause/Resume, Step, Reset and Share link. */
export function ControlsBar({ lab, state, isHidden }: { lab: Lab; state: LabSnapshot; isHidden: (id: string) => boolean }) {
  const [copied, setCopied] = useState<string | null>(null);
  const { status } = state;
  const busy = status === 'starting';
  const share = async (): Promise<void> => {
    const url = `${location.origin}${location.pathname}${location.search}${lab.shareHash()}`;
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Link copied to the clipboard.');
    } catch {
      setCopied(`Copy this link: ${url}`);
    }
  };
  return (
    <div className="controls-bar" role="toolbar" aria-label="Training controls">
      {!isHidden('train') && (
        <button type="button" className="primary" onClick={() => void lab.train()} disabled={busy || status === 'running'}>
          {status === 'paused' ? 'Resume' : 'Train'}
        </button>
      )}
      {!isHidden('pause') && (
        <button type="button" onClick={() => lab.pause()} disabled={status !== 'running'}>
          Pause
        </button>
      )}
      {!isHidden('step') && (
        <button type="button" onClick={() => void lab.step()} disabled={busy || status === 'finished' || status === 'failed'} title="One learner update, then pause">
          Step
        </button>
      )}
      {!isHidden('reset') && (
        <button type="button" onClick={() => void lab.reset()} disabled={busy}>
          Reset
        </button>
      )}
      {!isHidden('share') && (
        <button type="button" onClick={() => void share()}>
          Share link
        </button>
      )}
      <label className="when-hidden">
        <input type="checkbox" checked={state.pauseWhenHidden} onChange={(e) => lab.setPauseWhenHidden(e.target.checked)} /> Pause while this tab is hidden
      </label>
      <span className="status-chip" data-status={status} data-testid="run-status">
        {statusText(status)}
      </span>
      {copied && (
        <span role="status" className="copied">
          {copied}
        </span>
      )}
    </div>
  );
}

function statusText(status: LabSnapshot['status']): string {
  switch (status) {
    case 'idle':
      return 'Ready';
    case 'starting':
      return 'Starting…';
    case 'running':
      return 'Training';
    case 'paused':
      return 'Paused';
    case 'finished':
      return 'Finished';
    case 'failed':
      return 'Stopped';
    default: {
      const never: never = status;
      return never;
    }
  }
}
