import type { MinAtarEnv } from '../minatar/minAtarEnv';
import type { Env, EnvSpec, ObservationArray, StepResult } from '../types';
import type { MinAtarGameName } from '../minatar/game';
import { GAME_CHANNEL_OFFSET, GAME_CHANNELS, SUITE_CHANNELS, suiteTaskEnvId } from './minatarSuite';

/**
 * One MinAtar game seen through the suite's observation layout (10x10x31,
 * see `minatarSuite.ts`): the game's channels go to its own slice of the 31,
 * every other channel stays 0. Dynamics, rewards and episode ends are the
 * game's own, untouched.
 */
export class SuiteTaskEnv implements Env {
  readonly spec: EnvSpec;
  private readonly scratch: Uint8Array;
  private readonly channels: number;
  private readonly offset: number;

  constructor(
    readonly game: MinAtarGameName,
    readonly inner: MinAtarEnv,
  ) {
    if (inner.spec.numActions !== 6) throw new Error(`${suiteTaskEnvId(game)}: the suite uses the full 6-action set, got ${inner.spec.numActions} actions`);
    this.channels = GAME_CHANNELS[game];
    this.offset = GAME_CHANNEL_OFFSET[game];
    this.scratch = new Uint8Array(100 * this.channels);
    this.spec = {
      ...inner.spec,
      id: suiteTaskEnvId(game),
      observationShape: [10, 10, SUITE_CHANNELS],
      observationSize: 100 * SUITE_CHANNELS,
    };
  }

  get elapsedSteps(): number {
    return this.inner.elapsedSteps;
  }

  reset(): void {
    this.inner.reset();
  }

  step(action: number): Readonly<StepResult> {
    return this.inner.step(action);
  }

  writeObservation(out: ObservationArray, offset: number): void {
    const C = this.channels;
    const scratch = this.scratch;
    this.inner.writeObservation(scratch, 0);
    out.fill(0, offset, offset + 100 * SUITE_CHANNELS);
    for (let cell = 0; cell < 100; cell++) {
      const src = cell * C;
      const dst = offset + cell * SUITE_CHANNELS + this.offset;
      for (let c = 0; c < C; c++) out[dst + c] = scratch[src + c]!;
    }
  }
}
