/** `sleep(seconds)` (blocking, precise, cancellable at exit) and `sleepAsync`. */
import { AbortError, ValueError } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { Op, Park, Status, Waiting, atDeadline, checkSignal, deadlineAfter, runSync } from '../runtime/native';
import { asyncSignal, waitTimeout } from '../runtime/validate';

// Nobody ever wakes this word: a park on it ends only at its deadline (or
// when the thread is torn down).
const never = new Int32Array(new SharedArrayBuffer(4));

function* sleeping(deadline: number): Waiting<void> {
  const park: Park = { op: Op.Futex, words: never, expected: 0, deadline, abortable: false };
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

/**
 * Resolves after `seconds` without blocking, however long (up to
 * TIMEOUT_MAX); `options.signal` cancels it with an `AbortError`.
 */
export function sleepAsync(seconds: number, options?: AsyncOptions): Promise<void> {
  try {
    const s = checkSeconds('sleepAsync', seconds);
    const signal = asyncSignal('sleepAsync', options);
    checkSignal(signal);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        stop();
        reject(new AbortError(signal!.reason));
      };
      const stop = atDeadline(deadlineAfter(s), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
