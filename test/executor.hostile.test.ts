/**
 * Hostile tests of ThreadPoolExecutor's tasks handed ahead to busy threads
 * (claim words, moves to idle threads, take-backs), from a hostile review:
 * each failed against the first version of that change; every one is synchronized with
 * Events and joins. A timeout inside a task or on result() only bounds a
 * wait that would otherwise hang forever (a deadlock), never orders things.
 */
import { describe, expect, it } from 'vitest';

import { BrokenThreadPool, Event, Future, ThreadPoolExecutor } from 'pthreading';

// Tasks run as source on pool threads, where `pthreading` is a global.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');
void pthreading;

/** A task that waits for `gate`, then returns `value`. */
const gated = (gate: Event, value: unknown): unknown => (gate.wait(), value);

/** Records the order in which tasks start: order[i] = how many started before task i, plus 1. */
const recordStart = (order: Int32Array, i: number): number => {
  order[i] = Atomics.add(order, 0, 1) + 1;
  return i;
};

// The outcome of a future without throwing: its value, or its error's name.
function outcome(f: Future<unknown>, timeout = 10): unknown {
  try {
    return f.result(timeout);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('a task handed ahead whose function source came with another task', () => {
  it('runs after the first task of its function on that thread was cancelled while waiting there', () => {
    using executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const long = executor.submit(gated, gate, 'long');
    function plusOne(x: number): number {
      return x + 1;
    }
    // Handed ahead to the busy thread, with plusOne's source (the first of it there).
    const first = executor.submit(plusOne, 1);
    expect(first.cancel()).toBe(true); // taken back: the thread only skips it, never compiles it
    // Handed ahead too, without the source: the executor thinks the thread has it.
    const second = executor.submit(plusOne, 41);
    gate.set();
    expect(long.result(10)).toBe('long');
    expect(outcome(second)).toBe(42);
  });

  it('runs after the first task of its function on that thread moved to a thread that fell idle (no cancel at all)', () => {
    using executor = new ThreadPoolExecutor(2);
    const [gateA, gateB, gateC] = [new Event(), new Event(), new Event()];
    try {
      const longA = executor.submit(gated, gateA, 'A'); // thread 0
      const longB = executor.submit(gated, gateB, 'B'); // thread 1
      function plusOne(x: number): number {
        return x + 1;
      }
      // Ahead on thread 0 (the least busy, first), with plusOne's source.
      const moved = executor.submit(plusOne, 1);
      gateB.set();
      expect(longB.result(10)).toBe('B');
      // Thread 1 fell idle and took it over; thread 0 will only skip it.
      expect(moved.result(10)).toBe(2);
      const longC = executor.submit(gated, gateC, 'C'); // thread 1, idle again
      // Thread 0 holds 2 (its long task, the moved one), thread 1 one: to thread 1.
      const third = executor.submit(plusOne, 10);
      // Both hold 2 now: to thread 0, ahead, without the source.
      const fourth = executor.submit(plusOne, 41);
      gateA.set();
      expect(longA.result(10)).toBe('A');
      expect(outcome(fourth)).toBe(42);
      gateC.set();
      expect([longC.result(10), third.result(10)]).toEqual(['C', 11]);
    } finally {
      // Nothing left blocked for the shutdown at the end of the block.
      for (const gate of [gateA, gateB, gateC]) gate.set();
    }
  });
});

describe('tasks start in submission order, as from one work queue (docs/python.md)', () => {
  it('a thread that finishes does not start a later task while an earlier one still waits', () => {
    using executor = new ThreadPoolExecutor(2);
    const [gateA, gateB] = [new Event(), new Event()];
    const order = new Int32Array(new SharedArrayBuffer(4 * 3));
    const longA = executor.submit(gated, gateA, 'A'); // thread 0
    const longB = executor.submit(gated, gateB, 'B'); // thread 1
    const s1 = executor.submit(recordStart, order, 1); // ahead on thread 0
    const s2 = executor.submit(recordStart, order, 2); // ahead on thread 1
    try {
      gateB.set(); // thread 1 is free: Python's thread takes s1, the oldest
      expect(longB.result(10)).toBe('B');
      expect(s2.result(10)).toBe(2);
      expect(s1.result(10)).toBe(1);
    } finally {
      gateA.set();
    }
    expect(longA.result(10)).toBe('A');

    expect([order[1], order[2]]).toEqual([1, 2]);
  });

  it('a task that waits for an earlier one does not deadlock while a thread is free', () => {
    using executor = new ThreadPoolExecutor(2);
    const [shared, gateB] = [new Event(), new Event()];
    const longA = executor.submit((e: Event) => e.wait(20), shared); // thread 0, waits for s1
    const longB = executor.submit(gated, gateB, 'B'); // thread 1
    const s1 = executor.submit((e: Event) => (e.set(), 's1'), shared); // ahead on thread 0
    const s2 = executor.submit((e: Event) => e.wait(5), shared); // ahead on thread 1, waits for s1 (earlier)
    gateB.set();
    // In Python thread 1 would take s1 (the oldest queued) and s2 would see it.
    // Here thread 1 goes on to s2, s1 waits behind longA, which waits for s1:
    // only s2's own timeout breaks the deadlock.
    expect(longB.result(10)).toBe('B');
    expect(s2.result(20)).toBe(true);
    expect([s1.result(20), longA.result(20)]).toEqual(['s1', true]);
  });
});

describe('no task waits while a thread is free, before shutdown() (docs/python.md)', () => {
  it('a task waiting behind a long one runs once another thread has exited (a free slot)', async () => {
    const executor = new ThreadPoolExecutor(2);
    const [shared, gateB] = [new Event(), new Event()];
    const longA = executor.submit((e: Event) => e.wait(), shared); // thread 0, waits for setter
    const dying = executor.submit((g: Event) => (g.wait(), process.exit(3)), gateB); // thread 1
    const setter = executor.submit((e: Event) => (e.set(), 'set'), shared); // ahead on thread 0
    gateB.set();
    expect(await dying.exceptionAsync(10)).toBeInstanceOf(BrokenThreadPool);
    try {
      // One of two threads is left: a new one could start and run the setter
      // (before the change it waited in the executor's queue and did).
      expect(await setter.resultAsync(5).catch((e: Error) => e.name)).toBe('set');
    } finally {
      shared.set();
      expect(await longA).toBe(true);
      await executor.shutdownAsync(true);
    }
  });
});

describe('tasks handed out at shutdown()', () => {
  it('the ones beyond 16 waiting on a thread that exits after shutdown run on another', () => {
    const executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const dying = executor.submit((g: Event) => (g.wait(), process.exit(3)), gate);
    const fs: Future<unknown>[] = [];
    for (let i = 1; i <= 20; i++) fs.push(executor.submit((i: number) => i, i));
    executor.shutdown(false);
    gate.set();
    expect(dying.exception(10)).toBeInstanceOf(BrokenThreadPool);

    expect(fs.map((f) => outcome(f))).toEqual(fs.map((_, i) => i + 1));
    executor.shutdown(true);
  });
});

describe('a task moved to a thread that fell idle', () => {
  it('gets the arguments as they were at submit(), as it would have on its first thread', () => {
    using executor = new ThreadPoolExecutor(2);
    const [gateA, gateB] = [new Event(), new Event()];
    try {
      executor.submit(gated, gateA, 'A');
      const longB = executor.submit(gated, gateB, 'B');
      const data = { v: 'as submitted' };
      const moved = executor.submit((o: { v: string }) => o.v, data); // ahead on thread 0, cloned and sent there
      data.v = 'changed after submit';
      gateB.set();
      expect(longB.result(10)).toBe('B');
      expect(moved.result(10)).toBe('as submitted');
    } finally {
      gateA.set();
      gateB.set();
    }
  });

  it('still runs when a buffer among its arguments was transferred away after submit()', () => {
    using executor = new ThreadPoolExecutor(2);
    const [gateA, gateB] = [new Event(), new Event()];
    try {
      executor.submit(gated, gateA, 'A');
      const longB = executor.submit(gated, gateB, 'B');
      const bytes = new Uint8Array([1, 2, 3]);
      const moved = executor.submit((b: Uint8Array) => b.length, bytes); // sent to thread 0 already
      structuredClone(bytes.buffer, { transfer: [bytes.buffer] }); // the caller's buffer is detached now
      gateB.set();
      expect(longB.result(10)).toBe('B');

      expect(outcome(moved)).toBe(3);
    } finally {
      gateA.set();
      gateB.set();
    }
  });
});

