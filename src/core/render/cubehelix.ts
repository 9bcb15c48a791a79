/**
 * Green's cubehelix colour scheme (D. A. Green 2011, "A colour scheme for the
 * display of astronomical intensity images", eq. 2) with matplotlib's
 * defaults (gamma 1, start s = 0.5, rotations r = -1.5, hue h = 1), which is
 * the palette MinAtar draws its channels with (`sns.color_palette("cubehelix",
 * n)`). Its brightness rises monotonically, so the channels stay distinct in
 * greyscale and for colour-blind viewers.
 */
export function cubehelix(x: number): [number, number, number] {
  const s = 0.5;
  const r = -1.5;
  const h = 1;
  const a = (h * x * (1 - x)) / 2;
  const phi = 2 * Math.PI * (s / 3 + r * x);
  const cos = Math.cos(phi);
  const sin = Math.sin(phi);
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  return [
    clamp(x + a * (-0.14861 * cos + 1.78277 * sin)),
    clamp(x + a * (-0.29227 * cos - 0.90649 * sin)),
    clamp(x + a * (1.97294 * cos)),
  ];
}

/**
 * MinAtar's per-channel palette: `n` colours sampled at `linspace(0, 1, n + 2)[1:-1]`
 * (seaborn's sampling of a matplotlib colormap, whose 256-entry table this
 * reproduces), as 0..255 RGB triples. Index 0 of the result is channel 0.
 */
export function minatarPalette(n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const x = (i + 1) / (n + 1);
    const lutIndex = Math.min(255, Math.floor(x * 256));
    const rgb = cubehelix(lutIndex / 255);
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round(rgb[k]! * 255);
  }
  return out;
}
