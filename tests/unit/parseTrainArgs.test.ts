import { describe, expect, it } from 'vitest';
import { parseTrainArgs, suggestFlag, trainHelpText, type TrainArgs } from '../../src/node/cli/parseTrainArgs';
import { CONFIG_FIELDS, DEFAULT_CONFIG } from '../../src/core/config/experimentConfig';
import { ENV_IDS } from '../../src/core/envs/envInfo';

function run(argv: string[]): Extract<TrainArgs, { kind: 'run' }> {
  const result = parseTrainArgs(argv);
  if (result.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(result)}`);
  return result;
}

function error(argv: string[]): string {
  const result = parseTrainArgs(argv);
  if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.message;
}

describe('parseTrainArgs', () => {
  it('uses the defaults when given nothing', () => {
    expect(run([])).toEqual({
      kind: 'run',
      config: DEFAULT_CONFIG,
      trainer: { out: 'runs/CartPole-v1-seed1', logEvery: 2, checkpointEvery: 0, checkpointSeconds: 300, quiet: false, deterministic: false, preset: '', resume: '' },
    });
  });

  it('starts from a preset, flags over it; a comparison preset gives its runs at full scale', () => {
    const breakout = run(['--preset', 'breakout', '--seed', '3']);
    expect(breakout.config).toMatchObject({ env: 'minatar/breakout', envsPerActor: 16, unrollLength: 20, seed: 3 });
    expect(breakout.comparison).toBeUndefined();
    const multitask = run(['--preset', 'multitask', '--actors', '2', '--frames', '10000000']);
    expect(multitask.trainer.out).toBe('runs/multitask-seed1');
    expect(multitask.comparison!.map((r) => [r.label, r.config.env, r.config.popart, r.config.frames, r.config.actors])).toEqual([
      ['Suite with PopArt', 'suite/minatar', true, 10_000_000, 2],
      ['Suite without PopArt', 'suite/minatar', false, 10_000_000, 2],
      ['Asterix only', 'minatar/asterix', false, 2_000_000, 2],
      ['Breakout only', 'minatar/breakout', false, 2_000_000, 2],
      ['Freeway only', 'minatar/freeway', false, 2_000_000, 2],
      ['Seaquest only', 'minatar/seaquest', false, 2_000_000, 2],
      ['Space Invaders only', 'minatar/space_invaders', false, 2_000_000, 2],
    ]);
    // Without --frames the preset's full-scale budget applies, not the browser-sized one.
    expect(run(['--preset', 'multitask']).comparison![0]!.config.frames).toBe(25_000_000);
  });

  it('--only trains some of a comparison preset\'s runs, each with its share of the frames', () => {
    const some = run(['--preset', 'multitask', '--only', 'seaquest-only,suite-with-popart', '--seed', '2']);
    expect(some.comparison!.map((r) => [r.label, r.config.frames, r.config.seed])).toEqual([
      ['Suite with PopArt', 25_000_000, 2],
      ['Seaquest only', 5_000_000, 2],
    ]);
    expect(some.config).toEqual(some.comparison![0]!.config);
    expect(some.trainer.out).toBe('runs/multitask-seed2');
    // The suite run is the preset's suite settings: what the flags spelled out give.
    const spelled = run(
      '--env suite/minatar --network minatar --envs-per-actor 10 --unroll-length 20 --batch-size 4 --queue-capacity 8 --learning-rate 0.008 --entropy-cost 0.01 --entropy-schedule constant --popart --popart-beta 0.0003 --sticky-action-prob 0.1 --action-set full --actors 1 --frames 25000000 --seed 2'.split(' '),
    );
    expect(some.comparison![0]!.config).toEqual(spelled.config);
  });

  it('refuses --only without a comparison preset or with a run it does not have', () => {
    expect(error(['--only', 'suite-with-popart'])).toMatch(/--only picks runs of a comparison preset \(ablation, multitask, memory\)/);
    expect(error(['--preset', 'breakout', '--only', 'x'])).toMatch(/--only picks runs of a comparison preset/);
    expect(error(['--preset', 'multitask', '--only', 'suite-with-popart,pong-only'])).toMatch(
      /no run 'pong-only' in this preset; its runs are suite-with-popart, suite-without-popart, asterix-only, breakout-only/,
    );
    expect(error(['--preset', 'multitask', '--only', ','])).toMatch(/--only needs at least one run name/);
  });

  it('parses the README example', () => {
    const { config, trainer } = run('--env classic/CartPole-v1 --frames 200000 --actors 2 --seed 1 --out runs/cartpole'.split(' '));
    expect(config).toEqual({ ...DEFAULT_CONFIG, env: 'classic/CartPole-v1', frames: 200000, actors: 2, seed: 1 });
    expect(trainer.out).toBe('runs/cartpole');
  });

  it('takes both --flag value and --flag=value', () => {
    const spaced = run(['--env', 'minatar/breakout', '--learning-rate', '1e-3', '--unroll-length', '50', '--correction', 'none']);
    const joined = run(['--env=minatar/breakout', '--learning-rate=1e-3', '--unroll-length=50', '--correction=none']);
    expect(spaced).toEqual(joined);
    expect(spaced.config).toEqual({ ...DEFAULT_CONFIG, env: 'minatar/breakout', learningRate: 1e-3, unrollLength: 50, correction: 'none' });
  });

  it('accepts every field at a valid non-default value', () => {
    for (const field of CONFIG_FIELDS) {
      let text: string;
      switch (field.kind) {
        case 'int':
          text = String(field.min);
          break;
        case 'number':
          text = String(field.maxExclusive ? field.min : field.max);
          break;
        case 'enum':
          text = field.choices.at(-1)!;
          break;
        case 'string':
          text = 'text';
          break;
        case 'subset':
          text = field.choices.at(-1)!;
          break;
        case 'boolean':
          text = 'true';
          break;
      }
      const expected = field.kind === 'int' || field.kind === 'number' ? Number(text) : field.kind === 'boolean' ? text === 'true' : text;
      // The network must suit the environment (the last choice is resnet), a queue must hold B unrolls, and a trail needs a game with one.
      const extra =
        field.key === 'network' || field.key === 'hideTrail' ? ['--env', 'minatar/breakout'] : field.key === 'queueCapacity' ? ['--batch-size', '1'] : [];
      // A switch takes no value: --popart alone turns it on.
      const flagArgs = field.kind === 'boolean' ? [`--${field.flag}`] : [`--${field.flag}`, text];
      expect(run([...flagArgs, ...extra]).config[field.key], field.flag).toBe(expected);
    }
  });

  it('parses the trainer flags', () => {
    const { trainer } = run(['--out=runs/x', '--log-every', '0.5', '--checkpoint-every', '100', '--checkpoint-seconds', '60', '--quiet', '--deterministic']);
    expect(trainer).toEqual({ out: 'runs/x', logEvery: 0.5, checkpointEvery: 100, checkpointSeconds: 60, quiet: true, deterministic: true, preset: '', resume: '' });
    // --resume continues a run in its own directory.
    expect(run(['--resume', 'runs/y', '--quiet']).trainer).toMatchObject({ out: 'runs/y', resume: 'runs/y', quiet: true });
    expect(run(['--quiet=false']).trainer.quiet).toBe(false);
  });

  it('computes the default output directory from the environment and seed', () => {
    expect(run(['--env', 'minatar/space_invaders', '--seed', '7']).trainer.out).toBe('runs/space_invaders-seed7');
  });

  it('shows the help for --help or -h anywhere, even beside mistakes', () => {
    for (const argv of [['--help'], ['-h'], ['--actors', '3', '-h'], ['--bogus', '--help']]) {
      expect(parseTrainArgs(argv)).toEqual({ kind: 'help', text: trainHelpText() });
    }
  });

  it('names an unknown flag and suggests the closest one', () => {
    expect(error(['--frame', '10'])).toMatch(/^unknown flag --frame; did you mean --frames\?$/m);
    expect(error(['--learning-rat=0.1'])).toMatch(/unknown flag --learning-rat; did you mean --learning-rate\?/);
    expect(error(['--batchsize', '8'])).toMatch(/did you mean --batch-size\?/);
    expect(error(['--determinstic'])).toMatch(/did you mean --deterministic\?/);
    // A setting's camelCase key or URL key points to its flag.
    expect(error(['--lr', '0.1'])).toMatch(/unknown flag --lr; did you mean --learning-rate\?/);
    expect(error(['--T', '5'])).toMatch(/did you mean --unroll-length\?/);
    expect(error(['--entropyCost', '0'])).toMatch(/did you mean --entropy-cost\?/);
    expect(error(['-x'])).toMatch(/unknown flag -x/);
    expect(error(['--zzzzzzzzzzzz'])).toMatch(/^unknown flag --zzzzzzzzzzzz$/m);
  });

  it('gives one message for an unknown flag and its value', () => {
    expect(error(['--frame', '10']).split('\n')).toEqual(['unknown flag --frame; did you mean --frames?', expect.stringMatching(/--help/)]);
  });

  it('reports a bad number with the flag, the range and the text', () => {
    expect(error(['--actors', '1.5'])).toMatch(/^--actors must be an integer in \[1, 64\], got '1\.5'$/m);
    expect(error(['--learning-rate=abc'])).toMatch(/^--learning-rate must be a number in \(0, 1\], got 'abc'$/m);
    expect(error(['--frames', 'NaN'])).toMatch(/--frames must be an integer/);
    expect(error(['--log-every', '0'])).toMatch(/--log-every must be a number in \(0, /);
    expect(error(['--checkpoint-every', '-1'])).toMatch(/--checkpoint-every must be an integer in \[0, /);
  });

  it('reports a missing value', () => {
    expect(error(['--frames'])).toMatch(/^--frames needs a value: an integer in \[1, 1e10\]$/m);
    expect(error(['--frames', '--actors', '2'])).toMatch(/^--frames needs a value/m);
    expect(error(['--out'])).toMatch(/--out needs a value/);
    expect(error(['--out='])).toMatch(/--out must not be empty/);
  });

  it('reports an unknown environment, listing the valid ones', () => {
    const message = error(['--env', 'minatar/pong']);
    expect(message).toMatch(/--env must be one of .* got 'minatar\/pong'/);
    for (const id of ENV_IDS) expect(message).toContain(id);
  });

  it('reports a flag given twice, stray arguments and conflicting settings', () => {
    expect(error(['--seed', '1', '--seed=2'])).toMatch(/--seed is given more than once/);
    expect(error(['cartpole'])).toMatch(/unexpected argument 'cartpole'/);
    expect(error(['--batch-size', '16', '--queue-capacity', '8'])).toMatch(/batchSize \(16\) must not exceed queueCapacity \(8\)/);
    expect(error(['--env', 'classic/CartPole-v1', '--network', 'minatar'])).toMatch(/network 'minatar'/);
    expect(run(['--batch-size', '16']).config.queueCapacity).toBe(16);
  });

  it('lists every problem at once, then points to --help', () => {
    const lines = error(['--actors', '0', '--bogus', '--seed']).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)).toMatch(/--help/);
  });

  it('never throws', () => {
    for (const argv of [['--'], ['-'], ['='], ['--='], ['--env=='], ['---env', 'x'], ['--out', '-h'], ['--seed', '-1'], ['']]) {
      expect(() => parseTrainArgs(argv)).not.toThrow();
    }
  });
});

describe('suggestFlag', () => {
  it('gives nothing for a name far from every flag', () => {
    expect(suggestFlag('qwertyuiop')).toBeUndefined();
    expect(suggestFlag('sed')).toBe('seed');
  });
});

describe('the help text', () => {
  const text = trainHelpText();

  it('documents every flag with its default', () => {
    for (const field of CONFIG_FIELDS) {
      expect(text).toContain(`--${field.flag} `);
    }
    for (const flag of ['--out DIR', '--log-every SECONDS', '--checkpoint-every UPDATES', '--quiet', '--deterministic', '--help, -h']) {
      expect(text).toContain(flag);
    }
    expect(text).toMatch(/--learning-rate NUMBER\s+The optimiser/);
    expect(text.replace(/\s+/g, ' ')).toContain('Default: 0.01.');
    expect(text.replace(/\s+/g, ' ')).toContain('Default: classic/CartPole-v1.');
  });

  it('has a usage line, an example and the groups, within 100 columns', () => {
    expect(text).toMatch(/^Usage: npm run train -- /);
    expect(text).toContain('npm run train -- --env classic/CartPole-v1 --frames 200000 --actors 2 --seed 1 --out runs/cartpole');
    for (const title of ['Environment:', 'Agent and network:', 'Actors:', 'Learner and optimiser:', 'Loss:', 'V-trace and off-policy correction:', 'Run:', 'Trainer:']) {
      expect(text).toContain(`\n${title}\n`);
    }
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});
