import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { LinkCounts } from '../src/core/swarm/learnerLink';
import type { MetricsRecord } from '../src/core/telemetry/metrics';
import { ActorProcess } from '../src/node/swarm/actorProcess';
import { NatsTestServer, natsServerAvailable, NATS_SERVER, TEACHER } from '../src/node/swarm/localNatsServer';
import { runTrainer } from '../src/node/trainer';
import { formatInt, formatTable, median } from './table';

/**
 * `npm run bench -- swarm`: the learner fed through a NATS server on
 * localhost by 1, 2 and 4 actor processes (`npm run actor`), against the
 * same headless trainer fed in process by as many worker-thread actors (no
 * broker). Both run the trainer's own code on the same experiment (default:
 * the Breakout preset: MinAtar Breakout, the MinAtar network, 16
 * environments per actor, T = 20, B = 4). Learner frames/s is measured from
 * metrics.jsonl after the first quarter of the frames (warm-up); messages/s
 * and MB/s are what the learner's link received from its first update on.
 */

export const SWARM_USAGE = `  swarm    learner frames/s through a NATS server on localhost (nats-server with
           nats/class.conf) with 1, 2 and 4 actor processes, messages/s and MB/s, and the
           ratio to the same trainer fed in process by as many worker-thread actors
           --actors a,b    actor counts (default 1,2,4)
           --preset ID     the experiment (default breakout)
           --frames N      frames per run (default 80000)
           --repeats N     runs per cell; the median is reported (default 1)`;

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

interface Measure {
  fps: number;
  messagesPerSecond?: number;
  megabytesPerSecond?: number;
}

function learnerFps(out: string, frames: number): number {
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as MetricsRecord);
  const from = records.find((r) => r.frames >= frames / 4)!;
  const to = records.at(-1)!;
  return (to.frames - from.frames) / (to.wallSeconds - from.wallSeconds);
}

async function train(args: string[], out: string): Promise<void> {
  const stderr = new Writable({ write: (c, _e, cb) => (process.stderr.write(`  ${String(c)}`), cb()) });
  const code = await runTrainer([...args, '--out', out, '--quiet', '--checkpoint-seconds', '0'], { stdout: sink(), stderr });
  if (code !== 0) throw new Error(`the trainer exited with ${code}`);
}

async function inProcess(preset: string, actors: number, frames: number): Promise<Measure> {
  const out = mkdtempSync(join(tmpdir(), 'impala-bench-'));
  try {
    await train(['--preset', preset, '--frames', String(frames), '--actors', String(actors)], out);
    return { fps: learnerFps(out, frames) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function swarm(server: NatsTestServer, run: string, preset: string, actors: number, frames: number): Promise<Measure> {
  const out = mkdtempSync(join(tmpdir(), 'impala-bench-'));
  const processes = Array.from({ length: actors }, (_, i) => new ActorProcess(server, run, i, ['--quiet']));
  try {
    await train(['--preset', preset, '--frames', String(frames), '--swarm', server.url, '--run', run, '--user', TEACHER.user, '--pass', TEACHER.pass], out);
    const { counts } = JSON.parse(readFileSync(join(out, 'contributors.json'), 'utf8')) as { counts: LinkCounts };
    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as MetricsRecord);
    // From the first update on (before it the learner waits for the actor processes to start).
    const seconds = records.at(-1)!.wallSeconds - records[0]!.wallSeconds;
    return { fps: learnerFps(out, frames), messagesPerSecond: counts.received / seconds, megabytesPerSecond: counts.receivedBytes / seconds / 1e6 };
  } finally {
    await Promise.allSettled(processes.map((p) => p.kill()));
    rmSync(out, { recursive: true, force: true });
  }
}

export async function benchSwarm(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { actors: { type: 'string', default: '1,2,4' }, preset: { type: 'string', default: 'breakout' }, frames: { type: 'string', default: '80000' }, repeats: { type: 'string', default: '1' } } });
  const counts = values.actors.split(',').map(Number);
  const frames = Number(values.frames);
  const repeats = Number(values.repeats);
  if (counts.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(frames) || frames < 1 || !Number.isInteger(repeats) || repeats < 1) {
    console.error(`usage:\n${SWARM_USAGE}`);
    return 2;
  }
  if (!natsServerAvailable()) {
    console.error(`${NATS_SERVER} is not installed (apt-get install nats-server)`);
    return 2;
  }
  const server = await NatsTestServer.start();
  const rows: string[][] = [];
  try {
    for (const n of counts) {
      const viaBroker: Measure[] = [];
      const local: Measure[] = [];
      for (let r = 0; r < repeats; r++) {
        console.error(`${n} actor(s), run ${r + 1} of ${repeats}: through the broker, then in process`);
        viaBroker.push(await swarm(server, `bench-${n}-${r}`, values.preset, n, frames));
        local.push(await inProcess(values.preset, n, frames));
      }
      const fps = median(viaBroker.map((m) => m.fps));
      const fpsLocal = median(local.map((m) => m.fps));
      rows.push([
        String(n),
        formatInt(median(viaBroker.map((m) => m.messagesPerSecond!))),
        median(viaBroker.map((m) => m.megabytesPerSecond!)).toFixed(2),
        formatInt(fps),
        formatInt(fpsLocal),
        `${((100 * fps) / fpsLocal).toFixed(0)}%`,
      ]);
    }
  } finally {
    await server.stop();
  }
  console.log(`\nSwarm vs in-process learner, preset ${values.preset}, ${formatInt(frames)} frames per run, medians of ${repeats}\n`);
  console.log(formatTable(['actors', 'messages/s', 'MB/s', 'learner frames/s (broker)', 'in process (worker threads)', 'ratio'], rows));
  return 0;
}
