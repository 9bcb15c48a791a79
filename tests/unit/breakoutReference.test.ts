import { describe, expect, it } from 'vitest';
import { Breakout } from '../../src/core/envs/minatar/breakout';
import { RandomState } from '../../src/core/rng/randomState';

/**
 * A line-by-line transcription of minatar/environments/breakout.py
 * (kenjyoung/MinAtar): a `brick_map[y][x]`, direction `if` chains, a fresh
 * `state()` array per call and `count_nonzero` for the cleared-board test.
 * Deliberately naive, so that it shares no layout trick with the port.
 *
 * The golden traces come from a random policy, whose episodes end after a
 * handful of bricks; this reference also covers what they never reach:
 * clearing all 30 bricks and the refill of rows 1 to 3.
 */
class ReferenceBreakout {
  ballX = 0;
  ballY = 3;
  ballDir = 0;
  pos = 4;
  lastX = 0;
  lastY = 3;
  strike = false;
  terminal = false;
  brickMap: number[][] = [];

  constructor(private readonly random: RandomState) {}

  reset(): void {
    this.ballY = 3;
    const ballStart = this.random.randint(2); // random.choice(2)
    [this.ballX, this.ballDir] = ([[0, 2], [9, 3]] as const)[ballStart]!;
    this.pos = 4;
    this.brickMap = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (let y = 1; y < 4; y++) this.brickMap[y]!.fill(1);
    this.strike = false;
    this.lastX = this.ballX;
    this.lastY = this.ballY;
    this.terminal = false;
  }

  /** `a` is a full-set action: 0 n, 1 l, 2 u, 3 r, 4 d, 5 f. */
  act(a: number): number {
    let r = 0;
    if (this.terminal) return r;
    if (a === 1) this.pos = Math.max(0, this.pos - 1);
    else if (a === 3) this.pos = Math.min(9, this.pos + 1);

    this.lastX = this.ballX;
    this.lastY = this.ballY;
    let newX = 0;
    let newY = 0;
    if (this.ballDir === 0) {
      newX = this.ballX - 1;
      newY = this.ballY - 1;
    } else if (this.ballDir === 1) {
      newX = this.ballX + 1;
      newY = this.ballY - 1;
    } else if (this.ballDir === 2) {
      newX = this.ballX + 1;
      newY = this.ballY + 1;
    } else if (this.ballDir === 3) {
      newX = this.ballX - 1;
      newY = this.ballY + 1;
    }

    let strikeToggle = false;
    if (newX < 0 || newX > 9) {
      if (newX < 0) newX = 0;
      if (newX > 9) newX = 9;
      this.ballDir = [1, 0, 3, 2][this.ballDir]!;
    }
    if (newY < 0) {
      newY = 0;
      this.ballDir = [3, 2, 1, 0][this.ballDir]!;
    } else if (this.brickMap[newY]![newX] === 1) {
      strikeToggle = true;
      if (!this.strike) {
        r += 1;
        this.strike = true;
        this.brickMap[newY]![newX] = 0;
        newY = this.lastY;
        this.ballDir = [3, 2, 1, 0][this.ballDir]!;
      }
    } else if (newY === 9) {
      if (this.brickMap.flat().filter((b) => b !== 0).length === 0) {
        for (let y = 1; y < 4; y++) this.brickMap[y]!.fill(1);
      }
      if (this.ballX === this.pos) {
        this.ballDir = [3, 2, 1, 0][this.ballDir]!;
        newY = this.lastY;
      } else if (newX === this.pos) {
        this.ballDir = [2, 3, 0, 1][this.ballDir]!;
        newY = this.lastY;
      } else {
        this.terminal = true;
      }
    }
    if (!strikeToggle) this.strike = false;
    this.ballX = newX;
    this.ballY = newY;
    return r;
  }

  /** `state()`: a fresh 10x10x4 boolean array, flattened as `(y * 10 + x) * 4 + c`. */
  state(): Uint8Array {
    const s = new Uint8Array(400);
    const at = (y: number, x: number, c: number): number => (y * 10 + x) * 4 + c;
    s[at(this.ballY, this.ballX, 1)] = 1;
    s[at(9, this.pos, 0)] = 1;
    s[at(this.lastY, this.lastX, 2)] = 1;
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) s[at(y, x, 3)] = this.brickMap[y]![x]!;
    return s;
  }
}

describe('Breakout against a naive transcription of breakout.py', () => {
  it('matches step for step through cleared boards and brick refills', () => {
    const seed = 7;
    const game = new Breakout({ random: new RandomState(seed), ramping: true });
    const reference = new ReferenceBreakout(new RandomState(seed));
    const policy = new RandomState(99);
    // Stale bytes in the buffer: writeState must overwrite every byte of its slice.
    const obs = new Uint8Array(400 + 8).fill(7);
    let refills = 0;
    let episodes = 0;
    let bricksLeft = 30;
    game.reset();
    reference.reset();
    for (let t = 0; t < 20_000; t++) {
      // Mostly chase the ball (long episodes that clear the board), sometimes act at random.
      let a: number;
      if (policy.rand() < 0.02) a = [0, 1, 3][policy.randint(3)]!;
      else a = reference.ballX < reference.pos ? 1 : reference.ballX > reference.pos ? 3 : 0;
      const r = game.act(a);
      const where = `step ${t}`;
      if (r !== reference.act(a)) throw new Error(`${where}: reward ${r}, expected the reference's`);
      if (game.terminal !== reference.terminal) throw new Error(`${where}: terminal ${String(game.terminal)}, expected ${String(reference.terminal)}`);
      game.writeState(obs, 4);
      const expected = reference.state();
      for (let i = 0; i < 400; i++) {
        if (obs[4 + i] !== expected[i]) throw new Error(`${where}: state differs at y=${Math.floor(i / 40)} x=${Math.floor(i / 4) % 10} c=${i % 4}`);
      }
      const left = reference.brickMap.flat().filter((b) => b === 1).length;
      if (left > bricksLeft) refills++;
      bricksLeft = left;
      if (reference.terminal) {
        episodes++;
        game.reset();
        reference.reset();
        bricksLeft = 30;
      }
    }
    expect(Array.from(obs.subarray(0, 4))).toEqual([7, 7, 7, 7]);
    expect(Array.from(obs.subarray(404))).toEqual([7, 7, 7, 7]);
    expect(refills).toBeGreaterThan(10);
    expect(episodes).toBeGreaterThan(50);
  });
});
