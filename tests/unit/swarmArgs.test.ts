import { describe, expect, it } from 'vitest';
import { parseTrainArgs, SWARM_DEFAULTS } from '../../src/node/cli/parseTrainArgs';

describe('npm run train -- --swarm', () => {
  it('takes the server, run, login and limits, each with its default, and adds nothing without --swarm', () => {
    const args = parseTrainArgs(['--swarm', 'nats://h:4222', '--run', 'class1', '--user', 'teacher', '--pass', 'x', '--max-policy-lag', '7']);
    expect(args.kind === 'run' && args.trainer).toMatchObject({ swarm: 'nats://h:4222', run: 'class1', user: 'teacher', pass: 'x', maxPolicyLag: 7, maxRejections: SWARM_DEFAULTS.maxRejections, goneAfter: SWARM_DEFAULTS.goneAfter, ackWait: SWARM_DEFAULTS.ackWait });
    const plain = parseTrainArgs([]);
    expect(plain.kind === 'run' && 'swarm' in plain.trainer).toBe(false);
  });

  it('refuses swarm flags without --swarm, and --swarm with --deterministic', () => {
    expect(parseTrainArgs(['--run', 'x'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--run need --swarm/) });
    expect(parseTrainArgs(['--swarm', 'nats://h:1', '--deterministic'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/exclude each other/) });
  });

  it('lets a resumed run join its swarm again', () => {
    const args = parseTrainArgs(['--resume', 'runs/x', '--swarm', 'nats://h:1', '--run', 'x']);
    expect(args.kind === 'run' && args.trainer).toMatchObject({ resume: 'runs/x', swarm: 'nats://h:1', run: 'x' });
  });
});
