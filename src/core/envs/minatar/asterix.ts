import { Action, type MinAtarGame, type MinAtarGameOptions } from './game';

const CHANNELS = ['player', 'enemy', 'trail', 'gold'] as const;
const C = CHANNELS.length;
const PLAYER = 0;
const ENEMY = 1;
const TRAIL = 2;
const GOLD = 3;

const RAMP_INTERVAL = 100;
const INIT_SPAWN_SPEED = 10;
const INIT_MOVE_INTERVAL = 5;
/** One entity slot per row 1..8: slot `i` always lives on row `i + 1`. */
const SLOTS = 8;

/**
 * Asterix (minatar/environments/asterix.py): the player moves in four
 * directions while enemies and gold enter from the sides, one per row; +1 per
 * gold picked up; touching an enemy ends the episode. The trail channel shows
 * each entity's heading. With ramping on, spawns and movement speed up every
 * 100 steps or so.
 */
export class Asterix implements MinAtarGame {
  readonly name = 'asterix';
  readonly channels = CHANNELS;
  readonly minimalActions = [Action.Noop, Action.Left, Action.Up, Action.Right, Action.Down];
  terminal = false;
  private readonly random;
  private readonly ramping: boolean;
  private playerX = 5;
  private playerY = 5;
  /** Per slot: whether it holds an entity (the original's non-None entries). */
  private readonly alive = new Uint8Array(SLOTS);
  private readonly entX = new Int8Array(SLOTS);
  /** 1 when the entity travels right (it entered on the left). */
  private readonly right = new Uint8Array(SLOTS);
  private readonly gold = new Uint8Array(SLOTS);
  /** Scratch list of free slots for a spawn, in slot order. */
  private readonly free = new Uint8Array(SLOTS);
  private spawnSpeed = INIT_SPAWN_SPEED;
  private spawnTimer = INIT_SPAWN_SPEED;
  private moveSpeed = INIT_MOVE_INTERVAL;
  private moveTimer = INIT_MOVE_INTERVAL;
  private rampTimer = RAMP_INTERVAL;
  private rampIndex = 0;

  constructor(options: MinAtarGameOptions) {
    this.random = options.random;
    this.ramping = options.ramping;
  }

  reset(): void {
    this.playerX = 5;
    this.playerY = 5;
    this.alive.fill(0);
    this.spawnSpeed = INIT_SPAWN_SPEED;
    this.spawnTimer = INIT_SPAWN_SPEED;
    this.moveSpeed = INIT_MOVE_INTERVAL;
    this.moveTimer = INIT_MOVE_INTERVAL;
    this.rampTimer = RAMP_INTERVAL;
    this.rampIndex = 0;
    this.terminal = false;
  }

  act(action: number): number {
    let r = 0;
    if (this.terminal) return r;

    if (this.spawnTimer === 0) {
      this.spawn();
      this.spawnTimer = this.spawnSpeed;
    }

    if (action === Action.Left) this.playerX = Math.max(0, this.playerX - 1);
    else if (action === Action.Right) this.playerX = Math.min(9, this.playerX + 1);
    else if (action === Action.Up) this.playerY = Math.max(1, this.playerY - 1);
    else if (action === Action.Down) this.playerY = Math.min(8, this.playerY + 1);

    const alive = this.alive;
    const entX = this.entX;
    const gold = this.gold;
    const px = this.playerX;
    const py = this.playerY;
    // The player may have walked onto an entity.
    for (let i = 0; i < SLOTS; i++) {
      if (alive[i] === 1 && entX[i] === px && i + 1 === py) {
        if (gold[i] === 1) {
          alive[i] = 0;
          r += 1;
        } else {
          this.terminal = true;
        }
      }
    }
    if (this.moveTimer === 0) {
      this.moveTimer = this.moveSpeed;
      const right = this.right;
      for (let i = 0; i < SLOTS; i++) {
        if (alive[i] !== 1) continue;
        const x = entX[i]! + (right[i] === 1 ? 1 : -1);
        entX[i] = x;
        // An entity that left the screen is gone; it cannot touch the player.
        if (x < 0 || x > 9) {
          alive[i] = 0;
          continue;
        }
        if (x === px && i + 1 === py) {
          if (gold[i] === 1) {
            alive[i] = 0;
            r += 1;
          } else {
            this.terminal = true;
          }
        }
      }
    }

    this.spawnTimer--;
    this.moveTimer--;

    if (this.ramping && (this.spawnSpeed > 1 || this.moveSpeed > 1)) {
      if (this.rampTimer >= 0) {
        this.rampTimer--;
      } else {
        if (this.moveSpeed > 1 && this.rampIndex % 2 === 1) this.moveSpeed--;
        if (this.spawnSpeed > 1) this.spawnSpeed--;
        this.rampIndex++;
        this.rampTimer = RAMP_INTERVAL;
      }
    }
    return r;
  }

  /** Draws side and kind first, then a free slot only if there is one (as the original). */
  private spawn(): void {
    const random = this.random;
    const lr = random.rand() < 1 / 2;
    const isGold = random.rand() < 1 / 3;
    const alive = this.alive;
    const free = this.free;
    let n = 0;
    for (let i = 0; i < SLOTS; i++) if (alive[i] === 0) free[n++] = i;
    if (n === 0) return;
    const slot = free[random.randint(n)]!;
    alive[slot] = 1;
    this.entX[slot] = lr ? 0 : 9;
    this.right[slot] = lr ? 1 : 0;
    this.gold[slot] = isGold ? 1 : 0;
  }

  difficultyRamp(): number {
    return this.rampIndex;
  }

  writeState(out: Uint8Array, offset: number): void {
    out.fill(0, offset, offset + 100 * C);
    out[offset + (this.playerY * 10 + this.playerX) * C + PLAYER] = 1;
    const alive = this.alive;
    const entX = this.entX;
    const right = this.right;
    const gold = this.gold;
    for (let i = 0; i < SLOTS; i++) {
      if (alive[i] !== 1) continue;
      const x = entX[i]!;
      const row = (i + 1) * 10;
      out[offset + (row + x) * C + (gold[i] === 1 ? GOLD : ENEMY)] = 1;
      const backX = right[i] === 1 ? x - 1 : x + 1;
      if (backX >= 0 && backX <= 9) out[offset + (row + backX) * C + TRAIL] = 1;
    }
  }
}
