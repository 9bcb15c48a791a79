/**
 * The trained agents that ship with the site (`npm run zoo` trains them;
 * see zooBuilder.ts): one per single-environment preset and one for the
 * five-game suite, each with the headless trainer's flags, seed and frame
 * count. Comparison presets reuse them (`presets`).
 */

/** One agent of the zoo: what trains it and which presets show it. */
export interface ZooEntrySpec {
  /** The model's id and file name (`public/zoo/<id>.json`). */
  id: string;
  /** The presets whose "Watch a trained agent" plays it. */
  presets: string[];
  /** `npm run train` flags, with the seed and frame count (`--out` is the zoo's own). */
  args: string[];
}

/** The MinAtar games' entries: the lab's preset of the game (its settings), 5M frames, seed 1. */
const minatar = (game: string): ZooEntrySpec => ({ id: game, presets: [game], args: ['--preset', game, '--frames', '5000000', '--seed', '1'] });

export const ZOO_ENTRIES: readonly ZooEntrySpec[] = [
  // CartPole's preset, as measured in the README: mean100 475 within 200,000 frames. The ablation preset is CartPole too.
  { id: 'cartpole', presets: ['cartpole', 'ablation'], args: ['--preset', 'cartpole', '--frames', '200000', '--seed', '1'] },
  minatar('breakout'),
  minatar('asterix'),
  minatar('freeway'),
  minatar('seaquest'),
  minatar('space_invaders'),
  // The multi-task preset's suite run with PopArt, alone, at the preset's full scale (10M frames: 2M per game).
  {
    id: 'suite',
    presets: ['multitask'],
    args: [
      '--env', 'suite/minatar', '--tasks', 'asterix,breakout,freeway,seaquest,space_invaders',
      '--network', 'minatar', '--envs-per-actor', '10', '--unroll-length', '20', '--batch-size', '4', '--queue-capacity', '8',
      '--learning-rate', '0.008', '--entropy-cost', '0.01', '--entropy-schedule', 'constant', '--popart',
      '--sticky-action-prob', '0.1', '--action-set', 'full',
      '--frames', '10000000', '--seed', '1',
    ],
  },
];
