/**
 * `Condition`: Python's condition variable, bound to a {@link Lock} or an
 * {@link RLock} (the default, as in Python).
 *
 * Slots: [0] the address waiters queue on, [1] how many are queued, [2]
 * used by a Barrier's condition only (barrier.ts). A
 * waiter is queued in native code *before* the lock is released, and
 * `notify()` runs with the lock held, so no notification is lost and
 * `notify(n)` wakes exactly the n longest-waiting threads.
 */
import { ArgumentTypeError, RuntimeError, describe } from '../runtime/errors';
import type { Section } from './critical';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { Lock, locking } from './lock';
import { Op, Status, Waiting, Word, binding, checkSignal, deadlineAfter, runAsync, runSync, throwIfAborted } from '../runtime/native';
import { RLock } from './rlock';
import { registerKind, sharedWords } from '../runtime/shared';
import { asyncSignal, checkCount, checkFunction, waitTimeout } from '../runtime/validate';


/**
 * A condition variable: threads wait() until another thread, holding the
 * same lock, calls notify() or notifyAll().
 */
export class Condition extends Acquirable {
  /** @internal */ readonly _kind: string = 'Condition';
  /** @internal */ readonly _words: Int32Array;
  /** @internal */ readonly _lock: Lock | RLock;

  /**
   * @param lock the lock to use; a new {@link RLock} by default.
   * @throws TypeError if `lock` is not a Lock or RLock of this library.
   */
  constructor(lock?: Lock | RLock | null) {
    super();
    if (lock !== undefined && lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new ArgumentTypeError(`Condition: lock must be a Lock or RLock, not ${describe(lock)}`);
    }
    this._lock = lock ?? new RLock();
    // [2]: Barrier parties that left by ending their thread (barrier.ts).
    this._words = sharedWords(3);
  }

  /** Acquires the underlying lock; as its `acquire()`. */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    return this._lock.acquire(blocking, timeout);
  }

  /** Acquires the underlying lock without blocking the event loop. */
  acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    return this._lock.acquireAsync(blocking, timeout, options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits until notified or until `timeout` seconds pass
   * (`null`/`undefined`: forever; negative: do not wait), then re-acquires
   * the lock, whatever happened. Returns false if it timed out.
   * @throws RuntimeError if the calling thread does not hold the lock.
   */
  wait(timeout?: number | null): boolean {
    const seconds = waitTimeout('Condition.wait', timeout);
    this.checkOwned('wait');
    return runSync(this._waiting(deadlineAfter(seconds)));
  }

  /**
   * As {@link wait}, without blocking the event loop. Aborting through
   * `options.signal` stops the wait, re-acquires the lock and rejects with
   * an `AbortError`.
   */
  async waitAsync(timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const seconds = waitTimeout('Condition.waitAsync', timeout);
    const signal = asyncSignal('Condition.waitAsync', options);
    this.checkOwned('wait');
    checkSignal(signal);
    return runAsync(this._waiting(deadlineAfter(seconds)), signal);
  }

  /**
   * Waits until `predicate()` returns a truthy value, or `timeout` seconds
   * pass; returns the predicate's last value. The lock must be held.
   */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    const seconds = waitTimeout('Condition.waitFor', timeout);
    checkFunction('Condition.waitFor', 'predicate', predicate);
    this.checkOwned('wait');
    return runSync(this._waitingFor(predicate, seconds));
  }

  /** As {@link waitFor}, without blocking the event loop. */
  async waitForAsync<T>(predicate: () => T, timeout?: number | null, options?: AsyncOptions): Promise<T> {
    const seconds = waitTimeout('Condition.waitForAsync', timeout);
    checkFunction('Condition.waitForAsync', 'predicate', predicate);
    const signal = asyncSignal('Condition.waitForAsync', options);
    this.checkOwned('wait');
    checkSignal(signal);
    return runAsync(this._waitingFor(predicate, seconds), signal);
  }

  /**
   * Wakes up to `n` (default 1) threads waiting on this condition. The lock
   * must be held; the woken threads return from wait() once it is released.
   * @throws RuntimeError if the calling thread does not hold the lock.
   */
  notify(n = 1): void {
    checkCount('Condition.notify', 'n', n, 0, Number.MAX_SAFE_INTEGER);
    this.checkOwned('notify');
    if (n > 0 && Atomics.load(this._words, Word.WaitersSlot) > 0) binding.wake(this._words, n);
  }

  /** Wakes every thread waiting on this condition. */
  notifyAll(): void {
    this.notify(Number.MAX_SAFE_INTEGER);
  }

  /**
   * @internal The wait, as a slow path. Not abortable once notified.
   *
   * The lock is given up in one place, native code, once this waiter is
   * queued, on every path (woken, timed out, aborted, even a park that
   * never sleeps), and taken back here on every path that goes on. Only a
   * thread being torn down does not take it back: its slow path is closed
   * at the park, with `section.held` false.
   */
  *_waiting(deadline: number, section?: Section): Waiting<boolean> {
    const lock = this._lock;
    const critical = section !== undefined;
    const saved = lock._releaseSave();
    if (section) section.held = false;
    const status = yield { op: Op.Condition, words: this._words, lock: lock._words, deadline, abortable: true, critical };
    yield* locking(lock._words, Infinity, false, critical);
    if (section) section.held = true;
    lock._acquireRestore(saved);
    throwIfAborted(status);
    return status !== Status.TimedOut;
  }

  /** @internal CPython's wait_for loop, as a slow path. */
  *_waitingFor<T>(predicate: () => T, seconds: number | null, section?: Section): Waiting<T> {
    const deadline = deadlineAfter(seconds);
    let result = predicate();
    for (let first = true; !result; first = false) {
      if (!first && performance.now() >= deadline) break;
      yield* this._waiting(deadline, section);
      result = predicate();
    }
    return result;
  }

  private checkOwned(what: 'wait' | 'notify'): void {
    if (!this._lock._isOwned()) throw new RuntimeError(`cannot ${what} on un-acquired lock`);
  }

  override toString(): string {
    return `<Condition(${String(this._lock)}, ${Atomics.load(this._words, Word.WaitersSlot)})>`;
  }
}

registerKind('Condition', Condition.prototype);
