import { describe, expect, it } from 'vitest';

import { Event, Lock, OverflowError, RuntimeError, TIMEOUT_MAX, ValueError } from 'pthreading';

import { onThread, parked, ticksWhilePending, timed, timedAsync } from './helpers';

/** A worker acquires `lock` and holds it until `go` is set. */
async function heldByWorker(lock: Lock): Promise<{ go: Event; done: Promise<unknown> }> {
  const held = new Event();
  const go = new Event();
  const t = onThread((d) => {
    d.lock.acquire();
    d.held.set();
    d.go.wait();
    d.lock.release();
  }, { lock, held, go });
  await held.waitAsync();
  return { go, done: t.done };
}

describe('Lock#acquire()', () => {
  it('acquires a free lock and reports it locked', () => {
    const lock = new Lock();
    expect(lock.locked()).toBe(false);
    expect(lock.acquire()).toBe(true);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it('acquire(false) on a held lock returns false at once', () => {
    const lock = new Lock();
    lock.acquire();
    const [got, took] = timed(() => lock.acquire(false));
    expect(got).toBe(false);
    expect(took).toBeLessThan(0.5);
    lock.release();
  });

  it('acquire(false) from another thread fails while held, succeeds once released', async () => {
    const lock = new Lock();
    lock.acquire();
    expect(await onThread((d) => d.lock.acquire(false), { lock }).done).toBe(false);
    lock.release();
    expect(await onThread((d) => d.lock.acquire(false), { lock }).done).toBe(true);
    expect(lock.locked()).toBe(true);
  });

  it('times out on a held lock between the timeout and 1 s', () => {
    const lock = new Lock();
    lock.acquire();
    const [got, took] = timed(() => lock.acquire(true, 0.1));
    expect(got).toBe(false);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.acquire(true, 0.1)).toBe(true);
  });

  it('acquire(true, 0) is a try', () => {
    const lock = new Lock();
    expect(lock.acquire(true, 0)).toBe(true);
    expect(lock.acquire(true, 0)).toBe(false);
  });

  it('accepts TIMEOUT_MAX and -1 but refuses other negatives, a timeout without blocking, and more than TIMEOUT_MAX', () => {
    const lock = new Lock();
    expect(() => lock.acquire(false, 1)).toThrow(ValueError);
    expect(() => lock.acquire(true, -100)).toThrow(ValueError);
    expect(() => lock.acquire(true, TIMEOUT_MAX + 1e6)).toThrow(OverflowError);
    expect(() => lock.acquire(true, Infinity)).toThrow(OverflowError);
    expect(() => lock.acquire(true, NaN)).toThrow(ValueError);
    expect(lock.locked()).toBe(false);
    expect(lock.acquire(true, TIMEOUT_MAX)).toBe(true);
    lock.release();
    expect(lock.acquire(true, -1)).toBe(true);
  });

  it('blocks until another thread releases it (contended)', async () => {
    const lock = new Lock();
    lock.acquire();
    const t = onThread((d) => {
      const start = Date.now();
      d.lock.acquire();
      d.lock.release();
      return Date.now() - start;
    }, { lock });
    await parked(1);
    lock.release();
    expect(await t.done).toBeGreaterThanOrEqual(0);
    expect(lock.locked()).toBe(false);
  });

  it('lets many blocked threads through one at a time', async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(8));
    lock.acquire();
    const threads = Array.from({ length: 5 }, () =>
      onThread((d) => {
        d.lock.acquire();
        // Nobody else may be inside: the in-section flag must be 0.
        const inside = Atomics.exchange(d.counter, 1, 1);
        d.counter[0]++;
        Atomics.store(d.counter, 1, 0);
        d.lock.release();
        return inside;
      }, { lock, counter }),
    );
    await parked(5);
    lock.release();
    expect(await Promise.all(threads.map((t) => t.done))).toEqual([0, 0, 0, 0, 0]);
    expect(counter[0]).toBe(5);
  });

  it('can be acquired in one thread and released in another', async () => {
    const lock = new Lock();
    lock.acquire();
    await onThread((d) => d.lock.release(), { lock }).done;
    expect(lock.locked()).toBe(false);
  });

  it('blocks the main thread while a worker holds it', async () => {
    const lock = new Lock();
    const { go, done } = await heldByWorker(lock);
    // The worker waits on `go`; release it from a second worker while this
    // thread blocks in acquire().
    const releaser = onThread((d) => d.go.set(), { go });
    expect(lock.acquire(true, 10)).toBe(true);
    await Promise.all([done, releaser.done]);
    lock.release();
  });
});

describe('Lock#acquireAsync()', () => {
  it('resolves true at once when free', async () => {
    const lock = new Lock();
    expect(await lock.acquireAsync()).toBe(true);
    expect(lock.locked()).toBe(true);
  });

  it('waits without blocking the event loop until released', async () => {
    const lock = new Lock();
    lock.acquire();
    const p = lock.acquireAsync();
    expect(await ticksWhilePending(p, 3)).toBe(3);
    lock.release();
    expect(await p).toBe(true);
    expect(lock.locked()).toBe(true);
  });

  it('times out, leaving the lock held by its owner', async () => {
    const lock = new Lock();
    lock.acquire();
    const [got, took] = await timedAsync(() => lock.acquireAsync(true, 0.1));
    expect(got).toBe(false);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it('acquireAsync(false) on a held lock resolves false', async () => {
    const lock = new Lock();
    lock.acquire();
    expect(await lock.acquireAsync(false)).toBe(false);
  });

  it('is woken by a release in another thread', async () => {
    const lock = new Lock();
    const { go, done } = await heldByWorker(lock);
    const p = lock.acquireAsync(true, 10);
    await parked(2); // the worker on `go`, this thread on the lock
    go.set();
    expect(await p).toBe(true);
    await done;
    lock.release();
  });
});

describe('Lock#release()', () => {
  it('throws RuntimeError on an unlocked lock, state unchanged', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(RuntimeError);
    expect(() => lock.release()).toThrow('release unlocked lock');
    expect(lock.locked()).toBe(false);
    expect(lock.acquire(false)).toBe(true);
  });
});

describe('Lock#toString()', () => {
  it("says locked or unlocked, with the class's own name", () => {
    class Mutex extends Lock {}
    const m = new Mutex();
    expect(String(m)).toBe('<unlocked Mutex>');
    m.acquire();
    expect(String(m)).toBe('<locked Mutex>');
    m.release();
  });
});
