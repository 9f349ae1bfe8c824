/**
 * Exit and termination: a thread blocked in a native wait never holds the
 * process up, and terminating it leaves the primitive usable.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { Condition, Event, Lock, Semaphore, nativeStats } from 'pthreading';

import { onThread, parked, until } from './helpers';

function runFixture(args: string[]): { status: number | null; seconds: number } {
  const start = performance.now();
  const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'exit-blocked.cjs'), ...args], {
    cwd: path.join(__dirname, '..'),
    timeout: 30_000,
  });
  return { status: r.status, seconds: (performance.now() - start) / 1000 };
}

describe('process exit with threads blocked in native waits', () => {
  it('daemon threads blocked forever in every wait, sync and async, do not delay exit by more than 1 s', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'exit-daemons.cjs')], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    const ended = Number(r.stdout.trim());
    expect(r.status).toBe(0);
    // Sanitizer builds run several times slower: they scale time bounds.
    expect(Date.now() - ended).toBeLessThan(1000 * Number(process.env.PTHREADING_TIME_SCALE ?? 1));
  });

  it('process.exit() exits promptly', () => {
    const { status, seconds } = runFixture(['exit']);
    expect(status).toBe(0);
    expect(seconds).toBeLessThan(10 * Number(process.env.PTHREADING_TIME_SCALE ?? 1));
  });

  it('the end of the main script is not held up by terminated waits', () => {
    // Plain workers are not daemons: like Python's non-daemon threads they
    // keep the process alive, so the fixture's main thread would wait. The
    // fixture with 'exit' shows the prompt path; this one checks the
    // workers are still blocked (the process is alive) after the main
    // script ends, then that terminate() stops them.
    const r = spawnSync(process.execPath, ['-e', `
      const { Worker } = require('node:worker_threads');
      const { Event } = require('pthreading');
      const e = new Event();
      const w = new Worker("const {workerData}=require('node:worker_threads'); require('pthreading'); workerData.e.wait();", { eval: true, workerData: { e } });
      w.on('online', () => setTimeout(() => w.terminate().then((code) => console.log('terminated', code)), 50));
    `], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout.trim()).toBe('terminated 1');
    expect(r.status).toBe(0);
  });
});

describe('Worker#terminate() while blocked in a native wait', () => {
  it('stops a worker terminated before it has even loaded pthreading', async () => {
    // terminate() can win the race with the worker's start-up: the worker
    // must then start cancelled, not sleep forever in its first wait.
    const { Worker } = await import('node:worker_threads');
    const event = new Event();
    for (let i = 0; i < 20; i++) {
      const w = new Worker(
        "const { workerData } = require('node:worker_threads'); require('pthreading'); workerData.event.wait();",
        { eval: true, workerData: { event } },
      );
      w.on('error', () => undefined);
      if (i % 2) await new Promise((r) => setImmediate(r));
      expect(typeof (await w.terminate())).toBe('number'); // it ends, whatever its code
    }
    expect(nativeStats().queuedWaiters).toBe(0);
  });

  it.each([
    ['Lock.acquire', (p: Prims) => p.lock.acquire()],
    ['Event.wait', (p: Prims) => p.event.wait()],
    ['Semaphore.acquire', (p: Prims) => p.sem.acquire()],
    ['Condition.wait', (p: Prims) => (p.cond.acquire(), p.cond.wait())],
  ])('%s: the worker goes away and the primitive still works', async (_name, wait) => {
    const prims = { lock: new Lock(), event: new Event(), sem: new Semaphore(0), cond: new Condition(new Lock()) };
    prims.lock.acquire();
    const t = onThread(new Function('d', `return (${wait})(d.prims)`) as (d: { prims: Prims }) => unknown, { prims });
    t.done.catch(() => undefined);
    await parked(1);
    expect(await t.worker.terminate()).toBe(1);
    await until(() => nativeStats().queuedWaiters === 0);
    // Everything still works for the threads that remain.
    prims.lock.release();
    expect(prims.lock.acquire(false)).toBe(true);
    prims.event.set();
    expect(prims.event.wait(1)).toBe(true);
    prims.sem.release();
    expect(prims.sem.acquire(false)).toBe(true);
    expect(prims.cond.acquire(false)).toBe(true); // the dead waiter's lock was released
    prims.cond.release();
  });

  it('a terminate() that lands while the thread is on its way to sleep is not lost', async () => {
    // The worker says it is about to wait, and terminate() follows at once:
    // the cancel reaches it before, during or after it falls asleep. Each
    // time it must go away and leave nothing queued. (Whether it still held
    // the lock depends on where the cancel caught it, so that is not checked.)
    for (let i = 0; i < 40; i++) {
      const cond = new Condition(new Lock());
      const ready = new Event();
      const t = onThread((d) => (d.cond.acquire(), d.ready.set(), d.cond.wait()), { cond, ready });
      t.done.catch(() => undefined);
      await until(() => ready.isSet());
      expect(await t.worker.terminate()).toBe(1);
      await until(() => nativeStats().queuedWaiters === 0);
    }
  });

  it('an async waiter of a terminated worker leaves the queues', async () => {
    const lock = new Lock();
    lock.acquire();
    const t = onThread((d) => d.lock.acquireAsync(), { lock });
    t.done.catch(() => undefined);
    await parked(1);
    await t.worker.terminate();
    await until(() => nativeStats().queuedWaiters === 0);
    lock.release();
    expect(Atomics.load(lock._words, 0)).toBe(0); // no PARKED bit left behind
  });
});

type Prims = { lock: Lock; event: Event; sem: Semaphore; cond: Condition };
