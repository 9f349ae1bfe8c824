import { describe, expect, it } from 'vitest';

import { Lock, SharedDict, SharedList, Thread, ValueError } from 'pthreading';

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
    expect(() => new SharedList([], { capacity: 64 }).append('x'.repeat(100))).toThrow(ValueError);
    expect(() => l.get('0' as never)).toThrow(TypeError);
    expect(l.toArray()).toEqual([1]);
    expect(() => new SharedList<number>().pop()).toThrow(ValueError);
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
