/** `npm run zoo -- [flags]`: trains the site's agents and writes public/zoo/ (see zooBuilder.ts; `--help`). */
import { runZoo } from './zooBuilder';

process.exitCode = await runZoo(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
