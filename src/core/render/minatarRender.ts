import { minatarPalette } from './cubehelix';

const palettes = new Map<number, Uint8Array>();

function paletteFor(channels: number): Uint8Array {
  let p = palettes.get(channels);
  if (!p) {
    p = minatarPalette(channels);
    palettes.set(channels, p);
  }
  return p;
}

/**
 * Renders a MinAtar observation (10x10xC, channel-last 0/1 bytes) into RGBA
 * pixels, `scale` pixels per cell, as MinAtar's `display_state` does: each
 * cell takes the colour of its highest set channel, black when none is set.
 * Pure: `out` may back an `ImageData` in the page or a worker.
 *
 * @returns `out`, of length `(10 * scale)^2 * 4`.
 */
export function renderMinAtar(
  observation: Uint8Array,
  offset: number,
  channels: number,
  scale = 1,
  out: Uint8ClampedArray = new Uint8ClampedArray(100 * scale * scale * 4),
): Uint8ClampedArray {
  const palette = paletteFor(channels);
  const width = 10 * scale;
  if (out.length !== width * width * 4) {
    throw new RangeError(`renderMinAtar: output must hold ${width * width * 4} bytes, got ${out.length}`);
  }
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 10; x++) {
      const base = offset + (y * 10 + x) * channels;
      let top = -1;
      for (let c = channels - 1; c >= 0; c--) {
        if (observation[base + c]) {
          top = c;
          break;
        }
      }
      const r = top < 0 ? 0 : palette[top * 3]!;
      const g = top < 0 ? 0 : palette[top * 3 + 1]!;
      const b = top < 0 ? 0 : palette[top * 3 + 2]!;
      for (let dy = 0; dy < scale; dy++) {
        let p = ((y * scale + dy) * width + x * scale) * 4;
        for (let dx = 0; dx < scale; dx++, p += 4) {
          out[p] = r;
          out[p + 1] = g;
          out[p + 2] = b;
          out[p + 3] = 255;
        }
      }
    }
  }
  return out;
}

/** The colour of each channel as a CSS colour, for legends. */
export function minatarChannelColors(channels: number): string[] {
  const p = paletteFor(channels);
  return Array.from({ length: channels }, (_, c) => `rgb(${p[c * 3]}, ${p[c * 3 + 1]}, ${p[c * 3 + 2]})`);
}
