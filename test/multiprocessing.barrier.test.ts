import { afterEach, describe, expect, it } from 'vitest';

import { Barrier, BrokenBarrierError } from 'pthreading/multiprocessing';

import { Child } from './mp-helpers';
import { until } from './helpers';

const made: { unlink(): boolean }[] = [];
const children: Child[] = [];

async function child(): Promise<Child> {
  const c = await Child.start();
  children.push(c);
  return c;
}

function barrier(...args: ConstructorParameters<typeof Barrier>): Barrier {
  const b = new Barrier(...args);
  made.push(b);
  return b;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
  for (const m of made.splice(0)) m.unlink();
});

describe('multiprocessing.Barrier', () => {
  it('lets 3 processes pass together, each with its own arrival index', async () => {
    let ran = 0;
    const b = barrier(3, () => ran++);
    const [x, y] = [await child(), await child()];
    const first = x.call((_mp, { b }) => b.wait(), { b });
    await until(() => b.nWaiting === 1);
    const second = y.call((_mp, { b }) => b.wait(), { b });
    await until(() => b.nWaiting === 2);
    expect(b.wait()).toBe(2);
    expect(ran).toBe(1);
    expect([await first.result, await second.result].sort()).toEqual([0, 1]);
    expect(b.nWaiting).toBe(0);
    expect(b.parties).toBe(3);
  });

  it('waitAsync() here passes when the last party arrives in another process', async () => {
    const b = barrier(2);
    const c = await child();
    const here = b.waitAsync();
    await until(() => b.nWaiting === 1);
    expect(await c.run((_mp, { b }) => b.wait(), { b })).toBe(1);
    expect(await here).toBe(0);
  });

  it('a timeout breaks it for every party', async () => {
    const b = barrier(3);
    const c = await child();
    const other = c.call((_mp, { b }) => {
      try {
        b.wait();
        return 'passed';
      } catch (e) {
        return (e as Error).name;
      }
    }, { b });
    await until(() => b.nWaiting === 1);
    expect(() => b.wait(0.05)).toThrow(BrokenBarrierError);
    expect(await other.result).toBe('BrokenBarrierError');
    expect(b.broken).toBe(true);
    await expect(b.waitAsync()).rejects.toThrow(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
  });

  it('a party killed with SIGKILL while waiting breaks it instead of hanging the others', async () => {
    const b = barrier(3);
    const [dying, waiting] = [await child(), await child()];
    dying.call((_mp, { b }) => b.wait(), { b });
    await until(() => b.nWaiting === 1);
    const other = waiting.call((_mp, { b }) => {
      try {
        b.wait();
        return 'passed';
      } catch (e) {
        return (e as Error).name;
      }
    }, { b });
    await until(() => b.nWaiting === 2);
    await dying.kill9();
    expect(await other.result).toBe('BrokenBarrierError');
    expect(b.broken).toBe(true);
    b.reset();
    // Afresh: two parties here and there pass again.
    const c = await child();
    const x = c.call((_mp, { b }) => b.wait(), { b });
    const y = b.waitAsync();
    await until(() => b.nWaiting === 2);
    expect(b.wait()).toBe(2);
    expect([await x.result, await y].sort()).toEqual([0, 1]);
  });

  it('abort() breaks current and later waits until reset(); an action that throws breaks it', async () => {
    const b = barrier(2);
    const pending = b.waitAsync();
    await until(() => b.nWaiting === 1);
    b.abort();
    await expect(pending).rejects.toThrow(BrokenBarrierError);
    expect(() => b.wait()).toThrow(BrokenBarrierError);
    b.reset();
    const f = barrier(1, () => {
      throw new Error('action failed');
    });
    expect(() => f.wait()).toThrow('action failed');
    expect(f.broken).toBe(true);
    expect(() => new Barrier(0)).toThrow(/parties/);
  });
});
