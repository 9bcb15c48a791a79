/**
 * Booleans stored one per byte (MinAtar's 0/1 observation planes) packed
 * eight to a byte for the network, and back: an unroll of Breakout shrinks
 * about 8x on the wire. Bit i of the input is bit (i mod 8), least
 * significant first, of byte floor(i / 8); unused bits of the last byte are 0.
 */

/** Bytes that hold `count` packed bits. */
export function packedLength(count: number): number {
  return Math.ceil(count / 8);
}

/** Whether every value is 0 or 1 (only such arrays can be packed). */
export function isBinary(values: Uint8Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]! > 1) return false;
  return true;
}

/** Packs 0/1 bytes into bits; throws on any other value (check with `isBinary` first). */
export function packBits(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(packedLength(values.length));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > 1) throw new RangeError(`packBits: value ${v} at ${i} is not 0 or 1`);
    out[i >> 3]! |= v << (i & 7);
  }
  return out;
}

/**
 * Unpacks `count` bits into 0/1 bytes. Throws if `packed` is not exactly
 * `packedLength(count)` bytes or if a padding bit is set, so that one
 * message has one reading.
 */
export function unpackBits(packed: Uint8Array, count: number): Uint8Array {
  if (packed.length !== packedLength(count)) throw new RangeError(`unpackBits: ${count} bits need ${packedLength(count)} bytes, got ${packed.length}`);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (packed[i >> 3]! >> (i & 7)) & 1;
  const tail = count & 7;
  if (tail !== 0 && packed[packed.length - 1]! >> tail !== 0) throw new RangeError('unpackBits: padding bits are set');
  return out;
}
