import { ClassicEnv, type ClassicEnvOptions } from './classicEnv';

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length. */
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
/** Seconds between state updates. */
const TAU = 0.02;
/** 12 degrees, computed as Gymnasium does. */
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const CARTPOLE_X_THRESHOLD = 2.4;
const RESET_LOW = -0.05;
const RESET_HIGH = 0.05;

/**
 * CartPole-v1, a port of Gymnasium's
 * `gymnasium/envs/classic_control/cartpole.py` (`CartPoleEnv`, Barto, Sutton
 * and Anderson 1983; Sutton's `pole.c`).
 *
 * State `[x, x_dot, theta, theta_dot]` in float64; the observation is the
 * same four numbers as float32. Action 0 pushes the cart left with force
 * -10 N, action 1 right with +10 N. The accelerations are those of
 * Florian (2007), "Correct equations for the dynamics of the cart-pole
 * system" (frictionless case), as Gymnasium cites them:
 *
 *   temp      = (F + m_p l theta_dot^2 sin theta) / (m_c + m_p)
 *   theta_acc = (g sin theta - cos theta * temp) / (l (4/3 - m_p cos^2 theta / (m_c + m_p)))
 *   x_acc     = temp - m_p l theta_acc cos theta / (m_c + m_p)
 *
 * integrated with Gymnasium's default explicit Euler step (tau = 0.02 s):
 * positions advance with the old velocities. The episode terminates when
 * |x| > 2.4 or |theta| > 12 degrees; the reward is +1 for every step,
 * the terminating one included. Reset draws all four components from
 * U(-0.05, 0.05). Time limit 500 steps (registry).
 *
 * The arithmetic follows Gymnasium's expression order so that float64
 * results agree to the last bit wherever `Math.sin`/`Math.cos` agree with
 * numpy's.
 */
export class CartPole extends ClassicEnv {
  constructor(options: ClassicEnvOptions) {
    super(options, {
      observationSize: 4,
      actionNames: ['push left', 'push right'],
      stateNames: ['x', 'x_dot', 'theta', 'theta_dot'],
      velocityObservations: [1, 3], // x_dot, theta_dot
    });
  }

  protected resetDynamics(): void {
    const s = this.state;
    for (let i = 0; i < 4; i++) s[i] = this.random.uniform(RESET_LOW, RESET_HIGH);
  }

  protected stepDynamics(action: number): number {
    const s = this.state;
    let x = s[0]!;
    let xDot = s[1]!;
    let theta = s[2]!;
    let thetaDot = s[3]!;
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sintheta) / TOTAL_MASS;
    const thetaacc =
      (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * (costheta * costheta)) / TOTAL_MASS));
    const xacc = temp - (POLE_MASS_LENGTH * thetaacc * costheta) / TOTAL_MASS;
    // Explicit Euler (Gymnasium's default `kinematics_integrator = "euler"`).
    x = x + TAU * xDot;
    xDot = xDot + TAU * xacc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaacc;
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    // +1 on every step, the terminating one included (BaseEnv never steps past it).
    return 1.0;
  }

  protected isTerminal(): boolean {
    const x = this.state[0]!;
    const theta = this.state[2]!;
    return (
      x < -CARTPOLE_X_THRESHOLD ||
      x > CARTPOLE_X_THRESHOLD ||
      theta < -CARTPOLE_THETA_THRESHOLD ||
      theta > CARTPOLE_THETA_THRESHOLD
    );
  }

  protected writeFloat32Observation(out: Float32Array, offset: number): void {
    const s = this.state;
    out[offset] = s[0]!;
    out[offset + 1] = s[1]!;
    out[offset + 2] = s[2]!;
    out[offset + 3] = s[3]!;
  }
}
