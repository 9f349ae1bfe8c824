/**
 * `Value`: a number in shared memory, in the shape of Python's
 * `multiprocessing.Value` — the standard port of a Python global that
 * threads update, since JavaScript threads share no heap.
 */
import { criticalWith } from '../sync/critical';
import { ArgumentTypeError, ValueError, describe } from '../runtime/errors';
import { Lock } from '../sync/lock';
import { RLock } from '../sync/rlock';
import { registerKind } from '../runtime/shared';
import { checkOptions } from '../runtime/validate';

const typecodes = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  f: Float32Array,
  d: Float64Array,
} as const;

/**
 * The C types a Value may hold, by Python's array typecodes: `b`/`B`
 * (8-bit), `h`/`H` (16-bit), `i`/`I` (32-bit), signed/unsigned; `f`
 * (float), `d` (double).
 */
export type Typecode = 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'f' | 'd';

type Numbers = InstanceType<(typeof typecodes)[Typecode]>;

/**
 * A shared number. `value` reads and writes it under the Value's lock (an
 * RLock by default), so a single read or write is atomic; hold `getLock()`
 * around a read-modify-write such as `v.value += 1`.
 */
export class Value {
  /** @internal */ readonly _kind: string = 'Value';
  /** @internal */ readonly _typecode: Typecode;
  /** @internal */ readonly _data: Numbers;
  /** @internal */ readonly _lock: Lock | RLock | null;

  /**
   * @param typecode 'b' 'B' 'h' 'H' 'i' 'I' (integers), 'f' 'd' (floats).
   * @param initial the starting value (default 0).
   * @param options `lock`: true (a new RLock, the default), false (no lock:
   *   Python's RawValue), or a Lock or RLock to use.
   * @throws ValueError for a string that is not one of the typecodes above.
   * @throws TypeError for a typecode that is not a string, or an initial
   *   value that is not a number.
   */
  constructor(typecode: Typecode = 'd', initial = 0, options: { lock?: boolean | Lock | RLock } = {}) {
    if (typeof typecode !== 'string') throw new ArgumentTypeError(`Value: typecode must be a string, not ${describe(typecode)}`);
    // Own keys only: 'constructor' or 'toString' is not a typecode.
    if (!Object.hasOwn(typecodes, typecode)) {
      throw new ValueError(`Value: unsupported typecode ${describe(typecode)}; use one of ${Object.keys(typecodes).join(' ')}`);
    }
    const Ctor = typecodes[typecode];
    if (typeof initial !== 'number') throw new ArgumentTypeError(`Value: initial must be a number, not ${describe(initial)}`);
    const lock = checkOptions<{ lock: boolean | Lock | RLock }>('Value', options).lock ?? true;
    if (typeof lock !== 'boolean' && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new ArgumentTypeError(`Value: lock must be a boolean, a Lock or an RLock, not ${describe(lock)}`);
    }
    this._typecode = typecode;
    this._data = new (Ctor as new (b: ArrayBufferLike, offset: number, length: number) => Numbers)(new SharedArrayBuffer(8), 0, 1);
    this._data[0] = initial;
    this._lock = lock === true ? new RLock() : lock === false ? null : lock;
  }

  /** The number; read and written under the lock. */
  get value(): number {
    return this._lock ? criticalWith(this._lock, () => this._data[0]) : this._data[0];
  }

  set value(v: number) {
    if (typeof v !== 'number') throw new ArgumentTypeError(`Value.value must be a number, not ${describe(v)}`);
    const store = (): void => {
      this._data[0] = v;
    };
    if (this._lock) criticalWith(this._lock, store);
    else store();
  }

  /** The lock guarding the value, for read-modify-write sequences. */
  getLock(): Lock | RLock {
    if (!this._lock) throw new ValueError('Value: created with lock: false, it has no lock');
    return this._lock;
  }

  toString(): string {
    return `<Value('${this._typecode}', ${this._data[0]})>`;
  }
}

registerKind('Value', Value.prototype, { shared: false });
