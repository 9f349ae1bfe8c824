/**
 * `Value` and `Array` shared between processes: Python's
 * `multiprocessing.Value` and `multiprocessing.Array`.
 *
 * The elements live in a named segment after its header, each read and
 * written whole by one native call; the segment's own reentrant lock
 * (`getLock()`, or acquire/release on the object itself, as Python's
 * synchronized wrappers) makes a read-modify-write safe, and, like an
 * RLock, passes to the next process if its holder is killed.
 */
import { ArgumentTypeError, ValueError, describe } from '../runtime/errors';
import { handle } from './common';
import { Kind, SharedOptions, mp, registerShared } from './native';
import { RLock } from './lock';

/** Python array typecodes a Value or Array may hold. */
export type Typecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'f' | 'd';

const { read, write } = mp;

const SIZES: Record<string, number> = { b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, f: 4, d: 8 };
const MAX_LENGTH = 1 << 24;

function checkTypecode(method: string, typecode: unknown): number {
  if (typeof typecode !== 'string') throw new ArgumentTypeError(`${method}: typecode must be a string like 'i' or 'd', not ${describe(typecode)}`);
  if (!(typecode in SIZES)) throw new ValueError(`${method}: bad typecode '${typecode}' (must be b, B, h, H, i, I, f or d)`);
  return typecode.charCodeAt(0);
}

/** Converts a number for storage as ctypes does: integers wrap, floats stay. */
function coerce(method: string, typecode: number, v: unknown): number {
  if (typeof v !== 'number') throw new ArgumentTypeError(`${method}: a number is required, not ${describe(v)}`);
  switch (String.fromCharCode(typecode)) {
    case 'f':
    case 'd':
      return v;
  }
  if (!Number.isInteger(v)) throw new ArgumentTypeError(`${method}: an integer is required for typecode '${String.fromCharCode(typecode)}', not ${v}`);
  switch (String.fromCharCode(typecode)) {
    case 'b':
      return (v << 24) >> 24;
    case 'B':
      return v & 0xff;
    case 'h':
      return (v << 16) >> 16;
    case 'H':
      return v & 0xffff;
    case 'i':
      return v | 0;
    default:
      return v >>> 0;
  }
}

/**
 * One number shared by every process that opens it, with a lock of its
 * own: `v.value` reads and writes it; `v.getLock()` (or `v.acquire()`,
 * `v.with(fn)`) guards a read-modify-write such as `v.value += 1`.
 */
export class Value extends RLock {
  /** @internal */ override readonly _kind: string = 'multiprocessing.Value';

  /**
   * @param typecode `'i'`, `'d'`, ... (Python's array typecodes b B h H i I f d).
   * @param value the initial value of a new one (default 0); ignored when opening.
   * @param options `name`, `create`, `mode` as for {@link Lock}.
   * @throws ValueError for an unknown typecode. @throws SegmentMismatchError
   *   when the name holds a Value of another typecode.
   */
  constructor(typecode: Typecode, value = 0, options?: SharedOptions) {
    const code = checkTypecode('Value()', typecode);
    const initial = coerce('Value()', code, value);
    // A new Value gets its value before any other process can open it; one
    // opened by name keeps its own.
    super(options, { value: code, bound: 1, initial });
  }

  /** @internal */
  protected override kindCode(): Kind {
    return Kind.Value;
  }

  /** The shared number (read and written whole; not a read-modify-write). */
  get value(): number {
    return read(handle(this, 'Value.value'), 0)!;
  }

  set value(v: number) {
    const h = handle(this, 'Value.value');
    // The addon stores it as ctypes would; it refuses what the typecode
    // cannot hold, and coerce() says why.
    if (typeof v !== 'number' || write(h, 0, v) < 0) coerce('Value.value', mp.shape(h)[0], v);
  }

  /** Python's `get_lock()`: the lock that guards it (this object itself). */
  getLock(): RLock {
    return this;
  }

  override toString(): string {
    if (this._handle === null) return `<Value(${this.name}, closed)>`;
    return `<Value('${String.fromCharCode(mp.shape(this._handle)[0])}', ${this.value})>`;
  }
}

/**
 * A fixed-length array of numbers shared by every process that opens it,
 * with a lock of its own (as {@link Value}). `get(i)`/`set(i, v)` read and
 * write one element; `toArray()` copies them all.
 */
export class SharedArray extends RLock {
  /** @internal */ override readonly _kind: string = 'multiprocessing.Array';

  /**
   * @param typecode `'i'`, `'d'`, ... (b B h H i I f d).
   * @param sizeOrInit the length of a new zeroed array, or its initial elements.
   * @param options `name`, `create`, `mode` as for {@link Lock}. Opening an
   *   existing one checks the typecode and length.
   */
  constructor(typecode: Typecode, sizeOrInit: number | ArrayLike<number>, options?: SharedOptions) {
    const code = checkTypecode('Array()', typecode);
    let length: number;
    let init: number[] | null = null;
    if (typeof sizeOrInit === 'number') {
      if (!Number.isInteger(sizeOrInit) || sizeOrInit < 1 || sizeOrInit > MAX_LENGTH) {
        throw new ValueError(`Array(): size must be an integer from 1 to ${MAX_LENGTH}, not ${sizeOrInit}`);
      }
      length = sizeOrInit;
    } else if (sizeOrInit !== null && typeof sizeOrInit === 'object' && typeof sizeOrInit.length === 'number') {
      init = Array.from(sizeOrInit, (v) => coerce('Array()', code, v));
      length = init.length;
      if (length < 1 || length > MAX_LENGTH) throw new ValueError(`Array(): from 1 to ${MAX_LENGTH} elements, not ${length}`);
    } else {
      throw new ArgumentTypeError(`Array(): size_or_initializer must be a length or an array of numbers, not ${describe(sizeOrInit)}`);
    }
    super(options, { value: code, bound: length });
    // Written by the creator just after creating it (an opener racing
    // that may see zeros); an Array opened by name keeps its elements.
    if (init && this._created) for (let i = 0; i < init.length; i++) mp.write(this._handle, i, init[i]);
  }

  /** @internal */
  protected override kindCode(): Kind {
    return Kind.Array;
  }

  /** The number of elements. */
  get length(): number {
    return mp.shape(handle(this, 'Array.length'))[1];
  }

  /** Element `i`. @throws RangeError (Python's IndexError) out of range. */
  get(i: number): number {
    const v = read(handle(this, 'Array.get'), i);
    if (v === undefined) throw new RangeError(`Array.get: index ${i} out of range`);
    return v;
  }

  /** Sets element `i`. @throws RangeError out of range; TypeError for a non-number. */
  set(i: number, v: number): void {
    const h = handle(this, 'Array.set');
    const r = typeof v === 'number' ? write(h, i, v) : -1;
    if (r <= 0) coerce('Array.set', mp.shape(h)[0], v); // throws for a value the typecode cannot hold
    if (r === 0) throw new RangeError(`Array.set: index ${i} out of range`);
  }

  /** A copy of every element (not taken under the lock: hold it for a consistent copy). */
  toArray(): number[] {
    const h = handle(this, 'Array.toArray');
    return Array.from({ length: mp.shape(h)[1] }, (_, i) => mp.read(h, i)!);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.toArray()[Symbol.iterator]();
  }

  /** Python's `get_lock()`: the lock that guards it (this object itself). */
  getLock(): RLock {
    return this;
  }

  override toString(): string {
    if (this._handle === null) return `<Array(${this.name}, closed)>`;
    return `<Array('${String.fromCharCode(mp.shape(this._handle)[0])}', [${this.toArray().join(', ')}])>`;
  }
}

registerShared(Kind.Value, Value.prototype);
registerShared(Kind.Array, SharedArray.prototype);
