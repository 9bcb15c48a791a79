import type { CoreInputs, CoreState } from './lstmCore';

/**
 * What a recurrent agent carries from one step to the next, per column
 * (environment slot): the LSTM state (h, c) and the previous action and
 * reward (`lstmCore.ts`). An actor or a player steps it with `advance`
 * after each environment step; where an episode ended the column starts
 * over (zero state, no previous action or reward), so the next step begins
 * the new episode fresh, and `inputs()` needs no resets.
 */
export interface CoreStart {
  /** The state before the step, h and c `[C * H]` each. */
  initialState: CoreState;
  /** a_{t-1} of each column, -1 where none: `[C]`. */
  previousActions: Int32Array;
  /** r_{t-1} of each column (unclipped), 0 where none: `[C]`. */
  previousRewards: Float32Array;
}

export class CoreCarry {
  readonly h: Float32Array;
  readonly c: Float32Array;
  readonly previousActions: Int32Array;
  readonly previousRewards: Float32Array;
  /** No column resets inside a step: `advance` already started ended episodes over. (A # field: state snapshots leave it out.) */
  readonly #noResets: Uint8Array;

  constructor(
    readonly columns: number,
    readonly size: number,
  ) {
    this.h = new Float32Array(columns * size);
    this.c = new Float32Array(columns * size);
    this.previousActions = new Int32Array(columns).fill(-1);
    this.previousRewards = new Float32Array(columns);
    this.#noResets = new Uint8Array(columns);
  }

  /** Every column back to the start of an episode. */
  reset(): void {
    this.h.fill(0);
    this.c.fill(0);
    this.previousActions.fill(-1);
    this.previousRewards.fill(0);
  }

  /** The core's inputs for one step of every column (views of this carry: use them before `advance`). */
  inputs(): CoreInputs {
    return { initialState: { h: this.h, c: this.c }, previousActions: this.previousActions, previousRewards: this.previousRewards, resets: this.#noResets };
  }

  /** A copy of where the next step starts (what an unroll carries). */
  snapshot(): CoreStart {
    return { initialState: { h: this.h.slice(), c: this.c.slice() }, previousActions: this.previousActions.slice(), previousRewards: this.previousRewards.slice() };
  }

  /**
   * After a step: the core's new state of each column (`[C * H]` each, read
   * from `stateData` at `hOffset`/`cOffset` of each row of `rowWidth`
   * numbers), the actions taken and rewards received; columns whose
   * episode ended (`done`) start over.
   */
  advance(
    state: { data: ArrayLike<number>; rowWidth: number; hOffset: number; cOffset: number },
    actions: ArrayLike<number>,
    rewards: ArrayLike<number>,
    done: (column: number) => boolean,
  ): void {
    const H = this.size;
    for (let k = 0; k < this.columns; k++) {
      if (done(k)) {
        this.h.fill(0, k * H, (k + 1) * H);
        this.c.fill(0, k * H, (k + 1) * H);
        this.previousActions[k] = -1;
        this.previousRewards[k] = 0;
        continue;
      }
      const row = k * state.rowWidth;
      for (let j = 0; j < H; j++) {
        this.h[k * H + j] = state.data[row + state.hOffset + j]!;
        this.c[k * H + j] = state.data[row + state.cOffset + j]!;
      }
      this.previousActions[k] = actions[k]!;
      this.previousRewards[k] = rewards[k]!;
    }
  }
}
