/**
 * `Timer`: Python's `threading.Timer`, a Thread that calls a function
 * after `interval` seconds unless cancel()ed first. Its thread waits on an
 * {@link Event} that cancel() sets. As in Python, the interval counts from
 * when the thread runs, which is when start() returns.
 */
import { ValueError } from '../runtime/errors';
import { Event } from '../sync/event';
import { registerKind } from '../runtime/shared';
import { Thread, ThreadOptions, registerBase } from './thread';
import { checkFunction, waitTimeout } from '../runtime/validate';

/** Calls `fn(...args)` on a new thread after `interval` seconds. */
export class Timer extends Thread {
  /** @internal */ override readonly _kind: string = 'Timer';
  /** @internal */ _interval: number;
  /** @internal */ readonly _finished: Event = new Event();

  /**
   * @param interval seconds to wait, from start().
   * @param fn the function to call (sent to the thread as source).
   * @throws ValueError for a negative or NaN interval.
   */
  constructor(interval: number, fn: (...args: any[]) => unknown, args?: readonly unknown[] | null, kwargs?: Record<string, unknown> | null) { // eslint-disable-line @typescript-eslint/no-explicit-any
    const seconds = waitTimeout('Timer', interval, 'interval');
    if (seconds === null || interval < 0) throw new ValueError(`Timer: interval must be a non-negative number of seconds, not ${interval}`);
    checkFunction('Timer', 'fn', fn);
    super({ target: fn, args, kwargs } as ThreadOptions);
    this._interval = seconds;
  }

  /** Stops the timer if it has not fired yet. */
  cancel(): void {
    this._finished.set();
  }

  /** @internal On the thread: wait, then call the function unless cancelled. */
  override run(): unknown {
    this._finished.wait(this._interval);
    let result: unknown;
    if (!this._finished.isSet()) result = super.run();
    this._finished.set();
    return result;
  }
}

registerBase(Timer.prototype, 'Timer');
registerKind('Timer', Timer.prototype, { shared: false });
