import type { Lab, LabSnapshot } from '../lab/lab';

/** The settings exceed the tab's memory: what they need, and a one-click way to the nearest settings that fit. */
export function MemoryNotice({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const problem = state.memoryProblem;
  if (problem === null) return null;
  return (
    <div role="alert" className="warning memory-problem" data-testid="memory-problem">
      <p>{problem.text}</p>
      <p>
        {problem.suggestionText}{' '}
        {problem.suggestion !== null && !state.hidden.has('settings') && (
          <button type="button" className="primary" onClick={() => lab.useMemorySuggestion()}>
            Use these settings
          </button>
        )}
      </p>
    </div>
  );
}
