import type { Lab, LabSnapshot } from '../lab/lab';
import { MemoryNotice } from './MemoryNotice';

/**
 * What a share link set up, what was wrong with it, and an offer to start it;
 * or, when its settings exceed the tab's memory, that instead of the offer.
 */
export function LinkBanner({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  // A lesson link that hides Train does not offer to start either.
  const offer = state.linkOffer && !state.hidden.has('train');
  if (!offer && state.linkProblems.length === 0) return null;
  return (
    <div className="link-banner" role="region" aria-label="Shared experiment">
      {state.linkProblems.length > 0 && (
        <div role="alert" className="warning" data-testid="link-problems">
          <strong>Some of this link could not be used; defaults were loaded instead:</strong>
          <ul>
            {state.linkProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      {offer && state.memoryProblem !== null && <MemoryNotice lab={lab} state={state} />}
      {offer && state.memoryProblem === null && (
        <p>
          This link sets up an experiment ({state.config.env}, seed {state.config.seed}).{' '}
          <button type="button" className="primary" onClick={() => void lab.train()}>
            Start training
          </button>{' '}
          <button type="button" onClick={() => lab.dismissLinkOffer()}>
            Not now
          </button>
        </p>
      )}
    </div>
  );
}
