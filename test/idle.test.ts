/**
 * Idle waits cost nothing: a thread blocked in any wait of this library, or
 * a finished thread's worker waiting in the pool for its next thread, does
 * not run at all until it is woken (no polling, no spinning, no timer
 * ticking). Read from the kernel's own count of each OS thread's run time
 * and time slices (/proc/self/task/<tid>/schedstat, Linux). bench/idle.js
 * measures the same for 1,000 threads against its peers.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';

import { Barrier, Condition, Event, Lock, Thread, enumerate } from 'pthreading';

import { until } from './helpers';

// Targets run as source text on other threads, where `pthreading` is a
// global; imports in this file are rewritten by the test runner.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

/** Run time (ns) and time slices of each OS thread. */
function schedstat(tids: number[]): Map<number, string> {
  return new Map(tids.map((tid) => {
    const [ns, , slices] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(' ');
    return [tid, `${ns} ns in ${slices} slices`];
  }));
}

const hasSchedstat = fs.existsSync('/proc/thread-self/schedstat');

describe.runIf(hasSchedstat)('idle threads', () => {
  it('threads asleep in every kind of wait, and finished threads\' workers in the pool, do not run at all', async () => {
    const release = new Event();
    const held = new Lock();
    held.acquire();
    const cond = new Condition();
    const start = (name: string, target: (...args: never[]) => unknown, args: unknown[] = []): void => {
      new Thread({ name, target: target as (...args: unknown[]) => unknown, args, daemon: true }).start();
    };
    for (let i = 0; i < 2; i++) {
      start(`sleep-${i}`, () => pthreading.sleep(600));
      start(`event-${i}`, (e: Event) => e.wait(), [release]);
      start(`event-timed-${i}`, (e: Event) => e.wait(600), [release]);
      start(`lock-${i}`, (l: Lock) => l.acquire(), [held]);
      start(`condition-${i}`, (c: Condition) => { c.acquire(); c.wait(); c.release(); }, [cond]);
      start(`async-event-${i}`, async (e: Event) => e.waitAsync(), [release]);
      start(`join-${i}`, (n: number) => {
        const child = new pthreading.Thread({ name: `joined-${n}`, target: () => pthreading.sleep(600), daemon: true });
        child.start();
        child.join();
      }, [i]);
    }
    // Two finished threads: their workers wait in the pool for a next thread.
    // Both alive at once, so they are two workers.
    const together = new Barrier(3);
    const finished = [0, 1].map(() => new Thread({ target: (b: Barrier) => b.wait(), args: [together] }));
    for (const t of finished) t.start();
    together.wait();
    for (const t of finished) t.join();

    // The joined threads are started by the joiners; like Python's,
    // enumerate() lists a thread from start() on, its native id once it runs.
    const ours = (): Thread[] => enumerate().filter((t) => /^(sleep|event|event-timed|lock|condition|async-event|join|joined)-\d$/.test(t.name));
    await until(() => {
      const now = ours();
      return now.length === 16 && now.every((t) => t.nativeId !== null);
    }, 30_000);
    const waiting = ours();
    const tids = [...waiting.map((t) => t.nativeId!), ...finished.map((t) => t.nativeId!)];
    expect(new Set(tids).size).toBe(18);

    // A thread that has just started may still be finishing its start-up;
    // once all have fallen asleep, a whole second passes with none of them
    // on a CPU. One that polled or spun, even once a second, never would.
    let moved: string[] = [];
    for (let attempt = 0; attempt < 30; attempt++) {
      const before = schedstat(tids);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      moved = [...schedstat(tids)].filter(([tid, stat]) => stat !== before.get(tid)).map(([tid, stat]) => `${tid}: ${before.get(tid)} -> ${stat}`);
      if (moved.length === 0) break;
    }
    expect(moved).toEqual([]);

    release.set();
    held.release();
    cond.acquire();
    cond.notifyAll();
    cond.release();
  }, 60_000);
});
