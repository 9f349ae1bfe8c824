import { afterEach, describe, expect, it } from 'vitest';

import { BoundedSemaphore, Event, Lock, Semaphore, multiprocessingStats, rawWord } from 'pthreading/multiprocessing';

import { Child, freshName } from './mp-helpers';
import { onThread, ticksWhilePending, until } from './helpers';

const children: Child[] = [];
const made: { unlink(): boolean }[] = [];

async function child(): Promise<Child> {
  const c = await Child.start();
  children.push(c);
  return c;
}

function keep<T extends { unlink(): boolean }>(x: T): T {
  made.push(x);
  return x;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
  for (const m of made.splice(0)) m.unlink();
});

describe('multiprocessing.Semaphore', () => {
  it('shares its units between processes', async () => {
    const s = keep(new Semaphore(2, { name: freshName('sem') }));
    const c = await child();
    expect(await c.run((_mp, { s }) => [s.acquire(false), s.acquire(false), s.acquire(false)], { s })).toEqual([true, true, false]);
    expect(s.value).toBe(0);
    expect(s.acquire(true, 0.02)).toBe(false);
    await c.run((_mp, { s }) => s.release(), { s });
    expect(s.acquire(false)).toBe(true);
    expect(String(s)).toMatch(/^<Semaphore\(test-sem-\d+-\d+, value=0\)>$/);
  });

  it('opening an existing one ignores the value given', async () => {
    const name = freshName('sem');
    const s = keep(new Semaphore(3, { name }));
    const c = await child();
    expect(await c.run((mp, n) => new mp.Semaphore(10, { name: n }).value, name)).toBe(3);
    expect(s.value).toBe(3);
  });

  it('a process blocked in acquire() wakes on a release here; acquireAsync() here on one there', async () => {
    const s = keep(new Semaphore(0, { name: freshName('sem') }));
    const c = await child();
    const call = c.call((_mp, { s }, reply) => {
      reply('waiting');
      return s.acquire();
    }, { s });
    await call.note();
    await until(() => rawWord(s, 1) > 0);
    s.release();
    expect(await call.result).toBe(true);
    const pending = s.acquireAsync();
    await ticksWhilePending(pending, 3);
    await c.run((_mp, { s }) => s.release(), { s });
    expect(await pending).toBe(true);
    expect(s.value).toBe(0);
  });

  it('the units of a process killed with SIGKILL come back', async () => {
    const s = keep(new BoundedSemaphore(2, { name: freshName('sem') }));
    const c = await child();
    await c.run((_mp, { s }) => [s.acquire(), s.acquire()], { s });
    expect(s.value).toBe(0);
    const pending = s.acquireAsync();
    await ticksWhilePending(pending, 3);
    await c.kill9();
    expect(await pending).toBe(true);
    expect(s.value).toBe(1);
    s.release();
    expect(s.value).toBe(2);
    expect(() => s.release()).toThrow('Semaphore released too many times');
  });

  it('a process blocked in acquire() wakes when a holder of units is killed', async () => {
    const s = keep(new Semaphore(1, { name: freshName('sem') }));
    const [holder, waiter] = [await child(), await child()];
    await holder.run((_mp, { s }) => s.acquire(), { s });
    const call = waiter.call((_mp, { s }, reply) => {
      reply('waiting');
      return s.acquire();
    }, { s });
    await call.note();
    await until(() => rawWord(s, 1) > 0);
    await holder.kill9();
    expect(await call.result).toBe(true);
  });

  it('robust: false keeps units taken by a process that died (a signal, not a hold)', async () => {
    const s = keep(new Semaphore(0, { name: freshName('sem'), robust: false }));
    const c = await child();
    s.release();
    await c.run((_mp, { s }) => s.acquire(), { s });
    await c.kill9();
    expect(s.value).toBe(0);
  });

  it('BoundedSemaphore refuses a release past its initial value from any process', async () => {
    const s = keep(new BoundedSemaphore(1, { name: freshName('sem') }));
    const c = await child();
    await expect(c.run((_mp, { s }) => s.release(), { s })).rejects.toMatchObject({ name: 'ValueError' });
    expect(s.value).toBe(1);
  });
});

describe('multiprocessing.Event', () => {
  it('set() in one process wakes wait() in another, and waitAsync() here', async () => {
    const e = keep(new Event({ name: freshName('event') }));
    const c = await child();
    const call = c.call((_mp, { e }, reply) => {
      reply('waiting');
      return e.wait();
    }, { e });
    await call.note();
    await until(() => rawWord(e, 1) > 0);
    const here = e.waitAsync();
    await ticksWhilePending(here, 3);
    e.set();
    expect(await call.result).toBe(true);
    expect(await here).toBe(true);
    expect(await c.run((_mp, { e }) => e.isSet(), { e })).toBe(true);
    await c.run((_mp, { e }) => e.clear(), { e });
    expect(e.isSet()).toBe(false);
    expect(e.wait(0.02)).toBe(false);
    expect(await e.waitAsync(0.02)).toBe(false);
    expect(multiprocessingStats().watchedAsync).toBe(0);
  });

  it('ping-pongs between two processes', async () => {
    const ping = keep(new Event()), pong = keep(new Event());
    const c = await child();
    const call = c.call((_mp, { ping, pong }) => {
      for (let i = 0; i < 200; i++) {
        ping.wait();
        ping.clear();
        pong.set();
      }
      return 'done';
    }, { ping, pong });
    for (let i = 0; i < 200; i++) {
      ping.set();
      pong.wait();
      pong.clear();
    }
    expect(await call.result).toBe('done');
  });
});

describe('multiprocessing primitives and threads', () => {
  it('a Lock passed to a thread is the same lock there', async () => {
    const l = keep(new Lock());
    l.acquire();
    const t = onThread((d: { l: Lock }) => [d.l.constructor.name, d.l.acquire(false)], { l });
    expect(await t.done).toEqual(['Lock', false]);
    l.release();
  });

  it('a thread blocked in a cross-process acquire() is stopped by terminate()', async () => {
    const l = keep(new Lock());
    l.acquire();
    const t = onThread((d: { l: Lock }) => {
      d.l.acquire();
    }, { l });
    await until(() => (rawWord(l, 0) & (1 << 8)) !== 0);
    await t.worker.terminate();
    await expect(t.done).rejects.toThrow();
    l.release();
    expect(l.acquire(false)).toBe(true);
    l.release();
  });
});
