/**
 * JSON as ASCII bytes and back, for the small headers of wire messages.
 * The core has no `TextEncoder` in every world it runs in (its tsconfig has
 * no DOM), so characters beyond ASCII are written as `\uXXXX` escapes,
 * which JSON reads back as the same string; a byte above 127 is refused.
 */

export function encodeAsciiJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Parses ASCII JSON; throws on a non-ASCII byte or invalid JSON. */
export function decodeAsciiJson(bytes: Uint8Array): unknown {
  let text = '';
  const CHUNK = 4096;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const part = bytes.subarray(i, i + CHUNK);
    for (let k = 0; k < part.length; k++) if (part[k]! > 127) throw new Error('header: not ASCII');
    text += String.fromCharCode(...part);
  }
  return JSON.parse(text) as unknown;
}
