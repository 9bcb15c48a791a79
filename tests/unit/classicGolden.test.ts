import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { createEnv } from '../../src/core/envs/registry';
import { ClassicEnv } from '../../src/core/envs/classic/classicEnv';
import { CartPole } from '../../src/core/envs/classic/cartPole';
import { Acrobot } from '../../src/core/envs/classic/acrobot';
import { MountainCar } from '../../src/core/envs/classic/mountainCar';
import { goldenFiles, readJson, type ClassicTrace } from '../support/golden';

/**
 * Observation tolerance: relative 1e-5 (the README's), with an absolute
 * floor of 1e-8 for elements whose magnitude is below 1e-3, so that a value
 * that passes near 0 is not held to a tolerance below float32 resolution of
 * its neighbours: |ours - ref| <= max(1e-5 * |ref|, 1e-8).
 */
const REL_TOL = 1e-5;
const ABS_FLOOR = 1e-8;
function tolerance(ref: number): number {
  return Math.max(REL_TOL * Math.abs(ref), ABS_FLOOR);
}

/**
 * Acrobot is a chaotic double pendulum. Gymnasium's numbers come from glibc's
 * `sin`/`cos`, ours from V8's; the two differ in the last bit for ~3% of
 * arguments (and glibc is itself not correctly rounded: a Python replay of
 * Gymnasium's code with correctly rounded sin/cos departs from the trace at
 * the same step as ours). Over a 500-step episode such one-ulp differences
 * can grow past 1e-5. For Acrobot only, a step beyond the tolerance is
 * accepted when a shadow copy of our env, started from the same state moved
 * by SHADOW_ULPS ulps (of max(|x|, 1)) per component, moved at least as far
 * from our own trajectory: the deviation is then no larger than what
 * float64 rounding alone produces, not a dynamics error (a wrong constant
 * or term shows up at once, while the shadow stays ~1e-15 away). Rewards
 * and flags are always compared exactly, and CartPole and MountainCar get
 * no allowance at all.
 */
const CHAOTIC_ENVS = new Set(['Acrobot-v1']);
const SHADOW_ULPS = 16;
function shadowState(state: readonly number[]): number[] {
  return state.map((x) => x + SHADOW_ULPS * 2 ** -52 * Math.max(Math.abs(x), 1));
}

function createClassic(env: string, seed: number): ClassicEnv {
  const created = createEnv(`classic/${env}`, { seed });
  if (!(created instanceof ClassicEnv)) throw new Error(`classic/${env} is not a ClassicEnv`);
  return created;
}

describe('Gymnasium classic-control golden traces (Farama-Foundation/Gymnasium)', () => {
  for (const file of goldenFiles('classic')) {
    it(`replays ${basename(file)} within ${REL_TOL} relative`, () => {
      const trace = readJson<ClassicTrace>(file);
      const name = basename(file);
      const chaotic = CHAOTIC_ENVS.has(trace.env);
      const env = createClassic(trace.env, trace.seed);
      // The shadow has no time limit and stops serving as a witness if it ends apart from the env.
      const shadow = chaotic ? createEnv(`classic/${trace.env}`, { seed: trace.seed, maxEpisodeSteps: null }) as ClassicEnv : null;
      let shadowRunning = false;
      expect(env.spec.maxEpisodeSteps).toBe(trace.maxEpisodeSteps);
      expect(env.spec.observationDtype).toBe('float32');
      expect(env.spec.observationShape).toEqual([trace.initialObs.length]);
      const size = env.spec.observationSize;
      const obs = new Float32Array(size);
      const shadowObs = new Float32Array(size);
      let allowanceSteps = 0;

      const compare = (expected: readonly number[], where: string, useShadow: boolean): void => {
        if (expected.length !== size) throw new Error(`${where}: trace observation has ${expected.length} elements, expected ${size}`);
        env.writeObservation(obs, 0);
        const witness = useShadow && shadow !== null && shadowRunning;
        if (witness) shadow.writeObservation(shadowObs, 0);
        let allowed = false;
        for (let i = 0; i < size; i++) {
          const ours = obs[i]!;
          const ref = expected[i]!;
          const err = Math.abs(ours - ref);
          if (err <= tolerance(ref)) continue;
          const spread = witness ? Math.abs(ours - shadowObs[i]!) : 0;
          if (witness && err <= tolerance(ref) + spread) {
            allowed = true;
            continue;
          }
          throw new Error(
            `${where}: observation[${i}] = ${ours}, expected ${ref} (|diff| ${err.toExponential(3)} > tolerance ${tolerance(ref).toExponential(3)}` +
              (chaotic ? `; a ${SHADOW_ULPS}-ulp shadow moved only ${spread.toExponential(3)})` : ')'),
          );
        }
        if (allowed) allowanceSteps++;
      };

      const start = (state: readonly number[]): void => {
        env.setState(state);
        if (shadow) {
          shadow.setState(shadowState(state));
          shadowRunning = true;
        }
      };

      start(trace.initialState);
      compare(trace.initialObs, `${name} initial observation`, false);
      trace.steps.forEach((step, t) => {
        const where = `${name} step ${t} (action ${step.a})`;
        const result = env.step(step.a);
        if (shadow && shadowRunning && shadow.step(step.a).terminated) shadowRunning = false;
        if (result.reward !== step.r) throw new Error(`${where}: reward ${result.reward}, expected ${step.r}`);
        if (result.terminated !== step.terminated) throw new Error(`${where}: terminated ${result.terminated}, expected ${step.terminated}`);
        if (result.truncated !== step.truncated) throw new Error(`${where}: truncated ${result.truncated}, expected ${step.truncated}`);
        compare(step.obs, where, true);
        if (step.terminated || step.truncated) {
          if (!step.resetState || !step.resetObs) throw new Error(`${where}: the episode ended but the trace has no resetState/resetObs`);
          start(step.resetState);
          compare(step.resetObs, `${where}, observation after reset`, false);
        }
      });
      // The allowance is for the tail of a chaotic episode, never a large part of a trace.
      expect(allowanceSteps).toBeLessThanOrEqual(trace.steps.length / 20);
    });
  }
});

describe('classic-control environments', () => {
  const cases = [
    { id: 'classic/CartPole-v1', cls: CartPole, size: 4, limit: 500, actions: ['push left', 'push right'], state: [0.01, -0.02, 0.03, -0.04] },
    { id: 'classic/Acrobot-v1', cls: Acrobot, size: 6, limit: 500, actions: ['torque -1', 'torque 0', 'torque +1'], state: [0.1, -0.2, 0.3, -0.4] },
    { id: 'classic/MountainCar-v0', cls: MountainCar, size: 2, limit: 200, actions: ['accelerate left', 'no push', 'accelerate right'], state: [-0.5, 0.01] },
  ] as const;

  for (const c of cases) {
    describe(c.id, () => {
      it('has a float32 spec with Gymnasium time limit and named actions', () => {
        const env = createEnv(c.id, { seed: 3 });
        expect(env).toBeInstanceOf(c.cls);
        expect(env.spec.observationShape).toEqual([c.size]);
        expect(env.spec.observationSize).toBe(c.size);
        expect(env.spec.observationDtype).toBe('float32');
        expect(env.spec.numActions).toBe(c.actions.length);
        expect(env.spec.actionNames).toEqual(c.actions);
        expect(env.spec.maxEpisodeSteps).toBe(c.limit);
        expect(createEnv(c.id, { seed: 3, maxEpisodeSteps: 7 }).spec.maxEpisodeSteps).toBe(7);
      });

      it('setState validates, starts an episode and round-trips through getState', () => {
        const env = createEnv(c.id, { seed: 3 }) as ClassicEnv;
        expect(() => env.step(0)).toThrow(/reset/);
        expect(() => env.setState(c.state.slice(1))).toThrow(RangeError);
        expect(() => env.setState([...c.state, 0])).toThrow(RangeError);
        const withNaN: number[] = [...c.state];
        withNaN[0] = Number.NaN;
        expect(() => env.setState(withNaN)).toThrow(/finite/);
        withNaN[0] = Number.POSITIVE_INFINITY;
        expect(() => env.setState(withNaN)).toThrow(/finite/);
        env.setState(c.state);
        expect(env.getState()).toEqual([...c.state]);
        const copy = env.getState();
        copy[0] = 99;
        expect(env.getState()[0]).toBe(c.state[0]);
        env.step(1);
        env.step(1);
        expect(env.elapsedSteps).toBe(2);
        env.setState(c.state);
        expect(env.elapsedSteps).toBe(0);
      });

      it('reset is deterministic per seed and draws from Gymnasium ranges', () => {
        const a = createEnv(c.id, { seed: 11 }) as ClassicEnv;
        const b = createEnv(c.id, { seed: 11 }) as ClassicEnv;
        const other = createEnv(c.id, { seed: 12 }) as ClassicEnv;
        for (let episode = 0; episode < 50; episode++) {
          a.reset();
          b.reset();
          other.reset();
          const s = a.getState();
          expect(s).toEqual(b.getState());
          expect(s).not.toEqual(other.getState());
          if (c.id === 'classic/CartPole-v1') for (const v of s) expect(Math.abs(v)).toBeLessThan(0.05);
          if (c.id === 'classic/Acrobot-v1') for (const v of s) {
            expect(Math.abs(v)).toBeLessThan(0.1);
            expect(Math.fround(v)).toBe(v); // Gymnasium casts the reset state to float32
          }
          if (c.id === 'classic/MountainCar-v0') {
            expect(s[0]).toBeGreaterThanOrEqual(-0.6);
            expect(s[0]).toBeLessThan(-0.4);
            expect(s[1]).toBe(0);
          }
        }
      });

      it('writes float32 observations at an offset and refuses other buffers', () => {
        const env = createEnv(c.id, { seed: 3 }) as ClassicEnv;
        env.setState(c.state);
        const out = new Float32Array(c.size + 3).fill(-7);
        env.writeObservation(out, 2);
        expect(out[0]).toBe(-7);
        expect(out[1]).toBe(-7);
        expect(out[c.size + 2]).toBe(-7);
        expect(() => env.writeObservation(new Uint8Array(c.size), 0)).toThrow(TypeError);
      });
    });
  }

  it('CartPole: one Euler step by hand, and termination past 12 degrees with reward 1', () => {
    const env = new CartPole({ id: 'classic/CartPole-v1', seed: 0, maxEpisodeSteps: 500 });
    env.setState([0, 0, 0, 0]);
    // theta = 0: temp = F / 1.1, thetaacc = -temp / (0.5 * (4/3 - 0.1/1.1)), xacc = temp - 0.05 * thetaacc / 1.1.
    const temp = 10 / 1.1;
    const thetaacc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
    const xacc = temp - (0.05 * thetaacc) / 1.1;
    const r = env.step(1);
    expect(r.reward).toBe(1);
    const s = env.getState();
    expect(s[0]).toBe(0); // positions move with the old velocities (explicit Euler)
    expect(s[1]).toBeCloseTo(0.02 * xacc, 14);
    expect(s[2]).toBe(0);
    expect(s[3]).toBeCloseTo(0.02 * thetaacc, 14);
    const threshold = (12 * 2 * Math.PI) / 360;
    env.setState([0, 0, threshold, 0.5]);
    const end = env.step(1);
    expect(end.terminated).toBe(true);
    expect(end.reward).toBe(1);
    expect(() => env.step(0)).toThrow(/reset/);
    env.setState([2.4, 0.5, 0, 0]);
    expect(env.step(1).terminated).toBe(true);
  });

  it('MountainCar: the left wall stops the car, the goal needs position >= 0.5', () => {
    const env = new MountainCar({ id: 'classic/MountainCar-v0', seed: 0, maxEpisodeSteps: 200 });
    env.setState([-1.2, -0.01]);
    // v = -0.01 - 0.001 - 0.0025 cos(-3.6) = -0.008757...; x = -1.2087... clips to -1.2, so v becomes 0.
    expect(env.step(0).reward).toBe(-1);
    expect(env.getState()).toEqual([-1.2, 0]);
    env.setState([0.49, 0.07]);
    const r = env.step(2);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(-1);
    // Velocity clips to 0.07.
    env.setState([-0.5, 0.07]);
    env.step(2);
    expect(env.getState()[1]).toBe(0.07);
  });

  it('Acrobot: angles wrap into [-pi, pi], velocities clip, reward 0 at the goal', () => {
    const env = new Acrobot({ id: 'classic/Acrobot-v1', seed: 0, maxEpisodeSteps: 500 });
    // Link 1 up, link 2 folded down (tip height -cos t1 - cos(t1 + t2) = 0), both turning through +-pi.
    env.setState([Math.PI - 0.05, -Math.PI + 0.05, 3, -3]);
    expect(env.step(1).reward).toBe(-1);
    const s = env.getState();
    expect(s[0]).toBeLessThan(-2); // passed through pi and wrapped to near -pi
    expect(s[0]).toBeGreaterThanOrEqual(-Math.PI);
    expect(s[1]).toBeGreaterThan(2); // passed through -pi and wrapped to near pi
    expect(s[1]).toBeLessThanOrEqual(Math.PI);
    env.setState([0, 0, 4 * Math.PI, 9 * Math.PI]);
    env.step(2);
    const v = env.getState();
    expect(Math.abs(v[2]!)).toBeLessThanOrEqual(4 * Math.PI);
    expect(Math.abs(v[3]!)).toBeLessThanOrEqual(9 * Math.PI);
    // Both links straight up: tip height -cos(pi) - cos(pi + 0) = 2 > 1, and one step from rest stays there.
    env.setState([Math.PI, 0, 0, 0]);
    const r = env.step(1);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
    env.setState([0.1, 0.2, 0.3, -0.4]);
    const obs = new Float32Array(6);
    env.writeObservation(obs, 0);
    const expected = [Math.cos(0.1), Math.sin(0.1), Math.cos(0.2), Math.sin(0.2), 0.3, -0.4].map(Math.fround);
    expect(Array.from(obs)).toEqual(expected);
  });
});
