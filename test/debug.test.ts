/**
 * Debug mode: contention counters and deadlock detection, off by default.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import {
  Queue,
  BoundedSemaphore,
  Event,
  Lock,
  RLock,
  Semaphore,
  Thread,
  contentionStats,
  getDebug,
  setDeadlockHandler,
  setDebug,
  type DeadlockReport,
} from 'pthreading';

import { onThread, parked } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

afterEach(() => {
  setDebug({ stats: false, deadlock: false });
  setDeadlockHandler(null);
});

describe('debug mode off (the default)', () => {
  it('leaves primitives exactly as they are: no counters, no wrapped methods', () => {
    expect(getDebug()).toEqual({ stats: false, deadlock: false, warnings: false, blockThreshold: 0.05 });
    for (const p of [new Lock(), new RLock(), new Semaphore(2)]) {
      expect(Object.keys(p).sort()).toEqual(['_kind', '_words']);
      expect(Object.getOwnPropertyNames(p)).not.toContain('acquire');
      expect(p.stats()).toBeNull();
    }
  });
});

describe('contention counters', () => {
  it('count acquisitions, contended ones, wait and hold times, the same from every thread', async () => {
    setDebug({ stats: true });
    const lock = new Lock();
    lock.name = 'db';
    lock.acquire();
    const t = onThread((d: { lock: Lock }) => (d.lock.acquire(), d.lock.release(), d.lock.stats()), { lock });
    await parked(1);
    lock.release();
    const there = await t.done;
    const here = lock.stats()!;
    expect(here).toMatchObject({ name: 'db', kind: 'Lock', acquisitions: 2, contended: 1 });
    expect(here.waitTotal).toBeGreaterThan(0);
    expect(here.waitMax).toBe(here.waitTotal);
    expect(here.holdMax).toBeGreaterThan(0);
    expect(there).toEqual(here);
    expect(contentionStats().find((s) => s.name === 'db')).toEqual(here);
  });

  it('count RLock acquisitions, recursion included, and semaphores without a hold time', () => {
    setDebug({ stats: true });
    const rlock = new RLock();
    rlock.acquire();
    rlock.acquire();
    rlock.release();
    rlock.release();
    expect(rlock.stats()).toMatchObject({ acquisitions: 2, contended: 0, waitTotal: 0 });
    const sem = new BoundedSemaphore(1);
    sem.acquire();
    expect(sem.acquire(false)).toBe(false);
    sem.release();
    expect(sem.stats()).toMatchObject({ kind: 'BoundedSemaphore', acquisitions: 1, contended: 0, holdMax: 0 });
    expect(sem.stats()!.name).toMatch(/^BoundedSemaphore#\d+$/);
  });

  it("a Queue's lock counts its internal use consistently: holdMax is a hold time, not the clock", async () => {
    setDebug({ stats: true });
    const q = new Queue();
    q.put(1);
    q.get();
    q.taskDone();
    await q.putAsync(2);
    await q.getAsync();
    q.taskDone();
    const stats = q._mutex.stats()!;
    // Every internal use takes and releases the lock through one path: a
    // hold time well under a second, not the time since boot.
    expect(stats.acquisitions).toBeGreaterThan(0);
    expect(stats.holdMax).toBeLessThan(1); // seconds
  }, 10_000);

  it('are off for primitives created before stats were turned on', () => {
    const before = new Lock();
    setDebug({ stats: true });
    expect(before.stats()).toBeNull();
    expect(new Lock().stats()).not.toBeNull();
  });
});

describe('names', () => {
  it('every primitive takes a name, which travels to other threads', async () => {
    const event = new Event();
    event.name = 'ready';
    const lock = new Lock();
    lock.name = 'db';
    expect(await onThread((d: { event: Event; lock: Lock }) => [d.event.name, d.lock.name], { event, lock }).done).toEqual(['ready', 'db']);
    expect(() => {
      lock.name = 3 as never;
    }).toThrow(TypeError);
    expect(new pthreading.Barrier(2).name).toBeNull();
  });
});

describe('deadlock detection', () => {
  it('reports a lock-order inversion the first time, with the threads and the stacks, before anything hangs', () => {
    setDebug({ deadlock: true });
    const reports: DeadlockReport[] = [];
    setDeadlockHandler((r) => reports.push(r));
    const a = new Lock();
    a.name = 'a';
    const b = new RLock();
    b.name = 'b';
    const t = new Thread({
      name: 'orderer',
      target: (x: Lock, y: RLock) => {
        x.acquire();
        y.acquire();
        y.release();
        x.release();
      },
      args: [a, b],
    });
    t.start();
    t.join();
    expect(reports).toEqual([]);
    for (let i = 0; i < 2; i++) {
      b.acquire();
      a.acquire(); // the inversion: never blocks here, but is reported
      a.release();
      b.release();
    }
    expect(reports).toHaveLength(1); // once
    const [r] = reports;
    expect(r.kind).toBe('potential');
    expect(r.cycle.map((e) => [e.thread, e.from, e.to])).toEqual([
      ['orderer', 'a', 'b'],
      ['MainThread', 'b', 'a'],
    ]);
    expect(r.cycle[1].toStack).toContain('debug.test.ts');
    expect(r.message).toMatch(/potential deadlock[\s\S]*orderer took 'b' while holding 'a'/);
  });

  it('reports threads that really wait for each other, naming them and the locks', async () => {
    setDebug({ deadlock: true });
    const reports: DeadlockReport[] = [];
    setDeadlockHandler((r) => reports.push(r));
    const x = new Lock();
    x.name = 'x';
    const y = new Lock();
    y.name = 'y';
    const ready = new Event();
    x.acquire();
    const t = new Thread({
      name: 'other',
      target: (x: Lock, y: Lock, ready: Event) => {
        y.acquire();
        ready.set();
        if (x.acquire(true, 30)) x.release();
        y.release();
      },
      args: [x, y, ready],
    });
    t.start();
    ready.wait();
    await parked(1); // 'other' waits for x
    expect(y.acquire(true, 0.2)).toBe(false); // and we for y
    x.release();
    t.join();
    const real = reports.find((r) => r.kind === 'deadlock');
    expect(real?.cycle).toEqual([
      { thread: 'MainThread', lock: 'y' },
      { thread: 'other', lock: 'x' },
    ]);
    expect(real?.message).toContain("MainThread waits for 'y', held by other");
  });

  it('PTHREADING_DEBUG=deadlock turns it on and prints reports to stderr', () => {
    const r = spawnSync(
      process.execPath,
      ['-e', "const { Lock } = require('./'); const a = new Lock(), b = new Lock(); a.acquire(); b.acquire(); b.release(); a.release(); b.acquire(); a.acquire();"],
      { cwd: path.join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, PTHREADING_DEBUG: 'deadlock' }, timeout: 30_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/potential deadlock[\s\S]*MainThread took 'Lock#\d+' while holding 'Lock#\d+'/);
  });

  it('refuses bad settings', () => {
    expect(() => setDebug(null as never)).toThrow(TypeError);
    expect(() => setDebug({ stats: 'yes' as never })).toThrow(TypeError);
    expect(() => setDeadlockHandler(3 as never)).toThrow(TypeError);
    expect(setDebug({ stats: true })).toEqual({ stats: false, deadlock: false, warnings: false, blockThreshold: 0.05 });
    expect(getDebug()).toEqual({ stats: true, deadlock: false, warnings: false, blockThreshold: 0.05 });
  });
});

describe('debug bookkeeping in a long-running process', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { binding } = require(path.join(__dirname, '..', 'dist', 'runtime', 'native.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { debugBookkeeping } = require(path.join(__dirname, '..', 'dist', 'debug', 'debug.js'));
  const BOUND = 4096;
  // Ids no primitive has: orders recorded straight into the native graph.
  let next = 1e12;
  const record = (from: number, to: number): unknown[] | null => binding.recordOrder(from, to, `L${from}`, `L${to}`, 'test', '', '') ?? null;

  it('the native lock-order graph forgets its oldest orders past 4,096, so it stops growing', () => {
    const [a, b, c, d] = [next++, next++, next++, next++];
    record(a, b);
    expect(record(b, a)).toHaveLength(2); // within the bound: the cycle is seen
    record(c, d);
    for (let i = 0; i < BOUND; i++) record(next++, next++);
    expect(record(d, c)).toBeNull(); // c -> d was forgotten: nothing to close a cycle with
  });

  it("a thread's cache of the orders it has sent stays within the same bound", () => {
    setDebug({ deadlock: true });
    const outer = new Lock();
    outer.acquire();
    for (let i = 0; i < BOUND + 100; i++) {
      const inner = new Lock();
      inner.acquire();
      inner.release();
    }
    outer.release();
    const { knownOrders } = debugBookkeeping();
    expect(knownOrders).toBeGreaterThan(0);
    expect(knownOrders).toBeLessThanOrEqual(BOUND);
  });

  it('the list of primitives for contentionStats() drops collected ones as it grows', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', `
      const { Lock, setDebug } = require('pthreading');
      const { debugBookkeeping } = require('./dist/debug/debug.js');
      setDebug({ stats: true });
      (async () => {
        for (let round = 0; round < 5; round++) {
          for (let i = 0; i < 3000; i++) new Lock();
          await new Promise((resolve) => setImmediate(resolve)); // WeakRefs clear after the job
          gc();
        }
        console.log(debugBookkeeping().tracked);
      })();
    `], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    // 15,000 created, 3,000 at most alive at a time: without sweeping, 15,000.
    expect(Number(r.stdout)).toBeGreaterThan(0);
    expect(Number(r.stdout)).toBeLessThan(8000);
  });
});

describe('a deadlock handler that throws', () => {
  it('cannot break the acquire that found the cycle, even with a value whose toString throws', () => {
    setDebug({ deadlock: true });
    setDeadlockHandler(() => {
      throw { toString: () => { throw new Error('toString throws'); } };
    });
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      const a = new Lock();
      const b = new Lock();
      a.acquire();
      b.acquire();
      b.release();
      a.release();
      b.acquire();
      expect(a.acquire()).toBe(true); // the inversion, reported to the throwing handler
      a.release();
      b.release();
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/the deadlock handler threw: <an instance of Object: its toString\(\) threw>\npthreading: potential deadlock/);
  });
});
