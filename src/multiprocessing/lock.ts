/**
 * `Lock` and `RLock` shared between processes: Python's
 * `multiprocessing.Lock` and `multiprocessing.RLock`.
 *
 * The lock word lives in a named shared segment (native/core/shm_sync.cc
 * has its states); acquire and release are one native call each, and a
 * waiter sleeps in the kernel on the shared word. A process killed while
 * holding it does not block the others: the next acquirer gets it, and
 * its `ownerDied` says so, as a robust pthread mutex reports EOWNERDEAD.
 */
import { RuntimeError, ValueError } from '../runtime/errors';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { checkSignal, deadlineAfter, ident } from '../runtime/native';
import { asyncSignal, checkBlocking, lockTimeout } from '../runtime/validate';
import { Shared, aborted, checkMayBlock, handle, mixShared, shownName, taken } from './common';
import { Handle, Kind, LockFns, Result, SharedOptions, attach, mp, registerShared, waitAsync } from './native';

// Held here: a load of a module binding and one of a property of `mp`
// fewer per call.
const { unlock } = mp;

/** A lock acquire, sync or async, for the class `kind` ('Lock' or 'RLock'). */
function acquiring(self: Lock, method: string, blocking: unknown, timeout: unknown): Result | { h: Handle; seconds: number | null } {
  const h = handle(self, method);
  const block = checkBlocking(method, blocking);
  const seconds = lockTimeout(method, block, timeout);
  const r = mp.tryLock(h, ident);
  if (r !== Result.Busy || !block || seconds === 0) return r;
  return { h, seconds };
}

/**
 * A lock shared by every thread of every process that opens it: once
 * locked, any other acquire blocks until it is released. Any thread of any
 * process may release it (unlike {@link RLock}).
 *
 * `new Lock()` makes a fresh one to pass to other processes (as a
 * {@link Process} argument, or in a `child_process`/`cluster` message then
 * `revive(msg)`); `new Lock({ name: 'jobs' })` opens the lock named `jobs`
 * in any process of this user, creating it if needed.
 */
export class Lock extends Acquirable {
  /** @internal */ readonly _kind: string = 'multiprocessing.Lock';
  /** @internal */ _name!: string;
  /** @internal */ declare _handle: Handle;
  /** @internal */ declare _acquireFn: LockFns['_acquireFn'];
  /** @internal */ declare _releaseFn: LockFns['_releaseFn'];
  /**
   * Whether the last acquire through this object took the lock from a
   * process that died holding it: what it guarded may be half-updated.
   */
  ownerDied = false;

  /**
   * @param options `name` to open or create a named lock; `create`
   *   (`true` create only, `false` open only); `mode` (default `0o600`).
   * @throws ValueError for a bad name or mode. @throws FileExistsError,
   *   FileNotFoundError, PermissionError as Python's `SharedMemory`.
   * @throws SegmentMismatchError if the name holds something else (another
   *   kind, another version of pthreading).
   */
  constructor(options?: SharedOptions, /** @internal */ init?: { value: number; bound: number; initial?: number }) {
    super();
    const created = attach(this, `${new.target.name}()`, this.kindCode(), options, init?.value, init?.bound, 0, init?.initial);
    // Not enumerable: it says what this object's open did, and does not travel.
    Object.defineProperty(this, '_created', { value: created, enumerable: false });
  }

  /** @internal Whether this object's open created the segment. */
  declare readonly _created: boolean;

  /** @internal */
  protected kindCode(): Kind {
    return Kind.Lock;
  }

  /**
   * Acquires the lock, blocking or not, as `threading.Lock.acquire`:
   * `acquire()` waits until it is free; `acquire(false)` never waits;
   * `acquire(true, timeout)` waits at most `timeout` seconds. Returns
   * whether it was acquired; then {@link ownerDied} says whether its last
   * holder died holding it.
   *
   * @throws ValueError for a negative timeout other than -1, or a timeout
   *   with `blocking = false`.
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    // The common call, acquire() with no arguments: no checks to make, and
    // one native call when the lock is free. Only an open lock has
    // `_acquireFn` (its handle's bound acquire): anything else, closed or
    // not a Lock at all, takes the checked path and its errors. No other
    // test of `this` (instanceof, != null): measured, either costs about
    // as much as the native call (a pair 55-65 ns instead of 37-40).
    if (blocking === undefined && timeout === undefined) {
      const f = this._acquireFn;
      if (f !== undefined) {
        const r = f(ident);
        if (r === true) {
          this.ownerDied = false;
          return true;
        }
        if (r !== false) return this.took(r);
        checkMayBlock();
        return this.took(mp.lock(this._handle, ident, -1));
      }
    }
    const method = `${this.constructor.name}.acquire`;
    let r = acquiring(this, method, blocking, timeout);
    if (typeof r !== 'number') {
      checkMayBlock();
      r = mp.lock(r.h, ident, r.seconds ?? -1);
    }
    return this.took(r);
  }

  /**
   * As {@link acquire}, without blocking the event loop or any thread of
   * the libuv pool. `options.signal` cancels the wait.
   */
  async acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const method = `${this.constructor.name}.acquireAsync`;
    const signal = asyncSignal(method, options);
    checkSignal(signal);
    const r = acquiring(this, method, blocking, timeout);
    if (typeof r === 'number') return this.took(r);
    const h = r.h;
    const got = await waitAsync(
      h,
      () => {
        // Retried after a park: taken marked WAITERS (native/core/shm_sync.cc).
        const x = mp.tryLock(h, ident, true);
        return x === Result.Busy ? undefined : x;
      },
      () => 0,
      deadlineAfter(r.seconds),
      signal,
      aborted(signal),
    );
    return this.took(got ?? Result.Busy);
  }

  /** @internal */
  protected took(r: Result): boolean {
    const ok = taken(r);
    if (ok) this.ownerDied = r === Result.OwnerDied;
    return ok;
  }

  /**
   * Releases the lock; one waiter (in any process) then gets it.
   * @throws RuntimeError if the lock is not locked.
   */
  release(): void {
    const f = this._releaseFn; // as in acquire()
    if (f !== undefined ? f(ident) !== true : unlock(handle(this, 'Lock.release'), ident) !== 1) {
      throw new RuntimeError('release unlocked lock');
    }
  }

  /** Whether the lock is held (by any thread of any process). */
  locked(): boolean {
    return mp.locked(handle(this, `${this.constructor.name}.locked`));
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
    const pid = mp.holderPid(this._handle);
    return `<${this.constructor.name}(${this.name}, ${pid === 0 ? 'unlocked' : `owner=${pid}`})>`;
  }
}

/**
 * A reentrant lock shared between processes: the thread that holds it may
 * acquire it again; it is free once released as many times. Only the
 * owning thread (of the owning process) may release it.
 */
export class RLock extends Lock {
  /** @internal */ override readonly _kind: string = 'multiprocessing.RLock';

  /** @internal */
  protected override kindCode(): Kind {
    return Kind.RLock;
  }

  /**
   * Releases one level; at the last, the lock is free.
   * @throws RuntimeError if the calling thread does not own it.
   */
  override release(): void {
    const f = this._releaseFn; // as in Lock.release()
    if ((f !== undefined ? (f(ident) as number) : unlock(handle(this, 'RLock.release'), ident)) < 0) {
      throw new RuntimeError('cannot release un-acquired lock');
    }
  }

  /** @internal Python's `_is_owned()`: whether the calling thread owns it. */
  _isOwned(): boolean {
    return mp.owned(handle(this, 'RLock._isOwned'), ident) > 0;
  }

  override toString(): string {
    if (this._handle === null) return `<RLock(${this.name}, closed)>`;
    const pid = mp.holderPid(this._handle);
    const count = mp.owned(this._handle, ident);
    return `<RLock(${this.name}, ${pid === 0 ? 'unlocked' : `owner=${pid}${count > 0 ? `, count=${count}` : ''}`})>`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Lock extends Shared {}

mixShared(Lock.prototype);
registerShared(Kind.Lock, Lock.prototype);
registerShared(Kind.RLock, RLock.prototype);
