import { describe, expect, it } from 'vitest';

import { BoundedSemaphore, Semaphore, ValueError, nativeStats } from 'pthreading';

import { onThread, parked, timed, until } from './helpers';

describe('Semaphore', () => {
  it('refuses a negative initial value; defaults to 1', () => {
    expect(() => new Semaphore(-1)).toThrow(ValueError);
    expect(() => new Semaphore(1.5)).toThrow(ValueError);
    const s = new Semaphore();
    expect(s.acquire()).toBe(true);
    expect(s.acquire(false)).toBe(false);
    new Semaphore(0);
  });

  it('hands out exactly its value, then blocks', () => {
    const s = new Semaphore(3);
    expect([s.acquire(), s.acquire(), s.acquire(), s.acquire(false)]).toEqual([true, true, true, false]);
    s.release();
    expect(s.acquire(false)).toBe(true);
  });

  it('release(n) adds n units and wakes up to n waiting threads', async () => {
    const s = new Semaphore(0);
    const count = new Int32Array(new SharedArrayBuffer(4));
    const threads = Array.from({ length: 5 }, () =>
      onThread((d) => {
        const got = d.s.acquire(true, 30);
        Atomics.add(d.count, 0, 1);
        return got;
      }, { s, count }),
    );
    await parked(5);
    s.release(3);
    // Exactly three get through; the other two stay parked.
    await until(() => Atomics.load(count, 0) === 3);
    expect(nativeStats().queuedWaiters).toBe(2);
    expect(s.value).toBe(0);
    s.release(2);
    expect(await Promise.all(threads.map((t) => t.done))).toEqual([true, true, true, true, true]);
    expect(Atomics.load(count, 0)).toBe(5);
    expect(s.value).toBe(0);
  });

  it('acquire(true, timeout) times out when no unit comes', () => {
    const s = new Semaphore(0);
    const [got, took] = timed(() => s.acquire(true, 0.1));
    expect(got).toBe(false);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    expect(s.acquire(true, -1)).toBe(false);
  });

  it('refuses a timeout with blocking = false', () => {
    expect(() => new Semaphore().acquire(false, 1)).toThrow("can't specify timeout for non-blocking acquire");
  });

  it('refuses release(n) with n < 1', () => {
    const s = new Semaphore(0);
    expect(() => s.release(0)).toThrow(ValueError);
    expect(s.value).toBe(0);
  });

  it('acquire(false) from another thread sees units taken here', async () => {
    const s = new Semaphore(1);
    s.acquire();
    expect(await onThread((d) => d.s.acquire(false), { s }).done).toBe(false);
    s.release();
    expect(await onThread((d) => d.s.acquire(false), { s }).done).toBe(true);
    expect(s.value).toBe(0);
  });

  it('acquireAsync waits for a release from another thread', async () => {
    const s = new Semaphore(0);
    const p = s.acquireAsync(true, 30);
    await onThread((d) => d.s.release(), { s }).done;
    expect(await p).toBe(true);
  });
});

describe('BoundedSemaphore#release()', () => {
  it('raises ValueError when released above its initial value, state unchanged', () => {
    const s = new BoundedSemaphore(2);
    expect(() => s.release()).toThrow(ValueError);
    expect(() => s.release()).toThrow('Semaphore released too many times');
    s.acquire();
    expect(() => s.release(2)).toThrow(ValueError);
    expect(s.value).toBe(1);
    s.release();
    expect(s.value).toBe(2);
  });
});

describe('Semaphore#toString()', () => {
  it("shows the value, and a BoundedSemaphore's bound, as CPython 3.13's repr", () => {
    const b = new BoundedSemaphore(3);
    expect(String(b)).toBe('<BoundedSemaphore: value=3/3>');
    b.acquire();
    expect(String(b)).toBe('<BoundedSemaphore: value=2/3>');
    expect(String(new Semaphore(2))).toBe('<Semaphore: value=2>');
    class Pool extends BoundedSemaphore {}
    expect(String(new Pool(1))).toBe('<Pool: value=1/1>'); // the class's own name, as Python's __qualname__
  });
});
