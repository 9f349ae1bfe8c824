/**
 * `SharedList` and `SharedDict`: a list and a dict of structured-cloneable
 * values that every thread sees, in the shape of the proxies Python's
 * `multiprocessing.Manager()` hands out.
 *
 * The whole container is serialized (v8's structured-clone format) into a
 * growable SharedArrayBuffer (growable.ts) under the container's RLock,
 * which grows as the contents do, so a container holds as much as memory
 * allows; each thread keeps the
 * decoded copy of the version it saw last, so reads without a change in
 * between decode nothing. Writes cost O(size): this is for the shared state
 * of a threaded program (a registry, a result list), not a database.
 *
 * Layout: Int32 [0] version, [1] byte length; the serialized bytes follow
 * (a SharedList is stored as an array, a SharedDict as a Map, so that every
 * string, `'__proto__'` included, is an ordinary key).
 * pthreading primitives cannot be stored inside (v8's serializer has no
 * SharedArrayBuffer support): pass those to threads directly.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import v8 from 'node:v8';

import { criticalWith } from '../sync/critical';
import { ArgumentTypeError, MemoryError, ValueError, describe, messageOf } from '../runtime/errors';
import { GrowableBuffer, MAX_BYTES, growTo, growableBuffer } from './growable';
import { RLock } from '../sync/rlock';
import { refuseShared, registerKind } from '../runtime/shared';
import { checkCount, checkInteger, checkOptions } from '../runtime/validate';

const HEADER = 8;
const VERSION = 0;
const LENGTH = 1;
// The first size of the bytes: one page with the header (it doubles as needed).
const INITIAL = 4096 - HEADER;

// The decoded copy this thread last saw, per buffer.
const cache = new WeakMap<SharedArrayBuffer, { version: number; value: unknown }>();

abstract class SharedStore<T> {
  /** @internal */ readonly _buffer: GrowableBuffer;
  /** @internal */ readonly _lock: RLock = new RLock();

  constructor(capacity: unknown, initial: T) {
    const most = checkCount(new.target.name, 'capacity', capacity ?? MAX_BYTES - HEADER, 64, MAX_BYTES - HEADER);
    this._buffer = growableBuffer(new.target.name, HEADER + Math.min(most, INITIAL), HEADER + most);
    this.store(initial);
  }

  /** The lock that makes a sequence of operations atomic. */
  getLock(): RLock {
    return this._lock;
  }

  /** @internal The current contents (a private copy: mutate, then store). */
  protected load(): T {
    const header = new Int32Array(this._buffer, 0, 2);
    const version = Atomics.load(header, VERSION);
    const seen = cache.get(this._buffer);
    if (seen && seen.version === version) return v8.deserialize(v8.serialize(seen.value)) as T;
    return this.locked(() => {
      const v = Atomics.load(header, VERSION);
      const bytes = new Uint8Array(this._buffer, HEADER, header[LENGTH]);
      const value = v8.deserialize(Buffer.from(bytes)) as T;
      cache.set(this._buffer, { version: v, value });
      return v8.deserialize(v8.serialize(value)) as T;
    });
  }

  /** @internal Reads without copying; the caller must not mutate it. */
  protected peek(): T {
    const header = new Int32Array(this._buffer, 0, 2);
    const seen = cache.get(this._buffer);
    if (seen && seen.version === Atomics.load(header, VERSION)) return seen.value as T;
    this.load();
    return cache.get(this._buffer)!.value as T;
  }

  /** @internal Replaces the contents. */
  protected store(value: T): void {
    refuseShared(this.constructor.name, value);
    let bytes: Buffer;
    try {
      bytes = v8.serialize(value);
    } catch (error) {
      throw new ArgumentTypeError(`${this.constructor.name}: a value cannot be stored: ${messageOf(error)}`);
    }
    this.locked(() => {
      // Grown under the lock, before the new length is published.
      if (!growTo(this._buffer, HEADER + bytes.length)) {
        const capacity = this._buffer.maxByteLength - HEADER;
        throw new MemoryError(`${this.constructor.name}: cannot grow to ${bytes.length} bytes (its capacity is ${capacity})`);
      }
      const header = new Int32Array(this._buffer, 0, 2);
      new Uint8Array(this._buffer, HEADER, bytes.length).set(bytes);
      header[LENGTH] = bytes.length;
      const version = Atomics.add(header, VERSION, 1) + 1;
      cache.set(this._buffer, { version, value: v8.deserialize(bytes) });
    });
  }

  /** @internal Runs `fn` holding the lock. */
  protected locked<R>(fn: () => R): R {
    return criticalWith(this._lock, fn);
  }

  /** @internal Read-modify-write under the lock. */
  protected update<R>(fn: (value: T) => R): R {
    return this.locked(() => {
      const value = this.load();
      const result = fn(value);
      this.store(value);
      return result;
    });
  }
}

function checkIndex(method: string, index: unknown, length: number, allowEnd = false): number {
  const n = checkInteger(method, 'index', index);
  const i = n < 0 ? n + length : n;
  if (i < 0 || i > length || (i === length && !allowEnd)) throw new ValueError(`${method}: list index out of range`, 'ERR_INDEX');
  return i;
}

// Every item of an iterable, or a TypeError that says what was given.
function itemsOf<T>(method: string, items: unknown): T[] {
  if (items === undefined) return [];
  if (items === null || typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new ArgumentTypeError(`${method}: items must be iterable (an array, a Set, …), not ${describe(items)}`);
  }
  return [...(items as Iterable<T>)];
}

// The repr of the contents: JSON where it can, util.inspect otherwise
// (bigints, cycles), never an exception.
function repr(value: unknown): string {
  try {
    return JSON.stringify(value) ?? inspect(value);
  } catch {
    return inspect(value, { breakLength: Infinity });
  }
}

/** A list shared by every thread: Python's `Manager().list()`. */
export class SharedList<T = unknown> extends SharedStore<T[]> {
  /** @internal */ readonly _kind: string = 'SharedList';

  /**
   * @param items initial items (structured-cloneable).
   * @param options `capacity`: the most bytes the serialized list may
   *   take. Default and largest: 2 GiB − 9 bytes. It is reserved as address
   *   space and committed only as the list grows; a change beyond it
   *   raises `MemoryError` and changes nothing.
   * @throws TypeError if `items` is not iterable.
   */
  constructor(items: Iterable<T> = [], options: { capacity?: number } = {}) {
    super(checkOptions<{ capacity: number }>('SharedList', options).capacity, itemsOf<T>('SharedList', items));
  }

  /** The number of items. */
  get length(): number {
    return this.peek().length;
  }

  /** The item at `index` (negative counts from the end). */
  get(index: number): T {
    const items = this.peek();
    return structuredClone(items[checkIndex('SharedList.get', index, items.length)]);
  }

  /** Replaces the item at `index`. */
  set(index: number, item: T): void {
    this.update((items) => {
      items[checkIndex('SharedList.set', index, items.length)] = item;
    });
  }

  /** Adds an item at the end. */
  append(item: T): void {
    this.update((items) => {
      items.push(item);
    });
  }

  /** Adds every item of `items` at the end. @throws TypeError if `items` is not iterable. */
  extend(items: Iterable<T>): void {
    const added = itemsOf<T>('SharedList.extend', items);
    this.update((list) => {
      list.push(...added);
    });
  }

  /**
   * Inserts `item` before `index`; an index past either end inserts at
   * that end, as Python's `list.insert`.
   * @throws TypeError if `index` is not an integer.
   */
  insert(index: number, item: T): void {
    checkInteger('SharedList.insert', 'index', index);
    this.update((items) => {
      const i = Math.max(0, Math.min(items.length, index < 0 ? index + items.length : index));
      items.splice(i, 0, item);
    });
  }

  /** Removes and returns the item at `index` (default: the last). */
  pop(index = -1): T {
    checkInteger('SharedList.pop', 'index', index);
    return this.update((items) => {
      if (items.length === 0) throw new ValueError('pop from empty list', 'ERR_INDEX');
      return items.splice(checkIndex('SharedList.pop', index, items.length), 1)[0];
    });
  }

  /** Removes the first item equal to `item` (deep equality for objects). */
  remove(item: T): void {
    this.update((items) => {
      const i = indexOf(items, item);
      if (i < 0) throw new ValueError('list.remove(x): x not in list');
      items.splice(i, 1);
    });
  }

  /** The index of the first item equal to `item`. */
  index(item: T): number {
    const i = indexOf(this.peek(), item);
    if (i < 0) throw new ValueError(`${describe(item)} is not in list`);
    return i;
  }

  /** How many items equal `item`. */
  count(item: T): number {
    return this.peek().filter((x) => equal(x, item)).length;
  }

  /** Removes every item. */
  clear(): void {
    this.update((items) => {
      items.length = 0;
    });
  }

  /** A copy of the items, as a plain array. */
  toArray(): T[] {
    return this.load();
  }

  [Symbol.iterator](): Iterator<T> {
    return this.load()[Symbol.iterator]();
  }

  override toString(): string {
    return `SharedList(${repr(this.peek())})`;
  }
}

/**
 * The entries of a SharedDict's constructor or `updateFrom()`: a Map, an
 * iterable of [key, value] pairs, or an object's own enumerable properties.
 * Every key must be a string.
 */
function entriesOf<V>(method: string, entries: unknown): [string, V][] {
  if (entries === undefined || entries === null) return [];
  if (typeof entries !== 'object') {
    throw new ArgumentTypeError(`${method}: entries must be an object, a Map or [key, value] pairs, not ${describe(entries)}`);
  }
  if (typeof (entries as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    return Object.entries(entries as Record<string, V>);
  }
  const out: [string, V][] = [];
  for (const pair of entries as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ArgumentTypeError(`${method}: entry #${out.length} must be a [key, value] pair, not ${describe(pair)}`);
    }
    checkKey(method, pair[0]);
    out.push(pair as [string, V]);
  }
  return out;
}

/**
 * A dict shared by every thread: Python's `Manager().dict()`. Keys are
 * strings, any string (`'__proto__'` and `'constructor'` too).
 */
export class SharedDict<V = unknown> extends SharedStore<Map<string, V>> {
  /** @internal */ readonly _kind: string = 'SharedDict';

  /**
   * @param entries initial entries: an object, a Map or [key, value] pairs.
   * @param options `capacity` in bytes, as for SharedList.
   * @throws TypeError for anything else, or a key that is not a string.
   */
  constructor(entries: Record<string, V> | Iterable<[string, V]> = {}, options: { capacity?: number } = {}) {
    super(checkOptions<{ capacity: number }>('SharedDict', options).capacity, new Map(entriesOf<V>('SharedDict', entries)));
  }

  /** The value for `key`, or `fallback` if absent. */
  get(key: string, fallback?: V): V | undefined {
    checkKey('SharedDict.get', key);
    const d = this.peek();
    return d.has(key) ? structuredClone(d.get(key)) : fallback;
  }

  /** Sets `key` to `value`. */
  set(key: string, value: V): void {
    checkKey('SharedDict.set', key);
    this.update((d) => {
      d.set(key, value);
    });
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    checkKey('SharedDict.has', key);
    return this.peek().has(key);
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    checkKey('SharedDict.delete', key);
    return this.update((d) => d.delete(key));
  }

  /** Removes `key` and returns its value, or `fallback`. @throws ValueError if absent and no fallback. */
  pop(key: string, ...fallback: [V?]): V | undefined {
    checkKey('SharedDict.pop', key);
    return this.update((d) => {
      if (!d.has(key)) {
        if (fallback.length) return fallback[0];
        throw new ValueError(`KeyError: ${JSON.stringify(key)}`, 'ERR_KEY');
      }
      const v = d.get(key);
      d.delete(key);
      return v;
    });
  }

  /** `d[key]` if present; else sets it to `value` and returns that. */
  setdefault(key: string, value: V): V {
    checkKey('SharedDict.setdefault', key);
    return this.update((d) => {
      if (!d.has(key)) d.set(key, value);
      return d.get(key) as V;
    });
  }

  /**
   * Merges `entries` in (an object, a Map or [key, value] pairs).
   * @throws TypeError for anything else, or a key that is not a string.
   */
  updateFrom(entries: Record<string, V> | Iterable<[string, V]>): void {
    const added = entriesOf<V>('SharedDict.updateFrom', entries);
    this.update((d) => {
      for (const [k, v] of added) d.set(k, v);
    });
  }

  /** The number of keys. */
  get size(): number {
    return this.peek().size;
  }

  keys(): string[] {
    return [...this.peek().keys()];
  }

  values(): V[] {
    return [...this.load().values()];
  }

  items(): [string, V][] {
    return [...this.load().entries()];
  }

  /** Removes every key. */
  clear(): void {
    this.update((d) => {
      d.clear();
    });
  }

  /** A copy, as a plain object (every key an own property). */
  toObject(): Record<string, V> {
    return Object.fromEntries(this.load());
  }

  override toString(): string {
    return `SharedDict(${repr(Object.fromEntries(this.peek()))})`;
  }
}

function checkKey(method: string, key: unknown): void {
  if (typeof key !== 'string') throw new ArgumentTypeError(`${method}: key must be a string, not ${describe(key)}`);
}

function equal(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || isDeepStrictEqual(a, b);
}

function indexOf<T>(items: T[], item: T): number {
  return items.findIndex((x) => equal(x, item));
}

registerKind('SharedList', SharedList.prototype, { shared: false });
registerKind('SharedDict', SharedDict.prototype, { shared: false });
