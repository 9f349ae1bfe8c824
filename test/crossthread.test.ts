/**
 * One object in every thread: a primitive passed to workers (workerData or
 * postMessage) is the same native object there.
 */
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import path from 'node:path';

import { Condition, Lock, RLock, Semaphore, revive } from 'pthreading';

import { onThread } from './helpers';

const WORKERS = 4;
const ITERATIONS = Number(process.env.PTHREADING_STRESS ?? 1) * 10_000;

type Guard = { acquire(): boolean; release(): void };

async function hammer(guard: Guard): Promise<number> {
  // A plain, non-atomic read-modify-write: only mutual exclusion keeps it right.
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const threads = Array.from({ length: WORKERS }, () =>
    onThread((d) => {
      for (let i = 0; i < d.n; i++) {
        d.guard.acquire();
        const v = d.counter[0];
        d.counter[0] = v + 1;
        d.guard.release();
      }
    }, { guard, counter, n: ITERATIONS }),
  );
  await Promise.all(threads.map((t) => t.done));
  return counter[0];
}

describe('a primitive shared by workers', () => {
  it.each([
    ['Lock', () => new Lock()],
    ['RLock', () => new RLock()],
    ['Semaphore(1)', () => new Semaphore(1)],
    ['Condition', () => new Condition()],
  ])('%s: 4 workers x 10,000 guarded increments lose nothing', async (_name, make) => {
    expect(await hammer(make())).toBe(WORKERS * ITERATIONS);
  });

  it('arrives through postMessage as the same lock, once revived', async () => {
    const lock = new Lock();
    const worker = new Worker(path.join(__dirname, 'fixtures', 'echo-lock.cjs'));
    const reply = new Promise<{ before: boolean; lock: Lock }>((resolve) => worker.once('message', resolve));
    lock.acquire();
    worker.postMessage({ lock });
    const { before, lock: back } = revive(await reply);
    await worker.terminate();
    expect(before).toBe(false); // the worker saw it held by this thread
    expect(back).toBeInstanceOf(Lock);
    expect(back.locked()).toBe(true);
    back.release(); // releasing the copy releases the original
    expect(lock.locked()).toBe(false);
  });

  it('keeps Condition and its lock together across threads', async () => {
    const cond = new Condition(new Lock());
    const held = await onThread((d, p) => {
      const kinds = d.cond instanceof p.Condition && d.cond._lock instanceof p.Lock;
      return kinds && d.cond.acquire(false);
    }, { cond }).done;
    expect(held).toBe(true);
    expect(cond._lock.locked()).toBe(true); // acquired there, held here
    cond.release();
  });
});
