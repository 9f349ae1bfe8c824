/**
 * How a primitive stays the same object in every thread.
 *
 * A primitive keeps its identity in its own enumerable data properties: a
 * `_kind` tag and an `Int32Array` over a `SharedArrayBuffer` that holds its
 * state. Structured clone (Worker `workerData`, `postMessage`) copies those
 * properties and shares the buffer, but drops the prototype; {@link revive}
 * puts it back, in place, so the receiving thread holds a working object
 * over the same memory. Memory is freed by V8 when the last thread's handle
 * is collected: there is no native object to leak.
 *
 * Two copies of pthreading in one process (two versions installed side by
 * side) each load their own addon, so each has its own parking lot: a
 * waiter parked through one copy is never woken through the other. So a
 * primitive's shared buffer ends with the id of the copy that made it, and
 * a copy refuses, with an error that says so, a primitive another copy made.
 */
import { debugHooks } from './hooks';
import { ArgumentTypeError, RuntimeError, describe } from './errors';
import { binding } from './native';

// The last three words of every shared buffer: a mark, then the id of this
// copy's addon (native/core/threads.h) in two halves.
const COPY_MARK = 0x9e3779b9 | 0;
const copyId = (binding as typeof binding & { copyId: number }).copyId;
const COPY_LOW = copyId % 2 ** 32 | 0;
const COPY_HIGH = Math.floor(copyId / 2 ** 32) | 0;
const TAG_BYTES = 12;

interface Kind {
  prototype: object;
  /** Whether the object keeps its state in `_words` (default true). */
  shared?: boolean;
  onRevive?: (value: object) => void;
}

const kinds = new Map<string, Kind>();

/**
 * Registers the prototype that objects tagged `kind` are revived to, and
 * what else reviving one does.
 */
export function registerKind(kind: string, prototype: object, options: Omit<Kind, 'prototype'> = {}): void {
  kinds.set(kind, { prototype, ...options });
}

// Kinds whose module is loaded only when one is first revived.
const lazyKinds = new Map<string, () => void>();

/**
 * Registers kinds by name only: `load` (which loads the modules that call
 * {@link registerKind} for them) runs the first time one is revived, so a
 * thread that never sees one does not load their modules.
 */
export function registerLazyKinds(names: readonly string[], load: () => void): void {
  for (const name of names) lazyKinds.set(name, load);
}

function kindOf(name: string): Kind | undefined {
  const known = kinds.get(name);
  if (known) return known;
  const load = lazyKinds.get(name);
  if (!load) return undefined;
  for (const [other, l] of lazyKinds) if (l === load) lazyKinds.delete(other);
  load();
  return kinds.get(name);
}

/**
 * Allocates the shared memory of a new primitive: at least `bytes` bytes
 * for the primitive, then (past them) the mark of this copy of the library.
 */
export function sharedBuffer(bytes: number): SharedArrayBuffer {
  const size = Math.ceil(bytes / 4) * 4 + TAG_BYTES;
  const buffer = new SharedArrayBuffer(size);
  const tag = new Int32Array(buffer, size - TAG_BYTES, 3);
  tag[0] = COPY_MARK;
  tag[1] = COPY_LOW;
  tag[2] = COPY_HIGH;
  return buffer;
}

/** Allocates the shared words of a new primitive (see {@link sharedBuffer}). */
export function sharedWords(count: number): Int32Array {
  return new Int32Array(sharedBuffer(count * Int32Array.BYTES_PER_ELEMENT), 0, count);
}

// Whether `words` were made by another copy of the library. Memory without
// the mark (made by a copy older than the mark) cannot tell, and passes.
function madeElsewhere(words: Int32Array): boolean {
  const size = words.buffer.byteLength;
  if (size < TAG_BYTES || size % 4 !== 0) return false;
  const tag = new Int32Array(words.buffer, size - TAG_BYTES, 3);
  return tag[0] === COPY_MARK && (tag[1] !== COPY_LOW || tag[2] !== COPY_HIGH);
}

function refuseForeign(method: string, kind: string, words: Int32Array): void {
  if (!madeElsewhere(words)) return;
  throw new RuntimeError(
    `${method}: this ${kind} was made by another copy of pthreading loaded in this process. Each copy has ` +
      'its own parking lot, so a primitive works only with the copy that made it: have the packages that ' +
      'pass it around depend on one pthreading version',
    'ERR_FOREIGN_PRIMITIVE',
  );
}

function isTagged(value: object): value is { _kind: string; _words?: unknown } {
  const kind = (value as { _kind?: unknown })._kind;
  return typeof kind === 'string' && kindOf(kind) !== undefined;
}

/**
 * Restores every pthreading primitive inside `value` that lost its
 * prototype in a structured clone (a `postMessage` payload, say), walking
 * arrays, plain objects, Maps and Sets. Returns `value`, changed in place.
 * `Thread` arguments and `workerData` are revived automatically.
 *
 * @example
 * worker.on('message', (msg) => { const { lock } = revive(msg); lock.acquire(); });
 */
export function revive<T>(value: T): T {
  reviveInto(value, new Set());
  return value;
}

function reviveInto(value: unknown, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return;
  if (isTagged(value)) {
    const kind = kindOf(value._kind) as Kind;
    if (Object.getPrototypeOf(value) !== kind.prototype) {
      const words = value._words;
      if (kind.shared !== false && (!(words instanceof Int32Array) || !(words.buffer instanceof SharedArrayBuffer))) {
        throw new ArgumentTypeError(`revive: a ${value._kind} must carry its shared memory, got ${describe(words)}`);
      }
      if (kind.shared !== false) refuseForeign('revive', value._kind, words as Int32Array);
      Object.setPrototypeOf(value, kind.prototype);
      debugHooks.retrack(value);
      kind.onRevive?.(value);
    }
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      reviveInto(k, seen);
      reviveInto(v, seen);
    }
    return;
  } else if (value instanceof Set) {
    for (const v of value) reviveInto(v, seen);
    return;
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) return;
  }
  for (const key of Object.keys(value)) reviveInto((value as Record<string, unknown>)[key], seen);
}

/**
 * Calls `visit` once on every object reachable from `value` through Maps,
 * Sets, arrays and own enumerable keys; `visit` returns false to go no
 * deeper. Buffers and views are visited, never entered.
 */
function walk(value: unknown, visit: (v: object) => boolean): void {
  const seen = new Set<object>();
  const go = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (!visit(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        go(k);
        go(x);
      }
    } else if (v instanceof Set) {
      for (const x of v) go(x);
    } else {
      for (const key of Object.keys(v)) go((v as Record<string, unknown>)[key]);
    }
  };
  go(value);
}

/**
 * Throws if `value` (Thread arguments, say) holds a pthreading primitive
 * made by another copy of the library: sent to a thread, it could never
 * work there.
 */
export function refuseForeignIn(method: string, value: unknown): void {
  walk(value, (v) => {
    const kind = (v as { _kind?: unknown })._kind;
    const words = (v as { _words?: unknown })._words;
    if (typeof kind === 'string' && words instanceof Int32Array && words.buffer instanceof SharedArrayBuffer) {
      refuseForeign(method, kind, words);
    }
    if (v instanceof Map || v instanceof Set || Array.isArray(v) || typeof kind === 'string') return true;
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
  });
}

/**
 * Throws if `value` holds shared memory (a pthreading primitive, a
 * SharedArrayBuffer or a view of one): serializing it for a Queue or a
 * shared container would store a copy that no longer shares anything.
 */
export function refuseShared(method: string, value: unknown): void {
  walk(value, (v) => {
    if (v instanceof SharedArrayBuffer || (ArrayBuffer.isView(v) && v.buffer instanceof SharedArrayBuffer)) {
      throw new ArgumentTypeError(
        `${method}: cannot store shared memory or a pthreading primitive (it would arrive as a copy); ` +
          'pass it to threads in args or by postMessage instead',
      );
    }
    return true;
  });
}

// The prototypes of the global classes whose instances a structured clone
// may carry (Date, RegExp, Map, the typed arrays, Error, Blob…): anything
// else that is neither plain data nor a pthreading object is an instance of
// the program's own class, which would arrive as a plain object.
let builtins: Set<object> | null = null;
function isBuiltinInstance(value: object): boolean {
  if (!builtins) {
    builtins = new Set();
    for (const key of Object.getOwnPropertyNames(globalThis)) {
      const d = Object.getOwnPropertyDescriptor(globalThis, key);
      const proto = typeof d?.value === 'function' ? (d.value as { prototype?: unknown }).prototype : undefined;
      if (typeof proto === 'object' && proto !== null && proto !== Object.prototype) builtins.add(proto);
    }
  }
  for (let p = Object.getPrototypeOf(value) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (builtins.has(p)) return true;
  }
  return false;
}

// Whether `value` is plain data: an array, or an object whose prototype is
// Object.prototype (of any realm) or null.
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || proto === Object.prototype) return true;
  return Object.getPrototypeOf(proto) === null && (proto as { constructor?: { name?: unknown } }).constructor?.name === 'Object';
}

// The methods and accessors of `value`'s own classes (below any built-in
// prototype), which a structured clone leaves behind.
function classMembers(value: object): string[] {
  const members: string[] = [];
  for (let p = Object.getPrototypeOf(value) as object | null; p !== null && p !== Object.prototype && !builtins!.has(p); p = Object.getPrototypeOf(p) as object | null) {
    for (const key of Object.getOwnPropertyNames(p)) if (key !== 'constructor' && !members.includes(key)) members.push(key);
  }
  return members;
}

function pathTo(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * What in `value` (reached as `root`: `args`, `this`) cannot be sent to a
 * thread as it is, as `[path, what]`: the first function, symbol or
 * instance of a class of the program that has methods or accessors (it
 * would arrive as a plain object without them; an instance of a class of
 * data alone arrives as a plain object with the same fields), or, with
 * `tryClone`, the first value a structured clone refuses. Null if there is
 * none.
 */
export function unsendable(value: unknown, root: string, tryClone = false): [string, string] | null {
  const seen = new Set<object>();
  const go = (v: unknown, path: string): [string, string] | null => {
    if (typeof v === 'function') return [path, `a function (${describe(v)})`];
    if (typeof v === 'symbol') return [path, 'a symbol'];
    if (typeof v !== 'object' || v === null || seen.has(v)) return null;
    seen.add(v);
    if (isTagged(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return null;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        const found = go(k, `${path}.keys()`) ?? go(x, `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : String(k)})`);
        if (found) return found;
      }
      return null;
    }
    if (v instanceof Set) {
      for (const x of v) {
        const found = go(x, `${path}.values()`);
        if (found) return found;
      }
      return null;
    }
    const builtin = isBuiltinInstance(v);
    const members = builtin ? [] : classMembers(v);
    if (isPlain(v) || (!builtin && members.length === 0)) {
      for (const key of Object.keys(v)) {
        const found = go((v as Record<string, unknown>)[key], Array.isArray(v) ? `${path}[${key}]` : pathTo(path, key));
        if (found) return found;
      }
      return null;
    }
    if (!builtin) {
      const listed = members.slice(0, 3).join(', ') + (members.length > 3 ? ', …' : '');
      return [path, `${describe(v)}, which would arrive as a plain object without its class's methods (${listed})`];
    }
    if (tryClone && v.constructor?.name !== 'MessagePort') {
      try {
        structuredClone(v);
      } catch {
        return [path, `${describe(v)}, which a structured clone cannot copy`];
      }
    }
    return null;
  };
  return go(value, root);
}

/**
 * Throws ArgumentTypeError (`ERR_DATA_CLONE`) naming the path of what in
 * `value` cannot be sent to a thread as it is (see {@link unsendable}).
 * `advice` ends the message.
 */
export function refuseUnsendable(method: string, value: unknown, root: string, advice: string): void {
  const found = unsendable(value, root);
  if (found) throw new ArgumentTypeError(`${method}: ${found[0]} is ${found[1]}. ${advice}`, 'ERR_DATA_CLONE');
}
