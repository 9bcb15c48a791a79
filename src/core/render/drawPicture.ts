import type { Picture } from './drawCommands';

/**
 * The part of `CanvasRenderingContext2D` (and of `OffscreenCanvasRenderingContext2D`
 * in a worker) that `drawPicture` uses, declared here so the core needs no DOM types.
 */
export interface Canvas2DLike {
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  lineCap: unknown;
  save(): void;
  restore(): void;
  scale(x: number, y: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, r: number, start: number, end: number): void;
  closePath(): void;
  fill(): void;
  stroke(): void;
}

/** Draws a picture scaled to fit a `width` x `height` canvas. */
export function drawPicture(ctx: Canvas2DLike, picture: Picture, width: number, height: number): void {
  ctx.save();
  ctx.scale(width / picture.width, height / picture.height);
  ctx.fillStyle = picture.background;
  ctx.fillRect(0, 0, picture.width, picture.height);
  ctx.lineCap = 'round';
  for (const cmd of picture.commands) {
    switch (cmd.kind) {
      case 'rect':
        ctx.fillStyle = cmd.fill;
        ctx.fillRect(cmd.x, cmd.y, cmd.w, cmd.h);
        break;
      case 'line':
        ctx.strokeStyle = cmd.stroke;
        ctx.lineWidth = cmd.width;
        ctx.beginPath();
        ctx.moveTo(cmd.x1, cmd.y1);
        ctx.lineTo(cmd.x2, cmd.y2);
        ctx.stroke();
        break;
      case 'circle':
        ctx.fillStyle = cmd.fill;
        ctx.beginPath();
        ctx.arc(cmd.x, cmd.y, cmd.r, 0, 2 * Math.PI);
        ctx.fill();
        break;
      case 'polygon':
      case 'polyline': {
        const pts = cmd.points;
        ctx.beginPath();
        ctx.moveTo(pts[0]!, pts[1]!);
        for (let i = 2; i + 1 < pts.length; i += 2) ctx.lineTo(pts[i]!, pts[i + 1]!);
        if (cmd.kind === 'polygon') {
          ctx.closePath();
          ctx.fillStyle = cmd.fill;
          ctx.fill();
        } else {
          ctx.strokeStyle = cmd.stroke;
          ctx.lineWidth = cmd.width;
          ctx.stroke();
        }
        break;
      }
      default: {
        const never: never = cmd;
        throw new Error(`drawPicture: unknown command ${JSON.stringify(never)}`);
      }
    }
  }
  ctx.restore();
}
