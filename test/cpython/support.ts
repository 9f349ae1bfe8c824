/**
 * What the ported CPython tests share: `Bunch` (lock_tests.py's bunch of
 * threads running one function), `assertTimeout`, and waits on observable
 * state instead of CPython's `time.sleep`.
 *
 * Thread targets here are sent as source text, so they cannot close over
 * the test's locals: what CPython's closures share (result lists, the lock
 * under test, a phase number) is passed in `args` as pthreading objects —
 * a `SharedList` for a list, a `Value` for a number.
 */
import { expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { Event, SharedList, Thread, nativeStats } from 'pthreading';

// Targets reach the library through this plain variable, which threads
// have as a global of the same name (imports are rewritten by the runner).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

const root = path.join(__dirname, '..', '..');

/** CPython's `support.SHORT_TIMEOUT`, in seconds. */
export const SHORT_TIMEOUT = 30;
/** CPython's `support.LONG_TIMEOUT`, in seconds. */
export const LONG_TIMEOUT = 5 * 60;

/** Resolves once `predicate()` holds (CPython's `sleeping_retry` loops). */
export async function until(predicate: () => boolean, seconds = SHORT_TIMEOUT): Promise<void> {
  const end = performance.now() + seconds * 1000;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`not reached within ${seconds} s: ${predicate}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Waiters parked in native queues, all threads. */
export function queued(): number {
  return nativeStats().queuedWaiters;
}

/**
 * CPython's `wait_threads_blocked(n)`, made deterministic: resolves once
 * `n` more waiters than `base` are parked in native queues.
 */
export function blocked(base: number, n: number): Promise<void> {
  return until(() => queued() >= base + n);
}

/** CPython's `BaseTestCase.assertTimeout`: within [0.6, 10) × expected. */
export function assertTimeout(actual: number, expected: number): void {
  expect(actual).toBeGreaterThanOrEqual(expected * 0.6);
  expect(actual).toBeLessThan(expected * 10);
}

/** Seconds on the monotonic clock (`time.monotonic()`). */
export function monotonic(): number {
  return performance.now() / 1000;
}

// Runs on each thread of a Bunch: CPython's Bunch.task.
function task(
  source: string,
  started: SharedList<number>,
  finished: SharedList<number>,
  exceptions: SharedList<string>,
  canExit: Event,
  ...args: unknown[]
): void {
  const tid = pthreading.getIdent();
  started.append(tid);
  try {
    const func = (0, eval)(`(${source})`) as (...a: unknown[]) => unknown;
    func(...args);
  } catch (error) {
    exceptions.append(String((error as Error)?.stack ?? error));
  } finally {
    finished.append(tid);
    canExit.wait();
  }
}

/**
 * A bunch of threads (lock_tests.py's `Bunch`): `nthread` threads each run
 * `func(...args)`. `enter()` starts them and waits until all have started;
 * `exit()` waits until all have finished and raises what they raised. With
 * `waitBeforeExit`, the threads do not end until `doFinish()`.
 */
export class Bunch {
  readonly started = new SharedList<number>();
  readonly finished = new SharedList<number>();
  readonly exceptions = new SharedList<string>();
  readonly threads: Thread[] = [];
  /** Waiters parked before the threads started (see {@link blocked}). */
  base = 0;
  private readonly canExit = new Event();

  constructor(
    private readonly func: (...args: any[]) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
    private readonly nthread: number,
    private readonly args: readonly unknown[] = [],
    waitBeforeExit = false,
  ) {
    if (!waitBeforeExit) this.canExit.set();
  }

  async enter(): Promise<this> {
    this.base = queued();
    try {
      for (let i = 0; i < this.nthread; i++) {
        const t = new Thread({
          target: task,
          args: [String(this.func), this.started, this.finished, this.exceptions, this.canExit, ...this.args],
          daemon: true,
        });
        t.start();
        this.threads.push(t);
      }
    } catch (error) {
      this.canExit.set();
      throw error;
    }
    await until(() => this.started.length >= this.nthread);
    return this;
  }

  /** Resolves once `n` threads of the bunch are parked in native waits. */
  blocked(n: number): Promise<void> {
    return blocked(this.base, n);
  }

  async exit(): Promise<void> {
    await until(() => this.finished.length >= this.nthread);
    for (const t of this.threads) await t.joinAsync(SHORT_TIMEOUT);
    const exceptions = this.exceptions.toArray();
    if (exceptions.length) throw new AggregateError(exceptions, `threads raised exceptions:\n${exceptions.join('\n')}`);
  }

  doFinish(): void {
    this.canExit.set();
  }
}

/**
 * `with Bunch(func, nthread) as bunch: body(bunch)`. If the body throws,
 * the threads are let go and the body's error is raised.
 */
export async function withBunch(
  func: (...args: any[]) => unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
  nthread: number,
  args: readonly unknown[] = [],
  body?: (bunch: Bunch) => unknown,
  waitBeforeExit = false,
): Promise<Bunch> {
  const bunch = await new Bunch(func, nthread, args, waitBeforeExit).enter();
  try {
    await body?.(bunch);
  } catch (error) {
    bunch.doFinish();
    throw error;
  }
  await bunch.exit();
  return bunch;
}

/** What {@link script} returns. */
export interface ScriptResult {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * CPython's `assert_python_ok("-c", code)`: runs `source` in a fresh node
 * (cwd: the package root, so `require('pthreading')` works), and returns
 * its output and exit status. A script still running after `seconds` is
 * killed (status null, signal SIGTERM).
 */
export function script(source: string, seconds = 30): ScriptResult {
  const r = spawnSync(process.execPath, ['-e', source], { cwd: root, encoding: 'utf8', timeout: seconds * 1000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal };
}
