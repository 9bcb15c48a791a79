import { useEffect, useId, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { PlayerStep, PolicyPlayer } from '../../core/replay/policyPlayer';
import type { RecordingStore } from '../../core/replay/recordingStore';
import { renderReplayStep, type Recording, type ReplayStep } from '../../core/replay/replay';
import { gameTitle } from '../../core/envs/suite/minatarSuite';
import { FrameCanvas } from '../FrameCanvas';
import './replay.css';

/** Steps per second at 1x. */
const BASE_STEPS_PER_SECOND = 15;
const SPEEDS = [0.25, 0.5, 1, 2, 4, 8] as const;
/** Most live steps taken in one timer tick when the timer falls behind. */
const MAX_STEPS_PER_TICK = 4;

type Mode = 'live' | 'latest' | 'best';
type RecordingMode = Exclude<Mode, 'live'>;
const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'live', label: 'Live' },
  { mode: 'latest', label: 'Latest episode' },
  { mode: 'best', label: 'Best episode' },
];

export interface ReplayViewerProps {
  /** Plays the current policy; `null` before training starts. Live episodes it finishes are added to `store`. */
  player: PolicyPlayer | null;
  store: RecordingStore;
  /** Observation shape of the environment (`[10, 10, C]` for MinAtar), to draw recorded steps. */
  observationShape: readonly number[];
  /** The panel is not shown: nothing plays. */
  hidden?: boolean;
}

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener('visibilitychange', onChange);
}
const documentHidden = (): boolean => document.visibilityState === 'hidden';
const prefersReducedMotion = (): boolean => typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

function formatNumber(x: number, digits = 3): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}


/**
 * Watches the policy play: live (the player stepped on a timer at the chosen
 * speed, only while the panel and the page are visible) or a recorded
 * episode (the latest or the best so far) with a scrubber. Beside the game:
 * pi(.|x_t) per action, the chosen action, V(x_t), the step's reward and the
 * return so far.
 */
export function ReplayViewer({ player, store, observationShape, hidden = false }: ReplayViewerProps) {
  const id = useId();
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const pageHidden = useSyncExternalStore(subscribeVisibility, documentHidden, () => false);
  const [mode, setMode] = useState<Mode>('live');
  const [playing, setPlaying] = useState(() => !prefersReducedMotion());
  const [speed, setSpeed] = useState(1);
  const [greedy, setGreedy] = useState(false);
  const [live, setLive] = useState<{ player: PolicyPlayer; result: PlayerStep } | null>(null);
  const [liveError, setLiveError] = useState<{ player: PolicyPlayer; message: string } | null>(null);
  /** The recording being watched: pinned, so that a newer episode does not replace it mid-playback. */
  const [watching, setWatching] = useState<{ mode: RecordingMode; recording: Recording } | null>(null);
  const [index, setIndex] = useState(0);
  /** The game a task suite's player plays, as chosen here (a new player starts with its first). */
  const [taskChoice, setTaskChoice] = useState<{ player: PolicyPlayer; index: number } | null>(null);
  const taskIndex = player === null ? 0 : taskChoice?.player === player ? taskChoice.index : player.taskIndex;

  // Pin the first recording to arrive while a recording mode waits for one.
  const available = mode === 'live' ? null : snapshot[mode];
  if (mode !== 'live' && available !== null && watching === null) {
    setWatching({ mode, recording: available });
    setIndex(0);
  }
  const recording = mode !== 'live' && watching?.mode === mode ? watching.recording : null;
  const liveResult = live !== null && live.player === player ? live.result : null;
  const error = liveError !== null && liveError.player === player ? liveError.message : null;
  const visible = !hidden && !pageHidden;

  useEffect(() => {
    player?.setGreedy(greedy);
  }, [player, greedy]);

  // Live: step the player on a timer; finished episodes go to the store.
  const liveRunning = player !== null && mode === 'live' && playing && visible && error === null;
  useEffect(() => {
    if (!liveRunning || player === null) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rate = BASE_STEPS_PER_SECOND * speed;
    let last = performance.now();
    let due = 1; // the first step at once
    const tick = async (): Promise<void> => {
      const now = performance.now();
      due = Math.min(due + ((now - last) * rate) / 1000, MAX_STEPS_PER_TICK);
      last = now;
      try {
        let result: PlayerStep | null = null;
        // Before the first weights arrive there is nothing to play; try again next tick.
        while (due >= 1 && !cancelled && player.policyVersion >= 0) {
          due -= 1;
          result = await player.step();
          if (result.finished) store.add(result.finished);
        }
        if (cancelled) return;
        if (result !== null) setLive({ player, result });
        timer = setTimeout(() => void tick(), 1000 / rate);
      } catch (e) {
        if (cancelled) return;
        setLiveError({ player, message: errorMessage(e) });
        setPlaying(false);
      }
    };
    timer = setTimeout(() => void tick(), 0);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [liveRunning, player, speed, store]);

  // Recordings: advance one step per tick; stop at the end.
  const stepCount = recording?.steps.length ?? 0;
  const shown = Math.min(index, Math.max(stepCount - 1, 0));
  const replaying = recording !== null && playing && visible;
  useEffect(() => {
    if (!replaying) return;
    const timer = setTimeout(() => {
      if (shown + 1 < stepCount) setIndex(shown + 1);
      else setPlaying(false);
    }, 1000 / (BASE_STEPS_PER_SECOND * speed));
    return () => clearTimeout(timer);
  }, [replaying, shown, stepCount, speed]);

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
    const r = next === 'live' ? null : snapshot[next];
    setWatching(next === 'live' || r === null ? null : { mode: next, recording: r });
    setIndex(0);
  };

  const togglePlay = (): void => {
    if (playing) {
      setPlaying(false);
      return;
    }
    if (mode === 'live') {
      setLiveError(null);
    } else if (recording !== null && shown >= stepCount - 1) {
      // Played to the end: start over, with the newest recording of this kind.
      if (available !== null) setWatching({ mode, recording: available });
      setIndex(0);
    }
    setPlaying(true);
  };

  const showNewest = (): void => {
    if (mode === 'live' || available === null) return;
    setWatching({ mode, recording: available });
    setIndex(0);
  };

  /** Watches another game of a suite: the player switches, and the recordings (of the game left) are dropped, since returns of different games do not compare. */
  const chooseTask = (next: number): void => {
    if (player === null || next === taskIndex) return;
    player.setTask(next);
    setTaskChoice({ player, index: next });
    setLive(null);
    setWatching(null);
    setIndex(0);
    store.clear();
  };

  const canPlay = mode === 'live' ? player !== null : recording !== null;
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
          <select id={`${id}-speed`} value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
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
              onChange={(e) => setGreedy(e.target.checked)}
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
        <LiveView player={player} result={liveResult} error={error} lastReturn={snapshot.latest?.episodeReturn ?? null} />
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
              onChange={(e) => setIndex(Number(e.target.value))}
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
        {children}
      </dl>
    </div>
  );
}
