import type { Env } from '../envs/types';
import { MinAtarEnv } from '../envs/minatar/minAtarEnv';
import { ClassicEnv } from '../envs/classic/classicEnv';
import { SuiteTaskEnv } from '../envs/suite/suiteTaskEnv';
import type { Picture } from './drawCommands';
import { renderMinAtar } from './minatarRender';
import { renderClassic } from './classicRender';

/** One rendered frame: RGBA pixels (MinAtar) or draw commands (classic control). */
export type Frame =
  | { kind: 'pixels'; width: number; height: number; rgba: Uint8ClampedArray }
  | { kind: 'picture'; picture: Picture };

/**
 * Renders an environment's current state, pure and DOM-free, so that a worker
 * and a `<canvas>` can both use it. `scale` is pixels per MinAtar cell.
 */
export function renderFrame(env: Env, scale = 1): Frame {
  // A game of the task suite looks as it does alone: its own channels, its own palette.
  if (env instanceof SuiteTaskEnv) return renderFrame(env.inner, scale);
  if (env instanceof MinAtarEnv) {
    const obs = new Uint8Array(env.spec.observationSize);
    env.writeObservation(obs, 0);
    const channels = env.spec.observationShape[2]!;
    return { kind: 'pixels', width: 10 * scale, height: 10 * scale, rgba: renderMinAtar(obs, 0, channels, scale) };
  }
  if (env instanceof ClassicEnv) {
    return { kind: 'picture', picture: renderClassic(env.spec.id, env.getState()) };
  }
  throw new Error(`renderFrame: no renderer for ${env.spec.id}`);
}
