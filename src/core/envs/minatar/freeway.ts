import { Action, type MinAtarGame, type MinAtarGameOptions } from './game';

const CHANNELS = ['chicken', 'car', 'speed1', 'speed2', 'speed3', 'speed4', 'speed5'] as const;
const C = CHANNELS.length;
const CHICKEN = 0;
const CAR = 1;
/** Channel of the trail of a car that moves every `k` steps is `SPEED1 + k - 1`. */
const SPEED1 = 2;

const PLAYER_SPEED = 3;
const TIME_LIMIT = 2500;
/** One car per row 1..8: car `i` always lives on row `i + 1`. */
const CARS = 8;
/** The chicken's column. */
const CHICKEN_X = 4;

/**
 * Freeway (minatar/environments/freeway.py): the chicken starts at the bottom
 * and moves up or down at most once every 3 steps, across eight lanes of cars
 * that wrap around the screen; +1 each time it reaches the top, after which it
 * goes back to the bottom and the car speeds are redrawn; a car hit also sends
 * it back to the bottom. The trail channel used gives a car's speed (once every
 * 1 to 5 steps), its side the direction. The episode ends after 2500 steps. No
 * difficulty ramp.
 */
export class Freeway implements MinAtarGame {
  readonly name = 'freeway';
  readonly channels = CHANNELS;
  readonly minimalActions = [Action.Noop, Action.Up, Action.Down];
  terminal = false;
  private readonly random;
  private pos = 9;
  private moveTimer = PLAYER_SPEED;
  private terminateTimer = TIME_LIMIT;
  private readonly carX = new Int8Array(CARS);
  /** Steps left before the car moves again. */
  private readonly carTimer = new Int8Array(CARS);
  /** Signed speed: magnitude is the move interval, sign the direction (0 only if `rand()` gave exactly 0.5). */
  private readonly carSpeed = new Int8Array(CARS);

  constructor(options: MinAtarGameOptions) {
    this.random = options.random;
  }

  reset(): void {
    this.randomizeCars();
    this.carX.fill(0);
    this.pos = 9;
    this.moveTimer = PLAYER_SPEED;
    this.terminateTimer = TIME_LIMIT;
    this.terminal = false;
  }

  /** The original's `randint(1, 6, 8)` then `rand(8)`, drawn in that order without allocating. */
  private randomizeCars(): void {
    const random = this.random;
    const speed = this.carSpeed;
    const timer = this.carTimer;
    for (let i = 0; i < CARS; i++) speed[i] = random.randint(1, 6);
    for (let i = 0; i < CARS; i++) {
      const u = random.rand() - 0.5;
      // np.sign: 0 stays 0, which gives a zero speed.
      const s = u > 0 ? speed[i]! : u < 0 ? -speed[i]! : 0;
      speed[i] = s;
      timer[i] = s < 0 ? -s : s;
    }
  }

  act(action: number): number {
    let r = 0;
    if (this.terminal) return r;

    if (action === Action.Up && this.moveTimer === 0) {
      this.moveTimer = PLAYER_SPEED;
      this.pos = Math.max(0, this.pos - 1);
    } else if (action === Action.Down && this.moveTimer === 0) {
      this.moveTimer = PLAYER_SPEED;
      this.pos = Math.min(9, this.pos + 1);
    }

    if (this.pos === 0) {
      r += 1;
      this.randomizeCars();
      this.pos = 9;
    }

    const carX = this.carX;
    const timer = this.carTimer;
    const speed = this.carSpeed;
    for (let i = 0; i < CARS; i++) {
      if (carX[i] === CHICKEN_X && i + 1 === this.pos) this.pos = 9;
      if (timer[i] === 0) {
        const s = speed[i]!;
        timer[i] = s < 0 ? -s : s;
        let x = carX[i]! + (s > 0 ? 1 : -1);
        if (x < 0) x = 9;
        else if (x > 9) x = 0;
        carX[i] = x;
        if (x === CHICKEN_X && i + 1 === this.pos) this.pos = 9;
      } else {
        timer[i] = timer[i]! - 1;
      }
    }

    if (this.moveTimer > 0) this.moveTimer--;
    this.terminateTimer--;
    if (this.terminateTimer < 0) this.terminal = true;
    return r;
  }

  difficultyRamp(): null {
    return null;
  }

  writeState(out: Uint8Array, offset: number): void {
    out.fill(0, offset, offset + 100 * C);
    out[offset + (this.pos * 10 + CHICKEN_X) * C + CHICKEN] = 1;
    const carX = this.carX;
    const speed = this.carSpeed;
    // A zero-speed car reuses the previous car's trail channel, as the
    // original's loop variable leaks; for the first car the original raises.
    let trail = -1;
    for (let i = 0; i < CARS; i++) {
      const x = carX[i]!;
      const s = speed[i]!;
      const row = (i + 1) * 10;
      out[offset + (row + x) * C + CAR] = 1;
      let backX = s > 0 ? x - 1 : x + 1;
      if (backX < 0) backX = 9;
      else if (backX > 9) backX = 0;
      if (s !== 0) trail = SPEED1 + (s < 0 ? -s : s) - 1;
      if (trail >= 0) out[offset + (row + backX) * C + trail] = 1;
    }
  }
}
