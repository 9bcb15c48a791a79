import { ClassicEnv, type ClassicEnvOptions } from './classicEnv';

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const G = 9.8;
export const ACROBOT_MAX_VEL_1 = 4 * Math.PI;
export const ACROBOT_MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE: readonly number[] = [-1.0, 0.0, 1.0];
const RESET_LOW = -0.1;
const RESET_HIGH = 0.1;

/** Gymnasium's `wrap(x, m, M)`: shifts `x` by whole periods `M - m` into `[m, M]`. */
export function wrapAngle(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound(x, m, M)`: `min(max(x, m), M)`. */
function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/**
 * Acrobot-v1, a port of Gymnasium's
 * `gymnasium/envs/classic_control/acrobot.py` (`AcrobotEnv`, from RLPy),
 * Sutton (1996) "Generalization in Reinforcement Learning: Successful
 * Examples Using Sparse Coarse Coding", with the dynamics of Sutton and
 * Barto's book (Gymnasium's default `book_or_nips = "book"`):
 *
 *   d1 = m1 lc1^2 + m2 (l1^2 + lc2^2 + 2 l1 lc2 cos t2) + I1 + I2
 *   d2 = m2 (lc2^2 + l1 lc2 cos t2) + I2
 *   phi2 = m2 lc2 g cos(t1 + t2 - pi/2)
 *   phi1 = -m2 l1 lc2 dt2^2 sin t2 - 2 m2 l1 lc2 dt2 dt1 sin t2 + (m1 lc1 + m2 l1) g cos(t1 - pi/2) + phi2
 *   ddt2 = (tau + d2/d1 phi1 - m2 l1 lc2 dt1^2 sin t2 - phi2) / (m2 lc2^2 + I2 - d2^2/d1)
 *   ddt1 = -(d2 ddt2 + phi1) / d1
 *
 * integrated over dt = 0.2 s by one classical Runge-Kutta step (Gymnasium's
 * `rk4` with `t = [0, dt]`; the torque is held constant). Afterwards both
 * angles are wrapped into [-pi, pi] and the velocities clipped to
 * +-4 pi and +-9 pi. Torque noise is Gymnasium's default 0 (none drawn).
 *
 * State `[theta1, theta2, dtheta1, dtheta2]` in float64; observation
 * `[cos t1, sin t1, cos t2, sin t2, dt1, dt2]` as float32. Actions apply
 * torque -1, 0, +1. Terminates when `-cos t1 - cos(t1 + t2) > 1` (the tip
 * above the goal line), reward -1 per step and 0 on the terminating one.
 * Reset draws all four from U(-0.1, 0.1) and, as Gymnasium, rounds them to
 * float32. Time limit 500 steps (registry).
 */
export class Acrobot extends ClassicEnv {
  // RK4 scratch, preallocated so that a step allocates nothing.
  private readonly k1 = new Float64Array(4);
  private readonly k2 = new Float64Array(4);
  private readonly k3 = new Float64Array(4);
  private readonly k4 = new Float64Array(4);
  private readonly yTmp = new Float64Array(4);

  constructor(options: ClassicEnvOptions) {
    super(options, {
      observationSize: 6,
      actionNames: ['torque -1', 'torque 0', 'torque +1'],
      stateNames: ['theta1', 'theta2', 'dtheta1', 'dtheta2'],
      velocityObservations: [4, 5], // dtheta1, dtheta2
    });
  }

  protected resetDynamics(): void {
    const s = this.state;
    // Gymnasium: `np_random.uniform(low, high, size=(4,)).astype(np.float32)`.
    for (let i = 0; i < 4; i++) s[i] = Math.fround(this.random.uniform(RESET_LOW, RESET_HIGH));
  }

  /** The time derivative of `[t1, t2, dt1, dt2]` under torque `a` (Gymnasium's `_dsdt`, book dynamics), into `out`. */
  private dsdt(y: Float64Array, a: number, out: Float64Array): void {
    const m1 = LINK_MASS_1;
    const m2 = LINK_MASS_2;
    const l1 = LINK_LENGTH_1;
    const lc1 = LINK_COM_POS_1;
    const lc2 = LINK_COM_POS_2;
    const I1 = LINK_MOI;
    const I2 = LINK_MOI;
    const theta1 = y[0]!;
    const theta2 = y[1]!;
    const dtheta1 = y[2]!;
    const dtheta2 = y[3]!;
    const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 * lc2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
      (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) +
      phi2;
    const ddtheta2 =
      (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) /
      (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
  }

  protected stepDynamics(action: number): number {
    const torque = AVAIL_TORQUE[action]!;
    const s = this.state;
    const { k1, k2, k3, k4, yTmp } = this;
    // One step of Gymnasium's `rk4(derivs, y0, [0, dt])`, same expression order.
    const dt = DT - 0;
    const dt2 = dt / 2.0;
    this.dsdt(s, torque, k1);
    for (let i = 0; i < 4; i++) yTmp[i] = s[i]! + dt2 * k1[i]!;
    this.dsdt(yTmp, torque, k2);
    for (let i = 0; i < 4; i++) yTmp[i] = s[i]! + dt2 * k2[i]!;
    this.dsdt(yTmp, torque, k3);
    for (let i = 0; i < 4; i++) yTmp[i] = s[i]! + dt * k3[i]!;
    this.dsdt(yTmp, torque, k4);
    const h = dt / 6.0;
    for (let i = 0; i < 4; i++) s[i] = s[i]! + h * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
    s[0] = wrapAngle(s[0]!, -Math.PI, Math.PI);
    s[1] = wrapAngle(s[1]!, -Math.PI, Math.PI);
    s[2] = bound(s[2]!, -ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_1);
    s[3] = bound(s[3]!, -ACROBOT_MAX_VEL_2, ACROBOT_MAX_VEL_2);
    return this.isTerminal() ? 0.0 : -1.0;
  }

  protected isTerminal(): boolean {
    const t1 = this.state[0]!;
    const t2 = this.state[1]!;
    return -Math.cos(t1) - Math.cos(t2 + t1) > 1.0;
  }

  protected writeFloat32Observation(out: Float32Array, offset: number): void {
    const s = this.state;
    out[offset] = Math.cos(s[0]!);
    out[offset + 1] = Math.sin(s[0]!);
    out[offset + 2] = Math.cos(s[1]!);
    out[offset + 3] = Math.sin(s[1]!);
    out[offset + 4] = s[2]!;
    out[offset + 5] = s[3]!;
  }
}
