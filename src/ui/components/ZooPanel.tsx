import { useSyncExternalStore } from 'react';
import type { ZooEntry } from '../../core/persistence/zooManifest';
import { envSpecFor } from '../../core/training/fromConfig';
import type { Lab, LabSnapshot } from '../lab/lab';
import type { ZooSnapshot } from '../lab/zooAgents';
import { ReplayViewer } from '../replay/ReplayViewer';

/** The zoo's state; re-renders when it changes. */
export function useZoo(lab: Lab): ZooSnapshot {
  return useSyncExternalStore(lab.zoo.subscribe, lab.zoo.getSnapshot);
}

const count = (n: number): string => n.toLocaleString('en-US');

/** The manifest's figures of a trained agent, in a sentence a student reads. */
export function ZooFigures({ entry }: { entry: ZooEntry }) {
  const score =
    entry.normalisedScoreMedian !== undefined
      ? `median normalised score ${entry.normalisedScoreMedian === null ? '–' : entry.normalisedScoreMedian.toFixed(2)}`
      : `mean return of its last 100 episodes ${entry.meanReturn === null ? '–' : entry.meanReturn.toFixed(1)}`;
  return (
    <p className="zoo-figures" data-testid="zoo-figures">
      Trained by the headless trainer for <strong data-testid="zoo-frames">{count(entry.frames)}</strong> frames ({count(entry.updates)} updates, seed {entry.settings.seed}, {Math.round(entry.wallSeconds)} s); {score}; made{' '}
      {entry.date.slice(0, 10)}. <code className="zoo-command">{entry.command}</code>
    </p>
  );
}

/**
 * "Watch a trained agent" and "Start from this agent" for the preset's agent
 * that ships with the site (shown only when the site's manifest has one).
 */
export function ZooPanel({ lab, state, onWatch }: { lab: Lab; state: LabSnapshot; onWatch?: () => void }) {
  const zoo = useZoo(lab);
  const entry = lab.zoo.entryFor(state.presetId) ?? zoo.watching;
  if (!entry) return null;
  const watching = zoo.watching?.id === entry.id;
  const busy = zoo.fetching !== null || state.status === 'starting';
  return (
    <div className="zoo-agent" data-testid="zoo-agent" data-zoo-id={entry.id}>
      <h3>A trained agent</h3>
      <ZooFigures entry={entry} />
      <div className="row">
        {watching ? (
          <button type="button" onClick={() => lab.zoo.stopWatching()}>
            Stop watching
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              void lab.watchTrainedAgent(entry.id).then(() => onWatch?.());
            }}
          >
            Watch a trained agent
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void lab.startFromTrainedAgent(entry.id)} title="Replaces the current run (it stays in Saved runs) and trains this agent on">
          Start from this agent
        </button>
      </div>
    </div>
  );
}

/**
 * The policy playing live: the current run's alone, or, while a trained agent
 * is watched, the trained agent beside "your agent now" (the lesson: what
 * many frames of training give against what the run has learned so far).
 */
export function WatchAgents({ lab, state }: { lab: Lab; state: LabSnapshot }) {
  const { watching } = useZoo(lab);
  if (!watching) return <ReplayViewer playback={lab.playback} observationShape={state.observationShape} />;
  return (
    <div className="side-by-side">
      <div className="side" data-testid="zoo-viewer">
        <h3>Trained for {count(watching.frames)} frames</h3>
        <ZooFigures entry={watching} />
        <ReplayViewer playback={lab.zoo.playback} observationShape={envSpecFor(watching.settings).observationShape} />
      </div>
      <div className="side" data-testid="own-viewer">
        <h3>Your agent now</h3>
        <p className="zoo-figures">
          {state.latest ? `${count(state.latest.frames)} frames so far.` : 'Press Train to start your own run, or Start from this agent to train the trained one on.'}
        </p>
        <ReplayViewer playback={lab.playback} observationShape={state.observationShape} />
      </div>
    </div>
  );
}
