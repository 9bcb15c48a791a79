import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { ActorLink } from '../../core/swarm/actorLink';
import { runSwarmActor } from '../../core/swarm/swarmActor';
import { RUN_NAME_PATTERN } from '../../core/swarm/swarmNames';
import { useWasmBackend } from '../tfWasm';
import { closeSwarm, connectSwarm, sleep } from './natsConnect';

/**
 * `npm run actor -- --swarm nats://host:4222 --run NAME [--user student
 * --pass ...]`: one IMPALA actor process of a swarm run (see README, "A
 * class run"). Waits for the learner if it is not there yet; Ctrl-C or
 * SIGTERM stops it after the unroll in progress. Prints one JSON line when
 * it ends: what it sent.
 */

const HELP = `npm run actor -- --swarm nats://HOST:4222 --run NAME [options]

  --swarm URL      the NATS server of the run (required)
  --run NAME       the run's name, as its learner was started with (required)
  --user USER      server user (nats/class.conf: student); also $IMPALA_NATS_USER
  --pass PASS      its password; also $IMPALA_NATS_PASS
  --index N        seeds this actor's environments (default: random)
  --frames N       stop after sending this many frames (default: until stopped)
  --quiet          no log lines
`;

export async function actorMain(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        swarm: { type: 'string' },
        run: { type: 'string' },
        user: { type: 'string', default: process.env.IMPALA_NATS_USER ?? '' },
        pass: { type: 'string', default: process.env.IMPALA_NATS_PASS ?? '' },
        index: { type: 'string' },
        frames: { type: 'string', default: '0' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const index = values.index === undefined ? randomInt(0, 2 ** 31 - 1) : Number(values.index);
  const frames = Number(values.frames);
  const problems = [
    !values.swarm ? '--swarm URL is required' : '',
    !values.run || !RUN_NAME_PATTERN.test(values.run) ? '--run NAME is required (letters, digits, - and _)' : '',
    !Number.isSafeInteger(index) || index < 0 || index >= 2 ** 31 ? '--index must be an integer in [0, 2^31)' : '',
    !Number.isSafeInteger(frames) || frames < 0 ? '--frames must be a non-negative integer' : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) {
    process.stderr.write(`error: ${problems.join('\n')}\n${HELP}`);
    return 2;
  }
  const log = values.quiet ? undefined : (line: string) => process.stderr.write(`actor: ${line}\n`);
  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await useWasmBackend();
  const actorId = `${hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 20) || 'actor'}-${randomBytes(4).toString('hex')}`;
  const nc = await connectSwarm({ url: values.swarm!, user: values.user, pass: values.pass }, `impala actor ${actorId}`);
  const stopped = (): boolean => stop;
  try {
    const link = await ActorLink.open(nc, { run: values.run!, sleep, stopped, log });
    const report = await runSwarmActor({ link, actorId, actorIndex: index, now: () => performance.now(), sleep, stopped, log, maxFrames: frames });
    link.close();
    process.stdout.write(`${JSON.stringify({ actorId, actorIndex: index, ...report, ...link.counts })}\n`);
    return 0;
  } catch (e) {
    if (stop) return 130;
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await closeSwarm(nc);
  }
}

process.exitCode = await actorMain(process.argv.slice(2));
