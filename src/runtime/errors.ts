/**
 * Every error this library throws, each with a stable `code`.
 *
 * The classes mirror Python's exceptions: `RuntimeError` (with `ThreadError`
 * as its alias, as in Python's `threading`), `ValueError`, `OverflowError`,
 * `BrokenBarrierError`, plus `TypeError` for arguments of the wrong type and
 * `AbortError` for an async wait cancelled through its `AbortSignal`.
 * Messages follow CPython's wording and say what was given.
 */

/** Base class of every error raised by pthreading. */
export class PthreadingError extends Error {
  /** A stable machine-readable code, e.g. `ERR_RUNTIME`. */
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(safeString(message), options);
    this.code = checkCode(code);
    this.name = new.target.name;
  }
}

/**
 * Python's `RuntimeError`: an operation that is not allowed in the current
 * state (release of an un-acquired lock, wait on an un-acquired condition).
 */
export class RuntimeError extends PthreadingError {
  constructor(message: string, code = 'ERR_RUNTIME', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

function checkCode(code: unknown): string {
  if (typeof code !== 'string') throw new ArgumentTypeError(`an error's code must be a string, not ${describe(code)}`);
  return code;
}

/** Python's `threading.ThreadError`, which is `RuntimeError`. */
export const ThreadError = RuntimeError;
/** Python's `threading.ThreadError`, which is `RuntimeError`. */
export type ThreadError = RuntimeError;

/** Python's `ValueError`: a value of the right type but out of range. */
export class ValueError extends PthreadingError {
  constructor(message: string, code = 'ERR_VALUE') {
    super(message, code);
  }
}

/**
 * Python's `MemoryError`: a Queue or shared container that cannot grow to
 * hold what it was given (beyond the `capacity` it was created with, or
 * refused by the system).
 */
export class MemoryError extends PthreadingError {
  constructor(message: string) {
    super(message, 'ERR_NO_MEMORY');
  }
}

/** Python's `OverflowError`: a timeout larger than `TIMEOUT_MAX`. */
export class OverflowError extends PthreadingError {
  constructor(message: string) {
    super(message, 'ERR_OVERFLOW');
  }
}

/** Raised by a non-blocking or timed `get()` on an empty queue (Python's `queue.Empty`). */
export class Empty extends PthreadingError {
  constructor() {
    super('the queue is empty', 'ERR_QUEUE_EMPTY');
  }
}

/** Raised by a non-blocking or timed `put()` on a full queue (Python's `queue.Full`). */
export class Full extends PthreadingError {
  constructor() {
    super('the queue is full', 'ERR_QUEUE_FULL');
  }
}

/**
 * An argument of the wrong type. Unlike the built-in `TypeError` it has a
 * `code`; it still passes `instanceof TypeError` checks of the built-in.
 */
export class ArgumentTypeError extends TypeError {
  /** `ERR_INVALID_ARG_TYPE`, or `ERR_INVALID_THIS` for a method called on the wrong object. */
  readonly code: string;

  constructor(message: string, code = 'ERR_INVALID_ARG_TYPE') {
    super(safeString(message));
    this.code = checkCode(code);
    this.name = 'TypeError';
  }
}

/**
 * A function sent to a thread as source text (a Thread target, a
 * subclass's method, an executor's task) uses names it cannot see in its
 * thread: variables, functions or imports of the code around it. Raised by
 * `start()` or `submit()` before the thread runs; the message lists every
 * such name with what to do instead. Unlike the built-in `ReferenceError`
 * it has a `code`; it still passes `instanceof ReferenceError` checks.
 */
export class FreeVariableError extends ReferenceError {
  /** `ERR_FREE_VARIABLE`. */
  readonly code = 'ERR_FREE_VARIABLE';
  /** The names, each once, in the order the function uses them. */
  readonly names: string[];

  constructor(message: string, names: string[]) {
    super(safeString(message));
    this.names = names;
    this.name = 'ReferenceError';
  }
}

/** Raised by `Barrier.wait()` when the barrier is, or becomes, broken. */
export class BrokenBarrierError extends RuntimeError {
  constructor(message = 'the barrier is broken') {
    super(message, 'ERR_BROKEN_BARRIER');
  }
}

/** An async wait cancelled through its `AbortSignal`. */
export class AbortError extends PthreadingError {
  constructor(reason?: unknown) {
    super('The operation was aborted', 'ABORT_ERR', { cause: reason });
  }
}

/**
 * A blocking wait interrupted because its thread is being torn down
 * (`worker.terminate()`, `process.exit()`). Code running on such a thread
 * should let it propagate.
 */
export class ThreadExitError extends RuntimeError {
  constructor() {
    super('the thread is exiting; blocking waits are cancelled', 'ERR_THREAD_EXITING');
  }
}

/** Raised when the result of a cancelled {@link Future} is asked for. */
export class CancelledError extends PthreadingError {
  constructor(message = 'the future was cancelled') {
    super(message, 'ERR_CANCELLED');
  }
}

/**
 * Raised when a {@link Future}'s result, or a set of futures, is not ready
 * before a timeout (Python's `concurrent.futures.TimeoutError`).
 */
export class TimeoutError extends PthreadingError {
  constructor(message = 'the wait timed out') {
    super(message, 'ERR_TIMEOUT');
  }
}

/**
 * Raised for the futures of a ThreadPoolExecutor that can no longer run
 * tasks: its initializer failed, or one of its threads ended abruptly.
 */
export class BrokenThreadPool extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_BROKEN_THREAD_POOL', options);
  }
}

/**
 * Describes a value for an error message: its type and, if short, itself.
 * Never throws, whatever the value (a Proxy, a throwing getter).
 */
export function describe(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return `a ${typeof value}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === 'symbol') return `symbol ${value.description === undefined ? 'Symbol()' : `Symbol(${JSON.stringify(value.description)})`}`;
  if (typeof value === 'function') return `function ${typeof value.name === 'string' && value.name ? value.name : '(anonymous)'}`;
  const ctor = (value as object).constructor;
  const name = typeof ctor === 'function' ? ctor.name : undefined;
  return `an instance of ${typeof name === 'string' && name ? name : 'Object'}`;
}

/**
 * `String(value)` for a message or a report, which never throws: a value
 * whose `toString` throws (or a symbol, in a template) is described instead.
 */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `<${describe(value)}: its toString() threw>`;
  }
}

/** The message of a caught value, which may not be an Error (or may throw). */
export function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
  } catch {
    // a message getter that throws: describe the value instead
  }
  return safeString(error);
}
