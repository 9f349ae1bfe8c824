/**
 * Critical sections: how pthreading's own objects use their internal locks
 * (a Queue's mutex, a Barrier's lock, a shared container's or a Value's
 * lock), so that `terminate()` never takes an object with the thread.
 *
 * A thread is never terminated inside a critical section: it counts them
 * in its control word (see `enterCritical` in native.ts), and a stop asked
 * for meanwhile cancels its waits and ends it as it leaves the last one.
 * A section is entered *before* the lock is tried, so there is no moment
 * at which the thread holds the lock outside a section. While an async
 * wait sleeps, the thread holds nothing and leaves the section (the
 * `critical` flag of its parks); a sync wait is cut short by the stop.
 *
 * `Section.held` says whether the lock is held right now: a Condition's
 * wait gives the lock up (in native code, on every path) and takes it back
 * when it returns, so a slow path closed in the middle of that wait (its
 * thread stopping) knows not to release a lock it does not hold.
 */
import { ThreadExitError } from '../runtime/errors';
import { Lock, locking, unlock } from './lock';
import { Waiting, enterCritical, leaveCritical } from '../runtime/native';
import type { RLock } from './rlock';

/** A critical section in progress. */
export interface Section {
  /** Whether the section's lock is held at this moment. */
  held: boolean;
}

/**
 * The slow path `body` run holding `lock`, as a critical section. The lock
 * is taken and released on the lock word directly (an internal use: debug
 * counters see only the user's acquires).
 */
export function* critical<T>(lock: Lock, body: (section: Section) => Waiting<T>): Waiting<T> {
  const section: Section = { held: false };
  const stopping = enterCritical();
  try {
    if (stopping) throw new ThreadExitError();
    section.held = yield* locking(lock._words, Infinity, false, true);
    return yield* body(section);
  } finally {
    if (section.held) unlock(lock._words);
    leaveCritical();
  }
}

/** `lock.with(fn)` as a critical section (sync only: `fn` never waits). */
export function criticalWith<T>(lock: Lock | RLock, fn: () => T): T {
  const stopping = enterCritical();
  try {
    if (stopping) throw new ThreadExitError();
    lock.acquire();
    try {
      return fn();
    } finally {
      lock.release();
    }
  } finally {
    leaveCritical();
  }
}
