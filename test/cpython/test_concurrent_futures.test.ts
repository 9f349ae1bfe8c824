/**
 * A port of CPython 3.13's Lib/test/test_concurrent_futures/ for the thread
 * pool: FutureTests (test_future.py), ThreadPoolWaitTests (test_wait.py),
 * ThreadPoolAsCompletedTests (test_as_completed.py), ThreadPoolExecutorTest
 * (executor.py, test_thread_pool.py), ThreadPoolShutdownTest
 * (test_shutdown.py), ThreadPoolInitializerTest and
 * ThreadPoolFailingInitializerTest (test_init.py). One `it` per CPython test
 * method, named after it. See README.md beside this file for the cases that
 * cannot apply (process pools, fork, gc, keyword arguments).
 *
 * CPython's `create_future()` sets a Future's private state directly; the
 * port does the same with pthreading's (`_state`, `_value`, `_error`,
 * `_failed`), and `set_result()` / `set_exception()` are `_settle()`. A
 * Future belongs to the thread that made it, so where CPython completes a
 * future from another thread while the main thread blocks in `result()`,
 * the port completes it from the main thread's event loop while
 * `resultAsync()` waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import os from 'node:os';
import { format } from 'node:util';

import {
  ALL_COMPLETED,
  BrokenThreadPool,
  CancelledError,
  Event,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  RuntimeError,
  Semaphore,
  SharedList,
  Thread,
  ThreadPoolExecutor,
  TimeoutError,
  ValueError,
  asCompleted,
  enumerate,
  wait,
} from 'pthreading';

import { script, until } from './support';

// Task functions are sent as source text and reach the library through
// this plain variable, which every thread has as a global of the same name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

type State = 'PENDING' | 'RUNNING' | 'CANCELLED' | 'FINISHED';

/** CPython's OSError, for the futures that failed with one. */
class OSError extends Error {
  override name = 'OSError';
}

/** util.create_future */
function createFuture<T = unknown>(state: State = 'PENDING', exception: unknown = null, result: T | null = null): Future<T> {
  const f = new Future<T>();
  f._state = state;
  if (exception !== null) {
    f._error = exception;
    f._failed = true;
  }
  f._value = result as T;
  return f;
}

const PENDING_FUTURE = createFuture('PENDING');
const RUNNING_FUTURE = createFuture('RUNNING');
const CANCELLED_AND_NOTIFIED_FUTURE = createFuture('CANCELLED');
const EXCEPTION_FUTURE = createFuture('FINISHED', new OSError());
const SUCCESSFUL_FUTURE = createFuture('FINISHED', null, 42);

// Task functions (sent to the pool's threads as source).
const mul = (x: number, y: number): number => x * y;
const pow = (x: number, y: number): number => x ** y;
const sleep = (t: number): void => pthreading.sleep(t);
const divmod = (a: number, b: number): [number, number] => {
  if (b === 0) throw new RangeError('integer division or modulo by zero');
  return [Math.floor(a / b), a % b];
};
const abs = (x: number): number => Math.abs(x);
const int = (): number => 0;
const sleepAndRaise = (t: number): never => {
  pthreading.sleep(t);
  throw new Error('this is an exception');
};

/** The pool's threads: those alive now that were not before. */
function newThreads(before: Thread[]): Thread[] {
  const old = new Set(before.map((t) => t.ident));
  return enumerate().filter((t) => !old.has(t.ident));
}

/** ExecutorMixin: setUp makes `executor` with 5 workers; tearDown shuts it down. */
function executorMixin(workerCount = 5, kwargs: object = {}): { executor: ThreadPoolExecutor } {
  const self = {} as { executor: ThreadPoolExecutor; t1: number };
  beforeEach(() => {
    self.t1 = performance.now();
    self.executor = new ThreadPoolExecutor(workerCount, kwargs);
  });
  afterEach(() => {
    self.executor.shutdown(true);
    const dt = (performance.now() - self.t1) / 1000;
    expect(dt, 'synchronization issue: test lasted too long').toBeLessThan(300);
  });
  return self;
}

// ---------------------------------------------------------------------------

describe('FutureTests', () => {
  it('FutureTests.test_done_callback_with_result', () => {
    let callbackResult: unknown = null;
    const fn = (callbackFuture: Future): void => {
      callbackResult = callbackFuture.result();
    };
    const f = new Future();
    f.addDoneCallback(fn);
    f._settle(true, 5);
    expect(callbackResult).toBe(5);
  });

  it('FutureTests.test_done_callback_with_exception', () => {
    let callbackException: unknown = null;
    const fn = (callbackFuture: Future): void => {
      callbackException = callbackFuture.exception();
    };
    const f = new Future();
    f.addDoneCallback(fn);
    f._settle(false, new Error('test'));
    expect((callbackException as Error).message).toBe('test');
  });

  it('FutureTests.test_done_callback_with_cancel', () => {
    let wasCancelled: boolean | null = null;
    const fn = (callbackFuture: Future): void => {
      wasCancelled = callbackFuture.cancelled();
    };
    const f = new Future();
    f.addDoneCallback(fn);
    expect(f.cancel()).toBe(true);
    expect(wasCancelled).toBe(true);
  });

  it('FutureTests.test_done_callback_raises', () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      let raisingWasCalled = false;
      let fnWasCalled = false;
      const raisingFn = (): void => {
        raisingWasCalled = true;
        throw new Error('doh!');
      };
      const fn = (): void => {
        fnWasCalled = true;
      };
      const f = new Future();
      f.addDoneCallback(raisingFn);
      f.addDoneCallback(fn);
      f._settle(true, 5);
      expect(raisingWasCalled).toBe(true);
      expect(fnWasCalled).toBe(true);
      expect(stderr.mock.calls.map((args) => format(...args)).join('\n')).toContain('Error: doh!');
    } finally {
      stderr.mockRestore();
    }
  });

  it('FutureTests.test_done_callback_already_successful', () => {
    let callbackResult: unknown = null;
    const fn = (callbackFuture: Future): void => {
      callbackResult = callbackFuture.result();
    };
    const f = new Future();
    f._settle(true, 5);
    f.addDoneCallback(fn);
    expect(callbackResult).toBe(5);
  });

  it('FutureTests.test_done_callback_already_failed', () => {
    let callbackException: unknown = null;
    const fn = (callbackFuture: Future): void => {
      callbackException = callbackFuture.exception();
    };
    const f = new Future();
    f._settle(false, new Error('test'));
    f.addDoneCallback(fn);
    expect((callbackException as Error).message).toBe('test');
  });

  it('FutureTests.test_done_callback_already_cancelled', () => {
    let wasCancelled: boolean | null = null;
    const fn = (callbackFuture: Future): void => {
      wasCancelled = callbackFuture.cancelled();
    };
    const f = new Future();
    expect(f.cancel()).toBe(true);
    f.addDoneCallback(fn);
    expect(wasCancelled).toBe(true);
  });

  it('FutureTests.test_done_callback_raises_already_succeeded', () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const raisingFn = (): void => {
        throw new Error('doh!');
      };
      const f = new Future();
      // Set the result first to simulate a future that runs instantly,
      // effectively allowing the callback to be run immediately.
      f._settle(true, 5);
      f.addDoneCallback(raisingFn);
      const output = stderr.mock.calls.map((args) => format(...args)).join('\n');
      expect(output).toContain('exception calling callback for');
      expect(output).toContain('doh!');
    } finally {
      stderr.mockRestore();
    }
  });

  it('FutureTests.test_repr', () => {
    expect(String(PENDING_FUTURE)).toMatch(/<Future( at 0x[0-9a-f]+)? state=pending>/);
    expect(String(RUNNING_FUTURE)).toMatch(/<Future( at 0x[0-9a-f]+)? state=running>/);
    expect(String(CANCELLED_AND_NOTIFIED_FUTURE)).toMatch(/<Future( at 0x[0-9a-f]+)? state=cancelled>/);
    expect(String(EXCEPTION_FUTURE)).toMatch(/<Future( at 0x[0-9a-f]+)? state=finished raised OSError>/);
    expect(String(SUCCESSFUL_FUTURE)).toMatch(/<Future( at 0x[0-9a-f]+)? state=finished returned number>/);
  });

  it('FutureTests.test_cancelled', () => {
    expect(PENDING_FUTURE.cancelled()).toBe(false);
    expect(RUNNING_FUTURE.cancelled()).toBe(false);
    expect(CANCELLED_AND_NOTIFIED_FUTURE.cancelled()).toBe(true);
    expect(EXCEPTION_FUTURE.cancelled()).toBe(false);
    expect(SUCCESSFUL_FUTURE.cancelled()).toBe(false);
  });

  it('FutureTests.test_done', () => {
    expect(PENDING_FUTURE.done()).toBe(false);
    expect(RUNNING_FUTURE.done()).toBe(false);
    expect(CANCELLED_AND_NOTIFIED_FUTURE.done()).toBe(true);
    expect(EXCEPTION_FUTURE.done()).toBe(true);
    expect(SUCCESSFUL_FUTURE.done()).toBe(true);
  });

  it('FutureTests.test_running', () => {
    expect(PENDING_FUTURE.running()).toBe(false);
    expect(RUNNING_FUTURE.running()).toBe(true);
    expect(CANCELLED_AND_NOTIFIED_FUTURE.running()).toBe(false);
    expect(EXCEPTION_FUTURE.running()).toBe(false);
    expect(SUCCESSFUL_FUTURE.running()).toBe(false);
  });

  it('FutureTests.test_result_with_timeout', () => {
    expect(() => PENDING_FUTURE.result(0)).toThrow(TimeoutError);
    expect(() => RUNNING_FUTURE.result(0)).toThrow(TimeoutError);
    expect(() => CANCELLED_AND_NOTIFIED_FUTURE.result(0)).toThrow(CancelledError);
    expect(() => EXCEPTION_FUTURE.result(0)).toThrow(OSError);
    expect(SUCCESSFUL_FUTURE.result(0)).toBe(42);
  });

  it('FutureTests.test_result_with_success', async () => {
    const f1 = createFuture<number>('PENDING');
    const result = f1.resultAsync(5);
    // The main thread is waiting for the result.
    setImmediate(() => f1._settle(true, 42));
    expect(await result).toBe(42);
  });

  it('FutureTests.test_result_with_cancel', async () => {
    const f1 = createFuture('PENDING');
    const result = f1.resultAsync(30);
    setImmediate(() => f1.cancel());
    await expect(result).rejects.toThrow(CancelledError);
  });

  it('FutureTests.test_exception_with_timeout', () => {
    expect(() => PENDING_FUTURE.exception(0)).toThrow(TimeoutError);
    expect(() => RUNNING_FUTURE.exception(0)).toThrow(TimeoutError);
    expect(() => CANCELLED_AND_NOTIFIED_FUTURE.exception(0)).toThrow(CancelledError);
    expect(EXCEPTION_FUTURE.exception(0)).toBeInstanceOf(OSError);
    expect(SUCCESSFUL_FUTURE.exception(0)).toBeNull();
  });

  it('FutureTests.test_exception_with_success', async () => {
    const f1 = createFuture('PENDING');
    const exception = f1.exceptionAsync(30);
    setImmediate(() => f1._settle(false, new OSError()));
    expect(await exception).toBeInstanceOf(OSError);
  });
});

// ---------------------------------------------------------------------------

describe('ThreadPoolWaitTests', () => {
  const self = executorMixin();

  it('ThreadPoolWaitTests.test_20369', () => {
    // See https://bugs.python.org/issue20369
    const future = self.executor.submit(sleep, 1.5);
    const { done, notDone } = wait([future, future], null, ALL_COMPLETED);
    expect(done).toEqual(new Set([future]));
    expect(notDone).toEqual(new Set());
  });

  it('ThreadPoolWaitTests.test_first_completed_some_already_completed', () => {
    const future1 = self.executor.submit(sleep, 1.5);
    const { done: finished, notDone: pending } = wait([CANCELLED_AND_NOTIFIED_FUTURE, SUCCESSFUL_FUTURE, future1], null, FIRST_COMPLETED);
    expect(finished).toEqual(new Set([CANCELLED_AND_NOTIFIED_FUTURE, SUCCESSFUL_FUTURE]));
    expect(pending).toEqual(new Set([future1]));
  });

  it('ThreadPoolWaitTests.test_first_exception', () => {
    const future1 = self.executor.submit(mul, 2, 21);
    const future2 = self.executor.submit(sleepAndRaise, 1.5);
    const future3 = self.executor.submit(sleep, 3);
    const { done: finished, notDone: pending } = wait<unknown>([future1, future2, future3], null, FIRST_EXCEPTION);
    expect(finished).toEqual(new Set<Future>([future1, future2]));
    expect(pending).toEqual(new Set([future3]));
  });

  it('ThreadPoolWaitTests.test_first_exception_one_already_failed', () => {
    const future1 = self.executor.submit(sleep, 2);
    const { done: finished, notDone: pending } = wait([EXCEPTION_FUTURE, future1], null, FIRST_EXCEPTION);
    expect(finished).toEqual(new Set([EXCEPTION_FUTURE]));
    expect(pending).toEqual(new Set([future1]));
  });

  it('ThreadPoolWaitTests.test_all_completed', () => {
    const future1 = self.executor.submit(divmod, 2, 0);
    const future2 = self.executor.submit(mul, 2, 21);
    const { done: finished, notDone: pending } = wait(
      [SUCCESSFUL_FUTURE, CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, future1, future2],
      null,
      ALL_COMPLETED,
    );
    expect(finished).toEqual(new Set([SUCCESSFUL_FUTURE, CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, future1, future2]));
    expect(pending).toEqual(new Set());
  });

  it('ThreadPoolWaitTests.test_timeout', () => {
    const shortTimeout = 0.05;
    const longTimeout = shortTimeout * 10;
    const future = self.executor.submit(sleep, longTimeout);
    const { done: finished, notDone: pending } = wait(
      [CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, SUCCESSFUL_FUTURE, future],
      shortTimeout,
      ALL_COMPLETED,
    );
    expect(finished).toEqual(new Set([CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, SUCCESSFUL_FUTURE]));
    expect(pending).toEqual(new Set([future]));
  });

  it('ThreadPoolWaitTests.test_pending_calls_race', () => {
    // Issue #14406: multi-threaded race condition when waiting on all
    // futures. (No sys.setswitchinterval: there is no GIL.)
    const event = new Event();
    const futureFunc = (event: Event): boolean => event.wait();
    const fs = new Set(Array.from({ length: 100 }, () => self.executor.submit(futureFunc, event)));
    event.set();
    wait(fs, null, ALL_COMPLETED);
  });
});

// ---------------------------------------------------------------------------

describe('ThreadPoolAsCompletedTests', () => {
  const self = executorMixin();

  it('ThreadPoolAsCompletedTests.test_no_timeout', () => {
    const future1 = self.executor.submit(mul, 2, 21);
    const future2 = self.executor.submit(mul, 7, 6);
    const completed = new Set(asCompleted([CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, SUCCESSFUL_FUTURE, future1, future2]));
    expect(completed).toEqual(new Set([CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, SUCCESSFUL_FUTURE, future1, future2]));
  });

  it('ThreadPoolAsCompletedTests.test_future_times_out', () => {
    // Test asCompleted timing out before completing its final future.
    const alreadyCompleted = new Set<Future>([CANCELLED_AND_NOTIFIED_FUTURE, EXCEPTION_FUTURE, SUCCESSFUL_FUTURE]);
    const shortTimeout = 0.1;
    for (const timeout of [0, shortTimeout]) {
      const completedFutures = new Set<Future>();
      const future = self.executor.submit(sleep, shortTimeout * 10);
      try {
        for (const f of asCompleted(new Set<Future>([...alreadyCompleted, future]), timeout)) completedFutures.add(f);
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
      }
      // Check that `future` wasn't completed.
      expect(completedFutures).toEqual(alreadyCompleted);
    }
  });

  it('ThreadPoolAsCompletedTests.test_duplicate_futures', () => {
    // Issue 20367. Duplicate futures should not raise exceptions or give
    // duplicate responses.
    const future1 = self.executor.submit(sleep, 2);
    const completed = [...asCompleted([future1, future1, future1])];
    expect(completed.length).toBe(1);
  });

  it('ThreadPoolAsCompletedTests.test_correct_timeout_exception_msg', () => {
    // pthreading's messages name the function first.
    const futuresList = [CANCELLED_AND_NOTIFIED_FUTURE, PENDING_FUTURE, RUNNING_FUTURE, SUCCESSFUL_FUTURE];
    let error: unknown;
    try {
      [...asCompleted(futuresList, 0)];
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/(^|: )2 \(of 4\) futures unfinished$/);
  });
});

// ---------------------------------------------------------------------------

describe('ThreadPoolExecutorTest', () => {
  const self = executorMixin();

  it('ThreadPoolExecutorTest.test_submit', () => {
    const future = self.executor.submit(pow, 2, 8);
    expect(future.result()).toBe(256);
  });

  it('ThreadPoolExecutorTest.test_map', () => {
    const range10 = [...Array(10).keys()];
    expect([...self.executor.map(pow, range10, range10)]).toEqual(range10.map((x) => x ** x));
  });

  it('ThreadPoolExecutorTest.test_map_exception', () => {
    const i = self.executor.map(divmod, [1, 1, 1, 1], [2, 3, 0, 5])[Symbol.iterator]();
    expect(i.next().value).toEqual([0, 1]);
    expect(i.next().value).toEqual([0, 1]);
    expect(() => i.next()).toThrow(RangeError);
  });

  it('ThreadPoolExecutorTest.test_map_timeout', () => {
    const results: unknown[] = [];
    let timedOut = false;
    try {
      for (const i of self.executor.map(sleep, [0, 0, 6], { timeout: 5 })) results.push(i);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      timedOut = true;
    }
    expect(timedOut, 'expected TimeoutError').toBe(true);
    expect(results).toEqual([undefined, undefined]);
  });

  it('ThreadPoolExecutorTest.test_shutdown_race_issue12456', () => {
    // Issue #12456: race condition at shutdown.
    self.executor.map((x: number) => String(x), Array(5 + 1).fill(2));
    self.executor.shutdown();
  });

  it('ThreadPoolExecutorTest.test_max_workers_negative', () => {
    for (const number of [0, -1]) {
      expect(() => new ThreadPoolExecutor(number)).toThrow(ValueError);
      expect(() => new ThreadPoolExecutor(number)).toThrow(/maxWorkers must be greater than 0/);
    }
  });

  it('ThreadPoolExecutorTest.test_map_submits_without_iteration', () => {
    // Tests verifying issue 11777.
    const finished = new SharedList<number>();
    const recordFinished = (n: number, finished: SharedList<number>): void => finished.append(n);
    self.executor.map(recordFinished, [...Array(10).keys()], Array(10).fill(finished));
    self.executor.shutdown(true);
    expect(finished.toArray().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
  });

  it('ThreadPoolExecutorTest.test_default_workers', () => {
    const executor = new ThreadPoolExecutor();
    const expected = Math.min(32, (os.availableParallelism() || 1) + 4);
    expect(executor.maxWorkers).toBe(expected);
    executor.shutdown();
  });

  it('ThreadPoolExecutorTest.test_saturation', async () => {
    const before = enumerate();
    const executor = new ThreadPoolExecutor(4);
    const acquireLock = (lock: Semaphore): boolean => lock.acquire();
    const sem = new Semaphore(0);
    for (let i = 0; i < 15 * executor.maxWorkers; i++) executor.submit(acquireLock, sem);
    await until(() => newThreads(before).length >= executor.maxWorkers);
    expect(newThreads(before).length).toBe(executor.maxWorkers);
    for (let i = 0; i < 15 * executor.maxWorkers; i++) sem.release();
    executor.shutdown(true);
  });

  it('ThreadPoolExecutorTest.test_idle_thread_reuse', () => {
    const before = enumerate();
    const executor = new ThreadPoolExecutor();
    executor.submit(mul, 21, 2).result();
    executor.submit(mul, 6, 7).result();
    executor.submit(mul, 3, 14).result();
    expect(newThreads(before).length).toBe(1);
    executor.shutdown(true);
  });

  it('ThreadPoolExecutorTest.test_executor_map_current_future_cancel', () => {
    const stopEvent = new Event();
    const log = new SharedList<string>();
    const logNWait = (ident: string, stopEvent: Event, log: SharedList<string>): void => {
      log.append(`ident='${ident}' started`);
      try {
        stopEvent.wait();
      } finally {
        log.append(`ident='${ident}' stopped`);
      }
    };
    const pool = new ThreadPoolExecutor(1);
    try {
      // submit work to saturate the pool
      const fut = pool.submit(logNWait, 'first', stopEvent, log);
      try {
        const gen = pool.map(logNWait, ['second', 'third'], [stopEvent, stopEvent], [log, log], { timeout: 0 })[Symbol.iterator]();
        try {
          expect(() => gen.next()).toThrow(TimeoutError);
        } finally {
          gen.return?.();
        }
      } finally {
        stopEvent.set();
      }
      fut.result();
    } finally {
      pool.shutdown(true);
    }
    // ident='second' is cancelled as a result of raising a TimeoutError
    // ident='third' is cancelled because it remained in the collection of futures
    expect(log.toArray()).toEqual(["ident='first' started", "ident='first' stopped"]);
  });
});

// ---------------------------------------------------------------------------

/** sleep_and_print, for the scripts. */
const sleepAndPrint = `
  function sleepAndPrint(t, msg) {
    pthreading.sleep(t);
    console.log(msg);
  }
`;

describe('ThreadPoolShutdownTest', () => {
  const self = executorMixin();

  it('ThreadPoolShutdownTest.test_run_after_shutdown', () => {
    self.executor.shutdown();
    expect(() => self.executor.submit(pow, 2, 5)).toThrow(RuntimeError);
  });

  it('ThreadPoolShutdownTest.test_interpreter_shutdown', () => {
    // Test the exit hook for shutdown of worker threads
    const { stdout, stderr } = script(`
      const { ThreadPoolExecutor } = require('pthreading');
      ${sleepAndPrint}
      const t = new ThreadPoolExecutor(5);
      t.submit(sleepAndPrint, 1.0, 'apple');
    `);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('apple');
  });

  it('ThreadPoolShutdownTest.test_hang_issue12364', () => {
    const fs = Array.from({ length: 50 }, () => self.executor.submit(sleep, 0.1));
    self.executor.shutdown();
    for (const f of fs) f.result();
  });

  it('ThreadPoolShutdownTest.test_cancel_futures', () => {
    const fs = Array.from({ length: 50 }, () => self.executor.submit(sleep, 0.1));
    self.executor.shutdown(true, true);
    // We can't guarantee the exact number of cancellations, but we can
    // guarantee that *some* were cancelled.
    const cancelled = fs.filter((fut) => fut.cancelled());
    expect(cancelled.length).toBeGreaterThan(20);
    // Ensure the other futures were able to finish.
    const others = fs.filter((fut) => !fut.cancelled());
    for (const fut of others) {
      expect(fut.done(), `fut._state=${fut._state}`).toBe(true);
      expect(fut.exception()).toBeNull();
    }
    // At least one finished.
    expect(others.length).toBeGreaterThan(0);
  });

  it('ThreadPoolShutdownTest.test_hang_gh83386', () => {
    // shutdown(wait=False) doesn't hang at exit with running futures.
    const { stdout, stderr } = script(`
      const { ThreadPoolExecutor } = require('pthreading');
      ${sleepAndPrint}
      const t = new ThreadPoolExecutor(3);
      t.submit(sleepAndPrint, 1.0, 'apple');
      t.shutdown(false);
    `);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('apple');
  });

  it('ThreadPoolShutdownTest.test_hang_gh94440', () => {
    // shutdown(wait=True) doesn't hang when a future was submitted and
    // quickly cancelled right before shutdown. (CPython's alarm: 5 s.)
    const executor = new ThreadPoolExecutor(1);
    executor.submit(int).result();
    const start = performance.now();
    executor.submit(int).cancel();
    executor.shutdown(true);
    expect((performance.now() - start) / 1000, 'timed out waiting for shutdown').toBeLessThan(5);
  });

  it('ThreadPoolShutdownTest.test_threads_terminate', async () => {
    const before = enumerate();
    const acquireLock = (lock: Semaphore): boolean => lock.acquire();
    const sem = new Semaphore(0);
    for (let i = 0; i < 3; i++) self.executor.submit(acquireLock, sem);
    await until(() => newThreads(before).length >= 3);
    const threads = newThreads(before);
    expect(threads.length).toBe(3);
    for (let i = 0; i < 3; i++) sem.release();
    self.executor.shutdown();
    for (const t of threads) t.join();
  });

  it('ThreadPoolShutdownTest.test_context_manager_shutdown', () => {
    // `using e = new ThreadPoolExecutor(5)` is `with ThreadPoolExecutor(5) as e:`
    const before = enumerate();
    const e = new ThreadPoolExecutor(5);
    let threads: Thread[];
    try {
      expect([...e.map(abs, [...Array(10).keys()].map((x) => x - 5))]).toEqual([5, 4, 3, 2, 1, 0, 1, 2, 3, 4]);
      threads = newThreads(before);
    } finally {
      e[Symbol.dispose]();
    }
    for (const t of threads) t.join();
  });

  it('ThreadPoolShutdownTest.test_shutdown_no_wait', () => {
    // Ensure that the executor cleans up the threads when calling
    // shutdown with wait=False
    const before = enumerate();
    const executor = new ThreadPoolExecutor(5);
    const values = [...Array(10).keys()].map((x) => x - 5);
    const res = executor.map(abs, values);
    const threads = newThreads(before);
    executor.shutdown(false);
    for (const t of threads) t.join();
    // Make sure the results were all computed before the executor got
    // shutdown.
    expect([...res].every((r, i) => r === Math.abs(values[i]))).toBe(true);
  });

  it('ThreadPoolShutdownTest.test_thread_names_assigned', () => {
    const before = enumerate();
    const executor = new ThreadPoolExecutor(5, { threadNamePrefix: 'SpecialPool' });
    executor.map(abs, [...Array(10).keys()].map((x) => x - 5));
    const threads = newThreads(before);
    executor.shutdown(false);
    expect(threads.length).toBeGreaterThan(0);
    for (const t of threads) {
      expect(t.name).toMatch(/^SpecialPool_[0-4]$/);
      t.join();
    }
  });

  it('ThreadPoolShutdownTest.test_thread_names_default', () => {
    const before = enumerate();
    const executor = new ThreadPoolExecutor(5);
    executor.map(abs, [...Array(10).keys()].map((x) => x - 5));
    const threads = newThreads(before);
    executor.shutdown(false);
    expect(threads.length).toBeGreaterThan(0);
    for (const t of threads) {
      // Ensure that our default name is reasonably sane and unique when
      // no threadNamePrefix was supplied.
      expect(t.name).toMatch(/ThreadPoolExecutor-\d+_[0-4]$/);
      t.join();
    }
  });

  it('ThreadPoolShutdownTest.test_cancel_futures_wait_false', () => {
    const { stdout, stderr } = script(`
      const { ThreadPoolExecutor } = require('pthreading');
      ${sleepAndPrint}
      const t = new ThreadPoolExecutor();
      t.submit(sleepAndPrint, 0.1, 'apple');
      t.shutdown(false, true);
    `);
    expect(stderr).toBe('');
    // gh-116682: stdout may be empty if shutdown happens before task
    // starts executing.
    expect(['apple', '']).toContain(stdout.trim());
  });
});

// ---------------------------------------------------------------------------

describe('ThreadPoolInitializerTest', () => {
  // init() sets a global of the pool thread, where get_init_status() reads it.
  const init = (x: string): void => {
    (globalThis as unknown as { INITIALIZER_STATUS: string }).INITIALIZER_STATUS = x;
  };
  const self = executorMixin(2, { initializer: init, initargs: ['initialized'] });

  it('ThreadPoolInitializerTest.test_initializer', () => {
    const getInitStatus = (): string => (globalThis as unknown as { INITIALIZER_STATUS?: string }).INITIALIZER_STATUS ?? 'uninitialized';
    const futures = Array.from({ length: 2 }, () => self.executor.submit(getInitStatus));
    for (const f of futures) expect(f.result()).toBe('initialized');
  });
});

describe('ThreadPoolFailingInitializerTest', () => {
  const initFail = (): never => {
    pthreading.sleep(0.1); // let some futures be scheduled
    throw new pthreading.ValueError('error in initializer');
  };
  const self = executorMixin(2, { initializer: initFail });

  it('ThreadPoolFailingInitializerTest.test_initializer', async () => {
    // CPython finds the initializer's error in the log; pthreading puts it
    // in the BrokenThreadPool error (its message or its cause).
    const getInitStatus = (): string => 'uninitialized';
    const logged = (error: unknown): string => `${(error as Error).message} ${String((error as Error).cause)}`;
    let future: Future | null = null;
    try {
      future = self.executor.submit(getInitStatus);
    } catch (error) {
      // Perhaps the executor is already broken
      if (!(error instanceof BrokenThreadPool)) throw error;
    }
    if (future) {
      let error: unknown;
      try {
        future.result();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BrokenThreadPool);
      expect(logged(error)).toContain('ValueError: error in initializer');
    }
    // At some point, the executor should break
    await until(() => {
      try {
        self.executor.submit(getInitStatus);
        return false;
      } catch (error) {
        return error instanceof BrokenThreadPool;
      }
    });
    // ... and from this point submit() is guaranteed to fail
    expect(() => self.executor.submit(getInitStatus)).toThrow(BrokenThreadPool);
  });
});
