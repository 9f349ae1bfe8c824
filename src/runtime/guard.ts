/**
 * Scoped use, the port of Python's `with lock:` — shared by every primitive
 * that can be acquired and released (Lock, RLock, Condition, Semaphore).
 */
import { ContentionStats, debugHooks, nameOf, setNameOf } from './hooks';
import { checkFunction } from './validate';

/** Options of the `…Async` methods. */
export interface AsyncOptions {
  /** Cancels the wait: the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** What `hold()` returns: releases once, when disposed. */
export interface Held extends Disposable {
  /** Releases now (idempotent); the same as disposing. */
  release(): void;
}

/** What `holdAsync()` resolves to: works with `using` and `await using`. */
export interface HeldAsync extends Held, AsyncDisposable {}

/** Something with Python's acquire/release protocol. */
export abstract class Acquirable {
  abstract acquire(blocking?: boolean, timeout?: number | null): boolean;
  abstract acquireAsync(blocking?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<boolean>;
  abstract release(): void;

  /**
   * A name for reports (deadlock reports, {@link contentionStats}); null by
   * default. It travels with the primitive: set it before passing it on.
   */
  get name(): string | null {
    return nameOf(this);
  }

  set name(name: string | null) {
    setNameOf(this, name);
  }

  /**
   * The contention counters of a primitive created with stats on
   * (`PTHREADING_DEBUG=stats` or `setDebug({ stats: true })`), read from
   * shared memory, so any thread sees the same; null otherwise.
   */
  stats(): ContentionStats | null {
    return debugHooks.statsOf(this);
  }

  /**
   * Acquires (blocking) and returns a guard that releases on dispose:
   * `using g = lock.hold();` is Python's `with lock:`.
   */
  hold(): Held {
    this.acquire();
    return this.guard();
  }

  /**
   * Acquires without blocking the event loop; the guard releases on
   * dispose: `await using g = await lock.holdAsync();`.
   */
  async holdAsync(options?: AsyncOptions): Promise<HeldAsync> {
    await this.acquireAsync(true, null, options);
    const held = this.guard();
    return Object.assign(held, { [Symbol.asyncDispose]: async () => held.release() });
  }

  /** Runs `fn` holding this (blocking acquire); releases even if it throws. */
  with<T>(fn: () => T): T {
    checkFunction('with', 'fn', fn);
    this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /** Runs `fn` (sync or async) holding this; releases when it settles. */
  async withAsync<T>(fn: () => T | Promise<T>, options?: AsyncOptions): Promise<T> {
    checkFunction('withAsync', 'fn', fn);
    await this.acquireAsync(true, null, options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private guard(): Held {
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.release();
    };
    return { release, [Symbol.dispose]: release };
  }
}
