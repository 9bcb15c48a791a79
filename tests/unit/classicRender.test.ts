import { describe, expect, it } from 'vitest';
import type { DrawCommand, Picture } from '../../src/core/render/drawCommands';
import { renderAcrobot, renderCartPole, renderClassic, renderMountainCar } from '../../src/core/render/classicRender';

/*
 * Geometry checked against values worked out by hand from Gymnasium's
 * render() code (screen sizes, scales, offsets), converted to y-down:
 * - CartPole: 600x400, 125 px/m, cart centre line at y = 400 - 100 = 300,
 *   axle at 400 - 107.5 = 292.5, pole 10 px wide reaching 120 px above the
 *   axle (125 px long minus half its width), rotated by -theta.
 * - Acrobot: 500x500, scale 500 / 4.4 = 113.636..., pivot at (250, 250),
 *   goal line at 250 - scale, joints of radius 0.1 * scale.
 * - MountainCar: 600x400, 600 / 1.8 = 333.33... px per unit, hill
 *   sin(3x) * 0.45 + 0.55, car 10 px above it, tilted by cos(3x).
 */

type Kind = DrawCommand['kind'];
function all<K extends Kind>(p: Picture, kind: K): Extract<DrawCommand, { kind: K }>[] {
  return p.commands.filter((c): c is Extract<DrawCommand, { kind: K }> => c.kind === kind);
}
function first<K extends Kind>(p: Picture, kind: K): Extract<DrawCommand, { kind: K }> {
  const c = all(p, kind)[0];
  if (!c) throw new Error(`no ${kind} command`);
  return c;
}
function expectPoint(actual: [number, number], x: number, y: number): void {
  expect(actual[0]).toBeCloseTo(x, 6);
  expect(actual[1]).toBeCloseTo(y, 6);
}
function vertex(points: readonly number[], i: number): [number, number] {
  return [points[2 * i]!, points[2 * i + 1]!];
}
function midpoint(points: readonly number[], i: number, j: number): [number, number] {
  const a = vertex(points, i);
  const b = vertex(points, j);
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}
/** Relative luminance (WCAG) of a #rrggbb colour. */
function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('renderCartPole', () => {
  it('draws the track, the cart, the upright pole and the axle at the centre', () => {
    const p = renderCartPole([0, 0, 0, 0]);
    expect([p.width, p.height]).toEqual([600, 400]);
    const track = first(p, 'line');
    expect([track.x1, track.y1, track.x2, track.y2]).toEqual([0, 300, 600, 300]);
    const cart = first(p, 'rect');
    expect([cart.x, cart.y, cart.w, cart.h]).toEqual([275, 285, 50, 30]);
    const axle = first(p, 'circle');
    expect([axle.x, axle.y, axle.r]).toEqual([300, 292.5, 5]);
    const pole = first(p, 'polygon').points;
    expect(pole).toHaveLength(8);
    // Corners (l,b), (l,t), (r,t), (r,b): the tip edge is 120 px above the axle.
    expectPoint(vertex(pole, 0), 295, 297.5);
    expectPoint(vertex(pole, 1), 295, 172.5);
    expectPoint(vertex(pole, 2), 305, 172.5);
    expectPoint(vertex(pole, 3), 305, 297.5);
  });

  it('moves the cart with x and leans the pole right for positive theta', () => {
    // x = 1 m: cart centre at 300 + 125 = 425. theta = 30 degrees: the tip
    // centre is 120 px from the axle, at (425 + 120 sin 30, 292.5 - 120 cos 30).
    const p = renderCartPole([1, 0, Math.PI / 6, 0]);
    const cart = first(p, 'rect');
    expect(cart.x + cart.w / 2).toBeCloseTo(425, 9);
    const pole = first(p, 'polygon').points;
    expectPoint(midpoint(pole, 1, 2), 485, 292.5 - 60 * Math.sqrt(3));
    // Corner (l,b) = (-5,-5) rotated: x = 425 - 5 cos 30 - 5 sin 30, y = 292.5 - 5 sin 30 + 5 cos 30.
    expectPoint(vertex(pole, 0), 425 - 2.5 * Math.sqrt(3) - 2.5, 292.5 - 2.5 + 2.5 * Math.sqrt(3));
    const left = renderCartPole([-2.4, 0, -Math.PI / 2, 0]);
    expect(first(left, 'rect').x).toBeCloseTo(-25, 9); // centre at the left edge
    expectPoint(midpoint(first(left, 'polygon').points, 1, 2), -120, 292.5); // horizontal, pointing left
  });
});

describe('renderAcrobot', () => {
  const scale = 500 / 4.4;

  it('draws the goal line at height 1 and both links hanging down at rest', () => {
    const p = renderAcrobot([0, 0, 0, 0]);
    expect([p.width, p.height]).toEqual([500, 500]);
    const goal = first(p, 'line');
    expect(goal.y1).toBeCloseTo(250 - scale, 9);
    expect(goal.y2).toBeCloseTo(250 - scale, 9);
    expect(goal.x1).toBeCloseTo(0, 9);
    expect(goal.x2).toBeCloseTo(500, 9);
    const joints = all(p, 'circle');
    expect(joints).toHaveLength(2);
    expectPoint([joints[0]!.x, joints[0]!.y], 250, 250);
    expectPoint([joints[1]!.x, joints[1]!.y], 250, 250 + scale);
    expect(joints[0]!.r).toBeCloseTo(0.1 * scale, 9);
    const [link1, link2] = all(p, 'polygon');
    // Far end of link 2 (the tip) two link lengths below the pivot.
    expectPoint(midpoint(link2!.points, 2, 3), 250, 250 + 2 * scale);
    // Links are 0.2 * scale thick.
    const a = vertex(link1!.points, 0);
    const b = vertex(link1!.points, 1);
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeCloseTo(0.2 * scale, 9);
  });

  it('places link 1 by theta1 from straight down and link 2 relative to it', () => {
    // theta1 = 90 degrees swings link 1 to the right; theta2 = 90 degrees more points link 2 up.
    const p = renderAcrobot([Math.PI / 2, Math.PI / 2, 0, 0]);
    const joints = all(p, 'circle');
    expectPoint([joints[1]!.x, joints[1]!.y], 250 + scale, 250);
    const link2 = all(p, 'polygon')[1]!;
    expectPoint(midpoint(link2.points, 2, 3), 250 + scale, 250 - scale);
    // Straight up: the tip is 2 link lengths above the pivot, above the goal line.
    const up = renderAcrobot([Math.PI, 0, 0, 0]);
    const tip = midpoint(all(up, 'polygon')[1]!.points, 2, 3);
    expectPoint(tip, 250, 250 - 2 * scale);
    expect(tip[1]).toBeLessThan(first(up, 'line').y1);
  });
});

describe('renderMountainCar', () => {
  const scale = 600 / 1.8;
  const height = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;

  it('draws the hill y = sin(3x) * 0.45 + 0.55 across the screen', () => {
    const p = renderMountainCar([-0.5, 0]);
    expect([p.width, p.height]).toEqual([600, 400]);
    const hill = first(p, 'polyline').points;
    expect(hill).toHaveLength(200);
    expectPoint(vertex(hill, 0), 0, 400 - height(-1.2) * scale);
    expectPoint(vertex(hill, 99), 600, 400 - height(0.6) * scale);
    // The valley floor sin(3x) = -1 at x = -pi/6: y = 400 - 0.1 * scale, the lowest point drawn.
    let lowest = 0;
    for (let i = 0; i < 100; i++) lowest = Math.max(lowest, vertex(hill, i)[1]);
    expect(lowest).toBeLessThanOrEqual(400 - 0.1 * scale + 1e-9);
    expect(lowest).toBeGreaterThan(400 - 0.1 * scale - 0.5);
  });

  it('puts the car 10 px above the curve at its position, tilted by cos(3x)', () => {
    // At x = pi/6 the tilt cos(pi/2) is 0 and the hill is at its top height 1.
    const x = Math.PI / 6;
    const p = renderMountainCar([x, 0]);
    const car = all(p, 'polygon')[1]!.points;
    const cx = (x + 1.2) * scale;
    expectPoint(vertex(car, 0), cx - 20, 400 - 10 - scale);
    expectPoint(vertex(car, 1), cx - 20, 400 - 30 - scale);
    expectPoint(vertex(car, 2), cx + 20, 400 - 30 - scale);
    expectPoint(vertex(car, 3), cx + 20, 400 - 10 - scale);
    const wheels = all(p, 'circle');
    expect(wheels).toHaveLength(2);
    expectPoint([wheels[0]!.x, wheels[0]!.y], cx + 10, 400 - 10 - scale);
    expect(wheels[0]!.r).toBe(8);

    // At x = -0.5: bottom centre of the car at ((0.7) * scale, 400 - 10 - height(-0.5) * scale), tilted by cos(-1.5) rad.
    const q = renderMountainCar([-0.5, 0]);
    const carQ = all(q, 'polygon')[1]!.points;
    const bottom = midpoint(carQ, 0, 3);
    expectPoint(bottom, 0.7 * scale, 400 - 10 - height(-0.5) * scale);
    const a = Math.cos(-1.5);
    const left = vertex(carQ, 0);
    const right = vertex(carQ, 3);
    expect(Math.atan2(-(right[1] - left[1]), right[0] - left[0])).toBeCloseTo(a, 9); // counter-clockwise on screen
  });

  it('plants the flag at the goal position 0.5', () => {
    const p = renderMountainCar([-0.5, 0]);
    const pole = first(p, 'line');
    const fx = 1.7 * scale;
    const base = 400 - height(0.5) * scale;
    expect(pole.x1).toBeCloseTo(fx, 9);
    expect(pole.x2).toBeCloseTo(fx, 9);
    expect(pole.y1).toBeCloseTo(base, 9);
    expect(pole.y2).toBeCloseTo(base - 50, 9);
    const flag = all(p, 'polygon')[0]!.points;
    expectPoint(vertex(flag, 2), fx + 25, base - 45);
  });
});

describe('renderClassic', () => {
  it('dispatches by env id, with or without the classic/ prefix', () => {
    expect(renderClassic('classic/CartPole-v1', [0, 0, 0, 0])).toEqual(renderCartPole([0, 0, 0, 0]));
    expect(renderClassic('Acrobot-v1', [0.3, 0.1, 0, 0])).toEqual(renderAcrobot([0.3, 0.1, 0, 0]));
    expect(renderClassic('classic/MountainCar-v0', [-0.4, 0])).toEqual(renderMountainCar([-0.4, 0]));
    expect(() => renderClassic('classic/Pendulum-v1', [0, 0])).toThrow(/CartPole-v1/);
    expect(() => renderClassic('toString', [0, 0])).toThrow(/unknown/);
  });

  it('rejects short or non-finite states', () => {
    expect(() => renderCartPole([0, 0, 0])).toThrow(RangeError);
    expect(() => renderAcrobot([Number.NaN, 0, 0, 0])).toThrow(RangeError);
    expect(() => renderMountainCar([])).toThrow(RangeError);
  });

  it('uses colours that stand apart in lightness, not only hue', () => {
    for (const picture of [renderCartPole([0, 0, 0.1, 0]), renderAcrobot([0.2, 0.3, 0, 0]), renderMountainCar([-0.5, 0])]) {
      for (const c of picture.commands) expect('fill' in c ? c.fill : c.stroke).toMatch(/^#[0-9a-fA-F]{6}$/);
    }
    // Bodies against the white ground (WCAG's 3:1 for graphics), and parts drawn over each other.
    const cp = renderCartPole([0, 0, 0, 0]);
    const [cart, pole, axle] = [first(cp, 'rect').fill, first(cp, 'polygon').fill, first(cp, 'circle').fill];
    for (const body of [cart, pole, first(cp, 'line').stroke]) expect(contrast(body, cp.background)).toBeGreaterThanOrEqual(3);
    expect(contrast(pole, cart)).toBeGreaterThanOrEqual(3);
    expect(contrast(axle, cart)).toBeGreaterThanOrEqual(3);
    expect(contrast(axle, pole)).toBeGreaterThanOrEqual(1.5);
    const ac = renderAcrobot([0, 0, 0, 0]);
    expect(contrast(first(ac, 'polygon').fill, ac.background)).toBeGreaterThanOrEqual(3);
    expect(contrast(first(ac, 'line').stroke, ac.background)).toBeGreaterThanOrEqual(3);
    expect(contrast(first(ac, 'circle').fill, first(ac, 'polygon').fill)).toBeGreaterThanOrEqual(2);
    const mc = renderMountainCar([-0.5, 0]);
    const [flag, car] = all(mc, 'polygon');
    expect(contrast(first(mc, 'polyline').stroke, mc.background)).toBeGreaterThanOrEqual(3);
    expect(contrast(flag!.fill, mc.background)).toBeGreaterThanOrEqual(3);
    expect(contrast(car!.fill, mc.background)).toBeGreaterThanOrEqual(3);
    expect(contrast(first(mc, 'circle').fill, car!.fill)).toBeGreaterThanOrEqual(3);
  });
});
