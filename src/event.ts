/**
 * `Event`: Python's one-shot flag that threads wait on.
 *
 * Slots: [0] the flag, [1] how many threads are parked. set() enters
 * native code only when somebody sleeps.
 */
import { AsyncOptions } from './guard';
import { Op, Status, Waiting, binding, checkSignal, deadlineAfter, runAsync, runSync, throwIfAborted } from './native';
import { registerKind, sharedWords } from './shared';
import { asyncSignal, waitTimeout } from './validate';

const FLAG = 0;
const WAITERS = 1;

function* waiting(words: Int32Array, deadline: number): Waiting<boolean> {
  const park = { op: Op.Event, words, deadline, abortable: true };
  for (;;) {
    if (Atomics.load(words, FLAG) === 1) return true;
    const status = yield park;
    // Woken by set(): true even if the flag was cleared again since.
    if (status === Status.Unparked) return true;
    if (status === Status.TimedOut) return Atomics.load(words, FLAG) === 1;
    throwIfAborted(status);
  }
}

/**
 * A flag, initially false: set() makes it true and wakes every waiter,
 * clear() makes it false again, wait() blocks until it is true.
 */
export class Event {
  /** @internal */ readonly _kind: string = 'Event';
  /** @internal */ readonly _words: Int32Array = sharedWords(2);

  /** Whether the flag is true. */
  isSet(): boolean {
    return Atomics.load(this._words, FLAG) === 1;
  }

  /** Sets the flag and wakes every thread waiting for it. */
  set(): void {
    const w = this._words;
    Atomics.store(w, FLAG, 1);
    // Store the flag, then read the waiter count (both seq-cst): pairs with
    // the waiter's "count, then read the flag" in native/event.cc.
    if (Atomics.load(w, WAITERS) > 0) binding.wake(w, Number.MAX_SAFE_INTEGER);
  }

  /** Resets the flag; later wait() calls block until set() again. */
  clear(): void {
    Atomics.store(this._words, FLAG, 0);
  }

  /**
   * Blocks until the flag is true or `timeout` seconds pass (`null` or
   * `undefined`: forever; negative: do not wait). Returns the flag: true
   * unless it timed out.
   */
  wait(timeout?: number | null): boolean {
    const seconds = waitTimeout('Event.wait', timeout);
    if (this.isSet()) return true;
    if (seconds === 0) return false;
    return runSync(waiting(this._words, deadlineAfter(seconds)));
  }

  /** As {@link wait}, without blocking the event loop. */
  async waitAsync(timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const seconds = waitTimeout('Event.waitAsync', timeout);
    const signal = asyncSignal('Event.waitAsync', options);
    checkSignal(signal);
    if (this.isSet()) return true;
    if (seconds === 0) return false;
    return runAsync(waiting(this._words, deadlineAfter(seconds)), signal);
  }

  toString(): string {
    return `<Event: ${this.isSet() ? 'set' : 'unset'}>`;
  }
}

registerKind('Event', Event.prototype);
