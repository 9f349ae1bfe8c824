import { describe, expect, it } from 'vitest';

import { Event, RLock, RuntimeError, Thread, ValueError, getIdent } from 'pthreading';

import { onThread, parked, timed } from './helpers';

describe('RLock#acquire()', () => {
  it('may be acquired again by its owner, and must be released as often', () => {
    const lock = new RLock();
    expect(lock.acquire()).toBe(true);
    expect(lock.acquire()).toBe(true);
    expect(lock.acquire(false)).toBe(true);
    lock.release();
    lock.release();
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(() => lock.release()).toThrow(RuntimeError);
  });

  it('blocks other threads until the last release', async () => {
    const lock = new RLock();
    lock.acquire();
    lock.acquire();
    expect(await onThread((d) => d.lock.acquire(false), { lock }).done).toBe(false);
    lock.release();
    expect(await onThread((d) => d.lock.acquire(false), { lock }).done).toBe(false);
    lock.release();
    const t = onThread((d) => {
      const got = d.lock.acquire(true, 10);
      d.lock.release();
      return got;
    }, { lock });
    expect(await t.done).toBe(true);
  });

  it('a contended acquire waits for the owner, then owns', async () => {
    const lock = new RLock();
    lock.acquire();
    const t = onThread((d) => {
      d.lock.acquire();
      d.lock.acquire();
      const owned = d.lock.locked();
      d.lock.release();
      d.lock.release();
      return owned;
    }, { lock });
    await parked(1);
    lock.release();
    expect(await t.done).toBe(true);
    expect(lock.locked()).toBe(false);
  });

  it('times out on a lock owned by another thread', async () => {
    const lock = new RLock();
    const held = new Event();
    const done = new Event();
    const t = onThread((d) => {
      d.lock.acquire();
      d.held.set();
      d.done.wait();
      d.lock.release();
    }, { lock, held, done });
    await held.waitAsync();
    const [got, took] = timed(() => lock.acquire(true, 0.1));
    expect(got).toBe(false);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    expect(await lock.acquireAsync(true, 0.05)).toBe(false);
    done.set();
    await t.done;
  });

  it('validates a reentrant acquire like a first one', () => {
    const lock = new RLock();
    lock.acquire();
    expect(() => lock.acquire(false, 1)).toThrow(ValueError);
    lock.release();
    expect(lock.locked()).toBe(false);
  });
});

describe('RLock#release()', () => {
  it('refuses a release by a thread that does not own it, state unchanged', async () => {
    const lock = new RLock();
    lock.acquire();
    const error = await onThread((d) => {
      try {
        d.lock.release();
        return null;
      } catch (e) {
        return { name: (e as Error).name, code: (e as { code: string }).code, message: (e as Error).message };
      }
    }, { lock }).done;
    expect(error).toEqual({ name: 'RuntimeError', code: 'ERR_RUNTIME', message: 'cannot release un-acquired lock' });
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it('refuses a release of an unlocked RLock', () => {
    expect(() => new RLock().release()).toThrow('cannot release un-acquired lock');
  });
});

describe('RLock#acquireAsync()', () => {
  it('is reentrant for the owning thread and waits for others', async () => {
    const lock = new RLock();
    expect(await lock.acquireAsync()).toBe(true);
    expect(await lock.acquireAsync()).toBe(true);
    lock.release();
    lock.release();
    expect(lock.locked()).toBe(false);
  });
});

describe('RLock#toString()', () => {
  it("shows its owner's ident and count, as CPython's repr (owner=0 when free)", () => {
    const r = new RLock();
    expect(String(r)).toBe('<unlocked RLock owner=0 count=0>');
    r.acquire();
    r.acquire();
    expect(String(r)).toBe(`<locked RLock owner=${getIdent()} count=2>`);
    r.release();
    r.release();
    const held = new Event();
    const done = new Event();
    const t = new Thread({
      target: (lock: RLock, h: Event, d: Event) => lock.with(() => (h.set(), d.wait())),
      args: [r, held, done],
    });
    t.start();
    held.wait();
    expect(String(r)).toBe(`<locked RLock owner=${t.ident} count=1>`);
    done.set();
    t.join();
  });
});
