import { afterEach, describe, expect, it } from 'vitest';

import { Array as SharedArray, Process, SegmentMismatchError, Value } from 'pthreading/multiprocessing';

import { Child, freshName } from './mp-helpers';

const made: { unlink(): boolean }[] = [];
const children: Child[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
  for (const m of made.splice(0)) m.unlink();
});

describe('multiprocessing.Value', () => {
  it('holds one number of its typecode, wrapping integers as ctypes does', () => {
    const v = new Value('i', 5);
    made.push(v);
    expect(v.value).toBe(5);
    v.value = 2 ** 32 + 7;
    expect(v.value).toBe(7);
    expect(() => (v.value = 1.5)).toThrow(TypeError);
    const b = new Value('B', 300);
    made.push(b);
    expect(b.value).toBe(44);
    const d = new Value('d', 0.25);
    made.push(d);
    expect(d.value).toBe(0.25);
    expect(String(d)).toBe("<Value('d', 0.25)>");
    expect(() => new Value('x' as 'i')).toThrow(/bad typecode/);
  });

  it('stores what a write gives it as ctypes would, for every typecode', () => {
    // What ctypes keeps of an integer: its low bits, read back signed or not.
    const wrap: Record<string, (v: number) => number> = {
      b: (v) => (v << 24) >> 24,
      B: (v) => v & 0xff,
      h: (v) => (v << 16) >> 16,
      H: (v) => v & 0xffff,
      i: (v) => v | 0,
      I: (v) => v >>> 0,
    };
    const values = [0, 1, -1, 127, 128, 200, -129, 255, 256, 40000, -40000, 65536, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 7, -(2 ** 40) - 3, 2 ** 53 + 2, 1e300, -1e300];
    for (const [code, expected] of Object.entries(wrap)) {
      const v = new Value(code as 'i', 0);
      made.push(v);
      for (const x of values) {
        v.value = x;
        expect([code, x, v.value]).toEqual([code, x, expected(x)]);
      }
      expect(() => (v.value = 0.5)).toThrow(/an integer is required/);
      expect(() => (v.value = Infinity)).toThrow(/an integer is required/);
      expect(() => (v.value = NaN)).toThrow(/an integer is required/);
      expect(() => (v.value = '1' as unknown as number)).toThrow(/a number is required/);
    }
    const f = new Value('f', 0);
    made.push(f);
    f.value = 0.1;
    expect(f.value).toBe(Math.fround(0.1));
    f.value = NaN;
    expect(f.value).toBeNaN();
    const a = new SharedArray('h', 2);
    made.push(a);
    a.set(1, 40000);
    expect(a.get(1)).toBe(-25536);
    // A value the typecode cannot hold is refused before the index is checked.
    expect(() => a.set(5, 0.5)).toThrow(TypeError);
    expect(() => a.set(5, 1)).toThrow(RangeError);
  });

  it('opened by name keeps its value, and refuses another typecode', async () => {
    const name = freshName('value');
    const v = new Value('i', 7, { name });
    made.push(v);
    const c = await Child.start();
    children.push(c);
    expect(await c.run((mp, n) => new mp.Value('i', 99, { name: n }).value, name)).toBe(7);
    expect(() => new Value('d', 0, { name })).toThrow(SegmentMismatchError);
  });

  it('two processes x 1,000 increments under getLock() are exact', () => {
    const v = new Value('i', 0);
    made.push(v);
    const p = new Process({
      target: (v: Value) => {
        for (let i = 0; i < 1000; i++) v.getLock().with(() => (v.value += 1));
      },
      args: [v],
    });
    p.start();
    for (let i = 0; i < 1000; i++) v.with(() => (v.value += 1));
    p.join();
    expect(p.exitcode).toBe(0);
    expect(v.value).toBe(2000);
  });

  it('its lock passes to the next process if a holder is killed', async () => {
    const v = new Value('d', 1);
    made.push(v);
    const c = await Child.start();
    children.push(c);
    await c.run((_mp, { v }) => v.acquire(), { v });
    await c.kill9();
    expect(v.acquire(true, 5)).toBe(true);
    expect(v.ownerDied).toBe(true);
    v.release();
  });
});

describe('multiprocessing.Array', () => {
  it('is made from a length or from initial elements, and shared with another process', async () => {
    const a = new SharedArray('d', [1, 2.5, 3]);
    made.push(a);
    expect(a.length).toBe(3);
    expect(a.toArray()).toEqual([1, 2.5, 3]);
    const c = await Child.start();
    children.push(c);
    await c.run((_mp, { a }) => a.set(2, 9), { a });
    expect([...a]).toEqual([1, 2.5, 9]);
    expect(() => a.get(3)).toThrow(RangeError);
    expect(() => a.set(-1, 0)).toThrow(RangeError);
    const z = new SharedArray('h', 4);
    made.push(z);
    expect(z.toArray()).toEqual([0, 0, 0, 0]);
    expect(() => new SharedArray('i', 0)).toThrow(/size must be/);
  });

  it('opened by name checks the typecode and the length', () => {
    const name = freshName('array');
    const a = new SharedArray('i', 4, { name });
    made.push(a);
    expect(new SharedArray('i', 4, { name }).length).toBe(4);
    expect(() => new SharedArray('i', 5, { name })).toThrow(SegmentMismatchError);
    expect(() => new SharedArray('f', 4, { name })).toThrow(SegmentMismatchError);
  });
});
