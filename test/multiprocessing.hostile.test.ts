/**
 * The multiprocessing Queue, SharedMemory and Process used as a careless
 * user would: async and sync calls mixed on one thread, closed objects,
 * edge values. Scenarios that would hang this thread run in a child.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AbortError, ArgumentTypeError, Event, Process, activeChildren, JoinableQueue, Queue, SegmentMismatchError, SimpleQueue, ValueError, multiprocessingStats } from 'pthreading/multiprocessing';

import { Event as ThreadingEvent, Lock as ThreadingLock } from 'pthreading';

import { Child, freshName } from './mp-helpers';

let child: Child;
beforeAll(async () => {
  child = await Child.start();
});
// A child stuck in a deadlock never exits by itself.
afterAll(() => child.kill9());

describe('multiprocessing queues, async and sync on one thread', () => {
  it('a sync put() while this thread has a getAsync() pending completes, and the getAsync() gets the item', async () => {
    const got = await child.run(async (mp) => {
      const q = new mp.Queue();
      const pending = q.getAsync();
      q.put('x'); // deadlocked: the pending getAsync() held the lock
      const v = await pending;
      q.unlink();
      return v;
    });
    expect(got).toBe('x');
  }, 20_000);

  it('a sync get() sees an item although a getAsync() of this thread is pending', async () => {
    const got = await child.run(async (mp) => {
      const q = new mp.Queue();
      q.put(1);
      q.put(2);
      const pending = q.getAsync();
      const now = q.get(true, 5); // timed out with Empty: the lock was held
      const later = await pending;
      q.unlink();
      return [now, later].sort();
    });
    expect(got).toEqual([1, 2]);
  }, 20_000);

  it('a putAsync() not awaited does not keep a sync get() of this thread out', async () => {
    const got = await child.run(async (mp) => {
      const q = new mp.Queue(1);
      const put = q.putAsync('y');
      const v = q.get(true, 5);
      await put;
      q.unlink();
      return v;
    });
    expect(got).toBe('y');
  }, 20_000);

  it('a joinAsync() pending does not keep this thread\'s get() and taskDone() out', async () => {
    const got = await child.run(async (mp) => {
      const q = new mp.JoinableQueue();
      q.put(1);
      const joined = q.joinAsync();
      const v = q.get(true, 5);
      q.taskDone();
      await joined;
      q.unlink();
      return v;
    });
    expect(got).toBe(1);
  }, 20_000);

  it('a getAsync() pending when its queue is closed rejects with ValueError, and loses no item', async () => {
    const q = new Queue();
    const other = new Queue(0, { name: q.name, create: false });
    const pending = q.getAsync(true, 10);
    await new Promise((r) => setImmediate(r));
    q.close();
    other.put('kept');
    await expect(pending).rejects.toThrow(ValueError);
    expect(other.get(false)).toBe('kept');
    other.unlink();
    other.close();
  });
});

describe('multiprocessing queues closed with async waits pending', () => {
  it('close() ends the pending getAsync(), putAsync() and joinAsync() of that object with ValueError (they kept the process alive)', async () => {
    const before = multiprocessingStats().watchedAsync;
    const q = new Queue(1);
    const getting = q.getAsync();
    const full = new Queue(1);
    full.put(1);
    const putting = full.putAsync(2);
    const j = new JoinableQueue();
    j.put(1);
    const joining = j.joinAsync();
    await new Promise((r) => setImmediate(r));
    expect(multiprocessingStats().watchedAsync).toBe(before + 3);
    for (const x of [q, full, j]) x.close();
    await expect(getting).rejects.toThrow(ValueError);
    await expect(putting).rejects.toThrow(ValueError);
    await expect(joining).rejects.toThrow(ValueError);
    expect(multiprocessingStats().watchedAsync).toBe(before);
    for (const x of [q, full, j]) x.unlink();
  });

  it('an AbortSignal still ends them with AbortError, and the queue stays usable', async () => {
    const q = new Queue();
    const ac = new AbortController();
    const getting = q.getAsync(true, null, { signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await expect(getting).rejects.toThrow(AbortError);
    q.put('after');
    expect(await q.getAsync()).toBe('after');
    q.close();
    q.unlink();
  });
});

describe('multiprocessing queues after unlink()', () => {
  const left = (base: string): string[] => fs.readdirSync('/dev/shm').filter((f) => f.includes(base));

  it('a queue unlinked while in use still grows, and leaves no segment behind', () => {
    for (const q of [new Queue(), new Queue(0, { name: freshName('unlinked') })]) {
      q.unlink();
      q.put(new Uint8Array(10_000));
      q.put(new Uint8Array(100_000));
      expect((q.get() as Uint8Array).length).toBe(10_000);
      expect((q.get() as Uint8Array).length).toBe(100_000);
      expect(left(q.name)).toEqual([]);
      q.close();
    }
  });

  it('another process that had it open reaches a ring grown after unlink() no more (FileNotFoundError), as documented', async () => {
    const q = new Queue();
    q.put('first'); // the ring both processes have open
    const go = new Event();
    const opened = child.call(
      async (mp, { name, go }, reply) => {
        const o = new mp.Queue(0, { name, create: false });
        o.put('small');
        reply('opened');
        await go.waitAsync();
        try {
          o.get(false);
          return 'got';
        } catch (e) {
          return (e as Error).name;
        }
      },
      { name: q.name, go },
    );
    await opened.note();
    q.unlink();
    q.put(new Uint8Array(100_000)); // grows: the ring the child knows is replaced
    go.set();
    expect(await opened.result).toBe('FileNotFoundError');
    expect(left(q.name)).toEqual([]);
    q.close();
    go.unlink();
  });
});

describe('multiprocessing queues refuse bad arguments in their own name', () => {
  it("options that are not an object, a bad name or mode: the queue's typed error, not its control Array's", () => {
    expect(() => new SimpleQueue(5 as never)).toThrow(/^SimpleQueue\(\): options must be an object/);
    expect(() => new SimpleQueue(5 as never)).toThrow(ArgumentTypeError);
    expect(() => new Queue(0, 'jobs' as never)).toThrow(/^Queue\(\): options must be an object/);
    expect(() => new Queue(0, { name: 'a/b' })).toThrow(/^Queue\(\): invalid name "a\/b"/);
    expect(() => new Queue(0, { name: 'a/b' })).toThrow(ValueError);
    expect(() => new JoinableQueue(0, { mode: 'x' as never })).toThrow(/^JoinableQueue\(\): options.mode/);
  });
});

// A private mount namespace with a 1 MiB /dev/shm (as root, where unshare works).
const smallShm = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm'], { stdio: 'ignore' }).status === 0;

describe('multiprocessing segments when /dev/shm is too small', () => {
  it.skipIf(!smallShm)('a SharedMemory, a queue ring, an Array or a Lock with no room is a typed error, not a SIGBUS that kills the process', () => {
    const dist = path.join(__dirname, '..', 'dist', 'multiprocessing');
    const script = `
      const mp = require(${JSON.stringify(dist)});
      const out = [];
      try { new mp.SharedMemory({ size: 4 << 20 }).write(0, new Uint8Array(4 << 20)); out.push('written'); }
      catch (e) { out.push(e.name, e.errno); }
      const q = new mp.Queue();
      q.put('small');
      try { q.put(new Uint8Array(3 << 20)); out.push('put'); }
      catch (e) { out.push(e.name); }
      out.push(q.qsize(), q.get(false), require('fs').readdirSync('/dev/shm').filter((f) => f.includes('.g')).length);
      q.unlink();
      // Any primitive: its segment is backed when it is made.
      const big = new mp.Array('B', 700 << 10);
      try { new mp.Array('d', 64 << 10); out.push('made'); }
      catch (e) { out.push(e.name, e.errno); }
      try { for (let i = 0; i < 100; i++) new mp.Lock(); out.push('locks'); }
      catch (e) { out.push(e.name, e.errno); }
      big.set(0, 1);
      console.log(JSON.stringify(out));`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm && exec "$0" -e "$1"', process.execPath, script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal).toBe(null); // was SIGBUS
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['OSError', 28, 'MemoryError', 1, 'small', 1, 'OSError', 28, 'OSError', 28]);
  });
});

describe('multiprocessing.Process once closed', () => {
  it('pid, ident, exitcode and isAlive() throw ValueError, as Python; name, daemon and close() still work', () => {
    const p = new Process({ target: () => 0 });
    p.start();
    p.join();
    expect(p.exitcode).toBe(0);
    p.close();
    for (const read of [() => p.pid, () => p.ident, () => p.exitcode, () => p.isAlive(), () => p.join(), () => p.terminate(), () => p.start()]) {
      expect(read).toThrow(ValueError);
      expect(read).toThrow(/process object is closed/);
    }
    expect(p.name).toBe(p.name);
    expect(p.daemon).toBe(false);
    expect(() => p.close()).not.toThrow();
    expect(String(p)).toMatch(/closed/);
    expect(activeChildren()).not.toContain(p);
  });
});

describe('multiprocessing queue names that clash', () => {
  it("a queue growing into a ring name another primitive holds (a queue named '<name>.g1') refuses, and leaves that primitive alone", () => {
    const base = freshName('clash');
    const other = new Queue(0, { name: `${base}.g1` });
    other.put('mine');
    const q = new Queue(0, { name: base });
    expect(() => q.put(1)).toThrow(SegmentMismatchError);
    expect(q.qsize()).toBe(0);
    const again = new Queue(0, { name: `${base}.g1`, create: false }); // was unlinked by q's growth
    expect(again.get(false)).toBe('mine');
    for (const x of [q, other, again]) {
      x.unlink();
      x.close();
    }
  });
});

describe('multiprocessing.Process refuses what cannot reach another process', () => {
  it("a threading primitive or shared memory of this process in args, kwargs or fields is a TypeError at start() (as Python's pickling error), not a child that dies reviving it or works on a copy", () => {
    class Holder extends Process {
      held = new SharedArrayBuffer(8);
      override run(): void {}
    }
    const cases: (() => Process)[] = [
      () => new Process({ target: () => 0, args: [new ThreadingLock()] }),
      () => new Process({ target: () => 0, args: [{ deep: [new Int32Array(new SharedArrayBuffer(8))] }] }),
      () => new Process({ target: () => 0, kwargs: { ev: new ThreadingEvent() } }),
      () => new Holder(),
    ];
    for (const make of cases) {
      const p = make();
      expect(() => p.start()).toThrow(ArgumentTypeError);
      expect(() => make().start()).toThrow(/cannot reach another process.*multiprocessing/);
      expect(p.pid).toBe(null); // nothing was started
    }
  });
});
