import type { DrawCommand, Picture } from './drawCommands';
import { envInfo, ENVS } from '../envs/envInfo';
import { CARTPOLE_X_THRESHOLD } from '../envs/classic/cartPole';
import {
  MOUNTAIN_CAR_GOAL_POSITION,
  MOUNTAIN_CAR_MAX_POSITION,
  MOUNTAIN_CAR_MIN_POSITION,
  mountainCarHeight,
} from '../envs/classic/mountainCar';

/**
 * Pure renderers of the classic-control states, drawn as Gymnasium's
 * `render()` methods draw them (same screen sizes, scales and shapes), as
 * renderer-neutral `Picture`s. Gymnasium draws with y up and flips the
 * surface; here y points down, so a Gymnasium height `h` is `height - h`.
 *
 * Each takes the env's internal state (`getState()`), not its observation.
 *
 * Colours: Okabe & Ito's colour-blind-safe palette (blue #0072B2, sky blue
 * #56B4E9, orange #E69F00, vermillion #D55E00) on white, with near-black
 * bodies: the pairs that touch (pole/cart/axle, link/joint, car/wheel)
 * differ in lightness as well as in a blue-versus-orange hue, and every
 * body stands out from the white ground by at least 3:1.
 */

const WHITE = '#ffffff';
const INK = '#1a1a1a';
const BLUE = '#0072B2';
const ORANGE = '#E69F00';
const VERMILLION = '#D55E00';
const SKY = '#56B4E9';
const GREY = '#8c8c8c';

function need(state: ArrayLike<number>, n: number, what: string): void {
  if (state.length < n) throw new RangeError(`${what}: the state needs ${n} numbers, got ${state.length}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(state[i])) throw new RangeError(`${what}: state[${i}] is not finite`);
  }
}

// ---------------------------------------------------------------- CartPole

export const CARTPOLE_SCREEN = { width: 600, height: 400 } as const;
const CP_SCALE = CARTPOLE_SCREEN.width / (CARTPOLE_X_THRESHOLD * 2); // 125 px per metre
const CP_POLE_WIDTH = 10;
const CP_POLE_LEN = CP_SCALE * (2 * 0.5); // the full pole, 2 * half-length
const CP_CART_WIDTH = 50;
const CP_CART_HEIGHT = 30;
const CP_CART_Y = 100; // Gymnasium's `carty` (centre line of the cart), y up
const CP_AXLE_OFFSET = CP_CART_HEIGHT / 4;

/**
 * CartPole (`cartpole.py` `render`): the track, the cart, the pole pivoting
 * at the axle (leaning right for positive theta) and the axle.
 * `state` = `[x, x_dot, theta, theta_dot]`.
 */
export function renderCartPole(state: ArrayLike<number>): Picture {
  need(state, 4, 'renderCartPole');
  const { width: W, height: H } = CARTPOLE_SCREEN;
  const x = state[0]!;
  const theta = state[2]!;
  const cartX = x * CP_SCALE + W / 2;
  const cartY = H - CP_CART_Y;
  const axleY = H - (CP_CART_Y + CP_AXLE_OFFSET);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // Pole rectangle in its own frame (y up along the pole), rotated by -theta about the axle.
  const l = -CP_POLE_WIDTH / 2;
  const r = CP_POLE_WIDTH / 2;
  const t = CP_POLE_LEN - CP_POLE_WIDTH / 2;
  const b = -CP_POLE_WIDTH / 2;
  const pole: number[] = [];
  for (const [px, py] of [[l, b], [l, t], [r, t], [r, b]] as const) {
    pole.push(cartX + px * cos + py * sin, axleY + px * sin - py * cos);
  }
  const commands: DrawCommand[] = [
    { kind: 'line', x1: 0, y1: cartY, x2: W, y2: cartY, stroke: INK, width: 1 },
    { kind: 'rect', x: cartX - CP_CART_WIDTH / 2, y: cartY - CP_CART_HEIGHT / 2, w: CP_CART_WIDTH, h: CP_CART_HEIGHT, fill: INK },
    { kind: 'polygon', points: pole, fill: VERMILLION },
    { kind: 'circle', x: cartX, y: axleY, r: CP_POLE_WIDTH / 2, fill: SKY },
  ];
  return { width: W, height: H, background: WHITE, commands };
}

// ----------------------------------------------------------------- Acrobot

export const ACROBOT_SCREEN = { width: 500, height: 500 } as const;
const AC_BOUND = 1 + 1 + 0.2; // LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2
const AC_SCALE = ACROBOT_SCREEN.width / (AC_BOUND * 2);
const AC_OFFSET = ACROBOT_SCREEN.width / 2;
const AC_HALF_THICKNESS = 0.1 * AC_SCALE;

/**
 * Acrobot (`acrobot.py` `render`): the goal line at height 1 above the
 * pivot, the two links (theta1 from straight down, theta2 relative to link
 * 1) and the two joints. `state` = `[theta1, theta2, dtheta1, dtheta2]`.
 */
export function renderAcrobot(state: ArrayLike<number>): Picture {
  need(state, 2, 'renderAcrobot');
  const { width: W, height: H } = ACROBOT_SCREEN;
  const t1 = state[0]!;
  const t2 = state[1]!;
  // Screen points (y down): a link at absolute angle a (0 = down) runs along (sin a, cos a).
  const x0 = AC_OFFSET;
  const y0 = AC_OFFSET;
  const x1 = x0 + AC_SCALE * Math.sin(t1);
  const y1 = y0 + AC_SCALE * Math.cos(t1);
  const goalY = AC_OFFSET - 1 * AC_SCALE;
  const commands: DrawCommand[] = [
    { kind: 'line', x1: AC_OFFSET - AC_BOUND * AC_SCALE, y1: goalY, x2: AC_OFFSET + AC_BOUND * AC_SCALE, y2: goalY, stroke: INK, width: 2 },
  ];
  const link = (jx: number, jy: number, angle: number): void => {
    const dx = Math.sin(angle) * AC_SCALE;
    const dy = Math.cos(angle) * AC_SCALE;
    const nx = Math.cos(angle) * AC_HALF_THICKNESS;
    const ny = -Math.sin(angle) * AC_HALF_THICKNESS;
    commands.push({
      kind: 'polygon',
      points: [jx - nx, jy - ny, jx + nx, jy + ny, jx + dx + nx, jy + dy + ny, jx + dx - nx, jy + dy - ny],
      fill: BLUE,
    });
    commands.push({ kind: 'circle', x: jx, y: jy, r: AC_HALF_THICKNESS, fill: ORANGE });
  };
  link(x0, y0, t1);
  link(x1, y1, t1 + t2);
  return { width: W, height: H, background: WHITE, commands };
}

// ------------------------------------------------------------- MountainCar

export const MOUNTAIN_CAR_SCREEN = { width: 600, height: 400 } as const;
const MC_SCALE = MOUNTAIN_CAR_SCREEN.width / (MOUNTAIN_CAR_MAX_POSITION - MOUNTAIN_CAR_MIN_POSITION);
const MC_CAR_WIDTH = 40;
const MC_CAR_HEIGHT = 20;
const MC_CLEARANCE = 10;
const MC_WHEEL_RADIUS = Math.trunc(MC_CAR_HEIGHT / 2.5);
const MC_HILL_POINTS = 100;

/**
 * MountainCar (`mountain_car.py` `render`): the hill `y = sin(3x) * 0.45 + 0.55`
 * sampled at 100 points, the car tilted by `cos(3 position)` radians (as
 * Gymnasium does) `clearance` above the curve, its two wheels, and the flag
 * at the goal position 0.5. `state` = `[position, velocity]`.
 */
export function renderMountainCar(state: ArrayLike<number>): Picture {
  need(state, 1, 'renderMountainCar');
  const { width: W, height: H } = MOUNTAIN_CAR_SCREEN;
  const pos = state[0]!;
  const toX = (p: number): number => (p - MOUNTAIN_CAR_MIN_POSITION) * MC_SCALE;
  const toY = (yUp: number): number => H - yUp;

  const hill: number[] = [];
  for (let i = 0; i < MC_HILL_POINTS; i++) {
    const p = MOUNTAIN_CAR_MIN_POSITION + ((MOUNTAIN_CAR_MAX_POSITION - MOUNTAIN_CAR_MIN_POSITION) * i) / (MC_HILL_POINTS - 1);
    hill.push(toX(p), toY(mountainCarHeight(p) * MC_SCALE));
  }

  const angle = Math.cos(3 * pos);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const baseX = toX(pos);
  const baseYUp = MC_CLEARANCE + mountainCarHeight(pos) * MC_SCALE;
  // Counter-clockwise rotation in Gymnasium's y-up frame, then flipped.
  const place = (px: number, py: number): [number, number] => [baseX + px * cos - py * sin, toY(baseYUp + px * sin + py * cos)];
  const l = -MC_CAR_WIDTH / 2;
  const r = MC_CAR_WIDTH / 2;
  const car: number[] = [];
  for (const [px, py] of [[l, 0], [l, MC_CAR_HEIGHT], [r, MC_CAR_HEIGHT], [r, 0]] as const) car.push(...place(px, py));
  const [w1x, w1y] = place(MC_CAR_WIDTH / 4, 0);
  const [w2x, w2y] = place(-MC_CAR_WIDTH / 4, 0);

  const flagX = toX(MOUNTAIN_CAR_GOAL_POSITION);
  const flagY1 = mountainCarHeight(MOUNTAIN_CAR_GOAL_POSITION) * MC_SCALE;
  const flagY2 = flagY1 + 50;

  const commands: DrawCommand[] = [
    { kind: 'polyline', points: hill, stroke: INK, width: 2 },
    { kind: 'line', x1: flagX, y1: toY(flagY1), x2: flagX, y2: toY(flagY2), stroke: INK, width: 2 },
    { kind: 'polygon', points: [flagX, toY(flagY2), flagX, toY(flagY2 - 10), flagX + 25, toY(flagY2 - 5)], fill: VERMILLION },
    { kind: 'polygon', points: car, fill: INK },
    { kind: 'circle', x: w1x, y: w1y, r: MC_WHEEL_RADIUS, fill: GREY },
    { kind: 'circle', x: w2x, y: w2y, r: MC_WHEEL_RADIUS, fill: GREY },
  ];
  return { width: W, height: H, background: WHITE, commands };
}

// ---------------------------------------------------------------- dispatch

const RENDERERS: Record<string, (state: ArrayLike<number>) => Picture> = {
  'CartPole-v1': renderCartPole,
  'Acrobot-v1': renderAcrobot,
  'MountainCar-v0': renderMountainCar,
};

/** Renders a classic-control state by env id (`classic/CartPole-v1`) or Gymnasium name (`CartPole-v1`). */
export function renderClassic(envId: string, state: ArrayLike<number>): Picture {
  const env = envInfo(envId);
  const name = env?.family === 'classic' ? env.name : envId;
  const render = Object.hasOwn(RENDERERS, name) ? RENDERERS[name] : undefined;
  if (!render) {
    const valid = ENVS.filter((e) => Object.hasOwn(RENDERERS, e.name) && e.family === 'classic').map((e) => e.id);
    throw new Error(`renderClassic: unknown environment '${envId}'. Valid: ${valid.join(', ')}`);
  }
  return render(state);
}
