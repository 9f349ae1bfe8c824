/**
 * `RLock`: Python's reentrant lock. The lock word of {@link Lock}, plus the
 * owning thread and the recursion count in two more shared slots.
 *
 * Slots: [0] lock word (see native/core/lock.cc), [1] owner (the thread ident,
 * 0 when free), [2] recursion count. Only the owner writes slots 1 and 2,
 * and always while holding the lock word.
 */
import { RuntimeError } from '../runtime/errors';
import { wrongThis } from '../runtime/receivers';
import { Acquirable, AsyncOptions } from '../runtime/guard';
import { acquireWords, unlock } from './lock';
import { Waiting, Word, checkSignal, ident, onRecycle, runAsync, runSync } from '../runtime/native';
import { debugHooks } from '../runtime/hooks';
import { registerKind, sharedWords } from '../runtime/shared';
import { asyncSignal, checkBlocking, checkNoArguments, lockTimeout } from '../runtime/validate';

const OWNER = 1;
const COUNT = 2;
let me = ident;
onRecycle(() => (me = ident));

/**
 * A reentrant lock: the thread that holds it may acquire it again, and must
 * release it as many times. Only the owning thread may release it. In async
 * code the owner is the thread, not the task.
 */
export class RLock extends Acquirable {
  /** @internal */ readonly _kind: string = 'RLock';
  /** @internal */ readonly _words: Int32Array;

  /** @throws TypeError if given arguments (Python 3.15's `RLock()` takes none). */
  constructor() {
    super();
    checkNoArguments('RLock', arguments.length);
    this._words = sharedWords(3);
    debugHooks.track(this);
  }

  /**
   * Acquires the lock, or increments the recursion level if this thread
   * already owns it. Arguments and result as {@link Lock.acquire}.
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean {
    if (!(this instanceof RLock) || this._words === undefined) throw wrongThis('RLock.acquire', 'RLock', this);
    const result = this.enter('RLock.acquire', blocking, timeout);
    return typeof result === 'boolean' ? result : this.own(runSync(result));
  }

  /** As {@link acquire}, without blocking the event loop. */
  async acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const signal = asyncSignal('RLock.acquireAsync', options);
    checkSignal(signal);
    const result = this.enter('RLock.acquireAsync', blocking, timeout);
    return typeof result === 'boolean' ? result : this.own(await runAsync(result, signal));
  }

  private enter(method: string, blocking: unknown, timeout: unknown): Waiting<boolean> | boolean {
    const w = this._words;
    // Pairs with own()'s store: only this thread ever writes `me` there, so
    // it reads `me` exactly while it owns the lock (COUNT is then its own).
    if (Atomics.load(w, OWNER) === me) {
      lockTimeout(method, checkBlocking(method, blocking), timeout);
      w[COUNT]++;
      return true;
    }
    const result = acquireWords(method, w, blocking, timeout);
    return result === true ? this.own(true) : result;
  }

  private own(acquired: boolean): boolean {
    if (acquired) {
      Atomics.store(this._words, OWNER, me);
      this._words[COUNT] = 1;
    }
    return acquired;
  }

  /**
   * Decrements the recursion level; at zero the lock is released.
   * @throws RuntimeError if the calling thread does not own the lock.
   */
  release(): void {
    if (!(this instanceof RLock) || this._words === undefined) throw wrongThis('RLock.release', 'RLock', this);
    const w = this._words;
    if (Atomics.load(w, OWNER) !== me) throw new RuntimeError('cannot release un-acquired lock');
    if (--w[COUNT] > 0) return;
    Atomics.store(w, OWNER, 0);
    unlock(w);
  }

  /** Whether any thread holds the lock. */
  locked(): boolean {
    return (Atomics.load(this._words, Word.StateSlot) & Word.LockedBit) !== 0;
  }

  /** @internal Condition support: give the lock up entirely, keep the level. */
  _releaseSave(): number {
    if (!this._isOwned()) throw new RuntimeError('cannot release un-acquired lock');
    const count = this._words[COUNT];
    this._words[COUNT] = 0;
    Atomics.store(this._words, OWNER, 0);
    return count;
  }

  /** @internal */
  _acquireRestore(count: number): void {
    Atomics.store(this._words, OWNER, me);
    this._words[COUNT] = count;
  }

  /** @internal */
  _isOwned(): boolean {
    return Atomics.load(this._words, OWNER) === me;
  }

  override toString(): string {
    const owner = Atomics.load(this._words, OWNER);
    // CPython's _thread.RLock repr: the owner's ident, 0 when free.
    return `<${owner ? 'locked' : 'unlocked'} ${this.constructor.name} owner=${owner} count=${this._words[COUNT]}>`;
  }
}

registerKind('RLock', RLock.prototype);
