/**
 * `Semaphore` and `BoundedSemaphore` shared between processes: Python's
 * `multiprocessing.Semaphore` and `multiprocessing.BoundedSemaphore`.
 *
 * The value lives in a named shared segment; each process's units taken
 * and not yet given back are counted beside it, so the units of a process
 * killed while holding them come back (set `robust: false` for a
 * semaphore that one process releases and another acquires, as a signal).
 */
import { ValueError } from '../runtime/errors';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { checkSignal, deadlineAfter } from '../runtime/native';
import { asyncSignal, checkBlocking, checkCount, waitTimeout } from '../runtime/validate';
import { ArgumentTypeError, describe } from '../runtime/errors';
import { Shared, aborted, checkMayBlock, handle, mixShared, shownName, taken } from './common';
import { FLAG_TRACK_HOLDERS, Handle, Kind, Result, SharedOptions, attach, mp, registerShared, waitAsync } from './native';

const MAX_VALUE = 0x7fffffff;

/** Options of a multiprocessing Semaphore. */
export interface SemaphoreOptions extends SharedOptions {
  /**
   * Whether the units a process took and did not give back return when it
   * dies (default true). Set false when processes acquire units others
   * release (a semaphore used as a signal): there, taking is not holding.
   * Fixed when the semaphore is created.
   */
  robust?: boolean;
}

/**
 * A counter of available units shared by every process that opens it:
 * acquire() takes one, waiting while there are none; release() gives
 * units back. Opening an existing named semaphore ignores `value`.
 */
export class Semaphore extends Acquirable {
  /** @internal */ readonly _kind: string = 'multiprocessing.Semaphore';
  /** @internal */ _name!: string;
  /** @internal */ declare _handle: Handle;

  /**
   * @param value the initial number of units of a new semaphore (default 1).
   * @param options `name`, `create`, `mode` as for {@link Lock}; `robust`.
   * @throws ValueError if `value` is negative. @throws TypeError if not an integer.
   */
  constructor(value = 1, options?: SemaphoreOptions) {
    super();
    const method = `${new.target.name}()`;
    checkCount(method, 'value', value, 0, MAX_VALUE);
    const robust = (options as { robust?: unknown } | undefined)?.robust;
    if (robust !== undefined && typeof robust !== 'boolean') {
      throw new ArgumentTypeError(`${method}: options.robust must be a boolean, not ${describe(robust)}`);
    }
    attach(this, method, Kind.Semaphore, options, value, this.boundFor(value), robust === false ? 0 : FLAG_TRACK_HOLDERS);
  }

  /** @internal The highest value a release may reach. */
  protected boundFor(_value: number): number {
    return MAX_VALUE;
  }

  private start(name: string, blocking: unknown, timeout: unknown): Result | { h: Handle; seconds: number | null } {
    const method = `${this.constructor.name}.${name}`;
    const h = handle(this, method);
    const block = checkBlocking(method, blocking);
    if (!block && timeout !== undefined && timeout !== null) {
      throw new ValueError(`${method}: can't specify timeout for non-blocking acquire`);
    }
    const seconds = waitTimeout(method, timeout);
    const r = mp.tryTake(h);
    if (r !== Result.Busy || !block || seconds === 0) return r;
    return { h, seconds };
  }

  /**
   * Takes one unit: `acquire()` waits until one is free; `acquire(false)`
   * never waits; `acquire(true, timeout)` waits at most `timeout` seconds.
   * Returns whether it took one.
   * @throws ValueError when a timeout is given with `blocking = false`.
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    let r = this.start('acquire', blocking, timeout);
    if (typeof r !== 'number') {
      checkMayBlock();
      r = mp.take(r.h, r.seconds ?? -1);
    }
    return taken(r);
  }

  /** As {@link acquire}, without blocking the event loop. */
  async acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const signal = asyncSignal(`${this.constructor.name}.acquireAsync`, options);
    checkSignal(signal);
    const r = this.start('acquireAsync', blocking, timeout);
    if (typeof r === 'number') return taken(r);
    const h = r.h;
    const got = await waitAsync(
      h,
      () => (mp.tryTake(h) === Result.Acquired ? Result.Acquired : undefined),
      () => 0,
      deadlineAfter(r.seconds),
      signal,
      aborted(signal),
    );
    return got !== undefined;
  }

  /**
   * Gives back `n` units (default 1), waking up to `n` waiters in any process.
   * @throws ValueError if `n` < 1, or (BoundedSemaphore) past the initial value.
   */
  release(n = 1): void {
    const method = `${this.constructor.name}.release`;
    checkCount(method, 'n', n, 1, MAX_VALUE);
    if (!mp.give(handle(this, method), n)) this.overflow(method, n);
  }

  /** @internal */
  protected overflow(method: string, n: number): never {
    throw new ValueError(`${method}: value ${this.value} + ${n} would exceed ${MAX_VALUE}`, 'ERR_OVERFLOW');
  }

  /** The current value (free units). */
  get value(): number {
    return mp.value(handle(this, `${this.constructor.name}.value`));
  }

  /** Python's `get_value()`. */
  getValue(): number {
    return this.value;
  }

  /** The name other processes open it by (`anon-…` for an anonymous one). */
  override get name(): string {
    return shownName(this._name);
  }

  /** @throws ValueError: the name is fixed when it is made. */
  override set name(_: string | null) {
    throw new ValueError(`a multiprocessing ${this.constructor.name}'s name is fixed when it is made`);
  }

  override toString(): string {
    if (this._handle === null) return `<${this.constructor.name}(${this.name}, closed)>`;
    return `<${this.constructor.name}(${this.name}, value=${this.value})>`;
  }
}

/** A semaphore that refuses to be released above its initial value (a `ValueError`). */
export class BoundedSemaphore extends Semaphore {
  /** @internal */ override readonly _kind: string = 'multiprocessing.BoundedSemaphore';

  /** @internal */
  protected override boundFor(value: number): number {
    return value;
  }

  /** @internal */
  protected override overflow(method: string): never {
    throw new ValueError(`${method}: Semaphore released too many times`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Semaphore extends Shared {}

mixShared(Semaphore.prototype);
registerShared(Kind.Semaphore, Semaphore.prototype);
registerShared(Kind.Semaphore, BoundedSemaphore.prototype, 'BoundedSemaphore');
