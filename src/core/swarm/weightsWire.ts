import { MAX_LEARNER_VALUES } from '../learner/learnerStateCheck';
import { decodeAsciiJson, encodeAsciiJson } from './asciiJson';

/**
 * The learner's weights as one message, for actors on other machines:
 *
 *   'IMPW' | format u8 | 3 bytes 0 | header length H u32 | ASCII JSON header
 *   { version, sizes } | padding to 8 | float32 values of every array in order
 *
 * The policy version travels in the value itself (not the store's
 * revision), so that weights republished after a server restart, or read
 * from another store, keep their meaning. Weights that arrive are checked
 * like a model file's (`learnerStateCheck.ts`): a sane count, every value
 * finite; whether the sizes fit the network is checked when they are set
 * (`setNetworkWeights`), which leaves the network as it was if not.
 */

const MAGIC = [0x49, 0x4d, 0x50, 0x57]; // 'IMPW'
const FORMAT = 1;
const PREFIX = 12;
const MAX_HEADER = 64 * 1024;
/** Most weight arrays a network of this lab has is a few dozen. */
const MAX_ARRAYS = 1024;

export type DecodedWeights = { ok: true; version: number; weights: Float32Array[] } | { ok: false; problem: string };

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeWeights(version: number, weights: readonly Float32Array[]): Uint8Array {
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`encodeWeights: version ${version} is not a non-negative integer`);
  const header = encodeAsciiJson({ version, sizes: weights.map((w) => w.length) });
  const start = align8(PREFIX + header.length);
  const total = weights.reduce((n, w) => n + w.length, 0);
  const out = new Uint8Array(start + total * 4);
  out.set(MAGIC, 0);
  out[4] = FORMAT;
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, PREFIX);
  const values = new Float32Array(out.buffer, start, total);
  let offset = 0;
  for (const w of weights) {
    values.set(w, offset);
    offset += w.length;
  }
  return out;
}

/** Reads weights from a message, or says what is wrong. Never throws. */
export function decodeWeights(message: Uint8Array): DecodedWeights {
  if (message.length < PREFIX || MAGIC.some((b, i) => message[i] !== b)) return { ok: false, problem: 'not a weights message' };
  if (message[4] !== FORMAT) return { ok: false, problem: `weights format ${message[4]} (this actor reads ${FORMAT})` };
  const headerLength = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(8, true);
  if (headerLength > MAX_HEADER || PREFIX + headerLength > message.length) return { ok: false, problem: 'weights: header length out of range' };
  let header: unknown;
  try {
    header = decodeAsciiJson(message.subarray(PREFIX, PREFIX + headerLength));
  } catch (e) {
    return { ok: false, problem: `weights header: ${e instanceof Error ? e.message : String(e)}` };
  }
  const { version, sizes } = (typeof header === 'object' && header !== null ? header : {}) as { version?: unknown; sizes?: unknown };
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return { ok: false, problem: 'weights: version is not a non-negative integer' };
  if (!Array.isArray(sizes) || sizes.length === 0 || sizes.length > MAX_ARRAYS) return { ok: false, problem: `weights: sizes must list 1 to ${MAX_ARRAYS} arrays` };
  let total = 0;
  for (const s of sizes as unknown[]) {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) return { ok: false, problem: 'weights: a size is not a non-negative integer' };
    total += s;
  }
  if (total > MAX_LEARNER_VALUES) return { ok: false, problem: `weights: ${total} values, more than ${MAX_LEARNER_VALUES}` };
  const start = align8(PREFIX + headerLength);
  if (message.length !== start + total * 4) return { ok: false, problem: `weights: message is ${message.length} bytes, its header implies ${start + total * 4}` };
  // A copy in its own buffer (a Node Buffer's `slice` would be a view of a shared pool).
  const values = new Float32Array(new Uint8Array(message.subarray(start)).buffer);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return { ok: false, problem: `weights: value ${i} is ${values[i]}` };
  const weights: Float32Array[] = [];
  let offset = 0;
  for (const s of sizes as number[]) {
    weights.push(values.slice(offset, offset + s));
    offset += s;
  }
  return { ok: true, version, weights };
}
