import { useEffect, useId, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { CoreStateStrip } from './CoreStateStrip';
import type { PlayerStep, PolicyPlayer } from '../../core/replay/policyPlayer';
import { renderReplayStep, type Recording, type ReplayStep } from '../../core/replay/replay';
import { gameTitle } from '../../core/envs/suite/minatarSuite';
import { BASE_STEPS_PER_SECOND, PLAYBACK_SPEEDS, type LivePlayback } from '../lab/livePlayback';
import { FrameCanvas } from '../FrameCanvas';
import './replay.css';

type Mode = 'live' | 'latest' | 'best';
type RecordingMode = Exclude<Mode, 'live'>;
const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'live', label: 'Live' },
  { mode: 'latest', label: 'Latest episode' },
  { mode: 'best', label: 'Best episode' },
];

export interface ReplayViewerProps {
  /** The policy playing live (stepped by the lab, whether or not this panel is shown) and its recordings. */
  playback: LivePlayback;
  /** Observation shape of the environment (`[10, 10, C]` for MinAtar), to draw recorded steps. */
  observationShape: readonly number[];
  /** The panel is not shown: recorded episodes do not play. */
  hidden?: boolean;
}

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener('visibilitychange', onChange);
}
const documentHidden = (): boolean => document.visibilityState === 'hidden';

function formatNumber(x: number, digits = 3): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Watches the policy play: live (the lab's LivePlayback steps the player at
 * the chosen speed) or a recorded episode (the latest or the best so far)
 * with a scrubber. Beside the game: pi(.|x_t) per action, the chosen
 * action, V(x_t), the step's reward and the return so far.
 */
export function ReplayViewer({ playback, observationShape, hidden = false }: ReplayViewerProps) {
  const id = useId();
  const live = useSyncExternalStore(playback.subscribe, playback.getSnapshot);
  const snapshot = useSyncExternalStore(playback.recordings.subscribe, playback.recordings.getSnapshot);
  const pageHidden = useSyncExternalStore(subscribeVisibility, documentHidden, () => false);
  const { player, speed, greedy } = live;
  const [mode, setMode] = useState<Mode>('live');
  const [replayPlaying, setReplayPlaying] = useState(live.playing);
  /** The recording being watched, once pinned (by playing or scrubbing it), so that a newer episode does not replace it mid-playback. */
  const [watching, setWatching] = useState<{ mode: RecordingMode; recording: Recording } | null>(null);
  const [index, setIndex] = useState(0);

  const available = mode === 'live' ? null : snapshot[mode];
  const recording = mode === 'live' ? null : watching?.mode === mode ? watching.recording : available;
  const playing = mode === 'live' ? live.playing : replayPlaying;
  const visible = !hidden && !pageHidden;

  // Recordings: advance one step per tick; stop at the end.
  const stepCount = recording?.steps.length ?? 0;
  const shown = Math.min(index, Math.max(stepCount - 1, 0));
  const replaying = recording !== null && replayPlaying && visible;
  useEffect(() => {
    if (!replaying || recording === null || mode === 'live') return;
    const timer = setTimeout(() => {
      setWatching({ mode, recording });
      if (shown + 1 < stepCount) setIndex(shown + 1);
      else setReplayPlaying(false);
    }, 1000 / (BASE_STEPS_PER_SECOND * speed));
    return () => clearTimeout(timer);
  }, [replaying, recording, mode, shown, stepCount, speed]);

  const returnsSoFar = useMemo(() => {
    let total = 0;
    return recording?.steps.map((s) => (total += s.reward)) ?? [];
  }, [recording]);

  const recordedStep = recording?.steps[shown] ?? null;
  const recorded = useMemo(() => {
    if (recording === null || recordedStep === null) return null;
    try {
      return { frame: renderReplayStep(recording.envId, observationShape, recordedStep, 1), error: null };
    } catch (e) {
      // A recording of another environment than `observationShape` describes (a store not cleared between runs).
      return { frame: null, error: errorMessage(e) };
    }
  }, [recording, recordedStep, observationShape]);
  const recordedFrame = recorded?.frame ?? null;

  const chooseMode = (next: Mode): void => {
    setMode(next);
    setWatching(null);
    setIndex(0);
  };

  const togglePlay = (): void => {
    if (mode === 'live') {
      playback.setPlaying(!live.playing);
      return;
    }
    if (replayPlaying) {
      setReplayPlaying(false);
      return;
    }
    if (recording !== null && shown >= stepCount - 1) {
      // Played to the end: start over, with the newest recording of this kind.
      setWatching(null);
      setIndex(0);
    }
    setReplayPlaying(true);
  };

  const scrub = (next: number): void => {
    if (recording !== null && mode !== 'live') setWatching({ mode, recording });
    setIndex(next);
  };

  const showNewest = (): void => {
    setWatching(null);
    setIndex(0);
  };

  /** Watches another game of a suite: the player switches, and the recordings (of the game left) are dropped. */
  const chooseTask = (next: number): void => {
    playback.setTask(next);
    setWatching(null);
    setIndex(0);
  };

  const canPlay = mode === 'live' ? player !== null : recording !== null;
  const taskIndex = player?.taskIndex ?? 0;
  const newerAvailable = recording !== null && available !== null && available !== recording;

  return (
    <section className="panel replay" aria-labelledby={`${id}-title`} hidden={hidden}>
      <h2 id={`${id}-title`}>Watch the policy</h2>
      <div className="controls replay-controls">
        {player !== null && player.tasks.length > 1 && (
          <span className="replay-field">
            <label htmlFor={`${id}-game`}>Game</label>
            <select id={`${id}-game`} value={taskIndex} onChange={(e) => chooseTask(Number(e.target.value))} aria-describedby={`${id}-game-hint`}>
              {player.tasks.map((task, i) => (
                <option key={task.envId} value={i}>
                  {gameTitle(task.name)}
                </option>
              ))}
            </select>
            <span id={`${id}-game-hint`} className="replay-hint">
              the one agent plays every game of the suite
            </span>
          </span>
        )}
        <fieldset className="replay-modes">
          <legend>Show</legend>
          {MODES.map(({ mode: m, label }) => (
            <label key={m}>
              <input type="radio" name={`${id}-mode`} value={m} checked={mode === m} onChange={() => chooseMode(m)} />
              {label}
            </label>
          ))}
        </fieldset>
        <button type="button" className="replay-play" onClick={togglePlay} disabled={!canPlay}>
          {playing ? 'Pause' : 'Play'}
          <span className="visually-hidden"> replay</span>
        </button>
        <span className="replay-field">
          <label htmlFor={`${id}-speed`}>Speed</label>
          <select id={`${id}-speed`} value={speed} onChange={(e) => playback.setSpeed(Number(e.target.value))}>
            {PLAYBACK_SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}x{s === 1 ? ` (${BASE_STEPS_PER_SECOND} steps/s)` : ''}
              </option>
            ))}
          </select>
        </span>
        {mode === 'live' && (
          <span className="replay-field">
            <input
              id={`${id}-greedy`}
              type="checkbox"
              checked={greedy}
              onChange={(e) => playback.setGreedy(e.target.checked)}
              aria-describedby={`${id}-greedy-hint`}
            />
            <label htmlFor={`${id}-greedy`}>Greedy</label>
            <span id={`${id}-greedy-hint`} className="replay-hint">
              always take the most probable action
            </span>
          </span>
        )}
      </div>

      {mode === 'live' ? (
        <LiveView player={player} result={live.result} error={live.error} lastReturn={snapshot.latest?.episodeReturn ?? null} />
      ) : recorded?.error ? (
        <p role="alert" className="error">
          {recorded.error}
        </p>
      ) : recording === null || recordedStep === null || recordedFrame === null ? (
        <p className="replay-message">No episode has finished yet. Episodes are recorded while the policy plays live.</p>
      ) : (
        <>
          <div className="replay-scrub">
            <label htmlFor={`${id}-scrub`}>Step</label>
            <input
              id={`${id}-scrub`}
              type="range"
              min={0}
              max={stepCount - 1}
              step={1}
              value={shown}
              aria-label="Step: scrub through the episode"
              aria-valuetext={`Step ${shown + 1} of ${stepCount}`}
              onChange={(e) => scrub(Number(e.target.value))}
            />
            <output htmlFor={`${id}-scrub`}>
              {shown + 1} / {stepCount}
            </output>
            {newerAvailable && (
              <button type="button" onClick={showNewest}>
                {mode === 'latest' ? 'Show the newest episode' : 'Show the new best episode'}
              </button>
            )}
          </div>
          <div className="viewer">
            <FrameCanvas
              frame={recordedFrame}
              label={`${mode === 'latest' ? 'Latest' : 'Best'} episode of ${recording.envId}, return ${formatNumber(recording.episodeReturn)}`}
            />
            <StepDetails actionNames={recording.actionNames} step={recordedStep}>
              <dt>Step</dt>
              <dd data-testid="replay-step">
                {shown + 1} of {recording.length}
              </dd>
              <dt>Return so far</dt>
              <dd>{formatNumber(returnsSoFar[shown] ?? 0)}</dd>
              <dt>Episode return</dt>
              <dd>{formatNumber(recording.episodeReturn)}</dd>
              <dt>Ended by</dt>
              <dd>{recording.end === 'terminal' ? 'the game ending' : 'the time limit'}</dd>
              <dt>Policy version</dt>
              <dd>{recording.policyVersion}</dd>
              {recording.truncatedAt !== undefined && (
                <>
                  <dt>Recorded</dt>
                  <dd>the first {recording.truncatedAt} steps</dd>
                </>
              )}
            </StepDetails>
          </div>
        </>
      )}
    </section>
  );
}

function LiveView({ player, result, error, lastReturn }: { player: PolicyPlayer | null; result: PlayerStep | null; error: string | null; lastReturn: number | null }) {
  if (player === null) {
    return <p className="replay-message">Training has not started yet. Start a run to watch the policy play.</p>;
  }
  return (
    <>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {result === null ? (
        <p className="replay-message">Waiting for the policy&rsquo;s first move…</p>
      ) : (
        <div className="viewer">
          <FrameCanvas frame={result.frame} label={`${player.envId} played live by the current policy`} />
          <StepDetails actionNames={player.spec.actionNames} step={result.step}>
            <dt>Step</dt>
            <dd data-testid="replay-step">{result.t + 1}</dd>
            <dt>Return so far</dt>
            <dd>{formatNumber(result.returnSoFar)}</dd>
            <dt>Episode</dt>
            <dd>{result.episode + 1}</dd>
            <dt>Last return</dt>
            <dd>{lastReturn === null ? '–' : formatNumber(lastReturn)}</dd>
            <dt>Policy version</dt>
            <dd>{result.policyVersion}</dd>
          </StepDetails>
        </div>
      )}
    </>
  );
}

/** pi(.|x_t) as labelled bars, then the chosen action, V(x_t), r_t and whatever the caller adds. */
function StepDetails({ actionNames, step, children }: { actionNames: readonly string[]; step: ReplayStep; children: ReactNode }) {
  return (
    <div className="replay-details">
      <h3 className="replay-subtitle">Action probabilities</h3>
      <ul className="replay-probs" data-testid="action-probabilities">
        {step.actionProbabilities.map((p, a) => {
          const chosen = a === step.action;
          return (
            <li key={a} className={chosen ? 'replay-prob replay-prob-chosen' : 'replay-prob'}>
              <span className="replay-prob-name">{actionNames[a] ?? `action ${a}`}</span>
              <span className="replay-prob-bar" aria-hidden="true">
                <span style={{ width: `${(p * 100).toFixed(1)}%` }} />
              </span>
              <span className="replay-prob-value" data-testid="action-probability" data-value={String(p)}>
                {p.toFixed(2)}
              </span>
              {chosen && (
                <span className="replay-chosen-mark">
                  <span aria-hidden="true">◀ </span>chosen
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <dl className="stats" aria-live="off">
        <dt>Action</dt>
        <dd data-testid="replay-action">{actionNames[step.action] ?? step.action}</dd>
        <dt>Value estimate</dt>
        <dd data-testid="replay-value">{step.value.toFixed(3)}</dd>
        <dt>Reward</dt>
        <dd data-testid="replay-reward">{formatNumber(step.reward)}</dd>
        {step.coreState && (
          <>
            <dt>Memory (LSTM h)</dt>
            <dd>
              <CoreStateStrip state={step.coreState} />
            </dd>
          </>
        )}
        {children}
      </dl>
    </div>
  );
}
