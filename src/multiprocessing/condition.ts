/**
 * `Condition` shared between processes: Python's `multiprocessing.Condition`.
 *
 * A sequence word in a named segment (bumped by every notify) beside a
 * multiprocessing Lock or RLock: wait() notes the sequence, releases the
 * lock, sleeps in the kernel while the sequence is unchanged, and takes
 * the lock back, on every path. A notify that lands between the release
 * and the sleep is not lost (the sequence already moved); a waiter just
 * going to sleep then may return with it, so notify(n) can wake more than
 * n — check the condition in a loop (waitFor does).
 */
import { ArgumentTypeError, RuntimeError, ValueError, describe } from '../runtime/errors';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { checkSignal, deadlineAfter, ident, stopThisThread } from '../runtime/native';
import { asyncSignal, checkCount, checkFunction, waitTimeout } from '../runtime/validate';
import { Shared, aborted, checkMayBlock, handle, mixShared, shownName } from './common';
import { Lock, RLock } from './lock';
import { Handle, Kind, Result, SharedOptions, attach, mp, registerShared, waitAsync } from './native';

/**
 * A condition variable shared by every process that opens it: threads of
 * any process wait() until another notify()s, holding `lock` around both.
 */
export class Condition extends Acquirable {
  /** @internal */ readonly _kind: string = 'multiprocessing.Condition';
  /** @internal */ _name!: string;
  /** @internal */ declare _handle: Handle;
  /** @internal */ readonly _lock: Lock;

  /**
   * @param lock a multiprocessing Lock or RLock (default: a new RLock; for
   *   a named condition, the RLock named `<name>.lock`).
   * @param options `name`, `create`, `mode` as for {@link Lock}.
   */
  constructor(lock?: Lock | null, options?: SharedOptions) {
    super();
    if (lock !== undefined && lock !== null && !(lock instanceof Lock)) {
      throw new ArgumentTypeError(`Condition(): lock must be a multiprocessing Lock or RLock, not ${describe(lock)}`);
    }
    const name = (options as { name?: unknown } | undefined)?.name;
    this._lock = lock ?? new RLock(typeof name === 'string' ? { ...options, name: `${name}.lock` } : undefined);
    attach(this, 'Condition()', Kind.Condition, options);
  }

  /** Acquires the underlying lock (as its acquire()). */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    return this._lock.acquire(blocking, timeout);
  }

  /** As {@link acquire}, without blocking the event loop. */
  acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    return this._lock.acquireAsync(blocking, timeout, options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this._lock.release();
  }

  private owned(): boolean {
    return this._lock instanceof RLock ? this._lock._isOwned() : this._lock.locked();
  }

  // Releases the lock entirely; returns how many levels to take back.
  private releaseSave(): number {
    const levels = this._lock instanceof RLock ? mp.owned(handle(this._lock, 'Condition.wait'), ident) : 1;
    for (let i = 0; i < levels; i++) this._lock.release();
    return levels;
  }

  /**
   * Releases the lock, waits until notified or `timeout` seconds pass
   * (`null`: for ever), takes the lock back. Returns false on timeout.
   * @throws RuntimeError if the calling thread does not hold the lock.
   */
  wait(timeout?: number | null): boolean {
    const h = handle(this, 'Condition.wait');
    const seconds = waitTimeout('Condition.wait', timeout);
    if (!this.owned()) throw new RuntimeError('cannot wait on un-acquired lock');
    const seen = mp.eventState(h);
    if (seconds !== 0) checkMayBlock();
    const levels = this.releaseSave();
    let r = 0;
    try {
      r = seconds === 0 ? Number(mp.eventState(h) !== seen) : mp.eventWait(h, seen, seconds ?? -1);
    } finally {
      for (let i = 0; i < levels; i++) this._lock.acquire();
    }
    if (r === Result.Cancelled) stopThisThread();
    return r === 1;
  }

  /** As {@link wait}, without blocking the event loop. */
  async waitAsync(timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const h = handle(this, 'Condition.waitAsync');
    const seconds = waitTimeout('Condition.waitAsync', timeout);
    const signal = asyncSignal('Condition.waitAsync', options);
    checkSignal(signal);
    if (!this.owned()) throw new RuntimeError('cannot wait on un-acquired lock');
    const seen = mp.eventState(h);
    const levels = this.releaseSave();
    try {
      const got = await waitAsync(h, () => (mp.eventState(h) !== seen ? true : undefined), () => seen, deadlineAfter(seconds), signal, aborted(signal));
      return got === true;
    } finally {
      for (let i = 0; i < levels; i++) await this._lock.acquireAsync();
    }
  }

  /**
   * Waits until `predicate()` is truthy (checked first, and after each
   * wake-up), or `timeout` seconds pass. Returns the last value of the
   * predicate.
   */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    checkFunction('Condition.waitFor', 'predicate', predicate);
    const seconds = waitTimeout('Condition.waitFor', timeout);
    const deadline = deadlineAfter(seconds);
    let result = predicate();
    while (!result) {
      const left = deadline === Infinity ? null : Math.max(0, (deadline - performance.now()) / 1000);
      if (left === 0) break;
      this.wait(left);
      result = predicate();
    }
    return result;
  }

  /** As {@link waitFor}, without blocking the event loop. */
  async waitForAsync<T>(predicate: () => T | Promise<T>, timeout?: number | null, options?: AsyncOptions): Promise<T> {
    checkFunction('Condition.waitForAsync', 'predicate', predicate);
    const seconds = waitTimeout('Condition.waitForAsync', timeout);
    const deadline = deadlineAfter(seconds);
    let result = await predicate();
    while (!result) {
      const left = deadline === Infinity ? null : Math.max(0, (deadline - performance.now()) / 1000);
      if (left === 0) break;
      await this.waitAsync(left, options);
      result = await predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters (default 1), in any process.
   * @throws RuntimeError if the calling thread does not hold the lock.
   */
  notify(n = 1): void {
    checkCount('Condition.notify', 'n', n, 0);
    const h = handle(this, 'Condition.notify');
    if (!this.owned()) throw new RuntimeError('cannot notify on un-acquired lock');
    if (n > 0) mp.notify(h, n);
  }

  /** Wakes every waiter, in every process. */
  notifyAll(): void {
    const h = handle(this, 'Condition.notifyAll');
    if (!this.owned()) throw new RuntimeError('cannot notify on un-acquired lock');
    mp.notify(h, 0);
  }

  /** The name other processes open it by. */
  override get name(): string {
    return shownName(this._name);
  }

  /** @throws ValueError: the name is fixed when it is made. */
  override set name(_: string | null) {
    throw new ValueError("a multiprocessing Condition's name is fixed when it is made");
  }

  /** What JSON carries to another process, its lock included. */
  toJSON(): { _kind: string; _name: string; _lock: { _kind: string; _name: string } } {
    return { _kind: this._kind, _name: this._name, _lock: this._lock.toJSON() };
  }

  override toString(): string {
    return `<Condition(${this._lock}, ${this._handle === null ? 'closed' : this.name})>`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Condition extends Shared {}

mixShared(Condition.prototype);
// mixShared's toJSON would drop the lock: keep the class's own.
Object.defineProperty(Condition.prototype, 'toJSON', { value: function (this: Condition) { return { _kind: this._kind, _name: this._name, _lock: this._lock.toJSON() }; }, writable: true, configurable: true, enumerable: false });
registerShared(Kind.Condition, Condition.prototype);
