/**
 * Snapshots of the plain state inside objects such as environments and
 * random-number generators, as JSON, so that a stopped run can continue
 * exactly where it stood (`npm run train -- --resume` in deterministic
 * mode saves its actor's environments this way).
 *
 * `captureState(object)` copies every own data property, recursively:
 * numbers, booleans, strings, null, typed arrays, arrays and objects;
 * functions are skipped. `restoreState(object, state)` writes a snapshot
 * back into an object built the same way (same class, same constructor
 * arguments): class instances are restored in place, so references held
 * elsewhere stay valid; plain arrays and plain objects are replaced by
 * copies; typed arrays are filled in place and must keep their length.
 * Anything that does not fit (another kind of object, a missing field, a
 * typed array of another type or length) throws, naming the path.
 *
 * The JSON form keeps every number exactly: typed arrays become
 * `{ "$typed": "Float64Array", "values": [...] }`, and NaN and the
 * infinities, which JSON lacks, `{ "$number": "NaN" }`.
 */

export type StateValue = number | boolean | string | null | undefined | StateValue[] | { [key: string]: StateValue } | TypedArray;

type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

const TYPED_ARRAYS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function typedArrayName(value: unknown): TypedArrayName | null {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return null;
  const name = value.constructor.name;
  return name in TYPED_ARRAYS ? (name as TypedArrayName) : null;
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A deep copy of `value`'s data (see the file comment); throws on a cycle or a value it cannot copy. */
export function captureState(value: unknown, path = 'state', seen: Set<object> = new Set()): StateValue {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value !== 'object') throw new Error(`captureState: ${path} is a ${typeof value}, which a snapshot cannot hold`);
  if (typedArrayName(value)) return (value as TypedArray).slice();
  if (seen.has(value)) throw new Error(`captureState: ${path} refers back to an object already in the snapshot`);
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v, i) => captureState(v, `${path}[${i}]`, seen));
    if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      throw new Error(`captureState: ${path} is a ${value.constructor.name}, which a snapshot cannot hold`);
    }
    const out: { [key: string]: StateValue } = {};
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'function') continue;
      out[key] = captureState(v, `${path}.${key}`, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** An object of some class (not a plain object, an array or a typed array). */
function isInstance(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !isPlainObject(v);
}

/** A fresh copy of a captured value, for a place the target does not hold an instance to restore into. */
function copyOf(state: StateValue): unknown {
  if (state === null || typeof state !== 'object') return state;
  if (typedArrayName(state)) return (state as TypedArray).slice();
  if (Array.isArray(state)) return state.map(copyOf);
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, copyOf(v)]));
}

/**
 * Writes `state` (from `captureState` of an object of the same build) into
 * `target`, in place. Throws with the path of the first mismatch; the
 * target may then be partly written, so callers restore into fresh objects.
 */
export function restoreState(target: object, state: StateValue, path = 'state'): void {
  if (state === null || typeof state !== 'object' || Array.isArray(state) || typedArrayName(state)) {
    throw new Error(`restoreState: ${path} should be an object`);
  }
  const fields = state as { [key: string]: StateValue };
  const record = target as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (typeof record[key] !== 'function' && !(key in fields)) throw new Error(`restoreState: ${path}.${key} is missing`);
  }
  for (const [key, value] of Object.entries(fields)) {
    const where = `${path}.${key}`;
    if (!(key in record)) throw new Error(`restoreState: ${where} is not a field of this object`);
    record[key] = restoreValue(record[key], value, where);
  }
}

/** The value to store where `current` was: `current` itself, written in place, or a copy of `state`. */
function restoreValue(current: unknown, state: StateValue, path: string): unknown {
  const typed = typedArrayName(current);
  if (typed) {
    if (typedArrayName(state) !== typed || (state as TypedArray).length !== (current as TypedArray).length) {
      throw new Error(`restoreState: ${path} should be a ${typed} of ${(current as TypedArray).length} values`);
    }
    (current as TypedArray).set(state as TypedArray & ArrayLike<number>);
    return current;
  }
  if (Array.isArray(current) && Array.isArray(state)) {
    const instance = current.find(isInstance) as object | undefined;
    if (instance) {
      // An array of class instances (a VecEnv's environments, a pool of game entities): restore
      // each in place; entries the target lacks are built with the same class's constructor.
      const make = instance.constructor as new () => object;
      if (state.length !== current.length && make.length !== 0) throw new Error(`restoreState: ${path} should hold ${current.length} entries`);
      current.length = state.length;
      state.forEach((s, i) => {
        const c: unknown = current[i];
        if (isInstance(c)) restoreState(c, s, `${path}[${i}]`);
        else if (s !== null && typeof s === 'object' && !Array.isArray(s) && !typedArrayName(s)) {
          const made = new make();
          restoreState(made, s, `${path}[${i}]`);
          current[i] = made;
        } else current[i] = copyOf(s);
      });
      return current;
    }
  }
  if (isInstance(current)) {
    restoreState(current, state, path);
    return current;
  }
  if (current !== null && current !== undefined && state !== null && state !== undefined && typeof current !== typeof state) {
    throw new Error(`restoreState: ${path} should be a ${Array.isArray(current) ? 'array' : typeof current}, not a ${Array.isArray(state) ? 'array' : typeof state}`);
  }
  return copyOf(state);
}

/** `captureState`'s value as JSON-safe data: typed arrays and non-finite numbers tagged (see the file comment). */
export function stateToJson(state: StateValue): unknown {
  if (typeof state === 'number') return Number.isFinite(state) ? state : { $number: String(state) };
  if (state === null || state === undefined || typeof state !== 'object') return state ?? null;
  const typed = typedArrayName(state);
  if (typed) return { $typed: typed, values: Array.from(state as TypedArray, (x) => stateToJson(x)) };
  if (Array.isArray(state)) return state.map(stateToJson);
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, stateToJson(v)]));
}

/** The inverse of `stateToJson`, for JSON read back from a file: throws on a tag it does not know. */
export function stateFromJson(json: unknown, path = 'state'): StateValue {
  if (json === null || typeof json === 'number' || typeof json === 'boolean' || typeof json === 'string') return json;
  if (typeof json !== 'object') throw new Error(`${path} is not snapshot data`);
  if (Array.isArray(json)) return json.map((v, i) => stateFromJson(v, `${path}[${i}]`));
  const o = json as Record<string, unknown>;
  if ('$number' in o) {
    const n = Number(o.$number);
    if (!['NaN', 'Infinity', '-Infinity'].includes(String(o.$number))) throw new Error(`${path} is a damaged number`);
    return n;
  }
  if ('$typed' in o) {
    const name = o.$typed;
    if (typeof name !== 'string' || !(name in TYPED_ARRAYS) || !Array.isArray(o.values)) throw new Error(`${path} is a damaged typed array`);
    const values = o.values.map((v, i) => stateFromJson(v, `${path}[${i}]`));
    if (values.some((v) => typeof v !== 'number')) throw new Error(`${path} holds values that are not numbers`);
    return TYPED_ARRAYS[name as TypedArrayName].from(values as number[]);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, stateFromJson(v, `${path}.${k}`)]));
}
