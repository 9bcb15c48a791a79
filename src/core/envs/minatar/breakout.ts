import { Action, type MinAtarGame, type MinAtarGameOptions } from './game';

const CHANNELS = ['paddle', 'ball', 'trail', 'brick'] as const;
const C = CHANNELS.length;
const PADDLE = 0;
const BALL = 1;
const TRAIL = 2;
const BRICK = 3;

/** Direction tables of the original: reflect on a side wall, on the ceiling or a brick, and off the paddle's far edge. */
const REFLECT_X = [1, 0, 3, 2] as const;
const REFLECT_Y = [3, 2, 1, 0] as const;
const REFLECT_CORNER = [2, 3, 0, 1] as const;
const DX = [-1, 1, 1, -1] as const;
const DY = [-1, -1, 1, 1] as const;

/**
 * Breakout (minatar/environments/breakout.py): a paddle bounces a ball
 * travelling on diagonals into three rows of bricks; +1 per brick; the
 * episode ends when the ball reaches the bottom row past the paddle. When
 * the bricks are cleared, three new rows appear. No difficulty ramp.
 */
export class Breakout implements MinAtarGame {
  readonly name = 'breakout';
  readonly channels = CHANNELS;
  readonly minimalActions = [Action.Noop, Action.Left, Action.Right];
  terminal = false;
  private readonly random;
  private ballX = 0;
  private ballY = 3;
  private ballDir = 0;
  private pos = 4;
  private lastX = 0;
  private lastY = 3;
  private strike = false;
  /**
   * The observation without the three moving cells: the brick channel set
   * where a brick stands, every other channel 0, laid out as `writeState`
   * writes it (`(y * 10 + x) * C + c`). It is also the brick map: the brick
   * at (x, y) is `board[(y * 10 + x) * C + BRICK]`. Keeping the map in
   * observation layout makes `writeState` one 400-byte copy plus three
   * stores, instead of a 100-cell loop that was about 60% of a step (and
   * runs twice on an episode's last step, every 11 steps or so under a
   * random policy). Bricks only ever stand on rows 1 to 3.
   */
  private readonly board = new Uint8Array(100 * C);
  private brickCount = 0;

  constructor(options: MinAtarGameOptions) {
    this.random = options.random;
  }

  reset(): void {
    this.ballY = 3;
    const ballStart = this.random.randint(2);
    this.ballX = ballStart === 0 ? 0 : 9;
    this.ballDir = ballStart === 0 ? 2 : 3;
    this.pos = 4;
    this.board.fill(0);
    this.fillBrickRows();
    this.strike = false;
    this.lastX = this.ballX;
    this.lastY = this.ballY;
    this.terminal = false;
  }

  act(action: number): number {
    let r = 0;
    if (this.terminal) return r;
    if (action === Action.Left) this.pos = Math.max(0, this.pos - 1);
    else if (action === Action.Right) this.pos = Math.min(9, this.pos + 1);

    this.lastX = this.ballX;
    this.lastY = this.ballY;
    let newX = this.ballX + DX[this.ballDir as 0]!;
    let newY = this.ballY + DY[this.ballDir as 0]!;

    let strikeToggle = false;
    if (newX < 0 || newX > 9) {
      newX = newX < 0 ? 0 : 9;
      this.ballDir = REFLECT_X[this.ballDir as 0]!;
    }
    if (newY < 0) {
      newY = 0;
      this.ballDir = REFLECT_Y[this.ballDir as 0]!;
    } else if (this.board[(newY * 10 + newX) * C + BRICK] === 1) {
      strikeToggle = true;
      if (!this.strike) {
        r += 1;
        this.strike = true;
        this.board[(newY * 10 + newX) * C + BRICK] = 0;
        this.brickCount--;
        newY = this.lastY;
        this.ballDir = REFLECT_Y[this.ballDir as 0]!;
      }
    } else if (newY === 9) {
      if (this.brickCount === 0) this.fillBrickRows();
      if (this.ballX === this.pos) {
        this.ballDir = REFLECT_Y[this.ballDir as 0]!;
        newY = this.lastY;
      } else if (newX === this.pos) {
        this.ballDir = REFLECT_CORNER[this.ballDir as 0]!;
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

  difficultyRamp(): null {
    return null;
  }

  /** Puts bricks on rows 1 to 3, as the original's `brick_map[1:4, :] = 1`. */
  private fillBrickRows(): void {
    const board = this.board;
    for (let i = 10; i < 40; i++) board[i * C + BRICK] = 1;
    this.brickCount = 30;
  }

  writeState(out: Uint8Array, offset: number): void {
    out.set(this.board, offset);
    out[offset + (this.ballY * 10 + this.ballX) * C + BALL] = 1;
    out[offset + (90 + this.pos) * C + PADDLE] = 1;
    out[offset + (this.lastY * 10 + this.lastX) * C + TRAIL] = 1;
  }
}
