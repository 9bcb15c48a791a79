import { describe, expect, it } from 'vitest';
import { minatarPalette } from '../../src/core/render/cubehelix';
import { renderMinAtar } from '../../src/core/render/minatarRender';
import { drawPicture, type Canvas2DLike } from '../../src/core/render/drawPicture';
import type { Picture } from '../../src/core/render/drawCommands';

describe('MinAtar renderer', () => {
  it('uses the cubehelix palette MinAtar samples (reference computed in float64 with numpy)', () => {
    expect(Array.from(minatarPalette(4))).toEqual([22, 61, 78, 84, 121, 47, 208, 126, 147, 193, 202, 243]);
  });

  it('colours each cell by its highest set channel, black when empty, scaled', () => {
    const obs = new Uint8Array(400);
    obs[(2 * 10 + 3) * 4 + 1] = 1; // y=2, x=3: channel 1
    obs[(9 * 10 + 0) * 4 + 0] = 1; // y=9, x=0: channels 0 and 3 -> 3 wins
    obs[(9 * 10 + 0) * 4 + 3] = 1;
    const px = renderMinAtar(obs, 0, 4, 2);
    expect(px.length).toBe(20 * 20 * 4);
    const at = (x: number, y: number): number[] => Array.from(px.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 4));
    expect(at(6, 4)).toEqual([84, 121, 47, 255]);
    expect(at(7, 5)).toEqual([84, 121, 47, 255]);
    expect(at(0, 19)).toEqual([193, 202, 243, 255]);
    expect(at(0, 0)).toEqual([0, 0, 0, 255]);
    expect(() => renderMinAtar(obs, 0, 4, 2, new Uint8ClampedArray(10))).toThrow(/must hold 1600 bytes/);
  });
});

describe('drawPicture', () => {
  it('replays commands on a 2D context, scaled to the canvas', () => {
    const calls: string[] = [];
    const ctx: Canvas2DLike = {
      fillStyle: '',
      strokeStyle: '',
      lineWidth: 1,
      lineCap: 'butt',
      save: () => calls.push('save'),
      restore: () => calls.push('restore'),
      scale: (x, y) => calls.push(`scale ${x} ${y}`),
      fillRect: (x, y, w, h) => calls.push(`fillRect ${x} ${y} ${w} ${h} ${String(ctx.fillStyle)}`),
      beginPath: () => calls.push('beginPath'),
      moveTo: (x, y) => calls.push(`moveTo ${x} ${y}`),
      lineTo: (x, y) => calls.push(`lineTo ${x} ${y}`),
      arc: (x, y, r) => calls.push(`arc ${x} ${y} ${r}`),
      closePath: () => calls.push('closePath'),
      fill: () => calls.push(`fill ${String(ctx.fillStyle)}`),
      stroke: () => calls.push(`stroke ${String(ctx.strokeStyle)} ${ctx.lineWidth}`),
    };
    const picture: Picture = {
      width: 100,
      height: 50,
      background: '#fff',
      commands: [
        { kind: 'rect', x: 1, y: 2, w: 3, h: 4, fill: 'red' },
        { kind: 'polygon', points: [0, 0, 10, 0, 10, 10], fill: 'blue' },
        { kind: 'circle', x: 5, y: 5, r: 2, fill: 'green' },
      ],
    };
    drawPicture(ctx, picture, 200, 100);
    expect(calls).toEqual([
      'save', 'scale 2 2', 'fillRect 0 0 100 50 #fff', 'fillRect 1 2 3 4 red',
      'beginPath', 'moveTo 0 0', 'lineTo 10 0', 'lineTo 10 10', 'closePath', 'fill blue',
      'beginPath', 'arc 5 5 2', 'fill green', 'restore',
    ]);
  });
});
