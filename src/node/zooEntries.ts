/**
 * The trained agents that ship with the site (`npm run zoo` trains them;
 * see zooBuilder.ts): one per single-environment preset and one for the
 * five-game suite, each with the headless trainer's flags, seed and frame
 * count. Comparison presets reuse them (`presets`).
 */

import { HESSEL_POPART_BETA } from '../core/agent/popart';

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
  // Breakout's agent has the LSTM core: with the preset's settings and seed 1 it reached a mean return of 17.5 at
  // 2M frames, against 8.7 feed-forward (README, "Memory: the LSTM core"); 5M frames like the other games.
  { id: 'breakout', presets: ['breakout'], args: ['--preset', 'breakout', '--core', 'lstm', '--frames', '5000000', '--seed', '1'] },
  minatar('asterix'),
  minatar('freeway'),
  minatar('seaquest'),
  minatar('space_invaders'),
  // The "Why memory?" lesson's LSTM agent, on CartPole with hidden velocities (the preset's LSTM run, seed 1).
  { id: 'memory', presets: ['memory'], args: ['--env', 'classic/CartPole-v1', '--hide-velocities', '--core', 'lstm', '--popart-beta', String(HESSEL_POPART_BETA), '--frames', '500000', '--seed', '1'] },
  // The multi-task preset's suite run with PopArt, alone, at the preset's full scale (25M frames: 5M per game).
  {
    id: 'suite',
    presets: ['multitask'],
    args: [
      '--env', 'suite/minatar', '--tasks', 'asterix,breakout,freeway,seaquest,space_invaders',
      '--network', 'minatar', '--envs-per-actor', '10', '--unroll-length', '20', '--batch-size', '4', '--queue-capacity', '8',
      '--learning-rate', '0.008', '--entropy-cost', '0.01', '--entropy-schedule', 'constant', '--popart', '--popart-beta', String(HESSEL_POPART_BETA),
      '--sticky-action-prob', '0.1', '--action-set', 'full',
      '--frames', '25000000', '--seed', '1',
    ],
  },
];
