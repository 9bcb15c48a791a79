import { describe, expect, it } from 'vitest';
import { configFieldByKey, DEFAULT_CONFIG, parseConfigStrict, validateConfig, type ExperimentConfig } from '../../src/core/config/experimentConfig';
import { decodeShareHash, encodeShareHash } from '../../src/core/config/shareLink';
import { validateStoredConfig } from '../../src/core/config/storedConfig';
import { actorOptionsFor, envOptionsFor, envSpecFor } from '../../src/core/training/fromConfig';
import { VecEnv } from '../../src/core/envs/vecEnv';
import { captureState, restoreState } from '../../src/core/envs/stateSnapshot';
import { observe } from '../../src/core/envs/types';
import { parseTrainArgs, trainHelpText } from '../../src/node/cli/parseTrainArgs';
import { createEnv } from '../../src/core/envs/registry';

/**
 * The observation-hiding settings (`hideVelocities`, `hideTrail`) through the
 * one config schema: its fields, the checks against the environment, share
 * links old and new, stored configs, the trainer's flags, and the options
 * the environments get. What the environments then observe is
 * hiddenObservationGolden.test.ts's.
 */

const config = (settings: Partial<ExperimentConfig>): ExperimentConfig => ({ ...DEFAULT_CONFIG, ...settings });

describe('the schema', () => {
  it('has both switches in the environment group, off by default, with their flag and URL key', () => {
    expect(configFieldByKey('hideVelocities')).toMatchObject({ group: 'environment', kind: 'boolean', default: false, flag: 'hide-velocities', urlKey: 'hidev' });
    expect(configFieldByKey('hideTrail')).toMatchObject({ group: 'environment', kind: 'boolean', default: false, flag: 'hide-trail', urlKey: 'hidet' });
    expect(configFieldByKey('hideVelocities').doc).toMatch(/^Classic control only/);
    expect(configFieldByKey('hideTrail').doc).toMatch(/^MinAtar Asterix, Breakout and Seaquest/);
    expect(DEFAULT_CONFIG).toMatchObject({ hideVelocities: false, hideTrail: false });
  });
});

describe('validateConfig', () => {
  it('keeps each switch where there is something to hide', () => {
    for (const env of ['classic/CartPole-v1', 'classic/Acrobot-v1', 'classic/MountainCar-v0']) {
      expect(validateConfig({ env, hideVelocities: true }), env).toEqual({ config: config({ env, hideVelocities: true }), problems: [] });
    }
    for (const env of ['minatar/asterix', 'minatar/breakout', 'minatar/seaquest', 'suite/minatar']) {
      expect(validateConfig({ env, hideTrail: true }), env).toEqual({ config: config({ env, hideTrail: true }), problems: [] });
    }
    // A suite with one game that has a trail: it is hidden there, Freeway is played as it is.
    expect(validateConfig({ env: 'suite/minatar', tasks: 'breakout,freeway', hideTrail: true }).problems).toEqual([]);
  });

  it('turns a switch off where there is nothing to hide, and says why', () => {
    expect(validateConfig({ env: 'minatar/breakout', hideVelocities: true })).toEqual({
      config: config({ env: 'minatar/breakout' }),
      problems: ['hideVelocities does not apply (classic control only: MinAtar Breakout has no velocities in its observation); using false'],
    });
    expect(validateConfig({ env: 'minatar/freeway', hideTrail: true })).toEqual({
      config: config({ env: 'minatar/freeway' }),
      problems: ['hideTrail does not apply (Asterix, Breakout and Seaquest only: MinAtar Freeway has no trail channel); using false'],
    });
    expect(validateConfig({ env: 'classic/CartPole-v1', hideTrail: true }).problems).toEqual([
      'hideTrail does not apply (Asterix, Breakout and Seaquest only: CartPole-v1 has no trail channel); using false',
    ]);
    expect(validateConfig({ env: 'minatar/space_invaders', hideTrail: true }).config.hideTrail).toBe(false);
    expect(validateConfig({ env: 'suite/minatar', hideVelocities: true }).problems).toEqual([expect.stringMatching(/^hideVelocities does not apply/)]);
    expect(validateConfig({ env: 'suite/minatar', tasks: 'freeway,space_invaders', hideTrail: true })).toEqual({
      config: config({ env: 'suite/minatar', tasks: 'freeway,space_invaders' }),
      problems: ["hideTrail does not apply (Asterix, Breakout and Seaquest only: none of the suite's games, Freeway and Space Invaders, has a trail channel); using false"],
    });
    expect(() => parseConfigStrict({ env: 'minatar/breakout', hideVelocities: true })).toThrow(/hideVelocities does not apply/);
    // Off is never a mistake.
    expect(validateConfig({ env: 'minatar/freeway', hideTrail: false, hideVelocities: false }).problems).toEqual([]);
  });

  it('reads a stored config from before the switches as without them', () => {
    const old = { ...DEFAULT_CONFIG } as Partial<ExperimentConfig>;
    delete old.hideVelocities;
    delete old.hideTrail;
    expect(validateStoredConfig({ ...old, env: 'minatar/breakout' })).toEqual({ config: config({ env: 'minatar/breakout' }), problems: [] });
  });
});

describe('share links', () => {
  it('write the switches under hidev and hidet and read them back', () => {
    const cartPole = config({ hideVelocities: true });
    expect(encodeShareHash(cartPole)).toBe('#v=3&hidev=true');
    expect(decodeShareHash('#v=3&hidev=true')).toMatchObject({ config: cartPole, problems: [], changed: ['hideVelocities'] });
    const breakout = config({ env: 'minatar/breakout', hideTrail: true });
    expect(encodeShareHash(breakout)).toBe('#v=3&env=minatar/breakout&hidet=true');
    expect(decodeShareHash(encodeShareHash(breakout))).toMatchObject({ config: breakout, problems: [] });
    expect(decodeShareHash('#v=3&env=minatar/seaquest&hidet=1').config.hideTrail).toBe(true);
  });

  it('keep the meaning of links written before the switches existed: nothing hidden', () => {
    // Format 1 (no v=) and format 2, as the lab wrote them before.
    for (const hash of ['#env=minatar/breakout&T=20&lr=0.008', '#v=3&env=minatar/breakout&T=20&lr=0.008', '#v=3&env=classic/Acrobot-v1']) {
      const decoded = decodeShareHash(hash);
      expect(decoded.problems, hash).toEqual([]);
      expect(decoded.config, hash).toMatchObject({ hideVelocities: false, hideTrail: false });
      expect(decoded.changed, hash).not.toContain('hideTrail');
    }
  });

  it('name a switch on for an environment without what it hides, and drop it', () => {
    const decoded = decodeShareHash('#v=3&env=minatar/freeway&hidet=true');
    expect(decoded.config.hideTrail).toBe(false);
    expect(decoded.problems).toEqual(['Link: hideTrail does not apply (Asterix, Breakout and Seaquest only: MinAtar Freeway has no trail channel); using false.']);
  });
});

describe('the trainer', () => {
  const run = (argv: string[]): ExperimentConfig => {
    const result = parseTrainArgs(argv);
    if (result.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(result)}`);
    return result.config;
  };
  const error = (argv: string[]): string => {
    const result = parseTrainArgs(argv);
    if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
    return result.message;
  };

  it('takes --hide-velocities and --hide-trail as switches', () => {
    expect(run(['--env', 'classic/CartPole-v1', '--hide-velocities'])).toEqual(config({ hideVelocities: true }));
    expect(run(['--env', 'minatar/breakout', '--hide-trail'])).toEqual(config({ env: 'minatar/breakout', hideTrail: true }));
    expect(run(['--preset', 'breakout', '--hide-trail']).hideTrail).toBe(true);
    expect(run(['--hide-velocities=false']).hideVelocities).toBe(false);
    expect(run([]).hideVelocities).toBe(false);
  });

  it('refuses a switch for an environment without what it hides', () => {
    expect(error(['--env', 'minatar/freeway', '--hide-trail'])).toMatch(/^hideTrail does not apply \(Asterix, Breakout and Seaquest only: MinAtar Freeway has no trail channel\); using false$/m);
    expect(error(['--hide-trail'])).toMatch(/^hideTrail does not apply .*CartPole-v1/m);
    expect(error(['--env', 'minatar/breakout', '--hide-velocities'])).toMatch(/^hideVelocities does not apply .*classic control only/m);
    expect(error(['--hide-velocities=maybe'])).toMatch(/--hide-velocities must be true or false/);
  });

  it('lists both flags in its help', () => {
    expect(trainHelpText()).toMatch(/--hide-velocities\s+Classic control only/);
    expect(trainHelpText()).toMatch(/--hide-trail\s+MinAtar Asterix, Breakout and Seaquest/);
  });
});

describe('the environments an experiment creates', () => {
  it('get a switch only when it is on and applies', () => {
    expect(envOptionsFor(config({}))).toEqual({});
    expect(envOptionsFor(config({ hideVelocities: true }))).toEqual({ hideVelocities: true });
    expect(envOptionsFor(config({ env: 'minatar/breakout' }))).toEqual({ stickyActionProb: 0.1, actionSet: 'full' });
    expect(envOptionsFor(config({ env: 'minatar/breakout', hideTrail: true }))).toEqual({ stickyActionProb: 0.1, actionSet: 'full', hideTrail: true });
    expect(envOptionsFor(config({ env: 'suite/minatar', hideTrail: true }))).toEqual({ stickyActionProb: 0.1, hideTrail: true });
  });

  it('are created with those options, every game of a suite included', () => {
    expect(() => createEnv('classic/MountainCar-v0', { seed: 1, ...envOptionsFor(config({ env: 'classic/MountainCar-v0', hideVelocities: true })) })).not.toThrow();
    const suite = envOptionsFor(config({ env: 'suite/minatar', hideTrail: true }));
    for (const game of ['asterix', 'breakout', 'freeway', 'seaquest', 'space_invaders']) {
      expect(() => createEnv(`suite/minatar/${game}`, { seed: 1, ...suite }), game).not.toThrow();
    }
  });

  it("reach an actor's environments: CartPole's velocity columns read 0, its position and angle do not", () => {
    const experiment = config({ hideVelocities: true, envsPerActor: 3 });
    const options = actorOptionsFor(experiment, envSpecFor(experiment), 0);
    const vec = new VecEnv(options.envId, { numEnvs: options.numEnvs, seed: 5, seedPath: [0], envOptions: options.envOptions });
    vec.reset();
    let moved = 0;
    for (let t = 0; t < 20; t++) {
      vec.step([t % 2, 1, 0]);
      for (let i = 0; i < 3; i++) {
        const [x, xDot, theta, thetaDot] = vec.observations.subarray(4 * i, 4 * i + 4);
        expect([xDot, thetaDot]).toEqual([0, 0]);
        if (x !== 0 && theta !== 0) moved++;
      }
    }
    expect(moved).toBeGreaterThan(50);
  });

  it('leave snapshots as they were, so deterministic checkpoints from before the switches still resume', () => {
    const cases = [
      ['classic/CartPole-v1', { hideVelocities: true }],
      ['minatar/breakout', { hideTrail: true }],
      ['suite/minatar/seaquest', { hideTrail: true }],
    ] as const;
    for (const [id, option] of cases) {
      const plain = createEnv(id, { seed: 9 });
      const hidden = createEnv(id, { seed: 9, ...option });
      plain.reset();
      hidden.reset();
      // Play until there is something hidden (a trail on screen, a velocity not 0).
      for (let t = 0; t < 200 && Array.from(observe(plain)).join() === Array.from(observe(hidden)).join(); t++) {
        const ended = plain.step(t % plain.spec.numActions);
        hidden.step(t % plain.spec.numActions);
        if (ended.terminated || ended.truncated) {
          plain.reset();
          hidden.reset();
        }
      }
      // The same state, the same fields: the switch is how the env was built, not part of its state.
      // (A suite task's `scratch` is the buffer its last observation passed through, hidden trail and all.)
      const snapshot = captureState(plain);
      const withoutScratch = (state: ReturnType<typeof captureState>): unknown => ({ ...(state as object), scratch: null });
      expect(withoutScratch(captureState(hidden)), id).toEqual(withoutScratch(snapshot));
      expect(Object.keys(captureState(hidden) as object).some((k) => /hid/i.test(k)), id).toBe(false);
      // A snapshot of an env without the switch restores into one with it, which still hides.
      const restored = createEnv(id, { seed: 1, ...option });
      restoreState(restored, snapshot);
      expect(Array.from(observe(restored)), id).toEqual(Array.from(observe(hidden)));
      expect(Array.from(observe(restored)), id).not.toEqual(Array.from(observe(plain)));
    }
  });
});
