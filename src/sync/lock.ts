/**
 * `Lock`: Python's `threading.Lock`, one word of shared memory.
 *
 * The word's states are documented in native/core/lock.cc. Acquire is a CAS in
 * JavaScript; only when the lock is held does the caller enter native code
 * to park (without spinning: see native/core/parking.cc). Release is a CAS back
 * to 0 unless waiters are parked, in which case native code wakes one.
 * Fairness: an unlock lets a woken waiter race running threads for the
 * lock, except that about once per millisecond of sustained contention it
 * hands the lock directly to the longest sync waiter, so no waiter starves.
 */
import { RuntimeError } from '../runtime/errors';
import { wrongThis } from '../runtime/receivers';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { Op, Park, Status, Waiting, Word, binding, checkSignal, deadlineAfter, runAsync, runSync, throwIfAborted } from '../runtime/native';
import { debugHooks } from '../runtime/hooks';
import { registerKind, sharedWords } from '../runtime/shared';
import { asyncSignal, checkBlocking, checkNoArguments, lockTimeout } from '../runtime/validate';

/** Takes the lock if it is free. */
export function tryLock(words: Int32Array): boolean {
  if (Atomics.compareExchange(words, 0, 0, Word.LockedBit) === 0) return true;
  // Free but with waiters parked (PARKED alone): keep that bit.
  const state = Atomics.load(words, 0);
  return (state & Word.LockedBit) === 0 && Atomics.compareExchange(words, 0, state, state | Word.LockedBit) === state;
}

/** Releases the lock word; false if it was not locked. */
export function unlock(words: Int32Array): boolean {
  return Atomics.compareExchange(words, 0, Word.LockedBit, 0) === Word.LockedBit || binding.unlock(words);
}

/**
 * The slow path of acquire: park until woken, then race for the lock again;
 * a hand-off means the lock is already ours. Returns false on timeout.
 * `critical`: the caller is in a critical section (critical.ts).
 */
export function* locking(words: Int32Array, deadline: number, abortable: boolean, critical = false): Waiting<boolean> {
  const park: Park = { op: Op.Lock, words, deadline, abortable, critical };
  for (;;) {
    if (tryLock(words)) return true;
    const status = yield park;
    if (status === Status.Handoff) return true;
    if (status === Status.TimedOut) return tryLock(words);
    throwIfAborted(status);
  }
}

/** Shared by Lock and RLock: the acquire of the lock word, sync or async. */
export function acquireWords(method: string, words: Int32Array, blocking: unknown, timeout: unknown): Waiting<boolean> | boolean {
  const block = checkBlocking(method, blocking);
  const seconds = lockTimeout(method, block, timeout);
  if (tryLock(words)) return true;
  if (!block || seconds === 0) return false;
  return locking(words, deadlineAfter(seconds), true);
}

/**
 * A primitive lock: once locked, any other acquire blocks until it is
 * released. Any thread may release it (unlike {@link RLock}).
 *
 * Create it once and pass it to threads: the copy a thread receives is the
 * same lock.
 */
export class Lock extends Acquirable {
  /** @internal */ readonly _kind: string = 'Lock';
  /** @internal */ readonly _words: Int32Array;

  /** @throws TypeError if given arguments: Python's `Lock()` takes none. */
  constructor() {
    super();
    checkNoArguments('Lock', arguments.length);
    this._words = sharedWords(1);
    debugHooks.track(this);
  }

  /**
   * Acquires the lock, blocking or not.
   *
   * `acquire()` blocks until the lock is free, then locks it and returns
   * true. `acquire(false)` never blocks: it returns whether it got the lock.
   * `acquire(true, timeout)` blocks at most `timeout` seconds and returns
   * whether it got the lock; `timeout = -1` (the default) means forever.
   *
   * @throws ValueError for a negative timeout other than -1, or a timeout
   *   with `blocking = false`. @throws OverflowError above TIMEOUT_MAX.
   * @throws TypeError for arguments of the wrong type.
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    if (!(this instanceof Lock) || this._words === undefined) throw wrongThis('Lock.acquire', 'Lock', this);
    if (blocking === undefined && timeout === undefined && Atomics.compareExchange(this._words, 0, 0, Word.LockedBit) === 0) {
      return true;
    }
    const result = acquireWords('Lock.acquire', this._words, blocking, timeout);
    return typeof result === 'boolean' ? result : runSync(result);
  }

  /**
   * As {@link acquire}, without blocking the event loop or any thread of
   * the libuv pool. `options.signal` cancels the wait: the promise rejects
   * with an `AbortError` and the lock is left as it was.
   */
  async acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const signal = asyncSignal('Lock.acquireAsync', options);
    checkSignal(signal);
    const result = acquireWords('Lock.acquireAsync', this._words, blocking, timeout);
    return typeof result === 'boolean' ? result : runAsync(result, signal);
  }

  /**
   * Releases the lock; one thread waiting in acquire() then gets it.
   * @throws RuntimeError if the lock is not locked.
   */
  release(): void {
    if (!(this instanceof Lock) || this._words === undefined) throw wrongThis('Lock.release', 'Lock', this);
    if (!unlock(this._words)) throw new RuntimeError('release unlocked lock');
  }

  /** Whether the lock is held (by any thread). */
  locked(): boolean {
    return (Atomics.load(this._words, 0) & Word.LockedBit) !== 0;
  }

  /** @internal Condition support: nothing to save for a plain lock. */
  _releaseSave(): number {
    return 0;
  }

  /** @internal */
  _acquireRestore(_saved: number): void {}

  /** @internal Python's Condition._is_owned for a plain lock. */
  _isOwned(): boolean {
    return this.locked();
  }

  override toString(): string {
    return `<${this.locked() ? 'locked' : 'unlocked'} ${this.constructor.name}>`;
  }
}

registerKind('Lock', Lock.prototype);
