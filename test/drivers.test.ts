/**
 * The wait drivers (src/runtime/native.ts: runSync, runAsync): one place closes a
 * slow path however its driving ends, so its `finally` blocks always run —
 * returned, timed out, aborted, failed, or cancelled by terminate().
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const root = path.join(__dirname, '..');
// The drivers are internal: reach them in the built package, installed
// (its entry installs terminate()'s cancelling of native waits).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(root, 'dist', 'index.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require(path.join(root, 'dist', 'runtime', 'native.js')) as typeof import('../src/runtime/native');

type Park = import('../src/runtime/native').Park;

// Op and Status are const enums (inlined at compile time): their values.
const OP_FUTEX = 5;
const TIMED_OUT = 3;

const never = new Int32Array(new SharedArrayBuffer(4));
const futex = (deadline: number, abortable = true): Park => ({ op: OP_FUTEX, words: never, expected: 0, deadline, abortable }) as Park;

/** A slow path that parks on `park` until `enough(status)` and records how it ended. */
function* recorded(log: string[], park: Park, enough: (s: number) => boolean) {
  try {
    for (;;) {
      const status: number = yield park;
      if (enough(status)) return 'returned';
      native.throwIfAborted(status);
    }
  } finally {
    log.push('cleanup');
  }
}

describe('the wait drivers close the slow path on every exit', () => {
  it('returned after a timeout, sync and async', async () => {
    const log: string[] = [];
    const timedOut = (s: number): boolean => s === TIMED_OUT;
    expect(native.runSync(recorded(log, futex(performance.now() + 5), timedOut))).toBe('returned');
    expect(await native.runAsync(recorded(log, futex(performance.now() + 5), timedOut))).toBe('returned');
    expect(log).toEqual(['cleanup', 'cleanup']);
  });

  it('aborted (async), before and during the wait', async () => {
    const log: string[] = [];
    await expect(native.runAsync(recorded(log, futex(Infinity), () => false), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    const c = new AbortController();
    const waiting = native.runAsync(recorded(log, futex(Infinity), () => false), c.signal);
    setTimeout(() => c.abort(), 5);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(log).toEqual(['cleanup', 'cleanup']);
  });

  it('failed: an error thrown by the native call closes the slow path', async () => {
    const log: string[] = [];
    const bad = { ...futex(Infinity), words: new Int32Array(1) }; // not shared memory: refused
    expect(() => native.runSync(recorded(log, bad, () => false))).toThrow(TypeError);
    await expect(native.runAsync(recorded(log, bad, () => false))).rejects.toBeInstanceOf(TypeError);
    expect(log).toEqual(['cleanup', 'cleanup']);
  });

  it('cancelled by terminate(): the slow path is closed before the thread stops', async () => {
    const done = new Int32Array(new SharedArrayBuffer(8));
    const w = new Worker(
      `
      const native = require(${JSON.stringify(path.join(root, 'dist', 'runtime', 'native.js'))});
      const { workerData: done } = require('node:worker_threads');
      const never = new Int32Array(new SharedArrayBuffer(4));
      // Inside a critical section, so terminate() lets the thread finish
      // its cleanup; the sleep itself is cancelled.
      native.enterCritical();
      try {
        native.runSync((function* () {
          try {
            Atomics.store(done, 1, 1);
            yield { op: 5, words: never, expected: 0, deadline: Infinity, abortable: false };
          } finally {
            Atomics.store(done, 0, 42);
          }
        })());
      } finally {
        native.leaveCritical();
      }
      `,
      { eval: true, workerData: done },
    );
    const errors: unknown[] = [];
    w.on('error', (e) => errors.push(e));
    while (Atomics.load(done, 1) === 0) await new Promise((r) => setTimeout(r, 1));
    // Asleep by now, most likely; a park that begins cancelled ends the same way.
    await new Promise((r) => setTimeout(r, 10));
    expect(await w.terminate()).toBe(1);
    expect(Atomics.load(done, 0)).toBe(42);
    expect(errors).toEqual([]);
  });
});
