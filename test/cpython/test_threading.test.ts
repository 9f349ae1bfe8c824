/**
 * A port of CPython 3.13's Lib/test/test_threading.py: ThreadTests,
 * ThreadJoinOnShutdown, ThreadingExceptionTests and ExceptHookTests
 * (lock_tests.py's classes are in lock_tests.test.ts; TimerTests' one case
 * cannot apply). One `it`
 * per CPython test method, named after it. CPython's `assert_python_ok`
 * scripts run here in a fresh node. See README.md beside this file for the
 * cases that cannot apply (fork, subinterpreters, settrace, gc, _thread).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

import {
  BoundedSemaphore,
  Event,
  Lock,
  RLock,
  RuntimeError,
  SharedDict,
  SharedList,
  Thread,
  Value,
  ValueError,
  activeCount,
  currentThread,
  enumerate,
  getExcepthook,
  getIdent,
  getNativeId,
  mainThread,
  setExcepthook,
  stackSize,
} from 'pthreading';

import { onThread } from '../helpers';
import { script, until } from './support';

// Thread targets are sent as source text and reach the library through
// this plain variable, which every thread has as a global of the same name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

// ---------------------------------------------------------------------------
// ThreadTests

/** TestThread: a Thread subclass; `nrunning` is the shared Counter. */
class TestThread extends Thread {
  constructor(
    name: string,
    readonly sema: BoundedSemaphore,
    readonly mutex: RLock,
    readonly nrunning: Value,
    readonly failures: SharedList<string>,
  ) {
    super({ name });
  }

  override run(): void {
    const delay = Math.random() / 10000.0;
    this.sema.with(() => {
      this.mutex.with(() => {
        this.nrunning.value += 1;
        // self.testcase.assertLessEqual(self.nrunning.get(), 3)
        if (!(this.nrunning.value <= 3)) this.failures.append(`${this.nrunning.value} tasks are running`);
      });
      pthreading.sleep(delay);
      this.mutex.with(() => {
        this.nrunning.value -= 1;
        // self.testcase.assertGreaterEqual(self.nrunning.get(), 0)
        if (!(this.nrunning.value >= 0)) this.failures.append(`${this.nrunning.value} tasks are running`);
      });
    });
  }
}

function variousOps(): void {
  // Create a bunch of threads, let each do some work, wait until all are
  // done.
  const NUMTASKS = 10;
  // no more than 3 of the 10 can run at once
  const sema = new BoundedSemaphore(3);
  const mutex = new RLock();
  const numrunning = new Value('i', 0, { lock: false });
  const failures = new SharedList<string>();
  const threads: TestThread[] = [];
  // Python: a native id "may be recycled by the OS after a thread exits";
  // here a thread's worker runs a later thread once it has ended, so the
  // ids are distinct among threads alive at once (CPython's test counts on
  // Linux not reusing thread ids soon, and asserts them all distinct).
  const clashes: string[] = [];
  for (let i = 0; i < NUMTASKS; i++) {
    const t = new TestThread(`<thread ${i}>`, sema, mutex, numrunning, failures);
    expect(t.ident).toBeNull();
    expect(String(t)).toMatch(/^<TestThread\(.*, initial\)>$/);
    t.start();
    // Once it runs: no other thread still alive has its id.
    const alive = new Set([...threads.filter((p) => p.isAlive()).map((p) => p.nativeId), getNativeId()]);
    if (alive.has(t.nativeId)) clashes.push(`${t.name} has the native id of a live thread`);
    threads.push(t);
  }
  const nativeIds = new Set<number | null>([...threads.map((t) => t.nativeId), getNativeId()]);
  expect(nativeIds.has(null)).toBe(false);
  expect(clashes).toEqual([]);
  for (const t of threads) {
    t.join();
    expect(t.isAlive()).toBe(false);
    expect(t.ident).not.toBe(0);
    expect(t.ident).not.toBeNull();
    expect(String(t)).toMatch(/^<TestThread\(.*, stopped -?\d+\)>$/);
  }
  expect(numrunning.value).toBe(0);
  expect(failures.toArray()).toEqual([]);
}

describe('ThreadTests', () => {
  it('ThreadTests.test_name', () => {
    // CPython mocks threading._counter to know N; here N is read back.
    const func = (): void => {};
    let thread = new Thread({ name: 'myname1' });
    expect(thread.name).toBe('myname1');

    // Convert int name to str
    thread = new Thread({ name: 123 });
    expect(thread.name).toBe('123');

    // target name is ignored if name is specified
    thread = new Thread({ target: func, name: 'myname2' });
    expect(thread.name).toBe('myname2');

    thread = new Thread({ name: '' });
    expect(thread.name).toMatch(/^Thread-\d+$/);

    thread = new Thread();
    expect(thread.name).toMatch(/^Thread-\d+$/);

    // CPython's last check, `Thread(target=func).name == "Thread-5 (func)"`,
    // is left out: pthreading names such a thread `Thread-N`, without the
    // target's name (see README.md).
  });

  it('ThreadTests.test_args_argument', () => {
    // bpo-45735: Using list or tuple as *args* in constructor could
    // achieve the same effect. (JavaScript has arrays only.)
    const testCases: [unknown[], unknown][] = [
      [[1], 1],
      [['str'], 'str'],
      [[[1]], [1]],
    ];
    for (const [args, expected] of testCases) {
      const seen = new SharedList<unknown>();
      const t = new Thread({ target: (arg: unknown, seen: SharedList<unknown>) => seen.append(arg), args: [...args, seen] });
      t.start();
      t.join();
      expect(seen.toArray()).toEqual([expected]);
    }
  });

  it('ThreadTests.test_various_ops', () => {
    variousOps();
  });

  it('ThreadTests.test_ident_of_no_threading_threads', async () => {
    // The ident still must work for the main thread and dummy threads.
    expect(currentThread().ident).not.toBeNull();
    // A raw Worker is pthreading's foreign thread (_thread.start_new_thread).
    const { done } = onThread((_d: undefined, p) => [p.currentThread().ident, p.getIdent()]);
    const [ident, tid] = await done;
    expect(ident).toBe(tid);
  });

  it('ThreadTests.test_various_ops_large_stack', () => {
    // run with a large thread stack size (1 MiB)
    stackSize(0x100000);
    try {
      variousOps();
    } finally {
      stackSize(0);
    }
  });

  it('ThreadTests.test_foreign_thread', async () => {
    // Check that a "foreign" thread (a raw Worker) can use the threading
    // module.
    const finish = new Event();
    const seen = new SharedDict<unknown>();
    const { done } = onThread(
      (d: { finish: Event; seen: SharedDict<unknown> }, p) => {
        // Calling currentThread() makes an entry for the foreign thread.
        const dummyThread = p.currentThread();
        const tid = dummyThread.ident;
        d.seen.updateFrom({
          tid,
          inActive: p.enumerate().some((t) => t.ident === tid),
          // gh-29376: Expected _DummyThread to be considered alive.
          alive: dummyThread.isAlive(),
        });
        d.finish.wait();
      },
      { finish, seen },
    );
    await until(() => seen.has('tid'));
    expect(seen.get('inActive')).toBe(true);
    expect(seen.get('alive')).toBe(true);
    const tid = seen.get('tid') as number;
    const dummyThread = enumerate().find((t) => t.ident === tid)!;
    expect(dummyThread.isAlive()).toBe(true);
    finish.set();
    await done;
    // After the thread dies, the related dummy thread must be removed from
    // the threads the module knows.
    await until(() => !enumerate().some((t) => t.ident === tid), 5);
    expect(dummyThread.isAlive()).toBe(false);
  });

  it('ThreadTests.test_enumerate_after_join', { timeout: 180_000 }, () => {
    // Try hard to trigger #1703448: a thread is still returned in
    // threading.enumerate() after it has been join()ed.
    for (let i = 1; i < 100; i++) {
      const t = new Thread({ target: () => undefined });
      t.start();
      t.join();
      const l = enumerate();
      expect(
        l.some((x) => x.ident === t.ident),
        `#1703448 triggered after ${i} trials: ${l}`,
      ).toBe(false);
    }
  });

  it('ThreadTests.test_join_from_multiple_threads', { timeout: 180_000 }, () => {
    // Thread.join() should be thread-safe
    const errors = new SharedList<string>();
    const worker = (): void => pthreading.sleep(0.005);
    const joiner = (thread: Thread, errors: SharedList<string>): void => {
      try {
        thread.join();
      } catch (e) {
        errors.append(String(e));
      }
    };
    for (let N = 2; N < 20; N++) {
      const threads = [new Thread({ target: worker })];
      for (let i = 0; i < N; i++) threads.push(new Thread({ target: joiner, args: [threads[0], errors] }));
      for (const t of threads) t.start();
      pthreading.sleep(0.01);
      for (const t of threads) t.join();
      if (errors.length) throw new Error(errors.get(0));
    }
  });

  it('ThreadTests.test_join_with_timeout', () => {
    const lock = new Lock();
    lock.acquire();
    const worker = (lock: Lock): boolean => lock.acquire();
    const thread = new Thread({ target: worker, args: [lock] });
    thread.start();
    thread.join(0.01);
    expect(thread.isAlive()).toBe(true);
    lock.release();
    thread.join();
    expect(thread.isAlive()).toBe(false);
  });

  it('ThreadTests.test_old_threading_api', () => {
    // Just a quick sanity check to make sure the old method names are
    // still present. (They are pthreading's names: no DeprecationWarning.)
    const t = new Thread();
    t.isDaemon();
    t.setDaemon(true);
    t.getName();
    t.setName('name');
    const e = new Event();
    e.isSet();
    const cond = new pthreading.Condition();
    cond.acquire();
    cond.notifyAll();
    activeCount();
    currentThread();
  });

  it('ThreadTests.test_repr_daemon', () => {
    const t = new Thread();
    expect(String(t)).not.toContain('daemon');
    t.daemon = true;
    expect(String(t)).toContain('daemon');
  });

  it('ThreadTests.test_daemon_param', () => {
    let t = new Thread();
    expect(t.daemon).toBe(false);
    t = new Thread({ daemon: false });
    expect(t.daemon).toBe(false);
    t = new Thread({ daemon: true });
    expect(t.daemon).toBe(true);
  });

  it('ThreadTests.test_main_thread', () => {
    const main = mainThread();
    expect(main.name).toBe('MainThread');
    expect(main.ident).toBe(currentThread().ident);
    expect(main.ident).toBe(getIdent());
    const result = new SharedList<boolean>();
    const f = (result: SharedList<boolean>): void => {
      result.append(pthreading.mainThread().ident !== pthreading.currentThread().ident);
    };
    const th = new Thread({ target: f, args: [result] });
    th.start();
    th.join();
    expect(result.toArray()).toEqual([true]);
  });

  it('ThreadTests.test_main_thread_during_shutdown', () => {
    // bpo-31516: currentThread() should still point to the main thread
    // at shutdown. CPython looks from __del__ during finalization; the
    // last JavaScript that runs at shutdown is an 'exit' listener.
    const { stdout, stderr } = script(`
      const threading = require('pthreading');
      const mainThread = threading.currentThread();
      if (mainThread !== threading.mainThread()) throw new Error('sanity check');
      const report = () => console.log('GC:',
        threading.currentThread() === mainThread ? 'True' : 'False',
        threading.mainThread() === mainThread ? 'True' : 'False',
        threading.enumerate().length === 1 && threading.enumerate()[0] === mainThread ? 'True' : 'False');
      report();
      process.on('exit', report);
    `);
    expect(stderr).toBe('');
    expect(stdout.split('\n').filter(Boolean)).toEqual(['GC: True True True', 'GC: True True True']);
  });

  it('ThreadTests.test_repr_stopped', async () => {
    // Verify that "stopped" shows up in repr(Thread) appropriately.
    const started = new Lock();
    const finish = new Lock();
    started.acquire();
    finish.acquire();
    const f = (started: Lock, finish: Lock): void => {
      started.release();
      finish.acquire();
    };
    const t = new Thread({ target: f, args: [started, finish] });
    t.start();
    started.acquire();
    expect(String(t)).toContain('started');
    finish.release();
    // "stopped" should appear in the repr in a reasonable amount of time,
    // "all on its own".
    await until(() => String(t).includes('stopped'), 5);
    expect(String(t)).toContain('stopped');
    t.join();
  });

  it('ThreadTests.test_BoundedSemaphore_limit', { timeout: 180_000 }, () => {
    // BoundedSemaphore should raise ValueError if released too often.
    for (let limit = 1; limit < 10; limit++) {
      const bs = new BoundedSemaphore(limit);
      let threads = Array.from({ length: limit }, () => new Thread({ target: (bs: BoundedSemaphore) => bs.acquire(), args: [bs] }));
      for (const t of threads) t.start();
      for (const t of threads) t.join();
      threads = Array.from({ length: limit }, () => new Thread({ target: (bs: BoundedSemaphore) => bs.release(), args: [bs] }));
      for (const t of threads) t.start();
      for (const t of threads) t.join();
      expect(() => bs.release()).toThrow(ValueError);
    }
  });

  it('ThreadTests.test_leak_without_join', async () => {
    // bpo-37788: Test that a thread which is not joined explicitly
    // does not leak.
    const before = activeCount();
    new Thread({ target: () => undefined }).start();
    // Thread.join() is not called; threading_helper.wait_threads_exit()
    await until(() => activeCount() <= before);
  });

  it('ThreadTests.test_import_from_another_thread', () => {
    // bpo-1596321: If the threading module is first imported from a
    // thread other than the main thread, shutdown must handle it without
    // logging an error at exit.
    const { stdout, stderr, status } = script(`
      const { Worker } = require('node:worker_threads');
      const event = new Int32Array(new SharedArrayBuffer(4));
      new Worker(\`
        const { workerData } = require('node:worker_threads');
        require('pthreading');
        Atomics.store(workerData, 0, 1);
        Atomics.notify(workerData, 0);
      \`, { eval: true, workerData: event });
      // wait until the threading module is imported
      Atomics.wait(event, 0, 0);
      // don't wait until the thread completes
    `);
    expect(status).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });
});

// ---------------------------------------------------------------------------
// ThreadJoinOnShutdown

/** ThreadJoinOnShutdown._run_and_join */
function runAndJoin(body: string): void {
  const { stdout, status, signal } = script(
    `
    const threading = require('pthreading');
    // a thread, which waits for the main program to terminate
    function joiningfunc(mainthread) {
      mainthread.join();
      console.log('end of thread');
    }
    ` + body,
  );
  expect({ status, signal }).toEqual({ status: 0, signal: null });
  expect(stdout.replace(/\r/g, '')).toBe('end of main\nend of thread\n');
}

describe('ThreadJoinOnShutdown', () => {
  it('ThreadJoinOnShutdown.test_1_join_on_shutdown', () => {
    // The usual case: on exit, wait for a non-daemon thread
    runAndJoin(`
      const t = new threading.Thread({ target: joiningfunc, args: [threading.currentThread()] });
      t.start();
      threading.sleep(0.1);
      console.log('end of main');
    `);
  });

  it('ThreadJoinOnShutdown.test_4_daemon_threads', () => {
    // Check that a daemon thread cannot crash the process on shutdown by
    // using what is being disposed of in the main thread.
    const { stderr, status } = script(`
      const threading = require('pthreading');
      const threadHasRun = new threading.SharedDict();

      function randomIo(threadHasRun, file) {
        // Loop for a while sleeping random tiny amounts and doing some I/O.
        const fs = require('node:fs');
        for (;;) {
          const stuff = fs.readFileSync(file).subarray(0, 200);
          fs.writeFileSync('/dev/null', stuff);
          threading.sleep(Math.random() / 1995);
          threadHasRun.set(String(threading.currentThread().ident), true);
        }
      }

      let count = 0;
      for (let i = 0; i < 40; i++) {
        const newThread = new threading.Thread({ target: randomIo, args: [threadHasRun, ${JSON.stringify(__filename)}] });
        newThread.daemon = true;
        newThread.start();
        count += 1;
      }
      while (threadHasRun.size < count) threading.sleep(0.001);
      // Trigger process shutdown
      process.exit(0);
    `, 60);
    expect(status).toBe(0);
    expect(stderr).toBe('');
  });

  it('ThreadJoinOnShutdown.test_thread_from_thread', () => {
    const { stdout, stderr, status, signal } = script(`
      const threading = require('pthreading');
      function thread1() {
        function thread2() {
          threading.sleep(0.05);
          console.log('OK');
        }
        threading.sleep(0.05);
        const t2 = new threading.Thread({ target: thread2 });
        t2.start();
      }
      const t = new threading.Thread({ target: thread1 });
      t.start();
      // do not join() -- the process waits for non-daemon threads to
      // finish.
    `);
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('OK');
    expect({ status, signal }).toEqual({ status: 0, signal: null });
  });
});

// ---------------------------------------------------------------------------
// ThreadingExceptionTests

describe('ThreadingExceptionTests', () => {
  it('ThreadingExceptionTests.test_start_thread_again', () => {
    const thread = new Thread();
    thread.start();
    expect(() => thread.start()).toThrow(RuntimeError);
    thread.join();
  });

  it('ThreadingExceptionTests.test_joining_current_thread', () => {
    const current = currentThread();
    expect(() => current.join()).toThrow(RuntimeError);
  });

  it('ThreadingExceptionTests.test_joining_inactive_thread', () => {
    const thread = new Thread();
    expect(() => thread.join()).toThrow(RuntimeError);
  });

  it('ThreadingExceptionTests.test_daemonize_active_thread', () => {
    const thread = new Thread();
    thread.start();
    expect(() => {
      thread.daemon = true;
    }).toThrow(RuntimeError);
    thread.join();
  });

  it('ThreadingExceptionTests.test_releasing_unacquired_lock', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(RuntimeError);
  });

  it('ThreadingExceptionTests.test_recursion_limit', () => {
    // Issue 9670: excessive recursion within a non-main thread causes an
    // exception (RangeError in JavaScript) rather than a crash.
    const { stdout, stderr, status } = script(`
      const threading = require('pthreading');
      function outer() {
        function recurse() {
          return recurse() + 1;
        }
        try {
          recurse();
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
        }
      }
      const w = new threading.Thread({ target: outer });
      w.start();
      w.join();
      console.log('end of main thread');
    `);
    expect(status, `Unexpected error: ${stderr}`).toBe(0);
    expect(stdout.replace(/\r/g, '')).toBe('end of main thread\n');
  });

  it('ThreadingExceptionTests.test_print_exception', () => {
    // JavaScript's 1/0 does not throw: the thread throws a RangeError.
    const { stdout, stderr } = script(`
      const threading = require('pthreading');
      const running = new threading.Value('i', 0);
      function run(running) {
        running.value = 1;
        while (running.value) threading.sleep(0.01);
        throw new RangeError('division by zero');
      }
      const t = new threading.Thread({ target: run, args: [running] });
      t.start();
      while (!running.value) threading.sleep(0.01);
      running.value = 0;
      t.join();
    `);
    expect(stdout).toBe('');
    expect(stderr).toContain('Exception in thread');
    expect(stderr).toMatch(/\n {4}at /); // the stack: JavaScript's traceback
    expect(stderr).toContain('RangeError');
    expect(stderr).not.toContain('Unhandled exception');
  });

  it('ThreadingExceptionTests.test_multithread_modify_file_noerror', { timeout: 180_000 }, () => {
    // See issue25872
    const file = `${__dirname}/.tmp-${process.pid}-modify`;
    const modifyFile = (file: string): void => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fs = require('node:fs') as typeof import('node:fs');
      fs.writeFileSync(file, ' ', 'utf8');
      void new Error().stack; // traceback.format_stack()
    };
    try {
      const threads = Array.from({ length: 100 }, () => new Thread({ target: modifyFile, args: [file] }));
      for (const t of threads) {
        t.start();
        t.join();
      }
      expect(readFileSync(file, 'utf8')).toBe(' ');
    } finally {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('node:fs').rmSync(file, { force: true });
    }
  });
});

// ---------------------------------------------------------------------------
// ExceptHookTests

/** ThreadRunFail, in a script: its run() throws ValueError('run failed'). */
const threadRunFail = `
  const threading = require('pthreading');
  class ThreadRunFail extends threading.Thread {
    run() {
      throw new pthreading.ValueError('run failed');
    }
  }
`;

describe('ExceptHookTests', () => {
  it('ExceptHookTests.test_excepthook', () => {
    const { stderr } = script(`${threadRunFail}
      const thread = new ThreadRunFail({ name: 'excepthook thread' });
      thread.start();
      thread.join();
    `);
    // CPython's traceback is JavaScript's stack: "    at …" frames.
    expect(stderr).toContain('Exception in thread excepthook thread:\n');
    expect(stderr).toMatch(/\n {4}at /);
    expect(stderr).toContain('ValueError: run failed');
  });

  it('ExceptHookTests.test_excepthook_thread_None', () => {
    // threading.excepthook called with thread=None: log the thread
    // identifier in this case.
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      try {
        throw new ValueError('bug');
      } catch (exc) {
        getExcepthook()({ excType: 'ValueError', excValue: exc, excTraceback: (exc as Error).stack, thread: null });
      }
    } finally {
      process.stderr.write = write;
    }
    const stderr = written.join('').trim();
    expect(stderr).toContain(`Exception in thread ${getIdent()}:\n`);
    expect(stderr).toMatch(/\n {4}at /);
    expect(stderr).toContain('ValueError: bug');
  });

  it('ExceptHookTests.test_system_exit', () => {
    // excepthook silently ignores SystemExit. process.exit() in a thread
    // is JavaScript's sys.exit() there: it ends that thread only.
    const { stderr, status } = script(`
      const threading = require('pthreading');
      class ThreadExit extends threading.Thread {
        run() {
          process.exit(1);
        }
      }
      const thread = new ThreadExit();
      thread.start();
      thread.join();
    `);
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it('ExceptHookTests.test_custom_excepthook', () => {
    // The hook runs on the failing thread, as source text: it reports
    // through a SharedDict the thread left where the hook can find it.
    class ThreadRunFail extends Thread {
      readonly report = new SharedDict<unknown>();
      override run(): void {
        (globalThis as unknown as { report: SharedDict<unknown> }).report = this.report;
        throw new pthreading.ValueError('run failed');
      }
    }
    const hook = (hookArgs: import('pthreading').ExceptHookArgs): void => {
      const report = (globalThis as unknown as { report: SharedDict<unknown> }).report;
      const value = hookArgs.excValue as Error;
      report.updateFrom({
        excType: hookArgs.excType,
        excValue: value.message,
        tracebackIsStack: hookArgs.excTraceback === value.stack,
        threadIdent: hookArgs.thread?.ident ?? null,
      });
    };
    const saved = getExcepthook();
    setExcepthook(hook);
    let thread: ThreadRunFail;
    try {
      thread = new ThreadRunFail();
      thread.start();
      thread.join();
    } finally {
      setExcepthook(saved);
    }
    expect(thread.report.get('excType')).toBe('ValueError');
    expect(thread.report.get('excValue')).toBe('run failed');
    expect(thread.report.get('tracebackIsStack')).toBe(true);
    expect(thread.report.get('threadIdent')).toBe(thread.ident);
  });

  it('ExceptHookTests.test_custom_excepthook_fail', () => {
    // sys.excepthook has no counterpart: pthreading reports the hook's own
    // error with the default hook, after CPython's header line.
    const { stderr } = script(`${threadRunFail}
      threading.setExcepthook(() => {
        throw new pthreading.ValueError('threading_hook failed');
      });
      const thread = new ThreadRunFail();
      thread.start();
      thread.join();
    `);
    expect(stderr.startsWith('Exception in threading.excepthook:\n')).toBe(true);
    expect(stderr).toContain('threading_hook failed');
  });

  it('ExceptHookTests.test_original_excepthook', () => {
    // Each run's stderr is told apart by a marker line.
    const { stderr } = script(`${threadRunFail}
      function runThread() {
        const thread = new ThreadRunFail({ name: 'excepthook thread' });
        thread.start();
        thread.join();
        process.stderr.write('--8<--\\n');
      }
      const threadingHook = () => {
        process.stderr.write('Running a thread failed\\n');
      };
      runThread();
      threading.setExcepthook(threadingHook);
      runThread();
      threading.setExcepthook(null); // threading.__excepthook__
      runThread();
    `);
    const [defaultOutput, customHookOutput, recoveredOutput] = stderr.split('--8<--\n');
    expect(recoveredOutput).toBe(defaultOutput);
    expect(customHookOutput).not.toBe(defaultOutput);
    expect(customHookOutput).toBe('Running a thread failed\n');
  });
});
