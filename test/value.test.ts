import { describe, expect, it } from 'vitest';

import { Lock, Thread, Value, ValueError } from 'pthreading';

describe('Value', () => {
  it('holds a number of its type, shared with threads', () => {
    const v = new Value('i', 5);
    expect(v.value).toBe(5);
    v.value = 2 ** 31; // wraps like a C int
    expect(v.value).toBe(-(2 ** 31));
    const d = new Value('d', 0.5);
    const t = new Thread({ target: (x: Value) => (x.value = x.value * 4), args: [d] });
    t.start();
    t.join();
    expect(d.value).toBe(2);
  });

  it('getLock() makes read-modify-write atomic across 4 threads', () => {
    const v = new Value('i', 0);
    const n = 5000;
    const threads = Array.from({ length: 4 }, () => new Thread({
      target: (x: Value, count: number) => {
        for (let i = 0; i < count; i++) x.getLock().with(() => (x.value += 1));
      },
      args: [v, n],
    }));
    for (const t of threads) t.start();
    for (const t of threads) t.join();
    expect(v.value).toBe(4 * n);
  });

  it('accepts lock: false (no lock) or a given lock', () => {
    const raw = new Value('d', 1, { lock: false });
    raw.value = 3;
    expect(raw.value).toBe(3);
    expect(() => raw.getLock()).toThrow(ValueError);
    const lock = new Lock();
    expect(new Value('i', 0, { lock }).getLock()).toBe(lock);
  });

  it('refuses unknown typecodes and non-numbers', () => {
    expect(() => new Value('z' as never)).toThrow(ValueError);
    expect(() => new Value('i', '1' as never)).toThrow(TypeError);
    expect(() => (new Value('i').value = 'x' as never)).toThrow(TypeError);
    expect(() => new Value('i', 0, { lock: 1 as never })).toThrow(TypeError);
  });

  it("only Python's typecodes are typecodes: names on Object.prototype are refused, with a code", () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(() => new Value(name as never, 5)).toThrow(expect.objectContaining({ name: 'ValueError', code: 'ERR_VALUE' }));
    }
    for (const bad of [5, null, Symbol('i'), 10n, {}]) {
      expect(() => new Value(bad as never, 5)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => new Value('i', 0, 'lock' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('every Value it accepts is shared: a thread writes 42, the main thread reads 42', () => {
    for (const code of ['b', 'B', 'h', 'H', 'i', 'I', 'f', 'd'] as const) {
      const v = new Value(code, 5);
      const t = new Thread({ target: (x: Value) => (x.value = 42), args: [v] });
      t.start();
      t.join();
      expect(v.value).toBe(42);
    }
  });
});
