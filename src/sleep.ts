/** `sleep(seconds)` (blocking, precise, cancellable at exit) and `sleepAsync`. */
import { setTimeout as delay } from 'node:timers/promises';

import { ValueError } from './errors';
import { AsyncOptions } from './guard';
import { Op, Status, Waiting, deadlineAfter, runSync } from './native';
import { asyncSignal, waitTimeout } from './validate';

// Nobody ever wakes this word: a park on it ends only at its deadline (or
// when the thread is torn down).
const never = new Int32Array(new SharedArrayBuffer(4));

function* sleeping(deadline: number): Waiting<void> {
  const park = { op: Op.Futex, words: never, expected: 0, deadline, abortable: false };
  while ((yield park) !== Status.TimedOut);
}

function checkSeconds(method: string, seconds: unknown): number {
  const s = waitTimeout(method, seconds, 'seconds');
  if (s === null || (seconds as number) < 0) throw new ValueError(`${method}: sleep length must be non-negative`);
  return s;
}

/**
 * Blocks the calling thread for `seconds` (Python's `time.sleep`), to
 * within about a millisecond. On the main thread this blocks the event loop
 * too; use {@link sleepAsync} there.
 * @throws ValueError for a negative or NaN length.
 */
export function sleep(seconds: number): void {
  const s = checkSeconds('sleep', seconds);
  if (s > 0) runSync(sleeping(deadlineAfter(s)));
}

/** Resolves after `seconds` without blocking; `options.signal` cancels it. */
export async function sleepAsync(seconds: number, options?: AsyncOptions): Promise<void> {
  const s = checkSeconds('sleepAsync', seconds);
  const signal = asyncSignal('sleepAsync', options);
  await delay(s * 1000, undefined, signal ? { signal } : undefined);
}
