/**
 * `Event`: Python's one-shot flag that threads wait on.
 *
 * Slots: [0] the flag in bit 0 and, above it, a generation counting set()
 * calls; [1] how many threads are parked. set() changes both in one CAS;
 * a waiter sleeps only while slot 0 is what it saw when its wait began, so
 * it wakes for exactly the set() calls made since (native/core/event.cc). set()
 * enters native code only when somebody sleeps.
 */
import { AsyncOptions } from '../runtime/guard';
import { Op, Park, Status, Waiting, Word, binding, checkSignal, deadlineAfter, runAsync, runSync, throwIfAborted } from '../runtime/native';
import { nameOf, setNameOf } from '../runtime/hooks';
import { registerKind, sharedWords } from '../runtime/shared';
import { asyncSignal, checkNoArguments, waitTimeout } from '../runtime/validate';


function* waiting(words: Int32Array, deadline: number): Waiting<boolean> {
  const seen = Atomics.load(words, Word.StateSlot);
  if (seen & Word.EventFlag) return true;
  const park: Park = { op: Op.Event, words, expected: seen, deadline, abortable: true };
  for (;;) {
    const status = yield park;
    // Any change since the wait began is a set() (and maybe a clear()
    // after it): true, as Python reports a waiter woken by set().
    if (Atomics.load(words, Word.StateSlot) !== seen) return true;
    if (status === Status.TimedOut) return false;
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

  /** @throws TypeError if given arguments: Python's `Event()` takes none. */
  constructor() {
    checkNoArguments('Event', arguments.length);
  }

  /** Whether the flag is true. */
  isSet(): boolean {
    return (Atomics.load(this._words, Word.StateSlot) & Word.EventFlag) !== 0;
  }

  /** Sets the flag and wakes every thread waiting for it. */
  set(): void {
    const w = this._words;
    // Next generation, flag set: one step, seen whole by every thread.
    for (let s = Atomics.load(w, Word.StateSlot); ; ) {
      const was = Atomics.compareExchange(w, Word.StateSlot, s, (((s >>> 1) + 1) << 1) | Word.EventFlag);
      if (was === s) break;
      s = was;
    }
    // Change the state, then read the waiter count (both seq-cst): pairs
    // with the waiter's "count, then read the state" in native/core/event.cc.
    if (Atomics.load(w, Word.WaitersSlot) > 0) binding.wake(w, Number.MAX_SAFE_INTEGER);
  }

  /** Resets the flag; later wait() calls block until set() again. */
  clear(): void {
    Atomics.and(this._words, Word.StateSlot, ~Word.EventFlag);
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

  /** A name for reports; null by default. It travels with the object: set it before passing it on. */
  get name(): string | null {
    return nameOf(this);
  }

  set name(name: string | null) {
    setNameOf(this, name);
  }

  toString(): string {
    return `<${this.constructor.name}: ${this.isSet() ? 'set' : 'unset'}>`;
  }
}

registerKind('Event', Event.prototype);
