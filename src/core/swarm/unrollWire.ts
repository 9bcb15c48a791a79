import type { Unroll } from '../actor/unroll';
import type { ObservationArray, ObservationDtype } from '../envs/types';
import { decodeAsciiJson, encodeAsciiJson } from './asciiJson';
import { isBinary, packBits, packedLength, unpackBits } from './bitPack';
import { checkUnroll, type UnrollExpectation } from './unrollCheck';

/**
 * An unroll as one message on the wire, between an actor on one machine
 * and the learner on another:
 *
 *   'IMPU' | format u8 | 3 bytes 0 | header length H u32 | H bytes of ASCII JSON header
 *   then, each starting at a multiple of 8 bytes, little-endian:
 *     observations          x_0..x_T, bit-packed when boolean (uint8 0/1), else raw
 *     actions               int32   [T][N]
 *     rewards               float32 [T][N]
 *     terminated, truncated uint8   [T][N] each
 *     behaviourLogits       float32 [T][N][A]
 *     truncatedIndices      int32   [K]
 *     truncatedObservations [K][...shape], packed like the observations
 *     episodeReturns        float64 [E]
 *     episodeLengths        int32   [E]
 *     taskIds               int32   [N]
 *     episodeTaskIds        int32   [E]
 *   and, when the header's coreSize H is above 0 (an LSTM core, `Unroll.core`):
 *     core h, core c        float32 [N][H] each
 *     previousActions       int32   [N]
 *     previousRewards       float32 [N]
 *
 * The header names the actor (its contributor id and unroll sequence
 * number, which also make the JetStream message id) and the sizes. Reading
 * (`decodeUnroll`) trusts nothing: the header's fields and sizes must match
 * the run's `UnrollExpectation`, the message must be exactly as long as
 * they imply, and the values must pass `checkUnroll`. Typed arrays are
 * little-endian on every platform that runs the lab (x86, ARM).
 */

const MAGIC = [0x49, 0x4d, 0x50, 0x55]; // 'IMPU'
const FORMAT = 1;
const PREFIX = 12;
/** Longest header accepted (a real one is about 300 bytes). */
const MAX_HEADER = 4096;
/** Contributor ids: what `actorId` may be (letters, digits, '-', '_', '.'; at most 64). */
export const ACTOR_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

interface UnrollHeader {
  actorId: string;
  seq: number;
  actorIndex: number;
  policyVersion: number;
  T: number;
  numEnvs: number;
  numActions: number;
  observationShape: number[];
  observationDtype: ObservationDtype;
  /** 'bits': observations bit-packed; 'raw': one value per element in their dtype. */
  observationPacking: 'bits' | 'raw';
  /** K: truncated steps. */
  truncatedCount: number;
  /** E: episodes that ended. */
  episodeCount: number;
  /** H of the LSTM core whose state the unroll carries; 0: none. */
  coreSize: number;
}

/** Who sent an unroll and its place in that actor's sequence. */
export interface UnrollOrigin {
  actorId: string;
  seq: number;
}

export type DecodedUnroll = { ok: true; unroll: Unroll; origin: UnrollOrigin } | { ok: false; problem: string; actorId: string | null };

const align8 = (n: number): number => (n + 7) & ~7;

function observationBytes(count: number, dtype: ObservationDtype, packing: 'bits' | 'raw'): number {
  if (packing === 'bits') return packedLength(count);
  return dtype === 'uint8' ? count : count * 4;
}

/** Section sizes in bytes, in wire order. */
function sectionSizes(h: Omit<UnrollHeader, 'actorId' | 'seq' | 'actorIndex' | 'policyVersion'>): number[] {
  const size = h.observationShape.reduce((a, b) => a * b, 1);
  const steps = h.T * h.numEnvs;
  const K = h.truncatedCount;
  const E = h.episodeCount;
  return [
    observationBytes((h.T + 1) * h.numEnvs * size, h.observationDtype, h.observationPacking),
    steps * 4,
    steps * 4,
    steps,
    steps,
    steps * h.numActions * 4,
    K * 4,
    observationBytes(K * size, h.observationDtype, h.observationPacking),
    E * 8,
    E * 4,
    h.numEnvs * 4,
    E * 4,
    ...(h.coreSize > 0 ? [h.numEnvs * h.coreSize * 4, h.numEnvs * h.coreSize * 4, h.numEnvs * 4, h.numEnvs * 4] : []),
  ];
}

function messageLength(headerLength: number, sizes: readonly number[]): number {
  return sizes.reduce((offset, s) => offset + align8(s), align8(PREFIX + headerLength));
}

/**
 * The longest message a run's unroll can be: every step truncated and every
 * step an episode's end, observations unpacked. The learner refuses longer
 * messages before reading them.
 */
export function maxUnrollBytes(expect: UnrollExpectation): number {
  const steps = expect.T * expect.numEnvs;
  const shape = [...expect.observationShape];
  return messageLength(MAX_HEADER, sectionSizes({ ...expect, observationShape: shape, observationPacking: 'raw', truncatedCount: steps, episodeCount: steps, coreSize: expect.coreSize ?? 0 }));
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function observationPayload(o: ObservationArray, packing: 'bits' | 'raw'): Uint8Array {
  return packing === 'bits' ? packBits(o as Uint8Array) : bytesOf(o);
}

/** Writes an unroll as one message; boolean observations are bit-packed. */
export function encodeUnroll(u: Unroll, origin: UnrollOrigin): Uint8Array {
  if (!ACTOR_ID_PATTERN.test(origin.actorId)) throw new RangeError(`encodeUnroll: actor id '${origin.actorId}' is not ${ACTOR_ID_PATTERN}`);
  const packing = u.observationDtype === 'uint8' && isBinary(u.observations as Uint8Array) && isBinary(u.truncatedObservations as Uint8Array) ? 'bits' : 'raw';
  const header: UnrollHeader = {
    actorId: origin.actorId,
    seq: origin.seq,
    actorIndex: u.actorIndex,
    policyVersion: u.policyVersion,
    T: u.T,
    numEnvs: u.numEnvs,
    numActions: u.numActions,
    observationShape: [...u.observationShape],
    observationDtype: u.observationDtype,
    observationPacking: packing,
    truncatedCount: u.truncatedIndices.length,
    episodeCount: u.episodeReturns.length,
    coreSize: u.core ? u.core.initialState.h.length / u.numEnvs : 0,
  };
  const headerBytes = encodeAsciiJson(header);
  const sections = [
    observationPayload(u.observations, packing),
    bytesOf(u.actions),
    bytesOf(u.rewards),
    bytesOf(u.terminated),
    bytesOf(u.truncated),
    bytesOf(u.behaviourLogits),
    bytesOf(u.truncatedIndices),
    observationPayload(u.truncatedObservations, packing),
    bytesOf(u.episodeReturns),
    bytesOf(u.episodeLengths),
    bytesOf(u.taskIds),
    bytesOf(u.episodeTaskIds),
    ...(u.core ? [bytesOf(u.core.initialState.h), bytesOf(u.core.initialState.c), bytesOf(u.core.previousActions), bytesOf(u.core.previousRewards)] : []),
  ];
  const out = new Uint8Array(messageLength(headerBytes.length, sections.map((s) => s.length)));
  out.set(MAGIC, 0);
  out[4] = FORMAT;
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, PREFIX);
  let offset = align8(PREFIX + headerBytes.length);
  for (const s of sections) {
    out.set(s, offset);
    offset += align8(s.length);
  }
  return out;
}

const isCount = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;

/** The header's fields, typed, or the first that is wrong. */
function readHeader(value: unknown, expect: UnrollExpectation): { header: UnrollHeader } | { problem: string; actorId: string | null } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'header is not an object', actorId: null };
  const h = value as Record<string, unknown>;
  const actorId = typeof h.actorId === 'string' && ACTOR_ID_PATTERN.test(h.actorId) ? h.actorId : null;
  const fail = (problem: string): { problem: string; actorId: string | null } => ({ problem, actorId });
  if (actorId === null) return fail('header: actorId is missing or malformed');
  if (!isCount(h.seq, Number.MAX_SAFE_INTEGER)) return fail('header: seq is not a non-negative integer');
  if (!isCount(h.actorIndex, 2 ** 31 - 1)) return fail('header: actorIndex is not an integer in [0, 2^31)');
  if (!isCount(h.policyVersion, Number.MAX_SAFE_INTEGER)) return fail('header: policyVersion is not a non-negative integer');
  if (h.T !== expect.T) return fail(`header: T is ${String(h.T)}, the run's is ${expect.T}`);
  if (h.numEnvs !== expect.numEnvs) return fail(`header: numEnvs is ${String(h.numEnvs)}, the run's is ${expect.numEnvs}`);
  if (h.numActions !== expect.numActions) return fail(`header: numActions is ${String(h.numActions)}, the run's is ${expect.numActions}`);
  if (!Array.isArray(h.observationShape) || h.observationShape.join() !== expect.observationShape.join()) return fail(`header: observationShape is not [${expect.observationShape}]`);
  if (h.observationDtype !== expect.observationDtype) return fail(`header: observationDtype is not ${expect.observationDtype}`);
  if (h.observationPacking !== 'raw' && !(h.observationPacking === 'bits' && expect.observationDtype === 'uint8')) return fail('header: observationPacking is not raw or bits (for uint8)');
  const steps = expect.T * expect.numEnvs;
  if (!isCount(h.truncatedCount, steps)) return fail(`header: truncatedCount is not an integer in [0, ${steps}]`);
  if (!isCount(h.episodeCount, steps)) return fail(`header: episodeCount is not an integer in [0, ${steps}]`);
  // Absent in messages of actors from before the LSTM core: 0.
  const coreSize = h.coreSize ?? 0;
  if (coreSize !== (expect.coreSize ?? 0)) return fail(`header: coreSize is ${String(h.coreSize)}, the run's LSTM core is ${expect.coreSize ?? 0}`);
  return { header: { ...(h as unknown as UnrollHeader), observationShape: [...expect.observationShape], coreSize } };
}

/**
 * A fresh copy of bytes in their own, aligned buffer. Not `bytes.slice()`:
 * on a Node `Buffer` (what transport-node delivers) `slice` is a view.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A fresh, aligned copy of bytes as a typed array. */
function copyAs<A>(bytes: Uint8Array, make: (buffer: ArrayBuffer) => A): A {
  return make(copyBytes(bytes).buffer as ArrayBuffer);
}

function readObservations(bytes: Uint8Array, count: number, dtype: ObservationDtype, packing: 'bits' | 'raw'): ObservationArray {
  if (packing === 'bits') return unpackBits(bytes, count);
  return dtype === 'uint8' ? copyBytes(bytes) : copyAs(bytes, (b) => new Float32Array(b));
}

/**
 * Reads a message from an actor into an unroll fit for the learner, or
 * says what is wrong with it (and whose it claims to be, when the header
 * names a well-formed actor id). Never throws.
 * `maxPolicyVersion`: the learner's version now (see `checkUnroll`).
 */
export function decodeUnroll(message: Uint8Array, expect: UnrollExpectation, maxPolicyVersion: number): DecodedUnroll {
  const limit = maxUnrollBytes(expect);
  if (message.length > limit) return { ok: false, problem: `message of ${message.length} bytes is larger than any unroll of this run (${limit})`, actorId: null };
  if (message.length < PREFIX || MAGIC.some((b, i) => message[i] !== b)) return { ok: false, problem: 'not an unroll message', actorId: null };
  if (message[4] !== FORMAT) return { ok: false, problem: `unroll format ${message[4]} (this learner reads ${FORMAT})`, actorId: null };
  const headerLength = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(8, true);
  if (headerLength > MAX_HEADER || PREFIX + headerLength > message.length) return { ok: false, problem: 'header length out of range', actorId: null };
  let json: unknown;
  try {
    json = decodeAsciiJson(message.subarray(PREFIX, PREFIX + headerLength));
  } catch (e) {
    return { ok: false, problem: `header: ${e instanceof Error ? e.message : String(e)}`, actorId: null };
  }
  const read = readHeader(json, expect);
  if (!('header' in read)) return { ok: false, ...read };
  const h = read.header;
  const sizes = sectionSizes(h);
  const expected = messageLength(headerLength, sizes);
  if (message.length !== expected) return { ok: false, problem: `message is ${message.length} bytes, its header implies ${expected}`, actorId: h.actorId };
  const sections: Uint8Array[] = [];
  let offset = align8(PREFIX + headerLength);
  for (const s of sizes) {
    sections.push(message.subarray(offset, offset + s));
    offset += align8(s);
  }
  const size = h.observationShape.reduce((a, b) => a * b, 1);
  const [obs, actions, rewards, terminated, truncated, logits, tIdx, tObs, eRet, eLen, taskIds, eTask, coreH, coreC, coreA, coreR] = sections as Uint8Array[] as [
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
    Uint8Array?, Uint8Array?, Uint8Array?, Uint8Array?,
  ];
  let unroll: Unroll;
  try {
    unroll = {
      actorIndex: h.actorIndex,
      policyVersion: h.policyVersion,
      T: h.T,
      numEnvs: h.numEnvs,
      numActions: h.numActions,
      observationShape: h.observationShape,
      observationDtype: h.observationDtype,
      observations: readObservations(obs, (h.T + 1) * h.numEnvs * size, h.observationDtype, h.observationPacking),
      actions: copyAs(actions, (b) => new Int32Array(b)),
      rewards: copyAs(rewards, (b) => new Float32Array(b)),
      terminated: copyBytes(terminated),
      truncated: copyBytes(truncated),
      behaviourLogits: copyAs(logits, (b) => new Float32Array(b)),
      truncatedIndices: copyAs(tIdx, (b) => new Int32Array(b)),
      truncatedObservations: readObservations(tObs, h.truncatedCount * size, h.observationDtype, h.observationPacking),
      episodeReturns: copyAs(eRet, (b) => new Float64Array(b)),
      episodeLengths: copyAs(eLen, (b) => new Int32Array(b)),
      taskIds: copyAs(taskIds, (b) => new Int32Array(b)),
      episodeTaskIds: copyAs(eTask, (b) => new Int32Array(b)),
      ...(coreH && coreC && coreA && coreR
        ? {
            core: {
              initialState: { h: copyAs(coreH, (b) => new Float32Array(b)), c: copyAs(coreC, (b) => new Float32Array(b)) },
              previousActions: copyAs(coreA, (b) => new Int32Array(b)),
              previousRewards: copyAs(coreR, (b) => new Float32Array(b)),
            },
          }
        : {}),
    };
  } catch (e) {
    return { ok: false, problem: e instanceof Error ? e.message : String(e), actorId: h.actorId };
  }
  const problem = checkUnroll(unroll, expect, maxPolicyVersion);
  if (problem) return { ok: false, problem, actorId: h.actorId };
  return { ok: true, unroll, origin: { actorId: h.actorId, seq: h.seq } };
}
