/**
 * `Event` shared between processes: Python's `multiprocessing.Event`.
 *
 * The flag and a generation (the count of set() calls) share one word in
 * a named segment; a waiter sleeps in the kernel while that word is what
 * it saw when its wait began, so it wakes for exactly the set() calls made
 * since, in any process.
 */
import { ValueError } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { checkSignal, deadlineAfter, stopThisThread } from '../runtime/native';
import { asyncSignal, waitTimeout } from '../runtime/validate';
import { Shared, aborted, checkMayBlock, handle, mixShared, shownName } from './common';
import { Handle, Kind, Result, SharedOptions, attach, mp, registerShared, waitAsync } from './native';

const FLAG = 1;
const { eventState, eventSet, eventClear } = mp;

/**
 * A flag shared by every process that opens it, initially false: set()
 * makes it true and wakes every waiter, clear() makes it false again,
 * wait() blocks until it is true.
 */
export class Event {
  /** @internal */ readonly _kind: string = 'multiprocessing.Event';
  /** @internal */ _name!: string;
  /** @internal */ declare _handle: Handle;

  /** @param options `name`, `create`, `mode` as for {@link Lock}. */
  constructor(options?: SharedOptions) {
    attach(this, 'Event()', Kind.Event, options);
  }

  /** Whether the flag is true. */
  isSet(): boolean {
    return (eventState(handle(this, 'Event.isSet')) & FLAG) !== 0;
  }

  /** Sets the flag and wakes every waiter in every process. */
  set(): void {
    eventSet(handle(this, 'Event.set'));
  }

  /** Resets the flag. */
  clear(): void {
    eventClear(handle(this, 'Event.clear'));
  }

  /**
   * Blocks until the flag is true or `timeout` seconds pass (`null` or
   * `undefined`: forever). Returns true unless it timed out.
   */
  wait(timeout?: number | null): boolean {
    const h = handle(this, 'Event.wait');
    const seconds = waitTimeout('Event.wait', timeout);
    const seen = eventState(h);
    if (seen & FLAG) return true;
    if (seconds === 0) return false;
    checkMayBlock();
    const r = mp.eventWait(h, seen, seconds ?? -1);
    if (r === Result.Cancelled) stopThisThread();
    return r === 1;
  }

  /** As {@link wait}, without blocking the event loop. */
  async waitAsync(timeout?: number | null, options?: AsyncOptions): Promise<boolean> {
    const h = handle(this, 'Event.waitAsync');
    const seconds = waitTimeout('Event.waitAsync', timeout);
    const signal = asyncSignal('Event.waitAsync', options);
    checkSignal(signal);
    const seen = mp.eventState(h);
    if (seen & FLAG) return true;
    if (seconds === 0) return false;
    const got = await waitAsync(
      h,
      () => (mp.eventState(h) !== seen ? true : undefined),
      () => seen,
      deadlineAfter(seconds),
      signal,
      aborted(signal),
    );
    return got === true;
  }

  /** The name other processes open it by. */
  get name(): string {
    return shownName(this._name);
  }

  /** @throws ValueError: the name is fixed when it is made. */
  set name(_: string | null) {
    throw new ValueError("a multiprocessing Event's name is fixed when it is made");
  }

  toString(): string {
    if (this._handle === null) return `<Event(${this.name}, closed)>`;
    return `<Event(${this.name}, ${this.isSet() ? 'set' : 'unset'})>`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Event extends Shared {}

mixShared(Event.prototype);
registerShared(Kind.Event, Event.prototype);
