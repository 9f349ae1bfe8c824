import fs from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AbortError,
  ArgumentTypeError,
  Empty,
  Full,
  JoinableQueue,
  Lock,
  Process,
  Queue,
  SegmentMismatchError,
  SimpleQueue,
  ValueError,
  revive,
} from 'pthreading/multiprocessing';
import { Empty as ThreadingEmpty, Full as ThreadingFull, Thread } from 'pthreading';

import { Child, freshName, seededRandom } from './mp-helpers';
import { ticksWhilePending } from './helpers';

type Mp = typeof import('pthreading/multiprocessing');

// Slots of the control Array (src/multiprocessing/queue.ts).
const HEAD = 0;
const GEN = 2;
const COUNT = 4;

function ctl(q: Queue): { get(i: number): number; set(i: number, v: number): void } {
  return (q as unknown as { _ctl: { get(i: number): number; set(i: number, v: number): void } })._ctl;
}

describe('multiprocessing.Queue', () => {
  let child: Child;
  beforeAll(async () => {
    child = await Child.start();
  });
  afterAll(() => child.stop());

  it('gives items back first in, first out, as structured clones', () => {
    const q = new Queue();
    expect(q.empty()).toBe(true);
    q.put({ a: 1, when: new Date(0) });
    q.put([1, 'two', new Map([[3, 4]])]);
    q.putNowait(5n);
    expect(q.qsize()).toBe(3);
    expect(q.full()).toBe(false);
    expect(q.get()).toEqual({ a: 1, when: new Date(0) });
    expect(q.get()).toEqual([1, 'two', new Map([[3, 4]])]);
    expect(q.getNowait()).toBe(5n);
    expect(q.empty()).toBe(true);
    expect(String(q)).toMatch(/^<Queue\(anon-\d+-[0-9a-f]+, maxsize=0, qsize=0\)>$/);
    q.unlink();
  });

  it('raises the same Empty and Full as the threading Queue', () => {
    const q = new Queue(2);
    expect(q.maxsize).toBe(2);
    expect(Empty).toBe(ThreadingEmpty);
    expect(Full).toBe(ThreadingFull);
    expect(() => q.getNowait()).toThrow(Empty);
    expect(() => q.get(false)).toThrow(Empty);
    q.put(1);
    q.put(2);
    expect(q.full()).toBe(true);
    expect(() => q.putNowait(3)).toThrow(Full);
    expect(() => q.put(3, false)).toThrow(Full);
    q.unlink();
  });

  it('a timed get on an empty queue, or put on a full one, gives up after the timeout', () => {
    const q = new Queue(1);
    let t0 = performance.now();
    expect(() => q.get(true, 0.05)).toThrow(Empty);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    q.put('x');
    t0 = performance.now();
    expect(() => q.put('y', true, 0.05)).toThrow(Full);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(q.get(true, 0)).toBe('x');
    q.unlink();
  });

  it('without a maxsize it is never full: the ring grows into a new, larger segment', () => {
    const q = new Queue();
    const item = 'x'.repeat(1000);
    for (let i = 0; i < 200; i++) q.put(`${i}:${item}`, false);
    expect(q.qsize()).toBe(200);
    expect(ctl(q).get(GEN)).toBeGreaterThan(3);
    // Old rings are gone; one ring is left.
    const rings = fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`pthreading-${q.name}.g`));
    expect(rings).toEqual([`pthreading-${q.name}.g${ctl(q).get(GEN)}`]);
    for (const f of [q.name, `${q.name}.lock`, `${q.name}.notempty`, rings[0].slice(11)]) expect(fs.statSync(`/dev/shm/pthreading-${f}`).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 200; i++) expect(q.get(false)).toBe(`${i}:${item}`);
    // Wrapping around the end of the ring keeps the order too.
    for (let round = 0; round < 50; round++) {
      q.put(`a${round}`.repeat(50));
      q.put(`b${round}`);
      expect(q.get()).toBe(`a${round}`.repeat(50));
      expect(q.get()).toBe(`b${round}`);
    }
    q.unlink();
  });

  it("a queue's segments, its rings included, get the mode it was made with", () => {
    const q = new Queue(0, { name: freshName('q'), mode: 0o640 });
    q.put('x'.repeat(5000));
    const mine = fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`pthreading-${q.name}`));
    expect(mine.length).toBe(5);
    for (const f of mine) expect(fs.statSync(`/dev/shm/${f}`).mode & 0o777).toBe(0o640);
    q.unlink();
  });

  it('getAsync() waits without blocking the event loop, and putAsync() wakes it', async () => {
    const q = new Queue<string>(1);
    const got = q.getAsync();
    await ticksWhilePending(got, 3);
    await q.putAsync('hello');
    expect(await got).toBe('hello');
    await q.putAsync('a');
    const put = q.putAsync('b');
    await ticksWhilePending(put, 3);
    expect(await q.getAsync()).toBe('a');
    await put;
    expect(await q.getAsync(true, 1)).toBe('b');
    await expect(q.getAsync(true, 0.02)).rejects.toBeInstanceOf(Empty);
    await expect(q.getAsync(false)).rejects.toBeInstanceOf(Empty);
    q.unlink();
  });

  it('async gets of one thread exclude each other as other threads do: each item goes to one', async () => {
    const q = new Queue<number>();
    const gets = [q.getAsync(), q.getAsync(), q.getAsync()];
    await ticksWhilePending(Promise.race(gets), 2);
    for (let i = 0; i < 3; i++) await q.putAsync(i);
    expect((await Promise.all(gets)).sort()).toEqual([0, 1, 2]);
    expect(q.empty()).toBe(true);
    q.unlink();
  });

  it('an AbortSignal cancels getAsync() and putAsync(), leaving the queue usable', async () => {
    const q = new Queue(1);
    const ac = new AbortController();
    const got = q.getAsync(true, null, { signal: ac.signal });
    await ticksWhilePending(got, 2);
    ac.abort();
    await expect(got).rejects.toBeInstanceOf(AbortError);
    q.put(1);
    const ac2 = new AbortController();
    const put = q.putAsync(2, true, null, { signal: ac2.signal });
    await ticksWhilePending(put, 2);
    ac2.abort();
    await expect(put).rejects.toBeInstanceOf(AbortError);
    await expect(q.putAsync(3, true, null, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(q.get()).toBe(1);
    expect(q.empty()).toBe(true);
    q.unlink();
  });

  it('refuses bad arguments and items it cannot clone with typed errors', () => {
    expect(() => new Queue(1.5)).toThrow(ArgumentTypeError);
    expect(() => new Queue('3' as unknown as number)).toThrow(ArgumentTypeError);
    expect(() => new Queue(2 ** 31)).toThrow(/maxsize/);
    expect(() => new Queue(0, { name: 'a/b' })).toThrow(ValueError);
    expect(() => new Queue(0, { name: 'q'.repeat(191) })).toThrow(/at most 190/);
    const q = new Queue();
    expect(() => q.put(() => 1)).toThrow(ArgumentTypeError);
    expect(() => q.put({ words: new Int32Array(new SharedArrayBuffer(4)) })).toThrow(ArgumentTypeError);
    expect(() => q.get(true, -1)).toThrow(ValueError);
    expect(() => q.get('yes' as unknown as boolean)).toThrow(ArgumentTypeError);
    expect(() => q.get(true, '1' as unknown as number)).toThrow(ArgumentTypeError);
    expect(q.empty()).toBe(true);
    q.close();
    expect(() => q.put(1)).toThrow(ValueError);
    expect(() => q.get()).toThrow(/closed/);
    expect(q.unlink()).toBe(true);
  });

  it('another process opens it by name; items keep their order across processes', async () => {
    const name = freshName('q');
    const q = new Queue<number>(0, { name, create: true });
    const r = await child.run((mp: Mp, name: string) => {
      const q = new mp.Queue(0, { name, create: false });
      for (let i = 0; i < 500; i++) q.put(i);
      return q.maxsize;
    }, name);
    expect(r).toBe(0);
    for (let i = 0; i < 500; i++) expect(q.get(false)).toBe(i);
    q.unlink();
    expect(fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`pthreading-${name}`))).toEqual([]);
  });

  it('an anonymous one passes in a message (JSON) and revives as the same queue', async () => {
    const q = new Queue();
    const msg = JSON.parse(JSON.stringify({ q }));
    const back = revive(JSON.parse(JSON.stringify({ q }))) as { q: Queue };
    expect(back.q).toBeInstanceOf(Queue);
    const call = child.call(async (mp: Mp, args: { q: InstanceType<typeof mp.Queue> }) => {
      const first = await args.q.getAsync();
      args.q.put(`echo ${first}`);
      return args.q.name;
    }, msg);
    q.put('ping');
    expect(await call.result).toBe(q.name);
    expect(back.q.get(true, 5)).toBe('echo ping');
    q.unlink();
  });

  it('carries multiprocessing primitives in items, which arrive as the same primitives', async () => {
    const q = new Queue();
    const lock = new Lock();
    q.put({ lock });
    const held = await child.run((mp: Mp, args: { q: InstanceType<typeof mp.Queue> }) => {
      const { lock } = args.q.get(true, 5) as { lock: InstanceType<typeof mp.Lock> };
      return lock.acquire(false);
    }, JSON.parse(JSON.stringify({ q })));
    expect(held).toBe(true);
    expect(lock.locked()).toBe(true);
    lock.unlink();
    q.unlink();
  });

  it('two producer processes and this one consumer: nothing lost, each producer in order', async () => {
    const second = await Child.start();
    try {
      const q = new Queue<[number, number]>(8);
      const msg = JSON.parse(JSON.stringify({ q }));
      const produce = (mp: Mp, args: { q: InstanceType<typeof mp.Queue>; who: number }) => {
        for (let i = 0; i < 300; i++) args.q.put([args.who, i]);
        return true;
      };
      const a = child.run(produce, { ...msg, who: 1 });
      const b = second.run(produce, { ...msg, who: 2 });
      const next = [0, 0, 0];
      for (let n = 0; n < 600; n++) {
        const [who, i] = await q.getAsync(true, 10);
        expect(i).toBe(next[who]++);
      }
      expect(await a).toBe(true);
      expect(await b).toBe(true);
      expect(q.empty()).toBe(true);
      q.unlink();
    } finally {
      await second.stop();
    }
  });

  it('sees a ring another process grew while this one had the old one open', async () => {
    const q = new Queue<string>();
    q.put('small');
    q.get();
    const gen = ctl(q).get(GEN);
    await child.run((mp: Mp, args: { q: InstanceType<typeof mp.Queue> }) => {
      for (let i = 0; i < 100; i++) args.q.put(`${i}`.padEnd(500, '.'));
    }, JSON.parse(JSON.stringify({ q })));
    expect(ctl(q).get(GEN)).toBeGreaterThan(gen);
    for (let i = 0; i < 100; i++) expect(q.get(false)).toBe(`${i}`.padEnd(500, '.'));
    q.unlink();
  });

  it('a consumer killed with kill -9 while waiting in get() leaves the queue working', async () => {
    const victim = await Child.start();
    const q = new Queue();
    const call = victim.call(async (mp: Mp, args: { q: InstanceType<typeof mp.Queue> }, reply) => {
      const got = args.q.getAsync();
      reply('waiting');
      return got;
    }, JSON.parse(JSON.stringify({ q })));
    await call.note();
    await victim.kill9();
    q.put('after');
    expect(q.get(true, 5)).toBe('after');
    q.unlink();
  });

  it('a process killed holding the lock mid-get does not corrupt it: the next holder recounts', async () => {
    const victim = await Child.start();
    const q = new Queue();
    q.put('first');
    q.put('second');
    q.put('third');
    const call = victim.call((mp: Mp, args: { q: InstanceType<typeof mp.Queue> }, reply) => {
      const c = (args.q as unknown as { _ctl: InstanceType<typeof mp.Array> })._ctl;
      (args.q as unknown as { _lock: InstanceType<typeof mp.Lock> })._lock.acquire();
      // A get's commit (HEAD moves past the first record), killed before
      // it counts the item out.
      (args.q as unknown as { sync(): void }).sync();
      const length = 4 + (args.q as unknown as { copyOut(p: number, n: number): Buffer }).copyOut(0, 4).readUInt32LE(0);
      c.set(0, c.get(0) + length);
      reply('half-way');
      setInterval(() => {}, 1000);
    }, JSON.parse(JSON.stringify({ q })));
    await call.note();
    await victim.kill9();
    expect(q.qsize()).toBe(3); // not yet recounted: qsize is approximate
    expect(q.get(true, 5)).toBe('second');
    expect(q.qsize()).toBe(1);
    expect(q.get(false)).toBe('third');
    expect(ctl(q).get(COUNT)).toBe(0);
    expect(ctl(q).get(HEAD)).toBeGreaterThan(0);
    q.unlink();
  });

  it('a process killed mid-put or mid-growth leaves nothing half-done behind', async () => {
    const victim = await Child.start();
    const q = new Queue<string>();
    q.put('kept');
    const gen = ctl(q).get(GEN);
    const call = victim.call((mp: Mp, args: { q: InstanceType<typeof mp.Queue> }, reply) => {
      const c = (args.q as unknown as { _ctl: InstanceType<typeof mp.Array> })._ctl;
      (args.q as unknown as { _lock: InstanceType<typeof mp.Lock> })._lock.acquire();
      // A put that wrote its record but did not commit it (TAIL), and a
      // growth that made the next ring but did not move GEN to it.
      (args.q as unknown as { sync(): void }).sync();
      (args.q as unknown as { copyIn(p: number, d: Uint8Array): void }).copyIn(c.get(1), new Uint8Array([9, 0, 0, 0, 1, 2]));
      new mp.SharedMemory({ name: `${args.q.name}.g${c.get(2) + 1}`, create: true, size: 64 });
      reply('half-way');
      setInterval(() => {}, 1000);
    }, JSON.parse(JSON.stringify({ q })));
    await call.note();
    await victim.kill9();
    for (let i = 0; i < 50; i++) q.put('y'.repeat(200)); // grows past the leftover ring
    expect(ctl(q).get(GEN)).toBeGreaterThan(gen);
    expect(q.get(false)).toBe('kept');
    for (let i = 0; i < 50; i++) expect(q.get(false)).toBe('y'.repeat(200));
    expect(() => q.get(false)).toThrow(Empty);
    q.unlink();
    expect(fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`pthreading-${q.name}`))).toEqual([]);
  });

  it('posted to a thread it revives there as the same queue', () => {
    const q = new Queue<number>();
    const t = new Thread({ target: (q: Queue<number>) => q.put(q.get() * 2), args: [q] });
    t.start();
    q.put(21);
    t.join();
    expect(q.get(false)).toBe(42);
    q.unlink();
  });
});

describe('multiprocessing.JoinableQueue', () => {
  it('join() returns once every item put is marked done, in any process', async () => {
    const worker = await Child.start();
    try {
      const q = new JoinableQueue<number>();
      q.put(1);
      q.put(2);
      const done = worker.run(async (mp: Mp, args: { q: InstanceType<typeof mp.JoinableQueue> }) => {
        let sum = 0;
        for (let i = 0; i < 2; i++) {
          sum += (await args.q.getAsync()) as number;
          args.q.taskDone();
        }
        return sum;
      }, JSON.parse(JSON.stringify({ q })));
      await q.joinAsync();
      expect(await done).toBe(3);
      q.join(); // nothing unfinished: at once
      expect(() => q.taskDone()).toThrow(ValueError);
      q.unlink();
    } finally {
      await worker.stop();
    }
  });

  it('joinAsync() honours an AbortSignal', async () => {
    const q = new JoinableQueue();
    q.put('x');
    const ac = new AbortController();
    const joined = q.joinAsync({ signal: ac.signal });
    await ticksWhilePending(joined, 2);
    ac.abort();
    await expect(joined).rejects.toBeInstanceOf(AbortError);
    q.unlink();
  });

  it('a name made as one kind of queue is refused as another', () => {
    const name = freshName('q');
    const q = new Queue(0, { name });
    expect(() => new JoinableQueue(0, { name })).toThrow(SegmentMismatchError);
    expect(() => new SimpleQueue({ name })).toThrow(/is a Queue, not a SimpleQueue/);
    q.unlink();
  });
});

describe('multiprocessing queues and Process', () => {
  it("a Process subclass's workers take jobs from a JoinableQueue and put results on a Queue", async () => {
    class Worker extends Process {
      jobs: JoinableQueue<number | null>;
      results: Queue<[number, number]>;
      constructor(jobs: JoinableQueue<number | null>, results: Queue<[number, number]>) {
        super({ daemon: true });
        this.jobs = jobs;
        this.results = results;
      }

      run(): void {
        for (;;) {
          const n = this.jobs.get();
          this.jobs.taskDone();
          if (n === null) return;
          this.results.put([n, n * n]);
        }
      }
    }
    const jobs = new JoinableQueue<number | null>();
    const results = new Queue<[number, number]>();
    const workers = [new Worker(jobs, results), new Worker(jobs, results)];
    for (const w of workers) w.start();
    for (let i = 0; i < 20; i++) jobs.put(i);
    for (const _ of workers) jobs.put(null);
    await jobs.joinAsync();
    for (const w of workers) await w.joinAsync();
    expect(workers.map((w) => w.exitcode)).toEqual([0, 0]);
    const squares = new Map<number, number>();
    while (!results.empty()) {
      const [n, sq] = results.get(false);
      squares.set(n, sq);
    }
    expect([...squares].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 20 }, (_, i) => [i, i * i]));
    jobs.unlink();
    results.unlink();
  });
});

describe('multiprocessing.SimpleQueue', () => {
  it('puts and gets, in this process and another', async () => {
    const worker = await Child.start();
    try {
      const q = new SimpleQueue<string>();
      expect(q.empty()).toBe(true);
      const r = worker.run(async (mp: Mp, args: { q: InstanceType<typeof mp.SimpleQueue> }) => {
        args.q.put(`${await args.q.getAsync()}!`);
      }, JSON.parse(JSON.stringify({ q })));
      q.put('hi');
      await r;
      expect(await q.getAsync()).toBe('hi!');
      q.unlink();
    } finally {
      await worker.stop();
    }
  });
});

const seed = Number(process.env.PTHREADING_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seconds = 3 * Number(process.env.PTHREADING_STRESS ?? 1);

describe(`multiprocessing.Queue under kill -9 (seed ${seed})`, () => {
  it('3 processes putting and getting at random, killed at random: nothing duplicated, each kill loses at most its one get', async () => {
    const q = new Queue<{ p: number; seq: number; pad: string }>();
    const logDir = fs.mkdtempSync('/dev/shm/test-mpq-stress-');
    const rand = seededRandom(seed);
    const work = (mp: Mp, args: { q: InstanceType<typeof mp.Queue>; seed: number; log: string; duration: number }) => {
      const fs = require('node:fs') as typeof import('node:fs');
      const q = args.q;
      let y = args.seed || 1;
      const rnd = (n: number): number => {
        y ^= y << 13;
        y ^= y >>> 17;
        y ^= y << 5;
        return (y >>> 0) % n;
      };
      const log = (s: string): void => fs.appendFileSync(args.log, `${s}\n`);
      const until = Date.now() + args.duration;
      let seq = 0;
      return (async () => {
        while (Date.now() < until) {
          const r = rnd(4);
          try {
            if (r < 2) {
              const item = { p: process.pid, seq, pad: 'x'.repeat(rnd(3000)) };
              if (r === 0) q.put(item, true, 0.05);
              else await q.putAsync(item, true, 0.05);
              log(`put ${process.pid} ${seq++}`);
            } else {
              const it = (r === 2 ? q.get(true, 0.02) : await q.getAsync(true, 0.02)) as { p: number; seq: number; pad: string };
              if (/[^x]/.test(it.pad)) log(`bad ${it.p} ${it.seq}`);
              log(`got ${it.p} ${it.seq}`);
            }
          } catch (e) {
            if ((e as Error).name !== 'Full' && (e as Error).name !== 'Empty') throw e;
          }
        }
        return seq;
      })();
    };
    const live = new Set<Child>();
    const runs: Promise<unknown>[] = [];
    let n = 0;
    const spawn = async (): Promise<void> => {
      const c = await Child.start();
      live.add(c);
      const run = c.run(work, { q: JSON.parse(JSON.stringify(q)), seed: rand(2 ** 30), log: `${logDir}/${n++}`, duration: 1500 });
      // A killed child's call never answers: its exit ends the wait.
      runs.push(Promise.race([run, c.exited.then(() => null)]).finally(() => c.stop()));
      void c.exited.then(() => live.delete(c));
    };
    for (let i = 0; i < 3; i++) await spawn();
    let killed = 0;
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 150 + rand(300)));
      const victims = [...live];
      const victim = victims[rand(victims.length)];
      if (!victim) continue;
      await victim.kill9();
      killed++;
      await spawn();
    }
    await Promise.all(runs);
    const drained: { p: number; seq: number }[] = [];
    for (;;) {
      try {
        drained.push(q.get(false));
      } catch (e) {
        expect(e).toBeInstanceOf(Empty);
        break;
      }
    }
    expect(q.qsize()).toBe(0);
    const lines = fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(`${logDir}/${f}`, 'utf8').trim().split('\n')).filter(Boolean);
    fs.rmSync(logDir, { recursive: true, force: true });
    expect(lines.filter((l) => l.startsWith('bad')), `seed ${seed}`).toEqual([]);
    const got = [...lines.filter((l) => l.startsWith('got ')).map((l) => l.slice(4)), ...drained.map((d) => `${d.p} ${d.seq}`)];
    expect(new Set(got).size, `seed ${seed}: an item came out twice`).toBe(got.length);
    const put = lines.filter((l) => l.startsWith('put ')).map((l) => l.slice(4));
    const seen = new Set(got);
    const missing = put.filter((p) => !seen.has(p));
    expect(missing.length, `seed ${seed}: lost ${missing.join(', ')}`).toBeLessThanOrEqual(killed);
    expect(put.length).toBeGreaterThan(20);
    expect(killed).toBeGreaterThan(0);
    const rings = fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`pthreading-${q.name}.g`));
    expect(rings.length).toBeLessThanOrEqual(1);
    q.unlink();
  }, 60_000);
});
