import type { RandomState } from '../../rng/randomState';
import { Action, type MinAtarGame, type MinAtarGameOptions } from './game';

const CHANNELS = [
  'sub_front',
  'sub_back',
  'friendly_bullet',
  'trail',
  'enemy_bullet',
  'enemy_fish',
  'enemy_sub',
  'oxygen_guage',
  'diver_guage',
  'diver',
] as const;
const C = CHANNELS.length;
const SUB_FRONT = 0;
const SUB_BACK = 1;
const FRIENDLY_BULLET = 2;
const TRAIL = 3;
const ENEMY_BULLET = 4;
const ENEMY_FISH = 5;
const ENEMY_SUB = 6;
const OXYGEN_GAUGE = 7;
const DIVER_GAUGE = 8;
const DIVER = 9;

const MAX_OXYGEN = 200;
const INIT_SPAWN_SPEED = 20;
const DIVER_SPAWN_SPEED = 30;
const INIT_MOVE_INTERVAL = 5;
const SHOT_COOL_DOWN = 5;
const ENEMY_SHOT_INTERVAL = 10;
const DIVER_MOVE_INTERVAL = 5;
const MAX_DIVERS = 6;

/**
 * One entry of the original's entity lists, `[x, y, lr, move_timer, shot_timer]`
 * (bullets use only the first three, fish and divers the first four; the
 * unused fields stay 0 so that value equality over all fields is the
 * original's list equality).
 */
class Entity {
  x = 0;
  y = 0;
  /** Direction: true = moving right. */
  lr = false;
  moveTimer = 0;
  shotTimer = 0;
}

function sameValue(a: Entity, b: Entity): boolean {
  return a.x === b.x && a.y === b.y && a.lr === b.lr && a.moveTimer === b.moveTimer && a.shotTimer === b.shotTimer;
}

/**
 * A Python list of entities with the operations the original uses, over a
 * pool that only grows: the live entries are `items[0..length)`, and the
 * objects past `length` are spares for later appends. A removed entry goes
 * to the first spare slot, so it stays a valid object for the rest of the
 * loop iteration that removed it (the original keeps using it).
 */
class EntityList {
  readonly items: Entity[] = [];
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(x: number, y: number, lr: boolean, moveTimer: number, shotTimer: number): void {
    let e = this.items[this.length];
    if (e === undefined) {
      e = new Entity();
      this.items.push(e);
    }
    e.x = x;
    e.y = y;
    e.lr = lr;
    e.moveTimer = moveTimer;
    e.shotTimer = shotTimer;
    this.length++;
  }

  removeAt(index: number): void {
    const items = this.items;
    const removed = items[index]!;
    const last = this.length - 1;
    for (let k = index; k < last; k++) items[k] = items[k + 1]!;
    items[last] = removed;
    this.length = last;
  }

  /** `list.remove(e)`: drops the first entry equal to `e` in value, which need not be `e` itself. */
  removeValue(e: Entity): void {
    const items = this.items;
    for (let k = 0; k < this.length; k++) {
      if (sameValue(items[k]!, e)) {
        this.removeAt(k);
        return;
      }
    }
  }

  /** Whether some entry is in row `y` moving against `lr`. */
  hasOpposing(y: number, lr: boolean): boolean {
    const items = this.items;
    for (let k = 0; k < this.length; k++) {
      const e = items[k]!;
      if (e.y === y && e.lr !== lr) return true;
    }
    return false;
  }

  /** Index of the first entry at (x, y), or -1. */
  indexAt(x: number, y: number): number {
    const items = this.items;
    for (let k = 0; k < this.length; k++) {
      const e = items[k]!;
      if (e.x === x && e.y === y) return k;
    }
    return -1;
  }
}

/**
 * Seaquest (minatar/environments/seaquest.py): a two-cell submarine shoots
 * enemy fish and enemy subs (+1 each; subs shoot back), picks up divers
 * (at most 6), and must surface before its oxygen runs out. Surfacing
 * refills oxygen and costs one diver; surfacing with 6 pays one point per
 * lit cell of the oxygen gauge. The episode ends on contact with an enemy or
 * enemy bullet, when oxygen runs out, or on surfacing with no diver. Each
 * surfacing ramps the difficulty: enemies spawn more often and move faster.
 *
 * The original keeps Python lists of entities and walks most of them with
 * `for e in reversed(list)` while calling `list.remove(e)`; the loops here
 * reproduce that exactly: an index that stops once it runs past the list's
 * length, removal of the first entry equal in value, and a removed entry
 * that is still updated (an enemy sub removed this step can still fire).
 * Quirks kept from the original: surfacing with 6 divers leaves the count
 * at -1 (so the next surfacing is not fatal), and a sub's back cell at
 * x = -1 would wrap to x = 9 as a numpy index.
 */
export class Seaquest implements MinAtarGame {
  readonly name = 'seaquest';
  readonly channels = CHANNELS;
  readonly minimalActions = [Action.Noop, Action.Left, Action.Up, Action.Right, Action.Down, Action.Fire];
  terminal = false;
  private readonly random: RandomState;
  private readonly ramping: boolean;
  private oxygen = MAX_OXYGEN;
  private diverCount = 0;
  private subX = 5;
  private subY = 0;
  /** Orientation: true = facing right. */
  private subOr = false;
  private readonly fBullets = new EntityList();
  private readonly eBullets = new EntityList();
  private readonly eFish = new EntityList();
  private readonly eSubs = new EntityList();
  private readonly divers = new EntityList();
  private eSpawnSpeed = INIT_SPAWN_SPEED;
  private eSpawnTimer = INIT_SPAWN_SPEED;
  private dSpawnTimer = DIVER_SPAWN_SPEED;
  private moveSpeed = INIT_MOVE_INTERVAL;
  private rampIndex = 0;
  private shotTimer = 0;
  private surface = true;

  constructor(options: MinAtarGameOptions) {
    this.random = options.random;
    this.ramping = options.ramping;
  }

  reset(): void {
    this.oxygen = MAX_OXYGEN;
    this.diverCount = 0;
    this.subX = 5;
    this.subY = 0;
    this.subOr = false;
    this.fBullets.clear();
    this.eBullets.clear();
    this.eFish.clear();
    this.eSubs.clear();
    this.divers.clear();
    this.eSpawnSpeed = INIT_SPAWN_SPEED;
    this.eSpawnTimer = this.eSpawnSpeed;
    this.dSpawnTimer = DIVER_SPAWN_SPEED;
    this.moveSpeed = INIT_MOVE_INTERVAL;
    this.rampIndex = 0;
    this.shotTimer = 0;
    this.surface = true;
    this.terminal = false;
  }

  act(action: number): number {
    let r = 0;
    if (this.terminal) return r;

    if (this.eSpawnTimer === 0) {
      this.spawnEnemy();
      this.eSpawnTimer = this.eSpawnSpeed;
    }
    if (this.dSpawnTimer === 0) {
      this.spawnDiver();
      this.dSpawnTimer = DIVER_SPAWN_SPEED;
    }

    if (action === Action.Fire && this.shotTimer === 0) {
      this.fBullets.push(this.subX, this.subY, this.subOr, 0, 0);
      this.shotTimer = SHOT_COOL_DOWN;
    } else if (action === Action.Left) {
      this.subX = Math.max(0, this.subX - 1);
      this.subOr = false;
    } else if (action === Action.Right) {
      this.subX = Math.min(9, this.subX + 1);
      this.subOr = true;
    } else if (action === Action.Up) {
      this.subY = Math.max(0, this.subY - 1);
    } else if (action === Action.Down) {
      this.subY = Math.min(8, this.subY + 1);
    }
    const subX = this.subX;
    const subY = this.subY;
    const fBullets = this.fBullets;
    const eBullets = this.eBullets;
    const eFish = this.eFish;
    const eSubs = this.eSubs;
    const divers = this.divers;

    // Each loop below is `for e in reversed(list)`: it reads index i while
    // 0 <= i < len(list), then steps to i - 1.
    for (let i = fBullets.length - 1; i >= 0 && i < fBullets.length; ) {
      const bullet = fBullets.items[i--]!;
      bullet.x += bullet.lr ? 1 : -1;
      if (bullet.x < 0 || bullet.x > 9) {
        fBullets.removeValue(bullet);
        continue;
      }
      let k = eFish.indexAt(bullet.x, bullet.y);
      if (k >= 0) {
        eFish.removeAt(k);
        fBullets.removeValue(bullet);
        r++;
        continue;
      }
      k = eSubs.indexAt(bullet.x, bullet.y);
      if (k >= 0) {
        eSubs.removeAt(k);
        fBullets.removeValue(bullet);
        r++;
      }
    }

    for (let i = divers.length - 1; i >= 0 && i < divers.length; ) {
      const diver = divers.items[i--]!;
      if (diver.x === subX && diver.y === subY && this.diverCount < MAX_DIVERS) {
        divers.removeValue(diver);
        this.diverCount++;
      } else if (diver.moveTimer === 0) {
        diver.moveTimer = DIVER_MOVE_INTERVAL;
        diver.x += diver.lr ? 1 : -1;
        if (diver.x < 0 || diver.x > 9) {
          divers.removeValue(diver);
        } else if (diver.x === subX && diver.y === subY && this.diverCount < MAX_DIVERS) {
          divers.removeValue(diver);
          this.diverCount++;
        }
      } else {
        diver.moveTimer--;
      }
    }

    for (let i = eSubs.length - 1; i >= 0 && i < eSubs.length; ) {
      const sub = eSubs.items[i--]!;
      if (sub.x === subX && sub.y === subY) this.terminal = true;
      if (sub.moveTimer === 0) {
        sub.moveTimer = this.moveSpeed;
        sub.x += sub.lr ? 1 : -1;
        if (sub.x < 0 || sub.x > 9) {
          eSubs.removeValue(sub);
        } else if (sub.x === subX && sub.y === subY) {
          this.terminal = true;
        } else {
          const k = fBullets.indexAt(sub.x, sub.y);
          if (k >= 0) {
            eSubs.removeValue(sub);
            fBullets.removeAt(k);
            r++;
          }
        }
      } else {
        sub.moveTimer--;
      }
      // Even a sub removed just above still fires (off-board shots leave at once below).
      if (sub.shotTimer === 0) {
        sub.shotTimer = ENEMY_SHOT_INTERVAL;
        eBullets.push(sub.x, sub.y, sub.lr, 0, 0);
      } else {
        sub.shotTimer--;
      }
    }

    for (let i = eBullets.length - 1; i >= 0 && i < eBullets.length; ) {
      const bullet = eBullets.items[i--]!;
      if (bullet.x === subX && bullet.y === subY) this.terminal = true;
      bullet.x += bullet.lr ? 1 : -1;
      if (bullet.x < 0 || bullet.x > 9) {
        eBullets.removeValue(bullet);
      } else if (bullet.x === subX && bullet.y === subY) {
        this.terminal = true;
      }
    }

    for (let i = eFish.length - 1; i >= 0 && i < eFish.length; ) {
      const fish = eFish.items[i--]!;
      if (fish.x === subX && fish.y === subY) this.terminal = true;
      if (fish.moveTimer === 0) {
        fish.moveTimer = this.moveSpeed;
        fish.x += fish.lr ? 1 : -1;
        if (fish.x < 0 || fish.x > 9) {
          eFish.removeValue(fish);
        } else if (fish.x === subX && fish.y === subY) {
          this.terminal = true;
        } else {
          const k = fBullets.indexAt(fish.x, fish.y);
          if (k >= 0) {
            eFish.removeValue(fish);
            fBullets.removeAt(k);
            r++;
          }
        }
      } else {
        fish.moveTimer--;
      }
    }

    if (this.eSpawnTimer > 0) this.eSpawnTimer--;
    if (this.dSpawnTimer > 0) this.dSpawnTimer--;
    if (this.shotTimer > 0) this.shotTimer--;
    if (this.oxygen <= 0) this.terminal = true;
    if (subY > 0) {
      this.oxygen--;
      this.surface = false;
    } else if (!this.surface) {
      if (this.diverCount === 0) this.terminal = true;
      else r += this.surfaceSub();
    }
    return r;
  }

  /** The original's `_surface`: refill oxygen, pay for a full load, drop a diver, ramp up. */
  private surfaceSub(): number {
    this.surface = true;
    let r = 0;
    if (this.diverCount === MAX_DIVERS) {
      this.diverCount = 0;
      r = Math.floor((this.oxygen * 10) / MAX_OXYGEN);
    }
    this.oxygen = MAX_OXYGEN;
    this.diverCount--;
    if (this.ramping && (this.eSpawnSpeed > 1 || this.moveSpeed > 2)) {
      if (this.moveSpeed > 2 && this.rampIndex % 2 !== 0) this.moveSpeed--;
      if (this.eSpawnSpeed > 1) this.eSpawnSpeed--;
      this.rampIndex++;
    }
    return r;
  }

  /** Draws direction, kind and row (always all three), then spawns unless the row holds an enemy going the other way. */
  private spawnEnemy(): void {
    const lr = this.random.rand() < 1 / 2;
    const isSub = this.random.rand() < 1 / 3;
    const x = lr ? 0 : 9;
    const y = this.random.randint(1, 9);
    if (this.eSubs.hasOpposing(y, lr) || this.eFish.hasOpposing(y, lr)) return;
    if (isSub) this.eSubs.push(x, y, lr, this.moveSpeed, ENEMY_SHOT_INTERVAL);
    else this.eFish.push(x, y, lr, this.moveSpeed, 0);
  }

  private spawnDiver(): void {
    const lr = this.random.rand() < 1 / 2;
    const x = lr ? 0 : 9;
    const y = this.random.randint(1, 9);
    this.divers.push(x, y, lr, DIVER_MOVE_INTERVAL, 0);
  }

  difficultyRamp(): number {
    return this.rampIndex;
  }

  writeState(out: Uint8Array, offset: number): void {
    out.fill(0, offset, offset + 100 * C);
    const subRow = offset + this.subY * 10 * C;
    out[subRow + this.subX * C + SUB_FRONT] = 1;
    let backX = this.subOr ? this.subX - 1 : this.subX + 1;
    if (backX < 0) backX += 10;
    out[subRow + backX * C + SUB_BACK] = 1;
    const bottom = offset + 90 * C;
    const oxygenCells = Math.floor((Math.max(0, this.oxygen) * 10) / MAX_OXYGEN);
    for (let x = 0; x < oxygenCells; x++) out[bottom + x * C + OXYGEN_GAUGE] = 1;
    for (let x = Math.max(0, 9 - this.diverCount); x < 9; x++) out[bottom + x * C + DIVER_GAUGE] = 1;
    writeEntities(out, offset, this.fBullets, FRIENDLY_BULLET, false);
    writeEntities(out, offset, this.eBullets, ENEMY_BULLET, false);
    writeEntities(out, offset, this.eFish, ENEMY_FISH, true);
    writeEntities(out, offset, this.eSubs, ENEMY_SUB, true);
    writeEntities(out, offset, this.divers, DIVER, true);
  }
}

/** Marks each entry's cell in `channel`, and with `trail` the cell behind it (when on the board). */
function writeEntities(out: Uint8Array, offset: number, list: EntityList, channel: number, trail: boolean): void {
  const items = list.items;
  for (let k = 0; k < list.length; k++) {
    const e = items[k]!;
    const row = offset + e.y * 10 * C;
    out[row + e.x * C + channel] = 1;
    if (trail) {
      const backX = e.lr ? e.x - 1 : e.x + 1;
      if (backX >= 0 && backX <= 9) out[row + backX * C + TRAIL] = 1;
    }
  }
}
