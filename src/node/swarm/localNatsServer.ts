import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A NATS server on this machine for a test or the benchmark: `nats-server` (Debian's, or $NATS_SERVER) with
 * the shipped config (`nats/class.conf`: its users, permissions, JetStream
 * and WebSocket listener), moved to free localhost ports and a temporary
 * store directory. `kill()` and `start()` again keep the ports and store,
 * as a broker restarted on the same machine would.
 */

export const NATS_SERVER = process.env.NATS_SERVER ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
/** Users of the throwaway server (it listens on localhost only). */
export const TEACHER = { user: 'teacher', pass: 'teacher-local-pass' };
export const STUDENT = { user: 'student', pass: 'student-local-pass' };

/** Whether nats-server can be run here. */
export function natsServerAvailable(): boolean {
  return spawnSync(NATS_SERVER, ['--version']).status === 0;
}

/**
 * True when the swarm tests should be skipped: nats-server is missing and
 * this is not CI (on CI, `.ci/run` installs it and the tests must run).
 */
export function skipSwarmTests(): boolean {
  if (natsServerAvailable()) return false;
  if (process.env.CI) return false;
  console.warn(`Skipping the swarm tests: ${NATS_SERVER} is not installed (apt-get install nats-server). On CI they run.`);
  return true;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class NatsTestServer {
  private process: ChildProcess | null = null;
  private log = '';

  private constructor(
    readonly port: number,
    readonly wsPort: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  /** A server on free ports with a temporary store, started. */
  static async start(): Promise<NatsTestServer> {
    const server = new NatsTestServer(await freePort(), await freePort(), mkdtempSync(join(tmpdir(), 'impala-nats-')));
    const shipped = readFileSync(new URL('../../../nats/class.conf', import.meta.url), 'utf8');
    const config = shipped
      .replace(/^listen: .*$/m, `listen: 127.0.0.1:${server.port}`)
      .replace(/(websocket \{\s*listen: )\S+/, `$1127.0.0.1:${server.wsPort}`)
      .replace(/store_dir: .*$/m, `store_dir: ${JSON.stringify(join(server.dir, 'store'))}`);
    if (config === shipped) throw new Error('nats/class.conf: could not move it to test ports');
    writeFileSync(join(server.dir, 'class.conf'), config);
    await server.restart();
    return server;
  }

  /** Starts the server (again), resolving once it accepts connections. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('nats-server is already running');
    const child = spawn(NATS_SERVER, ['-c', join(this.dir, 'class.conf')], {
      env: { ...process.env, TEACHER_PASS: TEACHER.pass, STUDENT_PASS: STUDENT.pass },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    const onData = (chunk: Buffer): void => {
      this.log += String(chunk);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + 10_000;
    while (!this.log.includes('Server is ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the server at once (SIGKILL: no clean shutdown), keeping its store. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    this.log = '';
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the server and removes its store. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
