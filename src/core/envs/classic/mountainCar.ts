import { ClassicEnv, type ClassicEnvOptions } from './classicEnv';

export const MOUNTAIN_CAR_MIN_POSITION = -1.2;
export const MOUNTAIN_CAR_MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
export const MOUNTAIN_CAR_GOAL_POSITION = 0.5;
/** Gymnasium's default `goal_velocity`. */
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;
const RESET_LOW = -0.6;
const RESET_HIGH = -0.4;

/**
 * MountainCar-v0, a port of Gymnasium's
 * `gymnasium/envs/classic_control/mountain_car.py` (`MountainCarEnv`,
 * Moore 1990; Sutton's `MountainCar1.cp`).
 *
 * State `[position, velocity]` in float64; the observation is the same two
 * numbers as float32. Actions 0, 1, 2 accelerate left, not at all, right:
 *
 *   velocity += (action - 1) * 0.001 + cos(3 position) * (-0.0025),  clipped to [-0.07, 0.07]
 *   position += velocity,                                            clipped to [-1.2, 0.6]
 *
 * and the collision with the left wall is inelastic: at position -1.2 a
 * negative velocity becomes 0. The hill is `y = sin(3x) * 0.45 + 0.55`.
 * Terminates when position >= 0.5 and velocity >= 0 (goal_velocity 0);
 * reward -1 on every step. Reset draws the position from U(-0.6, -0.4),
 * velocity 0. Time limit 200 steps (registry).
 */
export class MountainCar extends ClassicEnv {
  constructor(options: ClassicEnvOptions) {
    super(options, {
      observationSize: 2,
      actionNames: ['accelerate left', 'no push', 'accelerate right'],
      stateNames: ['position', 'velocity'],
      velocityObservations: [1], // velocity
    });
  }

  protected resetDynamics(): void {
    this.state[0] = this.random.uniform(RESET_LOW, RESET_HIGH);
    this.state[1] = 0;
  }

  protected stepDynamics(action: number): number {
    let position = this.state[0]!;
    let velocity = this.state[1]!;
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MOUNTAIN_CAR_MIN_POSITION), MOUNTAIN_CAR_MAX_POSITION);
    if (position === MOUNTAIN_CAR_MIN_POSITION && velocity < 0) velocity = 0;
    this.state[0] = position;
    this.state[1] = velocity;
    return -1.0;
  }

  protected isTerminal(): boolean {
    return this.state[0]! >= MOUNTAIN_CAR_GOAL_POSITION && this.state[1]! >= GOAL_VELOCITY;
  }

  protected writeFloat32Observation(out: Float32Array, offset: number): void {
    out[offset] = this.state[0]!;
    out[offset + 1] = this.state[1]!;
  }
}

/** The hill's height at `x`: `sin(3x) * 0.45 + 0.55` (Gymnasium's `_height`). */
export function mountainCarHeight(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}
