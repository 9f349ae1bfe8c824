import { afterEach, describe, expect, it } from 'vitest';

import { Condition, Lock, Value } from 'pthreading/multiprocessing';

import { Child, freshName } from './mp-helpers';
import { until } from './helpers';

const made: { unlink(): boolean }[] = [];
const children: Child[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
  for (const m of made.splice(0)) m.unlink();
});

describe('multiprocessing.Condition', () => {
  it('a wait() in another process wakes on notify() here, holding the lock again', async () => {
    const cond = new Condition();
    const items = new Value('i', 0);
    made.push(cond, items, cond._lock);
    const c = await Child.start();
    children.push(c);
    const consumer = c.call((_mp, { cond, items }, reply) => {
      cond.acquire();
      reply('waiting');
      const got = cond.waitFor(() => items.value > 0, 10);
      const owned = cond._lock._isOwned();
      cond.release();
      return [got, owned];
    }, { cond, items });
    await consumer.note();
    // It waits with the lock released: take it, produce, notify.
    await until(() => cond.acquire(false));
    items.value = 1;
    cond.notify();
    cond.release();
    expect(await consumer.result).toEqual([true, true]);
  });

  it('waitAsync() here wakes on notifyAll() in another process', async () => {
    const cond = new Condition(new Lock({ name: freshName('condlock') }), { name: freshName('cond') });
    made.push(cond, cond._lock);
    const c = await Child.start();
    children.push(c);
    await cond.acquireAsync();
    const waiting = cond.waitAsync(10);
    await until(() => !cond._lock.locked());
    await c.run((_mp, { cond }) => {
      cond.acquire();
      cond.notifyAll();
      cond.release();
    }, { cond });
    expect(await waiting).toBe(true);
    expect(cond._lock.locked()).toBe(true);
    cond.release();
  });

  it('wait(timeout) returns false and holds the lock again; un-acquired wait and notify are RuntimeErrors', () => {
    const cond = new Condition();
    made.push(cond, cond._lock);
    expect(() => cond.wait(0)).toThrow('cannot wait on un-acquired lock');
    expect(() => cond.notify()).toThrow('cannot notify on un-acquired lock');
    cond.acquire();
    cond.acquire();
    expect(cond.wait(0.02)).toBe(false);
    expect(cond._lock._isOwned()).toBe(true);
    cond.release();
    cond.release();
    expect(cond._lock.locked()).toBe(false);
  });
});
