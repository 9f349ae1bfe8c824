import { describe, expect, it } from 'vitest';

import { Condition, Lock, RLock, RuntimeError, nativeStats } from 'pthreading';

import { onThread, parked, timed, timedAsync, until } from './helpers';

describe('Condition', () => {
  it('uses an RLock by default and acquires/releases it', () => {
    const c = new Condition();
    expect(c.acquire()).toBe(true);
    expect(c.acquire()).toBe(true); // reentrant: the default lock is an RLock
    c.release();
    c.release();
    const withLock = new Condition(new Lock());
    withLock.acquire();
    expect(withLock.acquire(false)).toBe(false);
    withLock.release();
  });

  it('refuses a lock that is not a Lock or RLock', () => {
    expect(() => new Condition({} as unknown as Lock)).toThrow(TypeError);
  });

  it('wait() and notify() on an un-acquired lock raise RuntimeError', () => {
    const c = new Condition();
    expect(() => c.wait()).toThrow(RuntimeError);
    expect(() => c.wait()).toThrow('cannot wait on un-acquired lock');
    expect(() => c.notify()).toThrow('cannot notify on un-acquired lock');
    expect(() => c.notifyAll()).toThrow(RuntimeError);
  });
});

describe('Condition#wait()', () => {
  it('times out, returning false with the lock held again', () => {
    for (const c of [new Condition(), new Condition(new Lock())]) {
      c.acquire();
      const [got, took] = timed(() => c.wait(0.1));
      expect(got).toBe(false);
      expect(took).toBeGreaterThanOrEqual(0.09);
      expect(took).toBeLessThan(1);
      expect(c._lock.locked()).toBe(true);
      c.release();
      expect(c._lock.locked()).toBe(false);
    }
  });

  it('releases the lock while waiting, so another thread can take it', async () => {
    const c = new Condition(new RLock());
    c.acquire();
    c.acquire(); // the saved recursion level comes back after the wait
    const t = onThread((d) => {
      d.c.acquire();
      d.c.notify();
      d.c.release();
    }, { c });
    expect(c.wait(30)).toBe(true);
    c.release();
    expect(c._lock.locked()).toBe(true);
    c.release();
    expect(c._lock.locked()).toBe(false);
    await t.done;
  });

  it('notify(n) wakes exactly n waiters, in the order they waited', async () => {
    const c = new Condition(new Lock());
    const order = new Int32Array(new SharedArrayBuffer(4 * 8));
    const n = 5;
    const threads: { done: Promise<unknown> }[] = [];
    for (let i = 0; i < n; i++) {
      threads.push(
        onThread((d) => {
          d.c.acquire();
          const got = d.c.wait(30);
          const slot = Atomics.add(d.order, 0, 1) + 1;
          d.order[slot] = d.i + 1;
          d.c.release();
          return got;
        }, { c, order, i }),
      );
      await parked(i + 1); // queue them in a known order
    }
    c.acquire();
    c.notify(2);
    c.release();
    await until(() => Atomics.load(order, 0) === 2);
    expect(nativeStats().queuedWaiters).toBe(3);
    expect([order[1], order[2]].sort()).toEqual([1, 2]);
    c.acquire();
    c.notify(1);
    c.release();
    await until(() => Atomics.load(order, 0) === 3);
    expect(order[3]).toBe(3);
    expect(nativeStats().queuedWaiters).toBe(2);
    c.acquire();
    c.notifyAll();
    c.release();
    expect(await Promise.all(threads.map((t) => t.done))).toEqual([true, true, true, true, true]);
  });

  it('notify() with nobody waiting does nothing', () => {
    const c = new Condition();
    c.with(() => {
      c.notify();
      c.notify(0);
      c.notifyAll();
    });
    expect(c._lock.locked()).toBe(false);
  });
});

describe('Condition#waitFor()', () => {
  it('returns as soon as the predicate holds', async () => {
    const c = new Condition();
    const state = new Int32Array(new SharedArrayBuffer(4));
    const t = onThread((d) => {
      for (let i = 0; i < 5; i++) {
        d.c.acquire();
        Atomics.add(d.state, 0, 1);
        d.c.notify();
        d.c.release();
      }
    }, { c, state });
    c.acquire();
    const result = c.waitFor(() => Atomics.load(state, 0) === 5, 30);
    c.release();
    expect(result).toBe(true);
    await t.done;
  });

  it('returns the false predicate after the timeout', async () => {
    const c = new Condition();
    c.acquire();
    const [result, took] = timed(() => c.waitFor(() => 0, 0.1));
    expect(result).toBe(0);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    const [asyncResult] = await timedAsync(() => c.waitForAsync(() => false, 0.05));
    expect(asyncResult).toBe(false);
    c.release();
  });
});

describe('Condition#waitAsync()', () => {
  it('waits without blocking the event loop and holds the lock after', async () => {
    const c = new Condition(new Lock());
    await c.acquireAsync();
    const t = onThread((d) => {
      d.c.acquire();
      d.c.notify();
      d.c.release();
    }, { c });
    expect(await c.waitAsync(30)).toBe(true);
    expect(c._lock.locked()).toBe(true);
    c.release();
    await t.done;
  });

  it('an abort rejects with AbortError and re-acquires the lock', async () => {
    const c = new Condition(new Lock());
    c.acquire();
    const controller = new AbortController();
    const p = c.waitAsync(null, { signal: controller.signal });
    await parked(1);
    expect(c._lock.locked()).toBe(false);
    controller.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(c._lock.locked()).toBe(true);
    expect(nativeStats().queuedWaiters).toBe(0);
    c.release();
  });
});
