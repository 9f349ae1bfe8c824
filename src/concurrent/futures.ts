/**
 * `Future` and the functions over many futures — Python's
 * `concurrent.futures` (`Future`, `wait`, `as_completed`).
 *
 * A future lives in the thread that submitted its task; its result comes
 * back from a pool thread as a message. Every result message is followed by
 * a bump of this thread's completion word (shared memory), so a blocking
 * wait here sleeps in a native wait on that word and reads the messages
 * with `receiveMessageOnPort` when woken — no event loop needed. Async waits
 * hear the same messages through the ports' 'message' events.
 */
import { AbortError, ArgumentTypeError, CancelledError, TimeoutError, ValueError, describe } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { Op, Waiting, atDeadline, checkSignal, deadlineAfter, runSync } from '../runtime/native';
import { sharedWords } from '../runtime/shared';
import { asyncSignal, waitTimeout } from '../runtime/validate';

/** Python's future states. */
type State = 'PENDING' | 'RUNNING' | 'CANCELLED' | 'FINISHED';

/** `wait()`'s `returnWhen`: return as soon as any future finishes or is cancelled. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()`'s `returnWhen`: return when any future raises, or all are done. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()`'s `returnWhen`: return when every future is done (the default). */
export const ALL_COMPLETED = 'ALL_COMPLETED';
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/**
 * @internal This thread's completion words: [0] is bumped after each
 * result posted to this thread, [1] counts blocking waits on [0]; a pool
 * thread wakes [0] only when [1] says someone sleeps there.
 */
export const completions = sharedWords(2);
/**
 * @internal The states of a task's claim word, for a task handed to a pool
 * thread ahead of its turn. The word's low two bits are the state, the
 * rest the pool thread it waits on (see queuedFor()). That thread claims it
 * (QUEUED -> CLAIMED) just before running it; the executor can take it back
 * (QUEUED -> REVOKED) to cancel it, or move it to another thread (QUEUED
 * for one -> QUEUED for the other). Whoever swaps first decides, so a task
 * runs once, on one thread, or never.
 */
export const QUEUED = 1;
export const CLAIMED = 2;
export const REVOKED = 3;
/** @internal How many claim words an executor has: task `id` has word `id % CLAIM_WORDS`. */
export const CLAIM_WORDS = 1024;
/** @internal The index of task `id`'s claim word (ids below 1 occur only as bounds of a look back). */
export const claimWordOf = (id: number): number => ((id % CLAIM_WORDS) + CLAIM_WORDS) % CLAIM_WORDS;
/** @internal The claim word of a task waiting on pool thread `owner`. */
export const queuedFor = (owner: number): number => ((owner << 2) | QUEUED) | 0;

/** @internal Reads every result message already posted to this thread. */
export const drains = new Set<() => void>();
let finishedCount = 0;

/**
 * The eventual result of a task submitted to a {@link ThreadPoolExecutor}.
 * Await it, or call `result(timeout)` to block until it is ready.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state: State = 'PENDING';
  /** @internal */ _value: T | undefined = undefined;
  /** @internal */ _error: unknown = undefined;
  /** @internal */ _failed = false;
  /** @internal Order of completion, for asCompleted(). */ _seq = 0;
  /** @internal Asks the executor to stop the running task; set while it runs. */ _stop: (() => void) | null = null;
  /** @internal */ _cancelRequested = false;
  /**
   * @internal Set while the task waits on a pool thread for its turn: its
   * claim word there (see QUEUED). The future is PENDING until the word
   * says CLAIMED.
   */
  _claim: { words: Int32Array; index: number; queued: number } | null = null;
  // Made when first needed: most futures only ever have the one listener
  // an await adds.
  private callbacks: ((future: any) => void)[] | null = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  private listeners: Set<() => void> | null = null;
  private promise: Promise<T> | null = null;

  /**
   * Cancels the task. A task still queued never runs: returns true. A
   * running task is asked to stop through its {@link taskSignal} (this goes
   * beyond Python, whose `cancel()` cannot stop running work): returns true,
   * and the future ends cancelled if the task then ends with an error (the
   * usual outcome of honouring the signal), or with the task's result if it
   * finished anyway. Returns false if the task has already finished.
   */
  cancel(): boolean {
    if (this._state === 'FINISHED') return false;
    if (this._state === 'CANCELLED') return true;
    if (this._cancelQueued()) return true;
    if (this._state === 'RUNNING') {
      if (!this._cancelRequested) {
        this._cancelRequested = true;
        this._stop?.();
      }
      return true;
    }
    return false;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this._state === 'CANCELLED';
  }

  /** Whether the task is running now. */
  running(): boolean {
    this._look();
    return this._state === 'RUNNING';
  }

  /** Whether the future was cancelled or its task finished. */
  done(): boolean {
    return this._state === 'CANCELLED' || this._state === 'FINISHED';
  }

  /**
   * Waits until the task finishes, or `timeout` seconds pass (`null`:
   * forever), and returns its value. Blocks the calling thread.
   * @throws the task's error, if it threw one.
   * @throws CancelledError if the future was cancelled.
   * @throws TimeoutError if the timeout passed first.
   */
  result(timeout?: number | null): T {
    this.waitDone('Future.result', timeout);
    return this.outcome();
  }

  /** As {@link result}, without blocking the event loop. */
  async resultAsync(timeout?: number | null, options?: AsyncOptions): Promise<T> {
    await this.waitDoneAsync('Future.resultAsync', timeout, options);
    return this.outcome();
  }

  /**
   * Waits as {@link result} does and returns the task's error, or null if
   * it returned a value.
   * @throws CancelledError if the future was cancelled.
   * @throws TimeoutError if the timeout passed first.
   */
  exception(timeout?: number | null): unknown {
    this.waitDone('Future.exception', timeout);
    return this.failure();
  }

  /** As {@link exception}, without blocking the event loop. */
  async exceptionAsync(timeout?: number | null, options?: AsyncOptions): Promise<unknown> {
    await this.waitDoneAsync('Future.exceptionAsync', timeout, options);
    return this.failure();
  }

  /**
   * Calls `fn(future)` when the future is done, on this thread; at once if
   * it already is. An error thrown by `fn` is printed and ignored, as in
   * Python.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') {
      throw new ArgumentTypeError(`Future.addDoneCallback: fn must be a function, not ${describe(fn)}`);
    }
    if (this.done()) callSafely(fn, this);
    else (this.callbacks ??= []).push(fn);
  }

  /** Makes a future awaitable: `await future` is `await future.resultAsync()`. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    // resultAsync() with no timeout or signal, without its machinery: one
    // promise, settled by the future's completion.
    this.promise ??= new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        try {
          resolve(this.outcome());
        } catch (error) {
          reject(error);
        }
      };
      if (this.done()) settle();
      else this._listen(settle);
    });
    return this.promise.then(onFulfilled, onRejected);
  }

  /** As Python's repr: the state, and the outcome's type (`raised OSError`, `returned number`). */
  toString(): string {
    this._look();
    const detail = this._state === 'FINISHED' ? (this._failed ? ` raised ${typeName(this._error)}` : ` returned ${typeName(this._value)}`) : '';
    return `<Future state=${this._state.toLowerCase()}${detail}>`;
  }

  /**
   * @internal Cancels the task if no thread has started it, as Python's
   * cancel() of a queued future; false if it runs or is done.
   */
  _cancelQueued(): boolean {
    if (this._state !== 'PENDING' || !this._revoke()) return false;
    this._complete('CANCELLED');
    return true;
  }

  /**
   * @internal Takes the task back from the pool thread it waits on, if that
   * thread has not claimed it (true; the future stays PENDING, to be
   * handed out again or cancelled; true too for a task held here). False
   * if the thread claimed it: the future is RUNNING then.
   */
  _revoke(): boolean {
    const claim = this._claim;
    if (!claim) return this._state === 'PENDING'; // not RUNNING once seen claimed
    this._claim = null;
    if (Atomics.compareExchange(claim.words, claim.index, claim.queued, REVOKED) === claim.queued) return true;
    this._state = 'RUNNING';
    return false;
  }

  /** @internal Learns whether the pool thread holding the task has started it. */
  _look(): void {
    const claim = this._claim;
    if (claim && Atomics.load(claim.words, claim.index) === CLAIMED) {
      this._claim = null;
      this._state = 'RUNNING';
    }
  }

  /** @internal Back to PENDING: the thread it was handed to ended before it started. */
  _requeue(): void {
    this._state = 'PENDING';
    this._stop = null;
    this._claim = null;
  }

  /** @internal Python's set_running_or_notify_cancel(). */
  _setRunning(): boolean {
    if (this._state === 'CANCELLED') return false;
    this._state = 'RUNNING';
    return true;
  }

  /** @internal Ends the future with the task's outcome. */
  _settle(ok: boolean, value: unknown): void {
    if (this.done()) return;
    this._stop = null;
    this._claim = null;
    if (ok) this._value = value as T;
    else if (this._cancelRequested) this._error = new CancelledError(`the task stopped after cancel(): ${describe(value)}`);
    else {
      this._error = value;
      this._failed = true;
    }
    this._complete(ok || !this._cancelRequested ? 'FINISHED' : 'CANCELLED');
  }

  /** @internal Calls `fn` once the future is done; returns how to stop listening. */
  _listen(fn: () => void): () => void {
    const listeners = (this.listeners ??= new Set());
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  private _complete(state: 'FINISHED' | 'CANCELLED'): void {
    this._state = state;
    this._seq = ++finishedCount;
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners) for (const fn of listeners) fn();
    const callbacks = this.callbacks;
    this.callbacks = null;
    if (callbacks) for (const fn of callbacks) callSafely(fn, this);
  }

  private outcome(): T {
    if (this._state === 'CANCELLED') throw this._error instanceof CancelledError ? this._error : new CancelledError();
    if (this._failed) throw this._error;
    return this._value as T;
  }

  private failure(): unknown {
    if (this._state === 'CANCELLED') throw this._error instanceof CancelledError ? this._error : new CancelledError();
    return this._failed ? this._error : null;
  }

  private waitDone(method: string, timeout: number | null | undefined): void {
    const seconds = waitTimeout(method, timeout);
    if (!blockUntil(() => this.done(), deadlineAfter(seconds))) throw new TimeoutError(`${method}: the task did not finish in ${seconds} s`);
  }

  private async waitDoneAsync(method: string, timeout: number | null | undefined, options?: AsyncOptions): Promise<void> {
    const seconds = waitTimeout(method, timeout);
    const signal = asyncSignal(method, options);
    checkSignal(signal);
    if (!(await settleWhen([this], () => this.done(), deadlineAfter(seconds), signal))) {
      throw new TimeoutError(`${method}: the task did not finish in ${seconds} s`);
    }
  }
}

function callSafely<T>(fn: (future: Future<T>) => void, future: Future<T>): void {
  try {
    fn(future);
  } catch (error) {
    console.error(`exception calling callback for ${future}:`, error);
  }
}

/**
 * @internal Blocks the calling thread until `predicate()` holds or the
 * deadline passes, reading results as they arrive. Returns the predicate.
 */
export function blockUntil(predicate: () => boolean, deadline: number): boolean {
  // Announced before the first look at [0]: a pool thread that bumps [0]
  // after that look sees the announcement and wakes us (both sequentially
  // consistent, so one of the two sees the other).
  Atomics.add(completions, 1, 1);
  try {
    return runSync(blockingUntil(predicate, deadline));
  } finally {
    Atomics.sub(completions, 1, 1);
  }
}

function* blockingUntil(predicate: () => boolean, deadline: number): Waiting<boolean> {
  for (;;) {
    // Read the word before the messages: a result posted after the drain
    // has bumped it since, and the park returns at once.
    const seen = Atomics.load(completions, 0);
    for (const drain of drains) drain();
    if (predicate()) return true;
    if (performance.now() >= deadline) return false;
    yield { op: Op.Futex, words: completions, expected: seen, deadline, abortable: true };
  }
}

/**
 * @internal Resolves once `predicate()` holds (checked whenever one of
 * `futures` completes) with true, or with false at the deadline.
 */
export function settleWhen<T>(futures: Iterable<Future<T>>, predicate: () => boolean, deadline: number, signal?: AbortSignal): Promise<boolean> {
  if (predicate()) return Promise.resolve(true);
  return new Promise<boolean>((resolve, reject) => {
    const stops: (() => void)[] = [];
    const end = (): void => {
      for (const stop of stops) stop();
      signal?.removeEventListener('abort', onAbort);
    };
    const check = (): void => {
      if (predicate()) {
        end();
        resolve(true);
      }
    };
    const onAbort = (): void => {
      end();
      reject(new AbortError(signal!.reason));
    };
    for (const future of futures) if (!future.done()) stops.push(future._listen(check));
    if (deadline !== Infinity) {
      stops.push(
        atDeadline(deadline, () => {
          end();
          resolve(predicate());
        }),
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function futureList(method: string, fs: Iterable<Future>): Future[] {
  if (fs === null || typeof fs !== 'object' || typeof (fs as Iterable<Future>)[Symbol.iterator] !== 'function') {
    throw new ArgumentTypeError(`${method}: fs must be an iterable of futures, not ${describe(fs)}`);
  }
  const list = [...new Set(fs)];
  for (const f of list) {
    if (!(f instanceof Future)) throw new ArgumentTypeError(`${method}: fs must hold only futures, not ${describe(f)}`);
  }
  return list;
}

/** What {@link wait} returns: Python's `DoneAndNotDoneFutures`. */
export interface DoneAndNotDone<T> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

function waitCondition(method: string, list: Future[], returnWhen: unknown): () => boolean {
  switch (returnWhen) {
    case FIRST_COMPLETED:
      return () => list.length === 0 || list.some((f) => f.done());
    case FIRST_EXCEPTION:
      return () => list.every((f) => f.done()) || list.some((f) => f.done() && !f.cancelled() && f._failed);
    case ALL_COMPLETED:
      return () => list.every((f) => f.done());
    default:
      throw new ValueError(`${method}: returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, not ${describe(returnWhen)}`);
  }
}

function split<T>(list: Future<T>[]): DoneAndNotDone<T> {
  const done = new Set<Future<T>>();
  const notDone = new Set<Future<T>>();
  for (const f of list) (f.done() ? done : notDone).add(f);
  return { done, notDone };
}

/**
 * Waits until the futures `fs` are done as `returnWhen` says
 * (`ALL_COMPLETED` by default), or `timeout` seconds pass (`null`:
 * forever). Returns `{ done, notDone }`; a timeout is not an error. Blocks
 * the calling thread; see {@link waitAsync}.
 */
export function wait<T>(fs: Iterable<Future<T>>, timeout?: number | null, returnWhen: ReturnWhen = ALL_COMPLETED): DoneAndNotDone<T> {
  const seconds = waitTimeout('wait', timeout);
  const list = futureList('wait', fs) as Future<T>[];
  blockUntil(waitCondition('wait', list, returnWhen), deadlineAfter(seconds));
  return split(list);
}

/** As {@link wait}, without blocking the event loop. */
export async function waitAsync<T>(
  fs: Iterable<Future<T>>,
  timeout?: number | null,
  returnWhen: ReturnWhen = ALL_COMPLETED,
  options?: AsyncOptions,
): Promise<DoneAndNotDone<T>> {
  const seconds = waitTimeout('waitAsync', timeout);
  const list = futureList('waitAsync', fs) as Future<T>[];
  const signal = asyncSignal('waitAsync', options);
  checkSignal(signal);
  await settleWhen(list, waitCondition('waitAsync', list, returnWhen), deadlineAfter(seconds), signal);
  return split(list);
}

/**
 * The futures `fs` in the order they finish (those already done first),
 * as Python's `as_completed()`. Iterate it with `for…of` (blocks between
 * futures) or `for await…of` (does not).
 * @throws TimeoutError from the iteration if `timeout` seconds pass before
 *   every future is done.
 */
export function asCompleted<T>(fs: Iterable<Future<T>>, timeout?: number | null): Iterable<Future<T>> & AsyncIterable<Future<T>> {
  const seconds = waitTimeout('asCompleted', timeout);
  const list = futureList('asCompleted', fs) as Future<T>[];
  const deadline = deadlineAfter(seconds);
  const timedOut = (left: number): TimeoutError => new TimeoutError(`asCompleted: ${left} (of ${list.length}) futures unfinished`);
  // The futures that finished since the last look, in the order they did.
  const take = (pending: Set<Future<T>>): Future<T>[] => {
    const ready = [...pending].filter((f) => f.done()).sort((a, b) => a._seq - b._seq);
    for (const f of ready) pending.delete(f);
    return ready;
  };
  return {
    *[Symbol.iterator](): Iterator<Future<T>> {
      const pending = new Set(list);
      while (pending.size) {
        const ready = take(pending);
        if (!ready.length && !blockUntil(() => [...pending].some((f) => f.done()), deadline)) throw timedOut(pending.size);
        yield* ready;
      }
    },
    // Not an async generator: its `yield` would await each future (they
    // are thenables) and hand out their values instead.
    [Symbol.asyncIterator](): AsyncIterator<Future<T>> {
      const pending = new Set(list);
      let ready: Future<T>[] = [];
      return {
        async next(): Promise<IteratorResult<Future<T>>> {
          while (!ready.length && pending.size) {
            ready = take(pending);
            if (!ready.length && !(await settleWhen(pending, () => [...pending].some((f) => f.done()), deadline))) {
              throw timedOut(pending.size);
            }
          }
          const value = ready.shift();
          return value ? { value, done: false } : { value: undefined, done: true };
        },
      };
    },
  };
}

// The name of a value's type, as Python's `type(v).__name__`: a class's
// name for an object, `typeof` for the rest. Never throws.
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'Object';
  } catch {
    return 'Object';
  }
}
