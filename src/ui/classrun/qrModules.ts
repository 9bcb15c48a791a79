import { encode } from 'uqr';

/**
 * A QR code of `text` (uqr: ISO 18004 encoding, error correction M, the
 * standard 4-module quiet zone) as the dark modules of a square, and one SVG
 * path that draws them (one unit per module), for a join link the class
 * scans from the projector. Pure, so that a Node test can decode it.
 */
export interface QrModules {
  /** Modules per side, quiet zone included. */
  size: number;
  /** `dark[y][x]`. */
  dark: boolean[][];
  /** `M x y h1v1h-1z` per dark module. */
  path: string;
}

export function qrModules(text: string): QrModules {
  const { size, data } = encode(text, { ecc: 'M', border: 4 });
  let path = '';
  data.forEach((row, y) =>
    row.forEach((on, x) => {
      if (on) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return { size, dark: data, path };
}
