/**
 * IEEE 754 binary16 ("half precision", float16): 1 sign bit, 5 exponent bits
 * (bias 15), 10 fraction bits. Normal numbers keep 11 significant bits, a
 * relative error of at most 2^-11 (about 4.9e-4) after rounding to nearest,
 * ties to even; the largest finite value is 65504, the smallest positive
 * (subnormal) 2^-24.
 */

/** The largest finite float16 value. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The float16 bit pattern nearest to `x` (round to nearest, ties to even):
 * values beyond +-65504 rounding away become +-Infinity, NaN stays NaN.
 */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf or NaN
  // The value's unbiased exponent, and float16's exponent field for it.
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Infinity
  if (e <= 0) {
    // Subnormal (or zero) in float16: the significand 1.m shifted right by 1 - e more places.
    if (e < -10) return sign; // below half the smallest subnormal: +-0
    const significand = mantissa | 0x800000;
    const shift = 14 - e; // 13 for the fraction width change, plus 1 - e
    const half = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const rounded = rest > halfway || (rest === halfway && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded; // a carry into the exponent field gives the smallest normal, as it should
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const rounded = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half;
  return sign | rounded; // a carry may reach 0x7c00, Infinity, which is right for values above 65504 + 16
}

/** The number a float16 bit pattern holds. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** `values` as float16, 2 bytes each, little-endian. */
export function encodeFloat16(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, toFloat16Bits(values[i]!), true);
  return bytes;
}

/** Little-endian float16 bytes back as float32 (every float16 value is exact in float32). */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  if (bytes.length % 2 !== 0) throw new RangeError(`decodeFloat16: ${bytes.length} bytes is not a whole number of float16 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 2);
  // A table of all 65,536 patterns would be faster; the files are small enough that this is not needed.
  for (let i = 0; i < out.length; i++) out[i] = fromFloat16Bits(view.getUint16(i * 2, true));
  return out;
}
