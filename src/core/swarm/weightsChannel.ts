import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { decodeAsciiJson, encodeAsciiJson } from './asciiJson';
import { decodeWeights, encodeWeights, type DecodedWeights } from './weightsWire';
import type { SwarmNames } from './swarmNames';

/**
 * Weights under the run's fixed key of the shared KV bucket: the encoded
 * weights themselves (`weightsWire.ts`) when they fit in one message, else a
 * small reference to an object of the object store that holds them (a
 * reference written after the object, so a reader never follows it to
 * weights not yet stored). Actors watch the key; each value carries its
 * own policy version.
 */

const REFERENCE_MAGIC = 'IMPO';
/** Room left in a message for NATS and JetStream headers. */
const HEADER_ROOM = 4096;

export class WeightsChannel {
  constructor(
    private readonly kv: KV,
    private readonly names: SwarmNames,
    /** The server's largest message (`max_payload`). */
    private readonly maxPayload: number,
    /** The object store, opened on first need (weights too large for a message). */
    private readonly objects: () => Promise<ObjectStore>,
  ) {}

  /** Publishes weights (`encodeWeights`); resolves once the server stored them. */
  async publish(version: number, weights: readonly Float32Array[]): Promise<void> {
    await this.publishEncoded(version, encodeWeights(version, weights));
  }

  /** Publishes weights already encoded by `encodeWeights`. */
  async publishEncoded(version: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length + HEADER_ROOM <= this.maxPayload) {
      await this.kv.put(this.names.weightsKey, bytes);
      return;
    }
    const store = await this.objects();
    await store.putBlob({ name: this.names.weightsObject }, bytes);
    await this.kv.put(this.names.weightsKey, referenceTo(this.names.weightsObject, version));
  }

  /** Reads a value of the weights key: inline weights, or the object it refers to. Never throws. */
  async read(value: Uint8Array): Promise<DecodedWeights> {
    const object = referencedObject(value);
    if (object === null) return decodeWeights(value);
    if (object !== this.names.weightsObject) return { ok: false, problem: `weights: reference to an unexpected object '${object.slice(0, 80)}'` };
    try {
      const bytes = await (await this.objects()).getBlob(object);
      return bytes ? decodeWeights(bytes) : { ok: false, problem: `weights: object '${object}' is missing` };
    } catch (e) {
      return { ok: false, problem: `weights: could not read object '${object}': ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

function referenceTo(object: string, version: number): Uint8Array {
  const json = encodeAsciiJson({ object, version });
  const out = new Uint8Array(4 + json.length);
  for (let i = 0; i < 4; i++) out[i] = REFERENCE_MAGIC.charCodeAt(i);
  out.set(json, 4);
  return out;
}

/** The object a reference names, or null if the value is not a reference. */
function referencedObject(value: Uint8Array): string | null {
  if (value.length < 4 || [...REFERENCE_MAGIC].some((c, i) => value[i] !== c.charCodeAt(0))) return null;
  try {
    const r = decodeAsciiJson(value.subarray(4)) as { object?: unknown };
    return typeof r?.object === 'string' ? r.object : '';
  } catch {
    return '';
  }
}
