/**
 * `Semaphore` and `BoundedSemaphore`: Python's counting semaphores.
 *
 * Slots: [0] the value, [1] how many threads are parked. Acquire takes a
 * unit with a CAS while the value is positive; release adds to the value
 * and enters native code only when slot 1 says somebody sleeps. A woken
 * waiter races running threads for the unit (no strict FIFO, as in Python).
 */
import { ValueError } from '../runtime/errors';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { Op, Park, Status, Waiting, Word, binding, checkSignal, deadlineAfter, runAsync, runSync, throwIfAborted } from '../runtime/native';
import { debugHooks } from '../runtime/hooks';
import { registerKind, sharedWords } from '../runtime/shared';
import { asyncSignal, checkBlocking, checkCount, waitTimeout } from '../runtime/validate';

const VALUE = 0;
const MAX_VALUE = 0x7fffffff;

function tryTake(words: Int32Array): boolean {
  for (;;) {
    const v = Atomics.load(words, VALUE);
    if (v <= 0) return false;
    if (Atomics.compareExchange(words, VALUE, v, v - 1) === v) return true;
  }
}

function* taking(words: Int32Array, deadline: number): Waiting<boolean> {
  const park: Park = { op: Op.Semaphore, words, deadline, abortable: true };
  for (;;) {
    if (tryTake(words)) return true;
    const status = yield park;
    if (status === Status.TimedOut) return tryTake(words);
    throwIfAborted(status);
  }
}

/**
 * A counter of available units: acquire() takes one, waiting while there
 * are none; release() gives units back.
 */
export class Semaphore extends Acquirable {
  /** @internal */ readonly _kind: string = 'Semaphore';
  /** @internal */ readonly _words: Int32Array;

  /**
   * @param value the initial number of units (default 1).
   * @throws ValueError if `value` is negative. @throws TypeError if not an integer.
   */
  constructor(value = 1) {
    super();
    checkCount(new.target.name, 'value', value, 0, MAX_VALUE);
    this._words = sharedWords(2);
    this._words[VALUE] = value;
    debugHooks.track(this);
  }

  /**
   * Takes one unit.
   *
   * `acquire()` waits until a unit is free and returns true.
   * `acquire(false)` never waits: it returns whether it took a unit.
   * `acquire(true, timeout)` waits at most `timeout` seconds and returns
   * whether it took a unit.
   * @throws ValueError when a timeout is given with `blocking = false`.
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    const result = this.start('acquire', blocking, timeout);
    return typeof result === 'boolean' ? result : runSync(result);
  }

  /** As {@link acquire}, without blocking the event loop. */
  async acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const signal = asyncSignal(`${this._kind}.acquireAsync`, options);
    checkSignal(signal);
    const result = this.start('acquireAsync', blocking, timeout);
    return typeof result === 'boolean' ? result : runAsync(result, signal);
  }

  private start(name: string, blocking: unknown, timeout: unknown): Waiting<boolean> | boolean {
    const method = `${this._kind}.${name}`;
    const block = checkBlocking(method, blocking);
    if (!block && timeout !== undefined && timeout !== null) {
      throw new ValueError(`${method}: can't specify timeout for non-blocking acquire`);
    }
    const seconds = waitTimeout(method, timeout);
    if (tryTake(this._words)) return true;
    if (!block || seconds === 0) return false;
    return taking(this._words, deadlineAfter(seconds));
  }

  /**
   * Gives back `n` units (default 1), waking up to `n` waiting threads.
   * @throws ValueError if `n` < 1 (and, for BoundedSemaphore, if the value
   *   would exceed its initial value).
   */
  release(n = 1): void {
    const method = `${this._kind}.release`;
    checkCount(method, 'n', n, 1, MAX_VALUE);
    const w = this._words;
    const limit = this.limit();
    for (;;) {
      const v = Atomics.load(w, VALUE);
      if (v + n > limit) this.overflow(method, v, n);
      if (Atomics.compareExchange(w, VALUE, v, v + n) === v) break;
    }
    // Seq-cst "add value, then read waiters" pairs with the waiter's "count
    // itself, then read value" in native/core/semaphore.cc: no lost wake-up.
    if (Atomics.load(w, Word.WaitersSlot) > 0) binding.wake(w, n);
  }

  /** The current value (number of free units). */
  get value(): number {
    return Atomics.load(this._words, VALUE);
  }

  /** @internal The highest value a release may reach. */
  protected limit(): number {
    return MAX_VALUE;
  }

  /** @internal */
  protected overflow(method: string, value: number, n: number): never {
    throw new ValueError(`${method}: value ${value} + ${n} would exceed ${MAX_VALUE}`, 'ERR_OVERFLOW');
  }

  /** As CPython's repr, without the address: `<Semaphore: value=1>`. */
  override toString(): string {
    return `<${this.constructor.name}: value=${this.value}>`;
  }
}

/**
 * A semaphore that refuses to be released above its initial value: an
 * over-release is a bug, reported as a `ValueError`.
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal */ override readonly _kind: string = 'BoundedSemaphore';
  /** @internal */ readonly _bound: number;

  constructor(value = 1) {
    super(value);
    this._bound = value;
  }

  /** @internal */
  protected override limit(): number {
    return this._bound;
  }

  /** @internal */
  protected override overflow(method: string): never {
    throw new ValueError(`${method}: Semaphore released too many times`);
  }

  /** As CPython's repr: the value and the initial value, `<BoundedSemaphore: value=2/3>`. */
  override toString(): string {
    return `<${this.constructor.name}: value=${this.value}/${this._bound}>`;
  }
}

registerKind('Semaphore', Semaphore.prototype);
registerKind('BoundedSemaphore', BoundedSemaphore.prototype);
