/**
 * A renderer-neutral picture: a list of drawing commands in a virtual
 * coordinate space (`width` x `height`, y down). Pure data, so a worker can
 * produce it and a `<canvas>` (or a test) can consume it.
 */
export type DrawCommand =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width: number }
  | { kind: 'circle'; x: number; y: number; r: number; fill: string }
  | { kind: 'polygon'; points: readonly number[]; fill: string }
  | { kind: 'polyline'; points: readonly number[]; stroke: string; width: number };

export interface Picture {
  width: number;
  height: number;
  background: string;
  commands: DrawCommand[];
}
