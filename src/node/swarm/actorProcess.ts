import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STUDENT, type NatsTestServer } from './localNatsServer';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** What an actor process prints when it ends (`actorMain.ts`). */
export interface ActorProcessReport {
  actorId: string;
  unrolls: number;
  frames: number;
  firstVersion: number;
  lastVersion: number;
  rejectedWeights: number;
  published: number;
  backpressure: number;
  errors: number;
}

/** An `npm run actor` process (node with tsx, as the script runs it), logging to `log`. */
export class ActorProcess {
  readonly child: ChildProcess;
  log = '';
  private stdout = '';
  private readonly exited: Promise<number | null>;

  constructor(server: NatsTestServer, run: string, index: number, extra: string[] = []) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/node/swarm/actorMain.ts', '--swarm', server.url, '--run', run, '--index', String(index), ...extra], {
      cwd: ROOT,
      env: { ...process.env, IMPALA_NATS_USER: STUDENT.user, IMPALA_NATS_PASS: STUDENT.pass },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += String(c)));
    this.child.stderr!.on('data', (c: Buffer) => (this.log += String(c)));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Stops it as Ctrl-C would and returns its report. */
  async stop(): Promise<ActorProcessReport> {
    this.child.kill('SIGTERM');
    await this.exited;
    const line = this.stdout.trim().split('\n').at(-1) ?? '';
    try {
      return JSON.parse(line) as ActorProcessReport;
    } catch {
      throw new Error(`actor printed no report; its log:\n${this.log}\n${this.stdout}`);
    }
  }

  /** Kills it at once (SIGKILL), as a closed laptop lid would. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
