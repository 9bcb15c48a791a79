import { BaseEnv } from '../baseEnv';
import type { EnvSpec, ObservationArray } from '../types';

// PLACEHOLDER: being ported by a helper; replaced before commit.
export class Acrobot extends BaseEnv {
  readonly spec: EnvSpec;
  constructor(options: { id: string; seed: number; maxEpisodeSteps: number | null }) {
    super();
    this.spec = { id: options.id, observationShape: [1], observationSize: 1, observationDtype: 'float32', numActions: 2, actionNames: ['a', 'b'], maxEpisodeSteps: options.maxEpisodeSteps };
  }
  writeObservation(_out: ObservationArray, _offset: number): void { throw new Error('not ported yet'); }
  protected resetDynamics(): void { throw new Error('not ported yet'); }
  protected stepDynamics(_action: number): number { throw new Error('not ported yet'); }
  protected isTerminal(): boolean { return false; }
}
