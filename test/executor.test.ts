/**
 * ThreadPoolExecutor and Future: Python's concurrent.futures, with tasks on
 * warm pool threads. Tasks are synchronized with Events, never with sleeps.
 */
import { describe, expect, it } from 'vitest';

import {
  ALL_COMPLETED,
  BrokenThreadPool,
  CancelledError,
  Event,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  RuntimeError,
  ThreadPoolExecutor,
  TimeoutError,
  ValueError,
  asCompleted,
  enumerate,
  taskSignal,
  wait,
  waitAsync,
} from 'pthreading';

import { script, seededRandom, timed } from './helpers';

// Tasks run as source on pool threads, where every pthreading export is a
// global and so is `pthreading` itself (imports here are rewritten by the
// test runner, so tasks use this plain variable).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

const scale = Number(process.env.PTHREADING_TIME_SCALE ?? 1);

/** A task that waits for `gate`, then returns `value`. */
const gated = (gate: Event, value: unknown): unknown => (gate.wait(), value);

describe('ThreadPoolExecutor#submit()', () => {
  it('runs the task on a pool thread and gives its value through result() and await', async () => {
    using executor = new ThreadPoolExecutor(2);
    const f = executor.submit((a: number, b: number) => [a + b, pthreading.currentThread().name], 2, 3);
    expect(f).toBeInstanceOf(Future);
    const [sum, name] = f.result();
    expect(sum).toBe(5);
    expect(name).toMatch(/^ThreadPoolExecutor-\d+_0$/);
    expect(await executor.submit((x: number) => x * 2, 21)).toBe(42);
    expect(await executor.submit(async (x: number) => (await Promise.resolve(x)) + 1, 1).resultAsync()).toBe(2);
  });

  it('passes primitives as the same objects', () => {
    using executor = new ThreadPoolExecutor(1);
    const asked = new Event();
    const answered = new Event();
    const f = executor.submit((a: Event, b: Event) => (a.wait(), b.set(), 'ok'), asked, answered);
    asked.set();
    expect(answered.wait(10)).toBe(true);
    expect(f.result()).toBe('ok');
  });

  it('await settles with the outcome, whether the future is done before or after the await', async () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const late = executor.submit((g: Event) => (g.wait(), 'late'), gate);
    const failing = executor.submit(() => {
      throw new pthreading.ValueError('bad');
    });
    const awaited = Promise.all([late.then((v) => v), failing.then(() => 'no', (e: Error) => e.name)]);
    gate.set();
    expect(await awaited).toEqual(['late', 'ValueError']);
    // Done before the await, and awaited twice.
    expect(await late).toBe('late');
    await expect(failing).rejects.toBeInstanceOf(ValueError);
    await expect(failing).rejects.toBeInstanceOf(ValueError);
  });

  it("gives the task's error, with its class and code, through exception() and result()", async () => {
    using executor = new ThreadPoolExecutor(1);
    const f = executor.submit(() => {
      throw new pthreading.RuntimeError('boom');
    });
    const error = f.exception();
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ message: 'boom', code: 'ERR_RUNTIME' });
    expect(() => f.result()).toThrow(error as Error);
    await expect(f.resultAsync()).rejects.toBe(error);
    expect(await f.exceptionAsync()).toBe(error);
    expect(executor.submit(() => 1).exception()).toBeNull();
  });

  it('runs at most maxWorkers tasks at once, on threads named by the prefix', () => {
    using executor = new ThreadPoolExecutor(3, { threadNamePrefix: 'pool' });
    const gate = new Event();
    const fs = Array.from({ length: 6 }, (_, i) => executor.submit(gated, gate, i));
    const names = () => enumerate().map((t) => t.name).filter((n) => n.startsWith('pool_'));
    expect(names().sort()).toEqual(['pool_0', 'pool_1', 'pool_2']);
    expect(fs.filter((f) => f.running())).toHaveLength(3);
    expect(fs.slice(3).every((f) => !f.running() && !f.done())).toBe(true);
    gate.set();
    expect(fs.map((f) => f.result())).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reuses idle threads instead of starting new ones', () => {
    using executor = new ThreadPoolExecutor(4, { threadNamePrefix: 'reuse' });
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add(executor.submit(() => pthreading.currentThread().name).result());
    expect([...names]).toEqual(['reuse_0']);
  });

  it('runs the initializer once in each thread, with initargs', () => {
    using executor = new ThreadPoolExecutor({
      maxWorkers: 1,
      initializer: (n: number) => {
        (globalThis as Record<string, unknown>).setting = n;
      },
      initargs: [7],
    });
    expect(executor.submit(() => (globalThis as Record<string, unknown>).setting).result()).toBe(7);
  });

  it('breaks the pool when the initializer fails', () => {
    const executor = new ThreadPoolExecutor(1, {
      initializer: () => {
        throw new Error('no setup');
      },
    });
    const f = executor.submit(() => 1);
    const next = executor.submit(() => 2); // handed to the same thread, to run next
    const error = f.exception() as BrokenThreadPool;
    expect(next.exception()).toBeInstanceOf(BrokenThreadPool);
    expect(error).toBeInstanceOf(BrokenThreadPool);
    expect(error.code).toBe('ERR_BROKEN_THREAD_POOL');
    expect((error.cause as Error).message).toBe('no setup');
    expect(() => executor.submit(() => 1)).toThrow(BrokenThreadPool);
    executor.shutdown();
  });

  it('fails the task of a thread that exits, and goes on with a new thread', () => {
    using executor = new ThreadPoolExecutor(1);
    const f = executor.submit(() => process.exit(3));
    expect(f.exception()).toBeInstanceOf(BrokenThreadPool);
    expect(executor.submit(() => 'still working').result()).toBe('still working');
  });

  it('fails a task whose result cannot be sent back, with a TypeError', () => {
    using executor = new ThreadPoolExecutor(1);
    const error = executor.submit(() => () => 1).exception() as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/cannot be sent back/);
  });

  it('refuses, at submit(), a task that uses a variable of the submitting thread', () => {
    using executor = new ThreadPoolExecutor(1);
    const secret = 42;
    let error: Error | undefined;
    try {
      executor.submit(() => secret);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(ReferenceError);
    expect((error as Error & { code: string }).code).toBe('ERR_FREE_VARIABLE');
    expect(error!.message).toMatch(/the task uses a name it cannot see in its thread \(secret\)/);
    expect(error!.message).toMatch(/- secret \(.*\): a value of the code around the task: pass it to submit\(\) as arguments/);
    expect(executor.submit((s: number) => s, 42).result()).toBe(42);
  });

  it('fails a task that cannot be rebuilt from its source, every time it is submitted', () => {
    using executor = new ThreadPoolExecutor(1);
    const bound = ((x: number) => x).bind(null);
    for (let i = 0; i < 2; i++) {
      const error = executor.submit(bound, 1).exception() as Error;
      expect(error).toBeInstanceOf(SyntaxError);
      expect(error.message).toMatch(/a task cannot be rebuilt from its source/);
    }
    expect(executor.submit((x: number) => x, 2).result()).toBe(2);
  });

  it('works from a thread other than the main thread', async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new pthreading.Thread({
      target: (o: Int32Array) => {
        const executor = new pthreading.ThreadPoolExecutor(2);
        o[0] = executor.submit((x: number) => x + 1, 41).result();
        executor.shutdown();
      },
      args: [out],
    });
    t.start();
    await t.joinAsync();
    expect(out[0]).toBe(42);
  });

  it('refuses bad input with typed errors', () => {
    expect(() => new ThreadPoolExecutor(0)).toThrow(ValueError);
    expect(() => new ThreadPoolExecutor(-1)).toThrow(ValueError);
    expect(() => new ThreadPoolExecutor(1.5)).toThrow(ValueError);
    expect(() => new ThreadPoolExecutor('2' as never)).toThrow(TypeError);
    expect(() => new ThreadPoolExecutor(1, { initializer: 'x' as never })).toThrow(TypeError);
    expect(() => new ThreadPoolExecutor(1, { initargs: {} as never })).toThrow(TypeError);
    expect(() => new ThreadPoolExecutor(1, { initargs: [() => 1] })).toThrow(TypeError);
    expect(() => new ThreadPoolExecutor(1, { threadNamePrefix: 3 as never })).toThrow(TypeError);
    using executor = new ThreadPoolExecutor(1);
    expect(() => executor.submit('x' as never)).toThrow(TypeError);
    expect(() => executor.submit((f: unknown) => f, () => 1)).toThrow(/structured-cloned/);
    // Queued (the one thread is busy): still refused at submit().
    const gate = new Event();
    executor.submit(gated, gate, 0);
    expect(() => executor.submit((f: unknown) => f, Symbol('x'))).toThrow(TypeError);
    const f = executor.submit(() => 1);
    for (const bad of ['1', {}]) expect(() => f.result(bad as never)).toThrow(TypeError);
    expect(() => f.result(NaN)).toThrow(ValueError);
    expect(() => f.result(-1)).toThrow(TimeoutError); // negative: do not wait, as in Python
    gate.set();
    expect(() => f.addDoneCallback(3 as never)).toThrow(TypeError);
    expect(() => executor.shutdown('yes' as never)).toThrow(TypeError);
    expect(() => executor.map((x: number) => x, 3 as never)).toThrow(TypeError);
  });

  it("ships a task's and an initializer's own source, whatever their toString says or throws", () => {
    const lying = (x: number): number => x + 1;
    lying.toString = () => {
      throw new Error('toString throws');
    };
    const init = (): void => {
      (globalThis as { initialized?: boolean }).initialized = true;
    };
    init.toString = () => '() => { throw new Error("not this source") }';
    using executor = new ThreadPoolExecutor(1, { initializer: init });
    expect(executor.submit(lying, 41).result()).toBe(42);
    expect(executor.submit(() => (globalThis as { initialized?: boolean }).initialized).result()).toBe(true);
  });
});

describe('Future', () => {
  it('goes pending -> running -> finished', () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const first = executor.submit(gated, gate, 1);
    const second = executor.submit(gated, gate, 2);
    expect([first.running(), first.done(), second.running(), second.done()]).toEqual([true, false, false, false]);
    gate.set();
    expect(second.result()).toBe(2);
    expect([first.running(), first.done(), first.cancelled()]).toEqual([false, true, false]);
    expect(String(first)).toBe('<Future state=finished returned number>'); // Python's repr: the type, not the value
  });

  it('result(timeout) throws TimeoutError within its bound', () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const f = executor.submit(gated, gate, 1);
    const [, seconds] = timed(() => expect(() => f.result(0.1)).toThrow(TimeoutError));
    expect(seconds).toBeGreaterThanOrEqual(0.09);
    expect(seconds).toBeLessThan(1 * scale);
    expect(() => f.exception(0)).toThrow(TimeoutError);
    gate.set();
    expect(f.result()).toBe(1);
  });

  it('resultAsync(timeout) rejects with TimeoutError, and an abort signal stops the wait', async () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const f = executor.submit(gated, gate, 1);
    await expect(f.resultAsync(0.05)).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const waiting = f.resultAsync(null, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORT_ERR' });
    gate.set();
    expect(await f).toBe(1);
  });

  it('cancel() drops a queued task, which never runs', async () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const ran = new Event();
    const first = executor.submit(gated, gate, 1);
    const second = executor.submit((e: Event) => e.set(), ran);
    expect(second.cancel()).toBe(true);
    expect(second.cancelled()).toBe(true);
    expect(second.done()).toBe(true);
    expect(() => second.result()).toThrow(CancelledError);
    expect(() => second.exception()).toThrow(CancelledError);
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    gate.set();
    expect(first.result()).toBe(1);
    expect(first.cancel()).toBe(false); // already finished
    executor.submit(() => 0).result(); // the one thread is free again
    expect(ran.isSet()).toBe(false);
  });

  it('cancel() stops a running task that watches taskSignal(), even one that never yields', () => {
    using executor = new ThreadPoolExecutor(1);
    const started = new Event();
    const f = executor.submit((s: Event) => {
      const signal = pthreading.taskSignal();
      s.set();
      while (!signal.aborted);
      signal.throwIfAborted();
    }, started);
    started.wait();
    expect(f.cancel()).toBe(true);
    expect(() => f.result(10)).toThrow(CancelledError);
    expect(f.cancelled()).toBe(true);
  });

  it("cancel() fires the running task's abort listeners", async () => {
    using executor = new ThreadPoolExecutor(1);
    const started = new Event();
    const f = executor.submit(
      (s: Event) =>
        new Promise((resolve, reject) => {
          pthreading.taskSignal().addEventListener('abort', () => reject(new Error('stopped')));
          s.set();
        }),
      started,
    );
    await started.waitAsync();
    expect(f.cancel()).toBe(true);
    await expect(f).rejects.toBeInstanceOf(CancelledError);
  });

  it('a running task that finishes anyway after cancel() keeps its result', () => {
    using executor = new ThreadPoolExecutor(1);
    const started = new Event();
    const gate = new Event();
    const f = executor.submit((s: Event, g: Event) => (s.set(), g.wait(), 'finished'), started, gate);
    started.wait();
    expect(f.cancel()).toBe(true);
    gate.set();
    expect(f.result()).toBe('finished');
    expect(f.cancelled()).toBe(false);
  });

  it('taskSignal() outside a task is a RuntimeError', () => {
    expect(() => taskSignal()).toThrow(RuntimeError);
  });

  it('addDoneCallback() calls back once done, or at once if done already; errors in callbacks are printed', () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const f = executor.submit(gated, gate, 5);
    const seen: unknown[] = [];
    f.addDoneCallback((g) => seen.push(g.result()));
    f.addDoneCallback(() => {
      throw new Error('callback error');
    });
    expect(seen).toEqual([]);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      gate.set();
      f.result();
    } finally {
      console.error = original;
    }
    expect(seen).toEqual([5]);
    expect(String(errors[0])).toMatch(/exception calling callback/);
    f.addDoneCallback((g) => seen.push(g));
    expect(seen).toEqual([5, f]);
  });
});

// A busy thread is handed its next tasks ahead of time, so that it goes
// from task to task without waiting for the submitting thread; each waits
// there under a claim word until the thread starts it.
describe('tasks handed ahead to a busy thread', () => {
  /** Sets `started`, then waits for `gate` and returns `value`. */
  const startThenWait = (started: Event, gate: Event, value: unknown): unknown => (started.set(), gate.wait(), value);

  it('are pending until their thread starts them, and running from then on', () => {
    using executor = new ThreadPoolExecutor(1);
    const [gate1, gate2, started] = [new Event(), new Event(), new Event()];
    const first = executor.submit(gated, gate1, 1);
    const second = executor.submit(startThenWait, started, gate2, 2);
    expect(String(executor)).toMatch(/0 queued/); // handed over, not held by the executor
    expect([second.running(), second.done(), String(second)]).toEqual([false, false, '<Future state=pending>']);
    gate1.set();
    started.wait();
    expect([second.running(), String(second)]).toEqual([true, '<Future state=running>']);
    gate2.set();
    expect([first.result(), second.result()]).toEqual([1, 2]);
  });

  it('cancel() of one its thread has just started asks it to stop, as for any running task', () => {
    using executor = new ThreadPoolExecutor(1);
    const [gate, started] = [new Event(), new Event()];
    executor.submit(gated, gate, 1);
    const second = executor.submit((s: Event) => {
      const signal = pthreading.taskSignal();
      s.set();
      while (!signal.aborted);
      signal.throwIfAborted();
    }, started);
    gate.set();
    started.wait();
    expect(second.cancel()).toBe(true); // no look at its state first: the claim word says it runs
    expect(() => second.result(10)).toThrow(CancelledError);
    expect(second.cancelled()).toBe(true);
  });

  it('one waiting behind a long task moves to a thread that falls idle', () => {
    using executor = new ThreadPoolExecutor(2, { threadNamePrefix: 'ahead' });
    const [gate1, gate2] = [new Event(), new Event()];
    const long = executor.submit(gated, gate1, 'long');
    executor.submit(gated, gate2, 'short');
    const next = executor.submit(() => pthreading.currentThread().name); // ahead, behind the long task
    gate2.set();
    // Without the move it would wait for the long task: a timeout here.
    expect(next.result(10)).toBe('ahead_1');
    expect(long.done()).toBe(false);
    gate1.set();
    expect(long.result()).toBe('long');
  });

  it('a task that waits for one handed to the same thread does not deadlock while another thread is free', () => {
    using executor = new ThreadPoolExecutor(2);
    const [gate, ready, shared] = [new Event(), new Event(), new Event()];
    executor.submit(gated, gate, 0); // keeps thread 0 busy until the waiter is queued behind it
    const quick = executor.submit(() => 'quick'); // thread 1
    const waiter = executor.submit((e: Event, r: Event) => (r.set(), e.wait(10)), shared, ready); // ahead on thread 0
    const setter = executor.submit((e: Event) => e.set(), shared); // ahead on thread 1, or moved there
    expect(quick.result()).toBe('quick');
    gate.set();
    expect(waiter.result(10)).toBe(true);
    expect(setter.result(10)).toBeUndefined();
    expect(ready.isSet()).toBe(true);
  });

  it('the ones waiting on a thread that exits run on another', () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const dying = executor.submit((g: Event) => (g.wait(), process.exit(3)), gate);
    const after = [executor.submit(() => 'a'), executor.submit(() => 'b')];
    gate.set();
    expect(dying.exception(10)).toBeInstanceOf(BrokenThreadPool);
    expect(after.map((f) => f.result(10))).toEqual(['a', 'b']);
  });

  it('each task runs exactly once or is cancelled and never runs, under random cancels and moves (seeded)', () => {
    const seed = Number(process.env.PTHREADING_STRESS_SEED ?? Date.now() % 1e9);
    const rand = seededRandom(seed);
    const N = 400;
    const ran = new Int32Array(new SharedArrayBuffer(4 * N));
    using executor = new ThreadPoolExecutor(3);
    const fs: Future<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      // Some tasks take a while, so tasks wait behind them and move.
      fs.push(executor.submit((r: Int32Array, i: number, ms: number) => (Atomics.add(r, i, 1), ms && pthreading.sleep(ms / 1000), i), ran, i, rand(8) === 0 ? 1 + rand(5) : 0));
      if (rand(4) === 0) fs[rand(fs.length)].cancel();
      // A blocking wait now and then hears the threads, which are then
      // given more tasks, and the idle ones tasks waiting behind long ones.
      if (i % 25 === 24) {
        const f = fs[rand(fs.length)];
        if (!f.cancelled()) f.result(10);
      }
    }
    executor.shutdown(true);
    for (let i = 0; i < N; i++) {
      const f = fs[i];
      expect(f.done(), `seed ${seed}, task ${i}`).toBe(true);
      if (f.cancelled()) expect(ran[i], `seed ${seed}, task ${i} was cancelled`).toBe(0);
      else expect([f.result(), ran[i]], `seed ${seed}, task ${i}`).toEqual([i, 1]);
    }
  });
});

describe('ThreadPoolExecutor#map()', () => {
  it('gives results in order, zipping the iterables', async () => {
    using executor = new ThreadPoolExecutor(3);
    expect([...executor.map((a: number, b: number) => a * b, [1, 2, 3], [4, 5, 6, 7])]).toEqual([4, 10, 18]);
    const out: number[] = [];
    for await (const v of executor.map((a: number) => a + 1, new Set([1, 2]))) out.push(v);
    expect(out).toEqual([2, 3]);
  });

  it('raises TimeoutError when the timeout passes, and cancels what is left', () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const results = executor.map(gated, [gate, gate], [1, 2], { timeout: 0.05 });
    expect(() => [...results]).toThrow(TimeoutError);
    gate.set();
  });
});

describe('asCompleted()', () => {
  it('yields futures in the order they finish, blocking or not', async () => {
    using executor = new ThreadPoolExecutor(2);
    const late = new Event();
    const slow = executor.submit(gated, late, 'slow');
    const fast = executor.submit(() => 'fast');
    const order: string[] = [];
    for (const f of asCompleted([slow, fast])) {
      order.push(f.result() as string);
      late.set();
    }
    expect(order).toEqual(['fast', 'slow']);
    const asyncOrder: unknown[] = [];
    for await (const f of asCompleted([slow, fast, fast])) {
      expect(f).toBeInstanceOf(Future); // futures, not their values
      asyncOrder.push(f.result());
    }
    expect(asyncOrder.sort()).toEqual(['fast', 'slow']);
  });

  it('raises TimeoutError if futures are unfinished at the timeout', async () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const f = executor.submit(gated, gate, 1);
    expect(() => [...asCompleted([f], 0.05)]).toThrow(/1 \(of 1\) futures unfinished/);
    const it = asCompleted([f], 0.05)[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    gate.set();
  });

  it('refuses what is not an iterable of futures', () => {
    expect(() => asCompleted(3 as never)).toThrow(TypeError);
    expect(() => asCompleted([1] as never)).toThrow(TypeError);
  });
});

describe('wait()', () => {
  it('returns at the first completion, the first exception, or when all are done', async () => {
    using executor = new ThreadPoolExecutor(3);
    const gate = new Event();
    const blocked = executor.submit(gated, gate, 1);
    const quick = executor.submit(() => 2);
    let r = wait([blocked, quick], null, FIRST_COMPLETED);
    expect([...r.done]).toEqual([quick]);
    expect([...r.notDone]).toEqual([blocked]);

    const failing = executor.submit(() => {
      throw new Error('x');
    });
    r = wait([blocked, failing], null, FIRST_EXCEPTION);
    expect([...r.done]).toEqual([failing]);

    r = wait([blocked, quick], 0.05, ALL_COMPLETED);
    expect(r.notDone.has(blocked)).toBe(true);
    const all = waitAsync([blocked, quick]);
    gate.set();
    r = await all;
    expect(r.done.size).toBe(2);
    expect(r.notDone.size).toBe(0);
  });

  it('refuses a bad returnWhen', () => {
    expect(() => wait([], null, 'SOON' as never)).toThrow(ValueError);
  });
});

describe('ThreadPoolExecutor#shutdown()', () => {
  it('waits for the tasks and the threads, then refuses new tasks', () => {
    const executor = new ThreadPoolExecutor(2, { threadNamePrefix: 'ending' });
    const fs = [1, 2, 3].map((n) => executor.submit((x: number) => (pthreading.sleep(0.01), x), n));
    executor.shutdown();
    expect(fs.every((f) => f.done())).toBe(true);
    expect(enumerate().some((t) => t.name.startsWith('ending_'))).toBe(false);
    expect(() => executor.submit(() => 1)).toThrow(RuntimeError);
    executor.shutdown(); // again: harmless
  });

  it('with cancelFutures, cancels the queued tasks and lets the running one finish', async () => {
    const executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const running = executor.submit(gated, gate, 'ran');
    const queued = executor.submit(gated, gate, 'queued');
    const done = executor.shutdownAsync(true, true);
    expect(queued.cancelled()).toBe(true);
    gate.set();
    await done;
    expect(running.result()).toBe('ran');
  });

  it('runs thousands of queued tasks first in, first out, and cancelFutures cancels the rest of a long queue', async () => {
    const executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const log = new Int32Array(new SharedArrayBuffer(4 * 3001));
    const first = executor.submit(gated, gate, 'first');
    // Queued behind the gated task: more than the queue's compaction size.
    const record = (log: Int32Array, i: number): number => {
      log[Atomics.add(log, 0, 1) + 1] = i;
      return i;
    };
    const fs = Array.from({ length: 2500 }, (_, i) => executor.submit(record, log, i));
    const [started, gate2] = [new Event(), new Event()];
    const second = executor.submit((started: Event, gate: Event) => (started.set(), gate.wait(), 'second'), started, gate2);
    const rest = Array.from({ length: 500 }, () => executor.submit(record, log, -1));
    gate.set();
    expect(first.result()).toBe('first');
    expect(fs.map((f) => f.result())).toEqual(fs.map((_, i) => i));
    expect(Array.from(log.subarray(1, 2501))).toEqual(fs.map((_, i) => i));
    // The second gated task runs; the 500 behind it are still queued.
    expect(started.wait(10)).toBe(true);
    const done = executor.shutdownAsync(true, true);
    expect(rest.every((f) => f.cancelled())).toBe(true);
    gate2.set();
    await done;
    expect(second.result()).toBe('second');
    expect(log[0]).toBe(2500);
  });

  it('hands thousands of queued tasks out at shutdown, and each thread runs its share in order', async () => {
    const executor = new ThreadPoolExecutor(2);
    const gate = new Event();
    const firsts = [executor.submit(gated, gate, 'a'), executor.submit(gated, gate, 'b')];
    const fs = Array.from({ length: 3000 }, (_, i) => executor.submit((i: number) => i, i));
    const done = executor.shutdownAsync(true);
    gate.set();
    await done;
    expect(firsts.map((f) => f.result())).toEqual(['a', 'b']);
    expect(fs.map((f) => f.result())).toEqual(fs.map((_, i) => i));
  });

  it('`using` shuts the executor down at the end of the block', () => {
    let f: Future<unknown>;
    {
      using executor = new ThreadPoolExecutor(1, { threadNamePrefix: 'scoped' });
      f = executor.submit((x: number) => (pthreading.sleep(0.01), x), 9);
    }
    expect(f.done()).toBe(true);
    expect(enumerate().some((t) => t.name.startsWith('scoped_'))).toBe(false);
  });
});

describe('ThreadPoolExecutor and process exit', () => {
  it('an idle pool does not keep the process alive; queued work does', () => {
    const r = script(`
      const { ThreadPoolExecutor, sleep } = require('./');
      const idle = new ThreadPoolExecutor(2);
      idle.submit(() => 1).result();
      const busy = new ThreadPoolExecutor(1);
      for (let i = 0; i < 3; i++) busy.submit((x) => (sleep(0.05), x), i).addDoneCallback((f) => console.log('done', f.result()));
      console.log('end of script');
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['end of script', 'done 0', 'done 1', 'done 2']);
    expect(r.status).toBe(0);
  });
});

describe('task results', () => {
  it('a primitive returned by a task arrives as the same, working object', () => {
    using executor = new ThreadPoolExecutor(1);
    const lock = executor.submit(() => {
      const l = new pthreading.Lock();
      l.acquire();
      return l;
    }).result();
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.acquire(false)).toBe(true);
  });
});
