import type { PopArtState } from '../../core/agent/popart';
import { PopArt } from '../../core/agent/popart';
import type { ExperimentConfig } from '../../core/config/experimentConfig';
import { PolicyPlayer, type PlayerStep } from '../../core/replay/policyPlayer';
import type { RecordingStore } from '../../core/replay/recordingStore';
import { suiteTaskEnvId } from '../../core/envs/suite/minatarSuite';
import type { MetricsRecord } from '../../core/telemetry/metrics';
import { envOptionsFor, envSpecFor, networkFor, tasksOf } from '../../core/training/fromConfig';
import type { LabScheduler } from './labDeps';
import { errorText } from './labStore';

/** Steps per second at 1x. */
export const BASE_STEPS_PER_SECOND = 15;
export const PLAYBACK_SPEEDS = [0.25, 0.5, 1, 2, 4, 8] as const;
/** Most live steps taken in one timer tick when the timer falls behind. */
const MAX_STEPS_PER_TICK = 4;
/** New weights reach the player at most this often (milliseconds). */
const WEIGHTS_EVERY_MS = 250;

/** What the live view shows; a new object whenever it changes. */
export interface LiveSnapshot {
  /** Plays run 1's current policy; null before a run (or a model) exists. */
  readonly player: PolicyPlayer | null;
  /** The player's last step, drawn by the view. */
  readonly result: PlayerStep | null;
  /** Why the player stopped, if it failed. */
  readonly error: string | null;
  /** Live play is on (the user's Play/Pause). */
  readonly playing: boolean;
  /** Multiple of BASE_STEPS_PER_SECOND, shared by live play and recorded episodes. */
  readonly speed: number;
  readonly greedy: boolean;
}

/**
 * The policy playing live, and the latest and best episodes it records.
 *
 * The player steps on the lab's scheduler at the chosen speed while a
 * player exists, play is on and the page is visible, whether or not a
 * replay panel is mounted: a saved run's replays never depend on what the
 * page shows. Finished episodes go to `recordings`. Framework-free;
 * `subscribe` and `getSnapshot` suit `useSyncExternalStore`.
 */
export class LivePlayback {
  private snapshot: LiveSnapshot;
  private readonly listeners = new Set<() => void>();
  private pageVisible = true;
  /** Bumped whenever the stepping loop must stop (a new player, pause, hidden page): a tick of an older loop ends. */
  private generation = 0;
  private cancelTimer: (() => void) | null = null;
  private weightsAt = -Infinity;

  constructor(
    private readonly scheduler: LabScheduler,
    readonly recordings: RecordingStore,
    options: { autoplay?: boolean } = {},
  ) {
    this.snapshot = { player: null, result: null, error: null, playing: options.autoplay ?? true, speed: 1, greedy: false };
  }

  readonly getSnapshot = (): LiveSnapshot => this.snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  get player(): PolicyPlayer | null {
    return this.snapshot.player;
  }

  /** Plays with `player` from now on (null: none); the previous player is disposed. */
  setPlayer(player: PolicyPlayer | null): void {
    const old = this.snapshot.player;
    if (old === player) return;
    player?.setGreedy(this.snapshot.greedy);
    this.weightsAt = -Infinity;
    this.update({ player, result: null, error: null });
    try {
      old?.dispose();
    } catch {
      // Its tensors were on a lost device.
    }
  }

  /** Newly published weights of run 1 (passed on at most every 250 ms). */
  offerWeights(version: number, weights: readonly Float32Array[]): void {
    const now = this.scheduler.now();
    if (now - this.weightsAt < WEIGHTS_EVERY_MS) return;
    this.weightsAt = now;
    this.snapshot.player?.setWeights(version, weights);
  }

  setPlaying(playing: boolean): void {
    this.update(playing ? { playing, error: null } : { playing });
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) return;
    this.update({ speed });
  }

  setGreedy(greedy: boolean): void {
    this.snapshot.player?.setGreedy(greedy);
    this.update({ greedy });
  }

  /** Plays another task of a suite; the recordings (of the game left) are dropped, since returns of different games do not compare. */
  setTask(index: number): void {
    const player = this.snapshot.player;
    if (!player || index === player.taskIndex) return;
    player.setTask(index);
    this.recordings.clear();
    this.update({ result: null });
  }

  /** Called when the page is hidden or shown again: nothing plays while hidden. */
  setPageVisible(visible: boolean): void {
    if (visible === this.pageVisible) return;
    this.pageVisible = visible;
    this.reschedule();
  }

  dispose(): void {
    this.setPlayer(null);
    this.stopLoop();
    this.listeners.clear();
  }

  private update(patch: Partial<LiveSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.reschedule();
    for (const listener of [...this.listeners]) listener();
  }

  private get shouldStep(): boolean {
    const { player, playing, error } = this.snapshot;
    return player !== null && playing && error === null && this.pageVisible;
  }

  private stopLoop(): void {
    this.generation++;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** (Re)starts the stepping loop for the current player and speed, or stops it. */
  private reschedule(): void {
    const key = `${this.shouldStep}|${this.snapshot.speed}`;
    if (key === this.loopKey && this.snapshot.player === this.loopPlayer) return;
    this.loopKey = key;
    this.loopPlayer = this.snapshot.player;
    this.stopLoop();
    if (!this.shouldStep) return;
    const player = this.snapshot.player!;
    const generation = this.generation;
    const rate = BASE_STEPS_PER_SECOND * this.snapshot.speed;
    let last = this.scheduler.now();
    let due = 1; // the first step at once
    const tick = async (): Promise<void> => {
      this.cancelTimer = null;
      const now = this.scheduler.now();
      due = Math.min(due + ((now - last) * rate) / 1000, MAX_STEPS_PER_TICK);
      last = now;
      try {
        let result: PlayerStep | null = null;
        // Before the first weights arrive there is nothing to play; try again next tick.
        while (due >= 1 && generation === this.generation && player.policyVersion >= 0) {
          due -= 1;
          result = await player.step();
          if (result.finished && generation === this.generation) this.recordings.add(result.finished);
        }
        if (generation !== this.generation) return;
        if (result !== null) {
          this.snapshot = { ...this.snapshot, result };
          for (const listener of [...this.listeners]) listener();
        }
        this.cancelTimer = this.scheduler.timeout(1000 / rate, () => void tick());
      } catch (e) {
        if (generation !== this.generation) return;
        this.update({ error: errorText(e), playing: false });
      }
    };
    this.cancelTimer = this.scheduler.timeout(0, () => void tick());
  }

  private loopKey = '';
  private loopPlayer: PolicyPlayer | null = null;
}

/**
 * A player of an experiment's policy. A suite's agent plays one game at a
 * time (the first to begin with), in the suite layout; under PopArt it shows
 * values in the game's own scale: the latest metrics' statistics when there
 * are any, else `popart` (a loaded model's or a saved run's).
 */
export function createPlayer(
  config: ExperimentConfig,
  version: number,
  weights: readonly Float32Array[],
  options: { popart?: PopArtState | undefined; latest?: () => MetricsRecord | null } = {},
): PolicyPlayer {
  const tasks = tasksOf(config).map((name) => ({ name, envId: suiteTaskEnvId(name) }));
  const numTasks = Math.max(1, tasks.length);
  let restored: PopArt | null = null;
  if (config.popart && options.popart && options.popart.mu.length === numTasks) {
    restored = new PopArt(numTasks);
    restored.setState(options.popart);
  }
  const valueScale = (task: number): { mu: number; sigma: number } | null => {
    const t = options.latest?.()?.tasks?.[task];
    if (t && t.popartMu !== null && t.popartSigma !== null) return { mu: t.popartMu, sigma: t.popartSigma };
    return restored ? { mu: restored.mu[task]!, sigma: restored.sigma(task) } : null;
  };
  const player = new PolicyPlayer({
    envId: tasks[0]?.envId ?? config.env,
    tasks,
    envSettings: envOptionsFor(config),
    network: networkFor(config, envSpecFor(config)),
    seed: config.seed,
    ...(config.popart ? { valueScale } : {}),
  });
  player.setWeights(version, weights);
  return player;
}
