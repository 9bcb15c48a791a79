import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from './experimentConfig';
import { HESSEL_POPART_BETA } from '../agent/popart';
import { minatarEnvId, type MinAtarGameName } from '../envs/minatar/game';
import { gameTitle, SUITE_GAMES, SUITE_ID } from '../envs/suite/minatarSuite';

/**
 * Ready-made experiments for the settings panel: a preset names only the
 * settings it changes; `applyPreset` fills in the rest from `DEFAULT_CONFIG`,
 * so picking one resets everything it does not name.
 */

/** One run of a side-by-side comparison: its legend and the settings that set it apart. */
export interface PresetRun {
  label: string;
  overrides: Partial<ExperimentConfig>;
  /**
   * This run's share of the experiment's frame budget (default 1): five
   * single-game agents with share 0.2 each spend what one suite agent does.
   */
  frameShare?: number;
}

export interface Preset {
  /** Stable: share links and tests name presets by it. */
  id: string;
  title: string;
  /** One or two sentences for a student. */
  description: string;
  config: Partial<ExperimentConfig>;
  /** When present, the preset is several runs of `config`, each with its overrides on top. */
  comparison?: PresetRun[];
  /**
   * The frame budget the headless trainer runs the preset at
   * (`npm run train -- --preset ID`, unless `--frames` says otherwise),
   * where `config.frames` is sized for a browser tab; absent: the same.
   */
  fullScaleFrames?: number;
}

/**
 * The MinAtar settings that learned Breakout well here: 16 environments per
 * actor so that one forward pass acts for many games, longer unrolls (T = 20)
 * and batches (B = 4) than CartPole's, and a queue twice B.
 */
const MINATAR_SETTINGS: Partial<ExperimentConfig> = {
  network: 'minatar',
  envsPerActor: 16,
  unrollLength: 20,
  batchSize: 4,
  queueCapacity: 8,
  learningRate: 0.008,
  // The settings these games were measured with: a constant entropy cost of 0.01 and no PopArt, and where PopArt is on,
  // its step size 3e-4 (the defaults, tuned for CartPole, now anneal 0.03 and use PopArt with 3e-5).
  entropyCost: 0.01,
  entropySchedule: 'constant',
  popart: false,
  popartBeta: HESSEL_POPART_BETA,
  frames: 5_000_000,
  stickyActionProb: 0.1,
  actionSet: 'full',
};

function minatarPreset(game: MinAtarGameName, title: string, description: string, own: Partial<ExperimentConfig> = {}): Preset {
  return { id: game, title, description, config: { env: minatarEnvId(game), ...MINATAR_SETTINGS, ...own } };
}

const MINATAR_NOTE = 'Uses the settings that learned Breakout well here; 5 million frames take a while.';


/**
 * The multi-task comparison of the IMPALA paper (section 5.3) on MinAtar:
 * one agent on the whole suite, with PopArt and without, and one agent per
 * game, all with the MinAtar settings. The suite runs take 10 environments
 * per actor (2 per game); each single-game agent gets a fifth of the suite's
 * frames, so the five together spend what one suite agent does. One actor
 * per run: the lab trains all seven at once, so their seven workers share the
 * machine's cores and the page's one learner thread.
 */
const MULTITASK: Preset = {
  id: 'multitask',
  title: 'One agent, five games (multi-task vs single-task)',
  description:
    'One agent learns all five MinAtar games at once, with and without PopArt, beside five single-game agents with the same total budget of 1,000,000 frames (200,000 each), as the IMPALA paper compares multi-task and single-task agents (section 5.3). ' +
    'The headless trainer runs it at full scale, 25 million frames (5 million per single game; npm run train -- --preset multitask), where the suite with PopArt reached a median normalised score of 1.19 and 1.22 (seeds 1-2, past 1.0 by 15.7 and 14.4 million frames; npm run bench -- learning --preset multitask --only suite-with-popart --actors 2 --seeds 1,2).',
  config: {
    ...MINATAR_SETTINGS,
    env: SUITE_ID,
    tasks: SUITE_GAMES.join(','),
    envsPerActor: 10,
    actors: 1,
    frames: 1_000_000,
    popart: true,
  },
  fullScaleFrames: 25_000_000,
  comparison: [
    { label: 'Suite with PopArt', overrides: { popart: true } },
    { label: 'Suite without PopArt', overrides: { popart: false } },
    ...SUITE_GAMES.map(
      (game): PresetRun => ({
        label: `${gameTitle(game)} only`,
        overrides: { env: minatarEnvId(game), envsPerActor: MINATAR_SETTINGS.envsPerActor, popart: false },
        frameShare: 1 / SUITE_GAMES.length,
      }),
    ),
  ],
};

export const PRESETS: readonly Preset[] = [
  {
    id: 'cartpole',
    title: 'CartPole in under a minute',
    description:
      'Balance a pole on a moving cart with the default settings (2 actors, T = 10, B = 4, PopArt, entropy cost 0.03 annealed to zero) over 200,000 frames: the quickest way to watch IMPALA learn. Measured with Automatic in Chromium on a 2-core laptop-class machine without a GPU: a mean return of 475 after 20, 19 and 22 s (seeds 1-3, median 20 s, from pressing Train; npm run bench -- browser).',
    // The defaults are tuned for CartPole in Node; in the tab, where the learner is the bottleneck and the policy lag
    // larger, they reached 475 within their 100,000 frames on 1 of 3 seeds, so the preset gives them twice the frames.
    config: { env: 'classic/CartPole-v1', frames: 200_000 },
  },
  minatarPreset(
    'breakout',
    'MinAtar Breakout',
    'Bounce a ball off a paddle to clear rows of bricks, with 16 environments per actor, T = 20 and B = 4; these settings learned Breakout well here.',
  ),
  minatarPreset(
    'asterix',
    'MinAtar Asterix',
    `Move between lanes to collect treasure and dodge enemies that speed up over time. ${MINATAR_NOTE}`,
  ),
  minatarPreset(
    'freeway',
    'MinAtar Freeway',
    `Guide a chicken across a road of speeding cars; the reward is sparse, one point per crossing. ${MINATAR_NOTE}`,
  ),
  minatarPreset(
    'seaquest',
    'MinAtar Seaquest',
    'Shoot enemy submarines, rescue divers and surface before the oxygen runs out, which takes planning far ahead. ' +
      'Experience replay (half of every batch from the last 128 unrolls, IMPALA section 5.2.1) taught the agent to surface here: a mean return of 68.2, 87.6 and 111.3 after 5 million frames (seeds 1-3, each past the MinAtar reference of 20 by 2.7 million; npm run bench -- learning --preset seaquest --frames 5000000), where without replay agents shot until their oxygen ran out and stalled near 6.',
    // Replay, as the search in bench/results/minatar-search.md found: without it no agent learned to surface.
    { replayShare: 0.5 },
  ),
  minatarPreset(
    'space_invaders',
    'MinAtar Space Invaders',
    'Shoot down a fleet of aliens that marches closer and fires back; its last, fastest aliens are the hard ones. ' +
      'Experience replay with PopArt (half of every batch from the last 128 unrolls, IMPALA section 5.2.1, and value normalisation) learned it best in a search of ten settings: a mean return of 242.9, 221.5 and 327.7 after 5 million frames (seeds 1-3, each past the MinAtar reference of 185 by 3.7 million; npm run bench -- learning --preset space_invaders --frames 5000000), where the settings before reached 127.2.',
    // Replay with PopArt, as the search in bench/results/minatar-search.md found (115.0 against the preset's 73.6 at 2M frames).
    { replayShare: 0.5, popart: true },
  ),
  {
    id: 'ablation',
    title: 'V-trace vs no correction (policy lag, replay)',
    description:
      'Four CartPole runs side by side whose actors act with weights 8 learner updates old, as in the paper\'s off-policy comparison (section 5.2.1, table 2): V-trace against treating the data as on-policy, each without and with experience replay (half of every batch drawn from the last 128 unrolls). Replayed data is older still, which is where the correction matters most.',
    // PopArt's step size as the README's figures for this preset were measured (the default since is 3e-5).
    config: { env: 'classic/CartPole-v1', policyLag: 8, frames: 200_000, popartBeta: HESSEL_POPART_BETA },
    comparison: [
      { label: 'V-trace', overrides: { correction: 'vtrace' } },
      { label: 'No correction', overrides: { correction: 'none' } },
      { label: 'V-trace + replay', overrides: { correction: 'vtrace', replayShare: 0.5 } },
      { label: 'No correction + replay', overrides: { correction: 'none', replayShare: 0.5 } },
    ],
  },
  MULTITASK,
  {
    id: 'memory',
    title: 'Why memory? (CartPole without velocities)',
    description:
      "Two CartPole agents that see only the cart's position and the pole's angle, not how fast either moves: the feed-forward one acts on the current observation alone, while the LSTM one (the paper's recurrent core, figure 3) can work out the speeds from what it saw a step earlier. Watch the LSTM's curve climb while the feed-forward one stalls, and in the LSTM agent's replay watch the strip of its memory change from step to step.",
    // PopArt's step size as the README's figures and the zoo's agent for this preset were measured (the default since is 3e-5).
    config: { env: 'classic/CartPole-v1', hideVelocities: true, frames: 500_000, popartBeta: HESSEL_POPART_BETA },
    comparison: [
      { label: 'Feed-forward', overrides: { core: 'none' } },
      { label: 'LSTM', overrides: { core: 'lstm' } },
    ],
  },
];

/** The preset with this id, or `undefined`. */
export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/** The full configuration of a preset: its settings over the defaults. */
export function applyPreset(preset: Preset): ExperimentConfig {
  return validateConfig({ ...DEFAULT_CONFIG, ...preset.config }).config;
}

/**
 * The full configuration of every run a preset starts in the lab: one per
 * comparison entry, or the preset alone (labelled with its title) when it
 * compares nothing.
 */
export function presetRuns(preset: Preset): { label: string; config: ExperimentConfig }[] {
  if (!preset.comparison) return [{ label: preset.title, config: applyPreset(preset) }];
  const base = applyPreset(preset);
  return preset.comparison.map((run) => ({ label: run.label, config: comparisonRunConfig(base, run) }));
}

/**
 * One run of a comparison in the lab: the shared settings `base` (the
 * preset's, as the user may have changed them), the run's overrides on top,
 * and its `frameShare` of `base.frames`.
 */
export function comparisonRunConfig(base: ExperimentConfig, run: PresetRun): ExperimentConfig {
  const config = validateConfig({ ...base, ...run.overrides }).config;
  return { ...config, frames: Math.max(1, Math.round(base.frames * (run.frameShare ?? 1))) };
}

/**
 * The runs of a comparison preset in the headless trainer, at full scale
 * (`fullScaleFrames`), with `settings` (e.g. command-line flags) over every
 * run's own: each run's frames are its `frameShare` of the resulting budget.
 */
export function comparisonRuns(preset: Preset, settings: Partial<ExperimentConfig>): { label: string; config: ExperimentConfig }[] {
  const budget = settings.frames ?? preset.fullScaleFrames;
  const shared = budget === undefined ? settings : { ...settings, frames: budget };
  return (preset.comparison ?? [{ label: preset.title, overrides: {} }]).map((run) => {
    const config = validateConfig({ ...DEFAULT_CONFIG, ...preset.config, ...run.overrides, ...shared }).config;
    const frames = Math.max(1, Math.round(config.frames * (run.frameShare ?? 1)));
    return { label: run.label, config: { ...config, frames } };
  });
}
