import { PICKABLE_ENV_IDS } from '../envs/envInfo';
import { SUITE_GAMES } from '../envs/suite/minatarSuite';
import type { Correction } from '../agent/corrections';
import type { ConfigField, ConfigKey, NetworkChoice } from './experimentConfig';

/**
 * The one table of every experiment setting (`ExperimentConfig`): its group,
 * CLI flag, URL key, label, type, bounds, default and the sentence that
 * explains it. `experimentConfig.ts` defines the types and reads, parses and
 * validates settings with this table; the trainer's flags, share links and
 * the settings panel are all generated from it.
 */

/** Compile-time proof that `List` names every member of `Union`. */
type Covers<Union, List extends readonly Union[]> = [Exclude<Union, List[number]>] extends [never] ? true : false;

// The network and correction lists are spelled out here rather than imported
// from networks.ts and corrections.ts, which load TensorFlow.js: the config
// must stay cheap to import (URL parsing on page load). The checks below fail
// to compile if either union gains or loses a member.
const NETWORK_CHOICES = ['auto', 'mlp', 'minatar', 'resnet'] as const satisfies readonly NetworkChoice[];
const CORRECTION_CHOICES = ['vtrace', 'none', 'epsilon', 'oneStepIS'] as const satisfies readonly Correction[];
const _networkChoicesCovered: Covers<NetworkChoice, typeof NETWORK_CHOICES> = true;
const _correctionChoicesCovered: Covers<Correction, typeof CORRECTION_CHOICES> = true;

const FIELDS = [
  // --- Environment --------------------------------------------------------
  {
    key: 'env', group: 'environment', flag: 'env', urlKey: 'env', label: 'Environment',
    kind: 'enum', choices: PICKABLE_ENV_IDS, default: 'classic/CartPole-v1',
    doc: "The task to learn: a classic-control problem (a short vector observation), a MinAtar game (Young & Tian 2019; a 10x10 grid of C binary channels), or 'suite/minatar': one agent playing several MinAtar games at once (IMPALA section 5.3's multi-task setting).",
  },
  {
    key: 'tasks', group: 'environment', flag: 'tasks', urlKey: 'tasks', label: 'Suite games',
    kind: 'subset', choices: SUITE_GAMES, default: SUITE_GAMES.join(','),
    doc: "suite/minatar only: the games the one agent plays, comma-separated. Actors' environments are given the games round-robin, and every game is seen in one 10x10x31 layout with the shared 6 actions.",
  },
  {
    key: 'stickyActionProb', group: 'environment', flag: 'sticky-action-prob', urlKey: 'sticky', label: 'Sticky actions',
    kind: 'number', min: 0, max: 1, default: 0.1,
    doc: 'MinAtar only (ignored for classic control): the chance that the game repeats the previous action instead of the chosen one, which makes it stochastic (Machado et al. 2018).',
  },
  {
    key: 'actionSet', group: 'environment', flag: 'action-set', urlKey: 'actions', label: 'Action set',
    kind: 'enum', choices: ['full', 'minimal'], default: 'full',
    doc: "MinAtar only (ignored for classic control): 'full' offers all 6 actions in every game, 'minimal' only those the game uses.",
  },
  {
    key: 'hideVelocities', group: 'environment', flag: 'hide-velocities', urlKey: 'hidev', label: 'Hide velocities',
    kind: 'boolean', default: false,
    doc: 'Classic control only: the velocities in the observation read 0 (CartPole sees only the cart position and pole angle), so the agent must infer speed from what it remembers; the dynamics are unchanged.',
  },
  {
    key: 'hideTrail', group: 'environment', flag: 'hide-trail', urlKey: 'hidet', label: 'Hide trails',
    kind: 'boolean', default: false,
    doc: "MinAtar Asterix, Breakout and Seaquest (in the suite: those of its games): the 'trail' channel, where objects were a step earlier, reads 0, so which way things move must be remembered; the game is unchanged.",
  },
  // --- Agent and network --------------------------------------------------
  {
    key: 'network', group: 'agent', flag: 'network', urlKey: 'net', label: 'Network',
    kind: 'enum', choices: NETWORK_CHOICES, default: 'auto',
    doc: "The policy-and-baseline network. 'auto' picks 'mlp' for vector observations and 'minatar' (the MinAtar baselines' small CNN) for 10x10xC images; 'resnet' is a small version of the paper's deep IMPALA CNN (figure 3).",
  },
  {
    key: 'core', group: 'agent', flag: 'core', urlKey: 'core', label: 'Memory (core)',
    kind: 'enum', choices: ['none', 'lstm'], default: 'none',
    doc: "'lstm' puts an LSTM between the network and its heads, as the paper's agents have (figure 3), so the agent can remember what it saw earlier in the episode; 'none' acts on the current observation alone. Actors keep the LSTM's state, every unroll carries the state it started from, and the learner replays the LSTM over the unroll from there.",
  },
  {
    key: 'coreSize', group: 'agent', flag: 'core-size', urlKey: 'csize', label: 'LSTM size',
    kind: 'int', min: 0, max: 1024, default: 0,
    doc: 'LSTM only: the size of its state; 0 picks 128 for MinAtar images and 64 for classic control.',
  },
  {
    key: 'corePreviousAction', group: 'agent', flag: 'core-previous-action', urlKey: 'cpa', label: 'LSTM sees last action',
    kind: 'boolean', default: true,
    doc: "LSTM only: also feed the LSTM the action taken at the previous step (one-hot), as the paper's agent does.",
  },
  {
    key: 'corePreviousReward', group: 'agent', flag: 'core-previous-reward', urlKey: 'cpr', label: 'LSTM sees last reward',
    kind: 'boolean', default: true,
    doc: "LSTM only: also feed the LSTM the reward of the previous step, clipped to [-1, 1], as the paper's agent does.",
  },
  {
    key: 'popart', group: 'agent', flag: 'popart', urlKey: 'popart', label: 'PopArt',
    kind: 'boolean', default: true,
    doc: 'Normalise each task\'s value with PopArt (Hessel et al. 2019): V-trace targets stay in the game\'s own scale, but the value loss and policy gradient are scaled by running per-task statistics, so games with large returns do not drown out the others.',
  },
  {
    key: 'popartBeta', group: 'agent', flag: 'popart-beta', urlKey: 'pbeta', label: 'PopArt step size',
    kind: 'number', min: 0, minExclusive: true, max: 1, default: 3e-5,
    doc: "The step size beta of the PopArt statistics. Hessel et al. 2019 use 3e-4 over billions of frames (the MinAtar presets too); the default 3e-5, with which the statistics follow the returns slowly over a short run, learned CartPole most reliably here (49 of 50 seeds at a mean return of 475 within 100,000 frames, against 40 of 50 with 3e-4).",
  },
  // --- Actors -------------------------------------------------------------
  {
    key: 'actors', group: 'actors', flag: 'actors', urlKey: 'actors', label: 'Actors',
    kind: 'int', min: 1, max: 64, default: 2,
    doc: 'Number of actors. Each steps its own environments with a copy of the policy and sends whole unrolls to the learner (IMPALA section 3).',
  },
  {
    key: 'envsPerActor', group: 'actors', flag: 'envs-per-actor', urlKey: 'envs', label: 'Envs per actor',
    kind: 'int', min: 1, max: 1024, default: 4,
    doc: 'Environments each actor steps side by side, so that one forward pass of the network chooses actions for all of them.',
  },
  {
    key: 'unrollLength', group: 'actors', flag: 'unroll-length', urlKey: 'T', label: 'Unroll length T',
    kind: 'int', min: 1, max: 1000, default: 10,
    doc: 'T: steps in each unroll an actor sends (IMPALA section 3); V-trace targets look at most T steps ahead (the n of section 4.1).',
  },
  {
    key: 'policyLag', group: 'actors', flag: 'policy-lag', urlKey: 'lag', label: 'Extra policy lag',
    kind: 'int', min: 0, max: 1000, default: 0,
    doc: "Learner updates by which each actor's weight refresh is delayed on purpose, to make visible the policy lag that V-trace corrects (0: actors take the newest weights).",
  },
  // --- Learner and optimiser ----------------------------------------------
  {
    key: 'queueCapacity', group: 'learner', flag: 'queue-capacity', urlKey: 'queue', label: 'Queue capacity',
    kind: 'int', min: 1, max: 1024, default: 8,
    doc: 'Unrolls the queue between actors and learner can hold; actors wait while it is full, which bounds how stale the data can become. At least B; when not set, raised to B if B is larger.',
  },
  {
    key: 'batchSize', group: 'learner', flag: 'batch-size', urlKey: 'B', label: 'Batch size B',
    kind: 'int', min: 1, max: 256, default: 4,
    doc: 'B: unrolls the learner takes from the queue for each update (IMPALA section 3).',
  },
  {
    key: 'optimizer', group: 'learner', flag: 'optimizer', urlKey: 'opt', label: 'Optimiser',
    kind: 'enum', choices: ['rmsprop', 'adam'], default: 'rmsprop',
    doc: "'rmsprop' (without momentum) as the paper trains, or 'adam'.",
  },
  {
    key: 'learningRate', group: 'learner', flag: 'learning-rate', urlKey: 'lr', label: 'Learning rate',
    kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.01,
    doc: "The optimiser's step size at the start of training; see the schedule.",
  },
  {
    key: 'lrSchedule', group: 'learner', flag: 'lr-schedule', urlKey: 'sched', label: 'LR schedule',
    kind: 'enum', choices: ['linear', 'constant'], default: 'linear',
    doc: "'linear' anneals the learning rate linearly to zero over `frames`, as the paper does; 'constant' keeps it fixed.",
  },
  {
    key: 'rmspropDecay', group: 'learner', flag: 'rmsprop-decay', urlKey: 'decay', label: 'RMSProp decay',
    kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.99,
    doc: "RMSProp only: decay of the running average of squared gradients; 0.99 as in the paper (tf.js's own default is 0.9).",
  },
  {
    key: 'rmspropEpsilon', group: 'learner', flag: 'rmsprop-epsilon', urlKey: 'eps', label: 'RMSProp epsilon',
    kind: 'number', min: 0, minExclusive: true, max: 1, default: 0.01,
    doc: "RMSProp only: added to the squared-gradient average under the square root; the paper's 0.01 is much larger than the usual 1e-7, which damps the first steps.",
  },
  {
    key: 'maxGradNorm', group: 'learner', flag: 'max-grad-norm', urlKey: 'gclip', label: 'Max gradient norm',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 40,
    doc: 'Global gradient-norm clipping: when the norm of all gradients together exceeds this, they are scaled down to it (40, as in the paper and torchbeast).',
  },
  {
    key: 'replayShare', group: 'learner', flag: 'replay-share', urlKey: 'rshare', label: 'Replay share',
    kind: 'number', min: 0, max: 0.9, default: 0,
    doc: "Experience replay (IMPALA section 5.2.1, table 2 'with replay'): this share of each batch's B unrolls is drawn uniformly from a buffer of recent unrolls instead of fresh from the actors, so every frame is learned from several times. V-trace corrects for the replayed data's older behaviour policy. At least one unroll per batch is fresh; 0 turns replay off.",
  },
  {
    key: 'replayCapacity', group: 'learner', flag: 'replay-capacity', urlKey: 'rcap', label: 'Replay buffer',
    kind: 'int', min: 1, max: 100000, default: 128,
    doc: 'Experience replay only: how many of the most recent fresh unrolls the replay buffer keeps (each holds T steps of every environment of one actor).',
  },
  // --- Loss ---------------------------------------------------------------
  {
    key: 'discount', group: 'loss', flag: 'discount', urlKey: 'gamma', label: 'Discount gamma',
    kind: 'number', min: 0, max: 1, default: 0.99,
    doc: 'gamma: how much a reward one step later is worth (0.99 in the paper).',
  },
  {
    key: 'baselineCost', group: 'loss', flag: 'baseline-cost', urlKey: 'vcost', label: 'Baseline cost',
    kind: 'number', min: 0, max: 100, default: 0.5,
    doc: 'Weight of the baseline loss, the squared error between V(x_s) and the V-trace target v_s (IMPALA section 4.2; 0.5 in the paper).',
  },
  {
    key: 'entropyCost', group: 'loss', flag: 'entropy-cost', urlKey: 'ent', label: 'Entropy cost',
    kind: 'number', min: 0, max: 10, default: 0.03,
    doc: 'Weight of the entropy bonus that keeps the policy exploring instead of settling early on one action (IMPALA section 4.2).',
  },
  {
    key: 'entropySchedule', group: 'loss', flag: 'entropy-schedule', urlKey: 'entsched', label: 'Entropy schedule',
    kind: 'enum', choices: ['constant', 'linear'], default: 'linear',
    doc: "'constant' keeps the entropy cost fixed, as the paper does; 'linear' (the default: it learned CartPole fastest) anneals it to zero over `frames` like the learning rate, so that the policy explores widely early and can settle late.",
  },
  {
    key: 'rewardClip', group: 'loss', flag: 'reward-clip', urlKey: 'rclip', label: 'Reward clipping',
    kind: 'enum', choices: ['none', 'unit'], default: 'none',
    doc: "'unit' clips every reward to [-1, 1] before learning, as the paper does for Atari; 'none' learns from the raw rewards. Episode returns are always reported unclipped.",
  },
  // --- V-trace and off-policy correction ----------------------------------
  {
    key: 'correction', group: 'correction', flag: 'correction', urlKey: 'corr', label: 'Off-policy correction',
    kind: 'enum', choices: CORRECTION_CHOICES, default: 'vtrace',
    doc: "How the learner corrects for actors' stale policies, as compared in IMPALA section 5.2.1 (table 2): 'vtrace'; 'none' (treat the data as on-policy); 'epsilon' (no correction, log(pi + 1e-6) in the policy gradient); 'oneStepIS' (importance-weighted advantage, no traces).",
  },
  {
    key: 'rhoBar', group: 'correction', flag: 'rho-bar', urlKey: 'rho', label: 'rho-bar',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 1,
    doc: 'rho-bar (IMPALA section 4.1): clip on importance weights in the value target. It decides which policy V-trace evaluates: a huge rho-bar gives the value of pi, a small one a policy nearer the actors\' mu.',
  },
  {
    key: 'pgRhoBar', group: 'correction', flag: 'pg-rho-bar', urlKey: 'pgrho', label: 'Policy-gradient rho-bar',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 1,
    doc: "Clip on the importance weight rho_s that scales the policy-gradient advantage (IMPALA section 4.2; scalable_agent's clip_pg_rho_threshold).",
  },
  {
    key: 'cBar', group: 'correction', flag: 'c-bar', urlKey: 'c', label: 'c-bar',
    kind: 'number', min: 0, minExclusive: true, max: 1e6, default: 1,
    doc: 'c-bar (IMPALA section 4.1): clip on the trace coefficients c_i. It changes how fast V-trace converges, not which value it converges to.',
  },
  {
    key: 'lambda', group: 'correction', flag: 'lambda', urlKey: 'lambda', label: 'lambda',
    kind: 'number', min: 0, max: 1, default: 1,
    doc: 'lambda (IMPALA section 4.1, as in Retrace): scales every trace coefficient, c_i = lambda min(c-bar, rho_i); below 1 it trades bias for lower variance. 1 is plain V-trace.',
  },
  // --- Run ----------------------------------------------------------------
  {
    key: 'frames', group: 'run', flag: 'frames', urlKey: 'frames', label: 'Frames',
    kind: 'int', min: 1, max: 1e10, default: 100_000,
    doc: 'Environment frames to train for, counted over all actors and environments; the linear learning-rate schedule reaches zero here.',
  },
  {
    key: 'seed', group: 'run', flag: 'seed', urlKey: 'seed', label: 'Seed',
    kind: 'int', min: 0, max: 0xffffffff, default: 1,
    doc: 'Seed of every random choice in the run (initial weights, environments, sampled actions); every other seed is derived from it.',
  },
] as const satisfies readonly ConfigField[];

type MissingKeys = Exclude<ConfigKey, (typeof FIELDS)[number]['key']>;
/** Fails to compile, naming the keys, if a property of `ExperimentConfig` has no field. */
const _everyKeyHasAField: [MissingKeys] extends [never] ? true : MissingKeys = true;

/** Every setting, grouped in `CONFIG_GROUPS` order. */
export const CONFIG_FIELDS: readonly ConfigField[] = FIELDS;

