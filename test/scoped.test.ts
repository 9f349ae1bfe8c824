/** Scoped use: the port of Python's `with lock:`. */
import { describe, expect, it } from 'vitest';

import { Condition, Lock, RLock, Semaphore } from 'pthreading';

const kinds = [
  ['Lock', () => new Lock(), (x: unknown) => (x as Lock).locked()],
  ['RLock', () => new RLock(), (x: unknown) => (x as RLock).locked()],
  ['Condition', () => new Condition(), (x: unknown) => (x as Condition)._lock.locked()],
  ['Semaphore', () => new Semaphore(1), (x: unknown) => (x as Semaphore).value === 0],
] as const;

describe.each(kinds)('%s scoped forms', (_name, make, isHeld) => {
  it('using g = x.hold() holds until the block ends', () => {
    const x = make();
    {
      using g = x.hold();
      void g;
      expect(isHeld(x)).toBe(true);
    }
    expect(isHeld(x)).toBe(false);
  });

  it('hold() releases on throw, and only once', () => {
    const x = make();
    expect(() => {
      using g = x.hold();
      g.release();
      throw new Error('boom');
    }).toThrow('boom');
    expect(isHeld(x)).toBe(false);
  });

  it('await using g = await x.holdAsync() holds until the block ends', async () => {
    const x = make();
    {
      await using g = await x.holdAsync();
      void g;
      expect(isHeld(x)).toBe(true);
    }
    expect(isHeld(x)).toBe(false);
  });

  it('with(fn) returns fn’s value and releases, also on throw', () => {
    const x = make();
    expect(x.with(() => (isHeld(x) ? 42 : 0))).toBe(42);
    expect(isHeld(x)).toBe(false);
    expect(() =>
      x.with(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isHeld(x)).toBe(false);
  });

  it('withAsync(fn) awaits fn and releases, also on rejection', async () => {
    const x = make();
    expect(await x.withAsync(async () => (isHeld(x) ? 'held' : 'free'))).toBe('held');
    expect(isHeld(x)).toBe(false);
    await expect(x.withAsync(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(isHeld(x)).toBe(false);
  });
});
