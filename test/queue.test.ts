import { describe, expect, it } from 'vitest';

import { Empty, Full, MemoryError, OverflowError, Queue, Thread, ValueError, nativeStats } from 'pthreading';

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
    expect(() => q.put('y'.repeat(100))).toThrow(MemoryError);
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

describe('Queue without a maxsize', () => {
  const KB100 = 100_000;

  it('holds 200 items of 100 KB, put by one thread and got in order by another', () => {
    const q = new Queue<string>();
    const producer = new Thread({
      target: (queue: Queue<string>, size: number) => {
        for (let i = 0; i < 200; i++) queue.put(String(i).padStart(3, '0') + 'x'.repeat(size));
      },
      args: [q, KB100],
    });
    producer.start();
    producer.join();
    expect(q.qsize()).toBe(200);
    expect(q.full()).toBe(false);
    const inOrder = new Int32Array(new SharedArrayBuffer(4));
    const consumer = new Thread({
      target: (queue: Queue<string>, size: number, out: Int32Array) => {
        for (let i = 0; i < 200; i++) {
          const item = queue.get(false);
          if (item === String(i).padStart(3, '0') + 'x'.repeat(size)) out[0]++;
        }
      },
      args: [q, KB100, inOrder],
    });
    consumer.start();
    consumer.join();
    expect(inOrder[0]).toBe(200);
    expect(q.empty()).toBe(true);
  });

  it('is never full: put(item, false) succeeds whenever full() says false, while another thread gets', () => {
    const q = new Queue<Uint8Array>();
    const got = new Int32Array(new SharedArrayBuffer(4));
    const consumer = new Thread({
      target: (queue: Queue<Uint8Array>, out: Int32Array) => {
        for (let i = 0; i < 100; i++) {
          const item = queue.get();
          if (item.length === 100_000 && item[0] === i && item[99_999] === i) out[0]++;
        }
      },
      args: [q, got],
    });
    consumer.start();
    for (let i = 0; i < 100; i++) {
      expect(q.full()).toBe(false);
      q.put(new Uint8Array(100_000).fill(i), false);
    }
    consumer.join();
    expect(got[0]).toBe(100);
  });

  it('keeps FIFO order while its ring grows with the items wrapped around its end', () => {
    const q = new Queue<string>();
    const model: string[] = [];
    let seed = 12345;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let op = 0; op < 3000; op++) {
      if (model.length > 0 && random(5) < 2) {
        expect(q.get(false)).toBe(model.shift());
      } else {
        const item = `${op}:`.padEnd(1 + random(op < 1500 ? 3000 : 30_000), String.fromCharCode(97 + (op % 26)));
        q.put(item, false);
        model.push(item);
      }
    }
    while (model.length > 0) expect(q.get(false)).toBe(model.shift());
    expect(q.empty()).toBe(true);
  });

  it('raises MemoryError, not Full, past the capacity it was given, changing nothing', () => {
    const q = new Queue<string>(0, { capacity: 10_000 });
    q.put('a'.repeat(6000));
    expect(q.full()).toBe(false);
    expect(() => q.put('b'.repeat(6000), false)).toThrow(expect.objectContaining({ name: 'MemoryError', code: 'ERR_NO_MEMORY' }));
    expect(() => q.put('c'.repeat(20_000))).toThrow(MemoryError);
    expect(q.qsize()).toBe(1);
    q.put('d'.repeat(3000));
    expect(q.get()).toBe('a'.repeat(6000));
    expect(q.get()).toBe('d'.repeat(3000));
  });
});

describe('Queue with a maxsize', () => {
  it('is full at maxsize items only, however large: full() agrees with put(item, false)', () => {
    const q = new Queue<string>(3);
    for (let i = 0; i < 3; i++) {
      expect(q.full()).toBe(false);
      q.put(String(i).repeat(600_000), false);
    }
    expect(q.full()).toBe(true);
    expect(() => q.put('x', false)).toThrow(Full);
    expect(q.get()).toBe('0'.repeat(600_000));
    expect(q.full()).toBe(false);
    q.put('3'.repeat(600_000), false);
    expect([q.get(), q.get(), q.get()].map((s) => s[0] + s.length)).toEqual(['1600000', '2600000', '3600000']);
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
