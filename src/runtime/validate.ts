/**
 * Argument checks at the public boundary, with CPython's messages. Each
 * throws before any state changes, so bad input never corrupts a primitive.
 */
import { debugHooks } from './hooks';
import { ArgumentTypeError, OverflowError, ValueError, describe } from './errors';
import { deadlineAfter } from './native';

/**
 * The largest timeout allowed, in seconds, as Python's
 * `threading.TIMEOUT_MAX` on 64-bit Linux. Larger values raise
 * `OverflowError`.
 */
export const TIMEOUT_MAX = 9223372036;

/** Checks a `blocking` flag. */
export function checkBlocking(method: string, blocking: unknown): boolean {
  if (blocking === undefined) return true;
  if (typeof blocking !== 'boolean') {
    throw new ArgumentTypeError(`${method}: blocking must be a boolean, not ${describe(blocking)}`);
  }
  return blocking;
}

function checkSeconds(method: string, what: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') {
    throw new ArgumentTypeError(`${method}: ${what} must be a number of seconds or null, not ${describe(value)}`);
  }
  if (Number.isNaN(value)) throw new ValueError(`${method}: Invalid value NaN (not a number)`);
  if (value > TIMEOUT_MAX) throw new OverflowError(`${method}: ${what} value is too large (${value} > TIMEOUT_MAX)`);
  // Debug mode's check: 1,000 seconds or more looks like milliseconds
  // (TIMEOUT_MAX itself is a deliberate "as long as possible").
  if (value >= 1000 && value < TIMEOUT_MAX) debugHooks.suspectTimeout(method, what, value);
  return value;
}

/**
 * `Lock.acquire(blocking, timeout)` rules: -1 (or null/undefined) is
 * forever, other negatives are a `ValueError`, and a non-blocking call
 * takes no timeout. Returns the timeout in seconds, `null` for forever.
 */
export function lockTimeout(method: string, blocking: boolean, timeout: unknown): number | null {
  const t = checkSeconds(method, 'timeout', timeout);
  if (!blocking && t !== null && t !== -1) {
    throw new ValueError(`${method}: can't specify a timeout for a non-blocking call`);
  }
  if (t === null || t === -1) return null;
  if (t < 0) throw new ValueError(`${method}: timeout value must be a non-negative number, not ${t}`);
  return t;
}

/**
 * `Condition.wait(timeout)` rules, shared by Event, Semaphore and Barrier:
 * null/undefined is forever, a negative timeout polls once without waiting.
 */
export function waitTimeout(method: string, timeout: unknown, what = 'timeout'): number | null {
  const t = checkSeconds(method, what, timeout);
  return t === null ? null : Math.max(0, t);
}

/**
 * A queue's `block` and `timeout`, as Python's put() and get() take them:
 * null when the call must not wait, else its deadline (Infinity: for ever).
 * @throws ValueError for a negative timeout of a call that waits.
 */
export function queueDeadline(method: string, block: unknown, timeout: unknown): number | null {
  const blocking = checkBlocking(method, block);
  const seconds = waitTimeout(method, timeout);
  if (!blocking) return null;
  if (typeof timeout === 'number' && timeout < 0) throw new ValueError(`${method}: 'timeout' must be a non-negative number`);
  return deadlineAfter(seconds);
}

/** An integer count, at least `min`, at most `max`. */
export function checkCount(method: string, what: string, value: unknown, min: number, max = 0x7fffffff): number {
  if (typeof value !== 'number') {
    throw new ArgumentTypeError(`${method}: ${what} must be an integer, not ${describe(value)}`);
  }
  if (!Number.isInteger(value)) throw new ValueError(`${method}: ${what} must be an integer, not ${value}`);
  if (value < min) throw new ValueError(`${method}: ${what} must be >= ${min}, not ${value}`);
  if (value > max) throw new OverflowError(`${method}: ${what} must be <= ${max}, not ${value}`);
  return value;
}

/** The `options` of an `…Async` method: returns its `signal`, if any. */
export function asyncSignal(method: string, options: unknown): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    throw new ArgumentTypeError(`${method}: options must be an object like { signal }, not ${describe(options)}`);
  }
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new ArgumentTypeError(`${method}: options.signal must be an AbortSignal, not ${describe(signal)}`);
  }
  return signal;
}

/**
 * A constructor that takes no arguments, as Python's `Lock()`, `RLock()`,
 * `Event()` and `local()`: given any, a TypeError.
 */
export function checkNoArguments(what: string, count: number): void {
  if (count > 0) throw new ArgumentTypeError(`${what}() takes no arguments (${count} given)`);
}

/**
 * A thread name, as Python's `str(name)`: a string as it is; a number, a
 * bigint or a boolean as its `String()`. Other types (objects, symbols,
 * functions, null) are a TypeError, where `String()` would give nothing
 * a Python programmer could mean.
 */
export function checkName(method: string, name: unknown): string {
  if (typeof name === 'string') return name;
  if (typeof name === 'number' || typeof name === 'bigint' || typeof name === 'boolean') return String(name);
  throw new ArgumentTypeError(`${method}: name must be a string or a number, not ${describe(name)}`);
}

/** A function argument. */
export function checkFunction<F>(method: string, what: string, value: unknown): F {
  if (typeof value !== 'function') {
    throw new ArgumentTypeError(`${method}: ${what} must be a function, not ${describe(value)}`);
  }
  return value as F;
}

/**
 * An `options` argument: an object (or undefined/null for none). Returns
 * it, or an empty object.
 */
export function checkOptions<O extends object>(method: string, options: unknown): Partial<O> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') {
    throw new ArgumentTypeError(`${method}: options must be an object, not ${describe(options)}`);
  }
  return options as Partial<O>;
}

/**
 * A list index, as Python's `operator.index()`: an integer number (a float,
 * NaN, a string or a bigint is a TypeError, as in Python's list methods).
 */
export function checkInteger(method: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ArgumentTypeError(`${method}: ${what} must be an integer, not ${describe(value)}`);
  }
  return value;
}
