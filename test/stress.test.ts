/**
 * A bounded-time randomized stress test: 8 threads doing random
 * acquire/release/wait/notify/set/clear/put/get with random timeouts on
 * shared primitives, checking invariants as they go (at most one Lock
 * owner, a Semaphore never over-committed, a BoundedSemaphore never above
 * its bound, no wait returning true without a set, every timeout within its
 * bound). Seeded; the seed is in every failure message. Set
 * PTHREADING_SEED to replay one, PTHREADING_STRESS to run longer.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import path from 'node:path';

import { BoundedSemaphore, Condition, Event, Lock, Queue, RLock, Semaphore, nativeStats } from 'pthreading';

const seed = Number(process.env.PTHREADING_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seconds = 2 * Number(process.env.PTHREADING_STRESS ?? 1);

describe(`stress (seed ${seed})`, () => {
  it('8 threads of random operations keep every invariant, and nothing is left parked', async () => {
    const p = {
      lock: new Lock(),
      rlock: new RLock(),
      sem: new Semaphore(3),
      bsem: new BoundedSemaphore(2),
      event: new Event(),
      cond: new Condition(),
      queue: new Queue(4),
      counters: new Int32Array(new SharedArrayBuffer(64)),
    };
    const workers = Array.from({ length: 8 }, (_, index) =>
      new Worker(path.join(__dirname, 'fixtures', 'stress-worker.cjs'), { workerData: { p, seed, index, seconds } }),
    );
    const results = await Promise.allSettled(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures, `seed ${seed}`).toEqual([]);
    const ops = results.reduce((n, r) => n + (r as PromiseFulfilledResult<number>).value, 0);
    expect(ops).toBeGreaterThan(1000);
    // Everything released: the primitives are usable and idle.
    expect(p.lock.acquire(false)).toBe(true);
    expect(p.rlock.acquire(false)).toBe(true);
    expect(p.sem.value).toBe(3);
    expect(p.bsem.value).toBe(2);
    expect(nativeStats().queuedWaiters).toBe(0);
  });
});
