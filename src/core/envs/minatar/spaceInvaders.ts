import { Action, type MinAtarGame, type MinAtarGameOptions } from './game';

const CHANNELS = ['cannon', 'alien', 'alien_left', 'alien_right', 'friendly_bullet', 'enemy_bullet'] as const;
const C = CHANNELS.length;
const CANNON = 0;
const ALIEN = 1;
const ALIEN_LEFT = 2;
const ALIEN_RIGHT = 3;
const FRIENDLY_BULLET = 4;
const ENEMY_BULLET = 5;

const SHOT_COOL_DOWN = 5;
const ENEMY_MOVE_INTERVAL = 12;
const ENEMY_SHOT_INTERVAL = 10;
/** Slowest the ramp may make the aliens: it stops once the interval reaches this. */
const MIN_MOVE_INTERVAL = 6;
/** A new wave fills rows 0..3, columns 2..7. */
const WAVE_ROWS = 4;
const WAVE_ROW_BITS = 0b0011111100;
const WAVE_SIZE = WAVE_ROWS * 6;

function popcount10(v: number): number {
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}

/**
 * Space Invaders (minatar/environments/space_invaders.py): a cannon on the
 * bottom row shoots upward at a block of aliens that marches sideways, steps
 * down and turns at the edges, and speeds up as it thins out; the alien
 * nearest the cannon's column shoots back. +1 per alien hit; the episode
 * ends when an alien or an alien bullet reaches the cannon (or an alien
 * block on the bottom row turns). A cleared wave is replaced, and with
 * ramping each new wave moves faster, down to an interval of 6 steps.
 *
 * The original's 10x10 float maps are kept here as one 10-bit mask per row
 * (bit x = column x); `np.roll` becomes a row rotation or a bit rotation.
 */
export class SpaceInvaders implements MinAtarGame {
  readonly name = 'space_invaders';
  readonly channels = CHANNELS;
  readonly minimalActions = [Action.Noop, Action.Left, Action.Right, Action.Fire];
  terminal = false;
  private readonly ramping: boolean;
  private pos = 5;
  /** Row masks: aliens, friendly bullets, enemy bullets. */
  private readonly alien = new Int32Array(10);
  private readonly fBullet = new Int32Array(10);
  private readonly eBullet = new Int32Array(10);
  private alienCount = 0;
  private alienDir = -1;
  private enemyMoveInterval = ENEMY_MOVE_INTERVAL;
  private alienMoveTimer = ENEMY_MOVE_INTERVAL;
  private alienShotTimer = ENEMY_SHOT_INTERVAL;
  private rampIndex = 0;
  private shotTimer = 0;

  constructor(options: MinAtarGameOptions) {
    this.ramping = options.ramping;
  }

  reset(): void {
    this.pos = 5;
    this.fBullet.fill(0);
    this.eBullet.fill(0);
    this.alien.fill(0);
    this.alien.fill(WAVE_ROW_BITS, 0, WAVE_ROWS);
    this.alienCount = WAVE_SIZE;
    this.alienDir = -1;
    this.enemyMoveInterval = ENEMY_MOVE_INTERVAL;
    this.alienMoveTimer = this.enemyMoveInterval;
    this.alienShotTimer = ENEMY_SHOT_INTERVAL;
    this.rampIndex = 0;
    this.shotTimer = 0;
    this.terminal = false;
  }

  act(action: number): number {
    let r = 0;
    if (this.terminal) return r;
    const alien = this.alien;
    const fBullet = this.fBullet;
    const eBullet = this.eBullet;

    if (action === Action.Fire && this.shotTimer === 0) {
      fBullet[9] = fBullet[9]! | (1 << this.pos);
      this.shotTimer = SHOT_COOL_DOWN;
    } else if (action === Action.Left) {
      this.pos = Math.max(0, this.pos - 1);
    } else if (action === Action.Right) {
      this.pos = Math.min(9, this.pos + 1);
    }
    const bit = 1 << this.pos;

    // Friendly bullets rise one row (the top row leaves the board), enemy bullets fall one.
    for (let y = 0; y < 9; y++) fBullet[y] = fBullet[y + 1]!;
    fBullet[9] = 0;
    for (let y = 9; y > 0; y--) eBullet[y] = eBullet[y - 1]!;
    eBullet[0] = 0;
    if ((eBullet[9]! & bit) !== 0) this.terminal = true;

    if ((alien[9]! & bit) !== 0) this.terminal = true;
    if (this.alienMoveTimer === 0) {
      this.alienMoveTimer = Math.min(this.alienCount, this.enemyMoveInterval);
      let cols = 0;
      for (let y = 0; y < 10; y++) cols |= alien[y]!;
      if (((cols & 1) !== 0 && this.alienDir < 0) || ((cols & 0x200) !== 0 && this.alienDir > 0)) {
        this.alienDir = -this.alienDir;
        if (alien[9]! !== 0) this.terminal = true;
        // np.roll down one row: the bottom row wraps to the top.
        const bottom = alien[9]!;
        for (let y = 9; y > 0; y--) alien[y] = alien[y - 1]!;
        alien[0] = bottom;
      } else if (this.alienDir < 0) {
        for (let y = 0; y < 10; y++) {
          const row = alien[y]!;
          alien[y] = (row >>> 1) | ((row & 1) << 9);
        }
      } else {
        for (let y = 0; y < 10; y++) {
          const row = alien[y]!;
          alien[y] = ((row << 1) & 0x3ff) | (row >>> 9);
        }
      }
      if ((alien[9]! & bit) !== 0) this.terminal = true;
    }
    if (this.alienShotTimer === 0) {
      this.alienShotTimer = ENEMY_SHOT_INTERVAL;
      this.shootFromNearest();
    }

    for (let y = 0; y < 10; y++) {
      const kill = alien[y]! & fBullet[y]!;
      if (kill !== 0) {
        const n = popcount10(kill);
        r += n;
        this.alienCount -= n;
        alien[y] = alien[y]! & ~kill;
        fBullet[y] = fBullet[y]! & ~kill;
      }
    }

    if (this.shotTimer > 0) this.shotTimer--;
    this.alienMoveTimer--;
    this.alienShotTimer--;
    if (this.alienCount === 0) {
      if (this.enemyMoveInterval > MIN_MOVE_INTERVAL && this.ramping) {
        this.enemyMoveInterval--;
        this.rampIndex++;
      }
      alien.fill(WAVE_ROW_BITS, 0, WAVE_ROWS);
      this.alienCount = WAVE_SIZE;
    }
    return r;
  }

  /**
   * The original's `_nearest_alien`: columns in order of distance from the
   * cannon, the left one first on a tie (a stable sort of 0..9); the lowest
   * alien of the first occupied column fires.
   */
  private shootFromNearest(): void {
    const alien = this.alien;
    let cols = 0;
    for (let y = 0; y < 10; y++) cols |= alien[y]!;
    if (cols === 0) return;
    const pos = this.pos;
    let col = -1;
    for (let d = 0; d < 10 && col < 0; d++) {
      if (pos - d >= 0 && (cols & (1 << (pos - d))) !== 0) col = pos - d;
      else if (d > 0 && pos + d <= 9 && (cols & (1 << (pos + d))) !== 0) col = pos + d;
    }
    const bit = 1 << col;
    for (let y = 9; y >= 0; y--) {
      if ((alien[y]! & bit) !== 0) {
        this.eBullet[y] = this.eBullet[y]! | bit;
        return;
      }
    }
  }

  difficultyRamp(): number {
    return this.rampIndex;
  }

  writeState(out: Uint8Array, offset: number): void {
    out.fill(0, offset, offset + 100 * C);
    const dirChannel = this.alienDir < 0 ? ALIEN_LEFT : ALIEN_RIGHT;
    for (let y = 0; y < 10; y++) {
      const row = offset + y * 10 * C;
      for (let a = this.alien[y]!; a !== 0; a &= a - 1) {
        const o = row + (31 - Math.clz32(a & -a)) * C;
        out[o + ALIEN] = 1;
        out[o + dirChannel] = 1;
      }
      for (let f = this.fBullet[y]!; f !== 0; f &= f - 1) out[row + (31 - Math.clz32(f & -f)) * C + FRIENDLY_BULLET] = 1;
      for (let e = this.eBullet[y]!; e !== 0; e &= e - 1) out[row + (31 - Math.clz32(e & -e)) * C + ENEMY_BULLET] = 1;
    }
    out[offset + (90 + this.pos) * C + CANNON] = 1;
  }
}
