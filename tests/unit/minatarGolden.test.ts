import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { createEnv } from '../../src/core/envs/registry';
import { MinAtarEnv } from '../../src/core/envs/minatar/minAtarEnv';
import { goldenFiles, readJson, unpackBits } from '../support/golden';

/** One step of a MinAtar trace: [action, reward, terminal, obsAfterAct, obsAfterReset, difficultyRamp]. */
type TraceStep = [number, number, boolean, string, string, number | null];
interface MinAtarTrace {
  game: string;
  seed: number;
  stickyActionProb: number;
  difficultyRamping: boolean;
  shape: [number, number, number];
  initialObs: string;
  steps: TraceStep[];
}

/** Index of the first differing element, or -1. */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function describeDiff(i: number, channels: number): string {
  const cell = Math.floor(i / channels);
  return `y=${Math.floor(cell / 10)} x=${cell % 10} c=${i % channels}`;
}

describe('MinAtar golden traces (kenjyoung/MinAtar)', () => {
  for (const file of goldenFiles('minatar')) {
    it(`replays ${basename(file)} bit for bit`, () => {
      const trace = readJson<MinAtarTrace>(file);
      const env = createEnv(`minatar/${trace.game}`, {
        seed: trace.seed,
        stickyActionProb: trace.stickyActionProb,
        difficultyRamping: trace.difficultyRamping,
      });
      expect(env).toBeInstanceOf(MinAtarEnv);
      const minatar = env as MinAtarEnv;
      expect(env.spec.observationShape).toEqual(trace.shape);
      const size = env.spec.observationSize;
      const channels = trace.shape[2];
      const obs = new Uint8Array(size);
      env.reset();
      env.writeObservation(obs, 0);
      expect(firstDiff(obs, unpackBits(trace.initialObs, size))).toBe(-1);

      trace.steps.forEach(([action, reward, terminal, obsAfterAct, obsAfterReset, ramp], t) => {
        const result = env.step(action);
        const where = `${basename(file)} step ${t}`;
        if (result.reward !== reward) throw new Error(`${where}: reward ${result.reward}, expected ${reward}`);
        if (result.terminated !== terminal) throw new Error(`${where}: terminated ${result.terminated}, expected ${terminal}`);
        if (result.truncated) throw new Error(`${where}: truncated with no time limit`);
        env.writeObservation(obs, 0);
        const diff = firstDiff(obs, unpackBits(obsAfterAct, size));
        if (diff >= 0) throw new Error(`${where}: observation differs at ${describeDiff(diff, channels)}`);
        if (minatar.difficultyRamp() !== ramp) {
          throw new Error(`${where}: difficulty ramp ${String(minatar.difficultyRamp())}, expected ${String(ramp)}`);
        }
        if (terminal) {
          env.reset();
          env.writeObservation(obs, 0);
          const d = firstDiff(obs, unpackBits(obsAfterReset, size));
          if (d >= 0) throw new Error(`${where}: observation after reset differs at ${describeDiff(d, channels)}`);
        }
      });
    });
  }
});
