import { describe, expect, it } from 'vitest';

import { Empty, Full, OverflowError, Queue, Thread, ValueError, nativeStats } from 'pthreading';

import { parked, timed } from './helpers';

const ITEMS = Number(process.env.PTHREADING_STRESS ?? 1) * 100_000;

describe('Queue', () => {
  it('is FIFO, with qsize, empty and full', () => {
    const q = new Queue<unknown>(3);
    expect(q.empty()).toBe(true);
    q.put(1);
    q.put('two');
    q.put({ three: [3] });
    expect(q.full()).toBe(true);
    expect(q.qsize()).toBe(3);
    expect([q.get(), q.get(), q.get()]).toEqual([1, 'two', { three: [3] }]);
    expect(q.empty()).toBe(true);
  });

  it('getNowait on empty raises Empty; putNowait on full raises Full', () => {
    const q = new Queue(1);
    expect(() => q.getNowait()).toThrow(Empty);
    q.putNowait('x');
    expect(() => q.putNowait('y')).toThrow(Full);
    expect(q.get(false)).toBe('x');
  });

  it('timed get and put wait, then raise', () => {
    const q = new Queue(1);
    const [error, took] = timed(() => {
      try {
        q.get(true, 0.1);
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(Empty);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    q.put(1);
    expect(() => q.put(2, true, 0.05)).toThrow(Full);
    expect(() => q.put(2, true, -1)).toThrow(ValueError);
  });

  it('wraps items around the end of its byte ring', () => {
    const q = new Queue<string>(0, { capacity: 64 });
    for (let i = 0; i < 100; i++) {
      q.put(`item-${i}-${'x'.repeat(i % 7)}`);
      q.put(`more-${i}`);
      expect(q.get()).toBe(`item-${i}-${'x'.repeat(i % 7)}`);
      expect(q.get()).toBe(`more-${i}`);
    }
    expect(() => q.put('y'.repeat(100))).toThrow(ValueError);
    expect(() => q.put((() => 0) as never)).toThrow(TypeError);
  });

  it('taskDone and join: join returns once every item is done', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5; i++) q.put(i);
    const worker = new Thread({
      target: (queue: Queue<number>) => {
        for (let i = 0; i < 5; i++) {
          queue.get();
          queue.taskDone();
        }
      },
      args: [q],
    });
    worker.start();
    q.join();
    worker.join();
    expect(() => q.taskDone()).toThrow(ValueError);
    await q.joinAsync();
  });

  it('async twins never block the event loop', async () => {
    const q = new Queue<number>(1);
    const got = q.getAsync();
    await q.putAsync(1);
    expect(await got).toBe(1);
    await q.putAsync(2);
    const controller = new AbortController();
    const blocked = q.putAsync(3, true, null, { signal: controller.signal });
    controller.abort();
    await expect(blocked).rejects.toMatchObject({ name: 'AbortError' });
    expect(q.qsize()).toBe(1);
    expect(q._mutex.locked()).toBe(false);
  });

  it(`4 producers and 4 consumers move ${ITEMS} items, none lost or duplicated`, () => {
    const q = new Queue<number>(64);
    const per = ITEMS / 4;
    const seen = new Int32Array(new SharedArrayBuffer(ITEMS * 4));
    const producers = Array.from({ length: 4 }, (_, p) => new Thread({
      target: (queue: Queue<number>, base: number, count: number) => {
        for (let i = 0; i < count; i++) queue.put(base + i);
      },
      args: [q, p * per, per],
    }));
    const consumers = Array.from({ length: 4 }, () => new Thread({
      target: (queue: Queue<number>, marks: Int32Array) => {
        for (;;) {
          const item = queue.get();
          if (item < 0) return;
          Atomics.add(marks, item, 1);
        }
      },
      args: [q, seen],
    }));
    for (const t of [...producers, ...consumers]) t.start();
    for (const t of producers) t.join();
    for (let i = 0; i < 4; i++) q.put(-1);
    for (const t of consumers) t.join();
    let missing = 0;
    let duplicated = 0;
    for (let i = 0; i < ITEMS; i++) {
      if (seen[i] === 0) missing++;
      if (seen[i] > 1) duplicated++;
    }
    expect({ missing, duplicated }).toEqual({ missing: 0, duplicated: 0 });
    expect(q.empty()).toBe(true);
    expect(nativeStats().queuedWaiters).toBe(0);
  });
});

describe('Queue#put() with shared memory', () => {
  it('refuses primitives and shared buffers, which would arrive as copies', async () => {
    const { Lock } = await import('pthreading');
    const q = new Queue();
    expect(() => q.put({ lock: new Lock() })).toThrow(TypeError);
    expect(() => q.put(new Int32Array(new SharedArrayBuffer(4)))).toThrow(TypeError);
    expect(q.qsize()).toBe(0);
  });
});

describe('Queue#maxsize', () => {
  it('is settable, as the plain attribute it is in Python, and every thread sees the change', () => {
    const q = new Queue<number>(1);
    q.put(1);
    expect(q.full()).toBe(true);
    const t = new Thread({ target: (x: Queue<number>) => (x.maxsize = 3), args: [q] });
    t.start();
    t.join();
    expect(q.maxsize).toBe(3);
    expect(q.full()).toBe(false);
    q.put(2);
    q.put(3);
    expect(() => q.putNowait(4)).toThrow(Full);
    q.maxsize = 0; // no limit
    q.putNowait(4);
    expect(q.qsize()).toBe(4);
  });

  it('a raised maxsize lets a put() blocked on a full queue go on at once', async () => {
    const q = new Queue<string>(1);
    q.put('a');
    const t = new Thread({ target: (x: Queue<string>) => x.put('b'), args: [q] });
    const before = nativeStats().queuedWaiters;
    t.start();
    await parked(before + 1); // the thread sleeps in put()
    q.maxsize = 2;
    t.join(10);
    expect(t.isAlive()).toBe(false);
    expect([q.get(), q.get()]).toEqual(['a', 'b']);
  });

  it('refuses a maxsize that is not a 32-bit integer, keeping the old one', () => {
    const q = new Queue(5);
    expect(() => (q.maxsize = 1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => (q.maxsize = '3' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => (q.maxsize = 2 ** 31)).toThrow(OverflowError);
    expect(() => new Queue(2 ** 40)).toThrow(OverflowError);
    expect(q.maxsize).toBe(5);
    expect(String(q)).toBe('<Queue maxsize=5 qsize=0>');
  });
});
