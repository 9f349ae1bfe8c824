/**
 * The rules every wait keeps (native/core/parking.h, src/runtime/native.ts): every exit
 * from a wait — acquired, timed out, aborted, cancelled by terminate() —
 * leaves the primitive as if the waiter had never queued, except for what
 * it legitimately took; a wake-up or hand-off that reaches a waiter which
 * cannot use it is passed on. One regression test per way this once failed,
 * and its siblings in the other primitives.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import {
  Barrier,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  Queue,
  RLock,
  Semaphore,
  ThreadPoolExecutor,
  nativeStats,
  sleepAsync,
} from 'pthreading';

import { onThread, parked, timed, until } from './helpers';

const root = path.join(__dirname, '..');
// Sanitizer builds run several times slower: they scale time bounds.
const scale = Number(process.env.PTHREADING_TIME_SCALE ?? 1);

/** Rejects if `p` has not settled within `ms`: a hang shows as a failure, not a test timeout. */
function within<T>(p: Promise<T>, ms = 5000 * scale): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A raw Worker running `body` (CommonJS, pthreading as `p`, `data` from workerData). */
function rawWorker(body: string, data: unknown): Worker {
  return new Worker(`const p = require(${JSON.stringify(root)}); const data = require('node:worker_threads').workerData;\n${body}`, {
    eval: true,
    workerData: data,
  });
}

function exited(w: Worker): Promise<number> {
  return new Promise((resolve) => w.once('exit', resolve));
}

async function noWaitersLeft(): Promise<void> {
  await until(() => nativeStats().queuedWaiters === 0);
  expect(nativeStats().asyncWaiters).toBe(0);
}

describe('an abort between two waits of one call', () => {
  it('Queue.getAsync: notified, the item taken by another, then aborted: rejects and leaves the queue usable', async () => {
    const q = new Queue();
    const c = new AbortController();
    const got = q.getAsync(true, null, { signal: c.signal });
    q.put('x'); // wakes the pending get...
    expect(q.get()).toBe('x'); // ...which another get beats to the item
    c.abort(); // before the woken get has run: its next wait is aborted
    await expect(within(got)).rejects.toMatchObject({ name: 'AbortError' });
    expect(q._mutex.locked()).toBe(false);
    q.put('y', true, 0.5);
    expect(q.get(true, 0.5)).toBe('y');
    await noWaitersLeft();
  });

  it('Queue.putAsync on a full queue: woken, the room taken by another put, then aborted', async () => {
    const q = new Queue(1);
    q.put('a');
    const c = new AbortController();
    const put = q.putAsync('b', true, null, { signal: c.signal });
    expect(q.get()).toBe('a'); // wakes the pending put...
    q.put('c'); // ...which another put beats to the room
    c.abort();
    await expect(within(put)).rejects.toMatchObject({ name: 'AbortError' });
    expect(q._mutex.locked()).toBe(false);
    expect(q.get(true, 0.5)).toBe('c');
    expect(q.qsize()).toBe(0);
    await noWaitersLeft();
  });

  it('Queue.joinAsync: woken as the tasks end, more work arrives, then aborted', async () => {
    const q = new Queue();
    q.put(1);
    const c = new AbortController();
    const joined = q.joinAsync({ signal: c.signal });
    q.get();
    q.taskDone(); // wakes the pending join...
    q.put(2); // ...but there is work again before it runs
    c.abort();
    await expect(within(joined)).rejects.toMatchObject({ name: 'AbortError' });
    expect(q._mutex.locked()).toBe(false);
    q.get();
    q.taskDone();
    await within(q.joinAsync());
    await noWaitersLeft();
  });

  it('Condition.waitForAsync: notified with the predicate still false, then aborted: the lock is held again, then released', async () => {
    for (const lock of [new Lock(), new RLock()]) {
      const cond = new Condition(lock);
      const c = new AbortController();
      await cond.acquireAsync();
      let ready = false;
      const waited = cond.waitForAsync(() => ready, null, { signal: c.signal });
      // The waiter has given the lock up: take it and notify without
      // making the predicate true.
      expect(cond.acquire(false)).toBe(true);
      cond.notify();
      cond.release();
      c.abort();
      // The wait re-takes the lock before it rejects, as Python's does.
      await expect(within(waited)).rejects.toMatchObject({ name: 'AbortError' });
      expect(lock.locked()).toBe(true);
      cond.release();
      expect(lock.locked()).toBe(false);
      ready = true;
    }
    await noWaitersLeft();
  });

  it('Barrier.waitAsync: woken without being released, then aborted: breaks the barrier and frees its lock', async () => {
    const b = new Barrier(2);
    const c = new AbortController();
    const waited = b.waitAsync(null, { signal: c.signal });
    // A spurious wake-up of the waiting party.
    b._cond.acquire();
    b._cond.notifyAll();
    b._cond.release();
    c.abort();
    await expect(within(waited)).rejects.toMatchObject({ name: 'AbortError' });
    expect(b.broken).toBe(true);
    expect(b._cond._lock.locked()).toBe(false);
    b.reset();
    expect(b.broken).toBe(false);
    expect(b.nWaiting).toBe(0);
    await noWaitersLeft();
  });

  it('an already-aborted signal on a Condition wait still releases and re-takes the lock in native code', async () => {
    const cond = new Condition(new Lock());
    await cond.acquireAsync();
    const waited = cond.waitAsync(null, { signal: AbortSignal.abort() });
    await expect(waited).rejects.toMatchObject({ name: 'AbortError' });
    expect(cond._lock.locked()).toBe(true);
    cond.release();
    await noWaitersLeft();
  });
});

describe('a wake-up that reaches an async waiter whose thread then blocks', () => {
  it('Lock: acquireAsync() queued first, then a sync acquire on the same thread gets the lock as soon as it is free', async () => {
    const lock = new Lock();
    const release = new Event();
    const holder = onThread(
      ({ lock, release }) => {
        lock.acquire();
        release.wait();
        p_sleep(0.005); // let the fairness timer expire: the next unlock would hand the lock over
        lock.release();
        function p_sleep(s: number): void {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
        }
      },
      { lock, release },
    );
    await until(() => lock.locked());
    const first = lock.acquireAsync();
    await parked(1);
    release.set();
    const [got, seconds] = timed(() => lock.acquire(true, 3 * scale));
    expect(got).toBe(true);
    expect(seconds).toBeLessThan(1.5 * scale);
    lock.release();
    expect(await within(first)).toBe(true);
    lock.release();
    await holder.done;
    await noWaitersLeft();
  });

  it('Semaphore: acquireAsync() queued first, then a sync acquire on the same thread takes the released unit', async () => {
    const sem = new Semaphore(0);
    const first = sem.acquireAsync();
    await parked(1);
    const releaser = onThread(
      ({ sem }, p) => {
        // Wait until the main thread is parked in its sync acquire too.
        while (p.nativeStats().queuedWaiters < 2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        sem.release();
      },
      { sem },
    );
    const [got, seconds] = timed(() => sem.acquire(true, 3 * scale));
    expect(got).toBe(true);
    expect(seconds).toBeLessThan(1.5 * scale);
    await releaser.done;
    sem.release();
    expect(await within(first)).toBe(true);
    await noWaitersLeft();
  });

  it('Condition: waitAsync() queued first, then a sync wait on the same thread is notified by notify(1)', async () => {
    const cond = new Condition(new RLock());
    cond.acquire();
    const first = cond.waitAsync();
    // waitAsync gave the lock up; take it again for the sync wait.
    cond.acquire();
    const notifier = onThread(
      ({ cond }, p) => {
        while (p.nativeStats().queuedWaiters < 2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        cond.acquire();
        cond.notify(1);
        cond.release();
      },
      { cond },
    );
    const [notified, seconds] = timed(() => cond.wait(3 * scale));
    expect(notified).toBe(true);
    expect(seconds).toBeLessThan(1.5 * scale);
    cond.release();
    await notifier.done;
    cond.acquire();
    cond.notify(1);
    cond.release();
    expect(await within(first)).toBe(true);
    cond.release();
    await noWaitersLeft();
  });

  it('Queue: await getAsync(), then a sync taskDone() with a putAsync() pending does not deadlock', async () => {
    for (let round = 0; round < 20; round++) {
      const q = new Queue(1);
      q.put('a');
      const pending = q.putAsync('b');
      const item = await within(q.getAsync());
      expect(item).toBe('a');
      q.taskDone();
      await within(pending);
      expect(q.get(false)).toBe('b');
    }
    await noWaitersLeft();
  });
});

describe('a wake-up that reaches a thread being terminated', () => {
  it('Lock: terminate() a parked waiter and release at once: the next waiter gets the lock (also when the unlock would hand it over)', async () => {
    for (let round = 0; round < 10; round++) {
      const lock = new Lock();
      lock.acquire();
      const w = rawWorker('data.lock.acquire(); data.lock.release();', { lock });
      await parked(1);
      const next = lock.acquireAsync(true, 5);
      await parked(2);
      await new Promise((r) => setTimeout(r, 2)); // the fairness timer expires: this unlock hands over
      const gone = w.terminate();
      lock.release();
      expect(await within(next)).toBe(true);
      lock.release();
      await gone;
      expect(lock.locked()).toBe(false);
    }
    await noWaitersLeft();
  });

  it('Semaphore, Condition, Event and Queue: the wake-up given to a dying waiter reaches the next one', async () => {
    const cases: [string, (o: Record<string, unknown>) => Promise<unknown>, (o: Record<string, unknown>) => void, string][] = [
      ['Semaphore', (o) => (o.s as Semaphore).acquireAsync(true, 5), (o) => (o.s as Semaphore).release(), 'data.s.acquire()'],
      [
        'Condition',
        async (o) => {
          const c = o.c as Condition;
          await c.acquireAsync();
          try {
            return await c.waitAsync(5);
          } finally {
            c.release();
          }
        },
        (o) => (o.c as Condition).with(() => (o.c as Condition).notify(1)),
        'data.c.acquire(); data.c.wait()',
      ],
      ['Event', (o) => (o.e as Event).waitAsync(5), (o) => (o.e as Event).set(), 'data.e.wait()'],
      ['Queue', (o) => (o.q as Queue).getAsync(true, 5), (o) => (o.q as Queue).put('x'), 'data.q.get()'],
    ];
    for (const [name, wait, wake, body] of cases) {
      for (let round = 0; round < 5; round++) {
        const objects = { s: new Semaphore(0), c: new Condition(new Lock()), e: new Event(), q: new Queue() };
        const w = rawWorker(body, objects);
        await parked(1);
        const next = wait(objects);
        await parked(2);
        const gone = w.terminate();
        wake(objects);
        const result = await within(next).catch((e) => e);
        expect({ name, result }).toEqual({ name, result: name === 'Queue' ? 'x' : true });
        await gone;
      }
    }
    await noWaitersLeft();
  });

  it('an async waiter woken while its thread is busy, then terminated: the wake-up reaches the next waiter', async () => {
    for (const kind of ['Lock', 'Semaphore'] as const) {
      const lock = new Lock();
      const sem = new Semaphore(0);
      if (kind === 'Lock') lock.acquire();
      const busy = new Event();
      // Its async wait is queued first; then its event loop never turns again.
      const w = rawWorker(
        `(data.kind === 'Lock' ? data.lock.acquireAsync() : data.sem.acquireAsync()); data.busy.set(); for (;;) {}`,
        { kind, lock, sem, busy },
      );
      await within(busy.waitAsync());
      // A long timeout: the wake-up must arrive, not the deadline.
      const next = kind === 'Lock' ? lock.acquireAsync(true, 60) : sem.acquireAsync(true, 60);
      await parked(2);
      if (kind === 'Lock') lock.release();
      else sem.release();
      // The worker's waiter is woken but cannot run; its thread ends.
      await w.terminate();
      expect(await within(next, 3000 * scale)).toBe(true);
    }
    await noWaitersLeft();
  });

  it('terminating threads in the middle of Queue operations never leaves the queue locked or inconsistent', async () => {
    const q = new Queue(8);
    for (let round = 0; round < 12; round++) {
      const workers = [0, 1, 2].map(() =>
        rawWorker(
          `for (let i = 0; ; i++) { data.q.put({ i, pad: 'x'.repeat(i % 50) }); data.q.get(); data.q.taskDone(); }`,
          { q },
        ),
      );
      await until(() => q.qsize() > 0);
      await new Promise((r) => setTimeout(r, round % 4));
      await Promise.all(workers.map((w) => w.terminate()));
      expect(q._mutex.locked()).toBe(false);
      const n = q.qsize();
      for (let i = 0; i < n; i++) expect(q.get(false)).toMatchObject({ pad: expect.any(String) });
      expect(q.qsize()).toBe(0);
      q.put('probe', true, 0.5);
      expect(q.get(true, 0.5)).toBe('probe');
    }
    await noWaitersLeft();
  });
});

describe('cancellation runs the cleanup: a Barrier party that leaves by termination', () => {
  it('breaks the barrier (sync and async parties), and a reset barrier works again', async () => {
    for (const body of ['data.b.wait()', 'data.b.waitAsync()']) {
      const b = new Barrier(2);
      const w = rawWorker(body, { b });
      await until(() => b.nWaiting === 1);
      await w.terminate();
      expect(b.nWaiting).toBe(0);
      await expect(within(b.waitAsync(2))).rejects.toBeInstanceOf(BrokenBarrierError);
      expect(b.broken).toBe(true);
      b.reset();
      const other = onThread(({ b }) => b.wait(5), { b });
      const mine = await within(b.waitAsync(5));
      expect([mine, await other.done].sort()).toEqual([0, 1]);
    }
    await noWaitersLeft();
  });

  it('the other parties waiting get BrokenBarrierError', async () => {
    const b = new Barrier(3);
    const w = rawWorker('data.b.wait()', { b });
    const mine = b.waitAsync(5);
    mine.catch(() => {}); // examined below
    await until(() => b.nWaiting === 2);
    await w.terminate();
    await expect(within(mine)).rejects.toBeInstanceOf(BrokenBarrierError);
    await noWaitersLeft();
  });
});

describe('terminate() of a plain Worker blocked in a wait', () => {
  it('never emits an error event, and ends with code 1', async () => {
    const lock = new Lock();
    lock.acquire();
    const errors: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      const w = rawWorker('data.lock.acquire()', { lock });
      w.on('error', (e) => errors.push(e));
      await parked(1);
      expect(await w.terminate()).toBe(1);
    }
    expect(errors).toEqual([]);
    lock.release();
    await noWaitersLeft();
  });
});

describe('native code owns what it points at', () => {
  it('a pending async wait does not depend on any JS map: clearing one and collecting garbage loses nothing', async () => {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '-e',
        `
        const { Event, Semaphore, nativeStats } = require(${JSON.stringify(root)});
        const { Worker } = require('node:worker_threads');
        (async () => {
          // Waiters whose primitives nothing in JS refers to any more.
          for (let i = 0; i < 200; i++) new Semaphore(0).acquireAsync(true, 0.05).catch(() => {});
          const e = new Event();
          const waited = e.waitAsync(5);
          for (const key of Object.getOwnPropertySymbols(globalThis)) {
            const v = globalThis[key];
            if (v instanceof Map) v.clear();
          }
          for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setImmediate(r)); }
          // New memory, perhaps at the freed addresses.
          const fresh = Array.from({ length: 200 }, () => new Semaphore(0));
          const w = new Worker('require(' + JSON.stringify(${JSON.stringify(root)}) + '); require("node:worker_threads").workerData.e.set()', { eval: true, workerData: { e } });
          console.log(JSON.stringify({ woke: await waited, fresh: fresh.length }));
          await new Promise((r) => w.once('exit', r));
          await new Promise((r) => setTimeout(r, 100));
          console.log(JSON.stringify(nativeStats()));
        })();
      `,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(child.stderr).toBe('');
    const [first, stats] = child.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(first).toEqual({ woke: true, fresh: 200 });
    expect(stats).toMatchObject({ queuedWaiters: 0, asyncWaiters: 0 });
    expect(child.status).toBe(0);
  });
});

describe('async timeouts longer than a timer can wait (2^31 ms)', () => {
  it('sleepAsync, acquireAsync, Event.waitAsync, Queue.getAsync and Future.resultAsync wait as long as asked, without warnings', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): number => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const lock = new Lock();
      lock.acquire();
      const sem = new Semaphore(0);
      const event = new Event();
      const q = new Queue();
      const gate = new Event();
      const pool = new ThreadPoolExecutor(1);
      const future = pool.submit((g: Event) => g.wait(), gate);
      const c = new AbortController();
      const settled: string[] = [];
      const waits: [string, Promise<unknown>][] = [
        ['sleepAsync', sleepAsync(3e6, { signal: c.signal })],
        ['Lock', lock.acquireAsync(true, 3e6)],
        ['Semaphore', sem.acquireAsync(true, 3e6)],
        ['Event', event.waitAsync(3e6)],
        ['Queue', q.getAsync(true, 3e6)],
        ['Future', future.resultAsync(3e6)],
      ];
      for (const [name, p] of waits) p.then(() => settled.push(name), () => settled.push(name));
      await new Promise((r) => setTimeout(r, 100));
      expect(settled).toEqual([]);
      lock.release();
      sem.release();
      event.set();
      q.put(1);
      gate.set();
      c.abort();
      await within(Promise.allSettled(waits.map(([, p]) => p)));
      expect(settled.sort()).toEqual(['Event', 'Future', 'Lock', 'Queue', 'Semaphore', 'sleepAsync']);
      lock.release();
      pool.shutdown();
      expect(warnings.map((w) => w.name)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('a lock holder that is terminated (as README and docs/termination.md say)', () => {
  it('a Lock stays locked and any thread may release it; an RLock stays owned; a Semaphore unit is lost', async () => {
    const lock = new Lock();
    const rlock = new RLock();
    const sem = new Semaphore(1);
    const holding = new Event();
    const w = rawWorker('data.lock.acquire(); data.rlock.acquire(); data.sem.acquire(); data.holding.set(); setInterval(() => {}, 1000);', {
      lock,
      rlock,
      sem,
      holding,
    });
    await within(holding.waitAsync());
    await w.terminate();
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(rlock.locked()).toBe(true);
    expect(() => rlock.release()).toThrow(expect.objectContaining({ name: 'RuntimeError' }));
    expect(rlock.acquire(false)).toBe(false);
    expect(sem.value).toBe(0);
    await noWaitersLeft();
  });
});
