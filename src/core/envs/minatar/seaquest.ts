import type { MinAtarGame, MinAtarGameOptions } from './game';

// PLACEHOLDER: being ported by a helper; replaced before commit.
export class Seaquest implements MinAtarGame {
  readonly name = 'seaquest' as MinAtarGame['name'];
  readonly channels: readonly string[] = [];
  readonly minimalActions: readonly number[] = [];
  readonly terminal = false;
  constructor(_options: MinAtarGameOptions) {}
  reset(): void { throw new Error('not ported yet'); }
  act(_action: number): number { throw new Error('not ported yet'); }
  difficultyRamp(): number | null { return null; }
  writeState(_out: Uint8Array, _offset: number): void { throw new Error('not ported yet'); }
}
