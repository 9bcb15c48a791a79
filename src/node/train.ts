/**
 * `npm run train -- [flags]`: trains an IMPALA agent headlessly (see
 * `trainer.ts`; `--help` lists the flags). Ctrl-C stops after the current
 * update and writes a checkpoint (so does SIGTERM); a second Ctrl-C quits
 * at once. `--resume DIR` continues a stopped run.
 */
import { runTrainer } from './trainer';

const interrupt = new AbortController();
const onSigint = (): void => interrupt.abort();
// `once`: the second SIGINT finds no listener and gets Node's default, which ends the process.
// SIGTERM (a shell closing, a job scheduler's stop) stops the same way, with a checkpoint to resume from.
process.once('SIGINT', onSigint);
process.once('SIGTERM', onSigint);
process.exitCode = await runTrainer(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, interrupt: interrupt.signal });
process.off('SIGINT', onSigint);
process.off('SIGTERM', onSigint);
