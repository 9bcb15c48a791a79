import type { ContributorShare } from '../../core/swarm/swarmProgress';

/** "4 s ago", "3 min ago". */
function ago(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/** A contributor's state in words (never colour alone). */
function stateOf(c: ContributorShare): string {
  if (c.cutOff) return `cut off: ${c.rejected} bad unrolls${c.lastProblem ? ` (last: ${c.lastProblem})` : ''}`;
  if (c.gone) return 'gone';
  return c.rejected > 0 ? `acting; ${c.rejected} bad unrolls${c.lastProblem ? ` (last: ${c.lastProblem})` : ''}` : 'acting';
}

/**
 * Who contributes to a class run, as its learner counted them: a name per
 * tab or process, frames learned from, last seen, policy lag and state.
 * The teacher's Class run panel and every join tab show it; `self` marks
 * the viewing tab's own row.
 */
export function ContributorsTable({ contributors, self }: { contributors: readonly ContributorShare[]; self?: string }) {
  if (contributors.length === 0) return <p data-testid="contributors-none">No one has joined yet. Contributors appear here once the learner hears from them.</p>;
  return (
    <table className="contributors" data-testid="contributors">
      <caption>
        {contributors.length} contributor{contributors.length === 1 ? '' : 's'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Frames learned from</th>
          <th scope="col">Last seen</th>
          <th scope="col">Policy lag</th>
          <th scope="col">Stale</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {contributors.map((c) => (
          <tr key={c.id} data-contributor={c.id} className={[c.id === self ? 'self' : '', c.cutOff ? 'cut-off' : c.gone ? 'gone' : ''].join(' ').trim() || undefined}>
            <th scope="row">
              {c.id}
              {c.id === self ? ' (you)' : ''}
            </th>
            <td>{c.frames.toLocaleString('en-US')}</td>
            <td>{ago(c.lastSeenSecondsAgo)}</td>
            <td>{c.lastLag}</td>
            <td>{c.stale}</td>
            <td data-testid="contributor-state">{stateOf(c)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
