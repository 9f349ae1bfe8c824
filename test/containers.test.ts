import { describe, expect, it } from 'vitest';

import { Lock, MemoryError, SharedDict, SharedList, Thread, ValueError } from 'pthreading';

describe('SharedList', () => {
  it('has the list operations', () => {
    const l = new SharedList<unknown>([1, 2]);
    l.append(3);
    l.extend([4, 5]);
    l.insert(0, 0);
    expect(l.toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(l.length).toBe(6);
    expect(l.pop()).toBe(5);
    expect(l.pop(0)).toBe(0);
    l.remove(2);
    expect(l.index(3)).toBe(1);
    l.append({ a: [1] });
    expect(l.count({ a: [1] })).toBe(1);
    l.set(-1, 'last');
    expect(l.get(-1)).toBe('last');
    expect([...l]).toEqual([1, 3, 4, 'last']);
    l.clear();
    expect(l.length).toBe(0);
  });

  it('is the same list in every thread, with appends from 4 threads all kept', () => {
    const l = new SharedList<number>();
    const threads = Array.from({ length: 4 }, (_, i) => new Thread({
      target: (list: SharedList<number>, base: number) => {
        for (let k = 0; k < 250; k++) list.append(base + k);
      },
      args: [l, i * 1000],
    }));
    for (const t of threads) t.start();
    for (const t of threads) t.join();
    const items = l.toArray();
    expect(items.length).toBe(1000);
    expect(new Set(items).size).toBe(1000);
  });

  it('raises typed errors, changing nothing', () => {
    const l = new SharedList([1]);
    expect(() => l.get(5)).toThrow(ValueError);
    expect(() => l.remove(9)).toThrow(ValueError);
    expect(() => l.append(() => 0)).toThrow(TypeError);
    expect(() => l.append(new Lock())).toThrow(TypeError);
    expect(() => new SharedList([], { capacity: 64 }).append('x'.repeat(100))).toThrow(MemoryError);
    expect(() => l.get('0' as never)).toThrow(TypeError);
    expect(l.toArray()).toEqual([1]);
    expect(() => new SharedList<number>().pop()).toThrow(ValueError);
  });

  it('insert() takes an integer index, as Python: past either end inserts at that end', () => {
    const l = new SharedList(['a', 'b']);
    l.insert(99, 'end');
    l.insert(-99, 'start');
    l.insert(-1, 'beforeLast');
    expect(l.toArray()).toEqual(['start', 'a', 'b', 'beforeLast', 'end']);
    for (const bad of ['x', NaN, 1.5, {}, 10n, null]) {
      expect(() => l.insert(bad as never, 'lost')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(() => l.pop('0' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(l.toArray()).toEqual(['start', 'a', 'b', 'beforeLast', 'end']);
  });

  it('refuses items that are not iterable with a coded TypeError', () => {
    for (const bad of [5, null, {}, Symbol('s'), 10n]) {
      expect(() => new SharedList(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => new SharedList([1]).extend(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(new SharedList('ab').toArray()).toEqual(['a', 'b']); // list('ab'), as Python
  });

  it('shows any contents, bigints and cycles included', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(String(new SharedList([1n]))).toContain('1n');
    expect(String(new SharedList([cycle]))).toContain('Circular');
    expect(String(new SharedList([1, 'a']))).toBe('SharedList([1,"a"])');
  });

  it('returns copies: mutating a result does not change the list', () => {
    const l = new SharedList([{ n: 1 }]);
    const item = l.get(0);
    item.n = 2;
    expect(l.get(0)).toEqual({ n: 1 });
    l.toArray().push({ n: 3 });
    expect(l.length).toBe(1);
  });
});

describe('SharedDict', () => {
  it('has the dict operations and is shared with threads', () => {
    const d = new SharedDict<number>({ a: 1 });
    d.set('b', 2);
    expect(d.setdefault('a', 9)).toBe(1);
    expect(d.setdefault('c', 3)).toBe(3);
    expect(d.has('b')).toBe(true);
    expect(d.get('zz', 7)).toBe(7);
    expect(d.pop('c')).toBe(3);
    expect(() => d.pop('c')).toThrow(ValueError);
    expect(d.pop('c', 0)).toBe(0);
    const t = new Thread({ target: (x: SharedDict<number>) => x.set('fromThread', x.get('a')! + 41), args: [d] });
    t.start();
    t.join();
    expect(d.toObject()).toEqual({ a: 1, b: 2, fromThread: 42 });
    expect(d.keys()).toEqual(['a', 'b', 'fromThread']);
    expect(d.size).toBe(3);
    expect(d.delete('b')).toBe(true);
    d.updateFrom({ z: 26 });
    expect(d.items()).toEqual([['a', 1], ['fromThread', 42], ['z', 26]]);
    d.clear();
    expect(d.size).toBe(0);
    expect(() => d.set(1 as never, 1)).toThrow(TypeError);
  });
});

describe('SharedDict keys', () => {
  const special = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', ''];

  it('every string is a key: set, setdefault, updateFrom and the constructor keep them all', () => {
    const d = new SharedDict<number>(Object.fromEntries([['__proto__', 0]]));
    special.forEach((key, i) => d.set(key, i));
    expect(d.keys()).toEqual(special);
    expect(special.map((key) => d.get(key))).toEqual([0, 1, 2, 3, 4]);
    expect(special.every((key) => d.has(key))).toBe(true);
    const e = new SharedDict<number>();
    e.updateFrom(JSON.parse('{"__proto__": 1, "a": 2}'));
    e.updateFrom(new Map([['constructor', 3]]));
    e.updateFrom([['toString', 4]]);
    expect(e.setdefault('hasOwnProperty', 5)).toBe(5);
    expect(e.items()).toEqual([['__proto__', 1], ['a', 2], ['constructor', 3], ['toString', 4], ['hasOwnProperty', 5]]);
    expect(Object.keys(e.toObject())).toEqual(['__proto__', 'a', 'constructor', 'toString', 'hasOwnProperty']);
    expect(Object.getPrototypeOf(e.toObject())).toBe(Object.prototype);
    expect(e.pop('__proto__')).toBe(1);
    expect(e.delete('constructor')).toBe(true);
    expect(e.keys()).toEqual(['a', 'toString', 'hasOwnProperty']);
  });

  it("a thread's '__proto__' key reaches every thread", () => {
    const d = new SharedDict<string>();
    const t = new Thread({ target: (x: SharedDict<string>) => x.set('__proto__', 'from thread'), args: [d] });
    t.start();
    t.join();
    expect(d.get('__proto__')).toBe('from thread');
    expect(d.size).toBe(1);
  });

  it('keys are strings only: no lookup of 1 finds the key "1"', () => {
    const d = new SharedDict({ 1: 'one' });
    for (const call of [() => d.get(1 as never), () => d.has(1 as never), () => d.delete(1 as never), () => d.pop(1 as never, 0)]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
    expect(d.toObject()).toEqual({ 1: 'one' });
  });

  it('refuses entries that are not a mapping or [key, value] pairs, with a coded TypeError', () => {
    for (const bad of ['x', 5, 10n, Symbol('s'), [['k']], [[1, 'v']], ['ab'], new Map([[1, 'v']])]) {
      expect(() => new SharedDict(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => new SharedDict().updateFrom(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });
});

describe('SharedList and SharedDict hold as much as they are given', () => {
  it('a SharedList grows past megabytes, and another thread sees it all and adds to it', () => {
    const l = new SharedList<string>();
    for (let i = 0; i < 30; i++) l.append(String(i).padEnd(100_000, '.'));
    const t = new Thread({
      target: (list: SharedList<string>) => {
        let ok = list.length === 30;
        for (let i = 0; i < 30; i++) ok = ok && list.get(i) === String(i).padEnd(100_000, '.');
        list.extend(Array.from({ length: 10 }, (_, i) => String(30 + i).padEnd(100_000, '.')));
        if (!ok) throw new Error('the thread saw a different list');
      },
      args: [l],
    });
    t.start();
    t.join();
    expect(l.length).toBe(40);
    expect(l.toArray().every((item, i) => item === String(i).padEnd(100_000, '.'))).toBe(true);
  });

  it('a SharedDict grows past megabytes, seen by another thread', () => {
    const d = new SharedDict<string>();
    for (let i = 0; i < 30; i++) d.set(`k${i}`, 'v'.repeat(100_000));
    const t = new Thread({
      target: (dict: SharedDict<string>) => dict.set('sizes', String(dict.values().reduce((n, v) => n + v.length, 0))),
      args: [d],
    });
    t.start();
    t.join();
    expect(d.get('sizes')).toBe('3000000');
    expect(d.size).toBe(31);
  });

  it('past the capacity it was given: MemoryError, and the contents stay as they were', () => {
    const l = new SharedList<string>(['a'], { capacity: 10_000 });
    expect(() => l.append('b'.repeat(20_000))).toThrow(expect.objectContaining({ name: 'MemoryError', code: 'ERR_NO_MEMORY' }));
    expect(l.toArray()).toEqual(['a']);
    const d = new SharedDict<string>({}, { capacity: 10_000 });
    expect(() => d.set('k', 'v'.repeat(20_000))).toThrow(MemoryError);
    expect(d.size).toBe(0);
  });
});
