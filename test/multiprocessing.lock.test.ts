import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { Lock, RLock, multiprocessingStats, rawWord } from 'pthreading/multiprocessing';

import { Event as ThreadingEvent } from 'pthreading';

import { Child, freshName } from './mp-helpers';
import { onThread, ticksWhilePending, until } from './helpers';

const WAITERS = 1 << 8;
const children: Child[] = [];
const made: { unlink(): boolean }[] = [];

async function child(): Promise<Child> {
  const c = await Child.start();
  children.push(c);
  return c;
}

function lock(name = freshName('lock')): Lock {
  const l = new Lock({ name });
  made.push(l);
  return l;
}

function rlock(): RLock {
  const r = new RLock();
  made.push(r);
  return r;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
  for (const m of made.splice(0)) m.unlink();
});

afterAll(() => {
  expect(multiprocessingStats().watchedAsync).toBe(0);
});

describe('multiprocessing.Lock: one lock in several processes', () => {
  it('is the same lock when another process opens it by name', async () => {
    const name = freshName('lock');
    const l = lock(name);
    const c = await child();
    expect(l.acquire()).toBe(true);
    expect(await c.run((mp, n) => new mp.Lock({ name: n }).acquire(false), name)).toBe(false);
    l.release();
    expect(await c.run((mp, n) => new mp.Lock({ name: n }).acquire(false), name)).toBe(true);
    expect(l.locked()).toBe(true);
    expect(l.acquire(false)).toBe(false);
    // Any process may release a Lock, as any thread may in Python.
    l.release();
    expect(l.acquire(false)).toBe(true);
    l.release();
  });

  it('is the same lock when passed to a child in a message (anonymous)', async () => {
    const l = new Lock();
    made.push(l);
    const c = await child();
    l.acquire();
    expect(await c.run((_mp, { l }) => [l.constructor.name, l.acquire(false)], { l })).toEqual(['Lock', false]);
    l.release();
    expect(await c.run((_mp, { l }) => l.acquire(false), { l })).toBe(true);
    expect(l.locked()).toBe(true);
    await c.run((_mp, { l }) => l.release(), { l });
    expect(l.locked()).toBe(false);
  });

  it('wakes a process blocked in acquire() when another releases it', async () => {
    const l = lock();
    const c = await child();
    l.acquire();
    const call = c.call((_mp, { l }, reply) => {
      reply('waiting');
      const got = l.acquire();
      l.release();
      return got;
    }, { l });
    await call.note();
    await until(() => (rawWord(l, 0) & WAITERS) !== 0);
    l.release();
    expect(await call.result).toBe(true);
  });

  it('acquireAsync() in another process waits without blocking its event loop', async () => {
    const l = lock();
    const c = await child();
    l.acquire();
    const call = c.call(async (_mp, { l }, reply) => {
      const pending = l.acquireAsync();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      reply('waiting');
      const got = await pending;
      clearInterval(timer);
      l.release();
      return { got, ticks };
    }, { l });
    await call.note();
    await until(() => (rawWord(l, 0) & WAITERS) !== 0);
    // The child's loop runs while it waits.
    const pong = await c.run(() => 'pong');
    expect(pong).toBe('pong');
    l.release();
    const { got } = await call.result;
    expect(got).toBe(true);
  });

  it('acquireAsync() here is woken by a release in another process', async () => {
    const l = lock();
    const c = await child();
    await c.run((_mp, { l }) => l.acquire(), { l });
    const pending = l.acquireAsync();
    await ticksWhilePending(pending, 5);
    expect(multiprocessingStats().watchedAsync).toBe(1);
    await c.run((_mp, { l }) => l.release(), { l });
    expect(await pending).toBe(true);
    expect(l.ownerDied).toBe(false);
    l.release();
  });

  it('acquireAsync(true, timeout) gives up after the timeout and leaves nothing queued', async () => {
    const l = lock();
    const c = await child();
    await c.run((_mp, { l }) => l.acquire(), { l });
    const t = performance.now();
    expect(await l.acquireAsync(true, 0.05)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
    expect(multiprocessingStats().watchedAsync).toBe(0);
    const ac = new AbortController();
    const pending = l.acquireAsync(true, -1, { signal: ac.signal });
    ac.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(multiprocessingStats().watchedAsync).toBe(0);
    await c.run((_mp, { l }) => l.release(), { l });
  });

  it('acquire(true, timeout) gives up after the timeout', async () => {
    const l = lock();
    const c = await child();
    await c.run((_mp, { l }) => l.acquire(), { l });
    const t = performance.now();
    expect(l.acquire(true, 0.05)).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
    await c.run((_mp, { l }) => l.release(), { l });
  });

  it('keeps two processes x 2,000 increments under the lock exact', async () => {
    const name = freshName('count');
    const file = `/dev/shm/${name}.txt`;
    fs.writeFileSync(file, '0');
    const l = lock();
    const [a, b] = [await child(), await child()];
    const work = (_mp: unknown, { l, file }: { l: Lock; file: string }): number => {
      const fs = require('node:fs');
      for (let i = 0; i < 2000; i++) {
        l.acquire();
        fs.writeFileSync(file, String(Number(fs.readFileSync(file, 'utf8')) + 1));
        l.release();
      }
      return 0;
    };
    await Promise.all([a.run(work, { l, file }), b.run(work, { l, file })]);
    expect(fs.readFileSync(file, 'utf8')).toBe('4000');
    fs.unlinkSync(file);
  });
});

// The lost-wake-up tests find sleepers through /proc/<pid>/task/<tid>/syscall,
// in futex_waitv (Linux 5.16+); elsewhere the library sleeps on one futex word.
const seesSleepers = ((): boolean => {
  try {
    fs.readFileSync('/proc/self/syscall');
  } catch {
    return false;
  }
  const [major, minor] = os.release().split('.').map(Number);
  return major > 5 || (major === 5 && minor >= 16);
})();

/**
 * Whether a thread of process `pid` (every thread when `tid` is omitted)
 * sleeps in the kernel in futex_waitv (on `words` futex words at once, when
 * given): read from /proc, so a test can wait until a sleeper is really
 * queued instead of sleeping and hoping.
 */
function sleepsOn(pid: number, words: number | undefined, tid?: number): boolean {
  const tids = tid !== undefined ? [String(tid)] : fs.readdirSync(`/proc/${pid}/task`);
  return tids.some((t) => {
    let line: string;
    try {
      line = fs.readFileSync(`/proc/${pid}/task/${t}/syscall`, 'utf8');
    } catch {
      return false; // the thread ended meanwhile
    }
    const [nr, , count] = line.split(' ');
    return nr === '449' && (words === undefined || Number(count) === words);
  });
}

/**
 * A child process asleep in `l.acquire()`, queued behind whoever sleeps
 * on the lock already. Its timeout only bounds the test: at the deadline
 * it looks at the lock once more and would take it, woken or not; so
 * `wasWoken()` also checks it did not wait that long.
 */
async function sleeper(l: Lock, c: Child): Promise<{ wasWoken(): Promise<void> }> {
  const call = c.call((_mp, { l }, reply) => {
    reply('waiting');
    const t = performance.now();
    return { got: l.acquire(true, 20), ms: performance.now() - t };
  }, { l });
  await call.note();
  await until(() => sleepsOn(c.pid, undefined, c.pid));
  return {
    async wasWoken() {
      const { got, ms } = await call.result;
      expect(got).toBe(true);
      expect(ms).toBeLessThan(10_000);
      await c.run((_mp, { l }) => l.release(), { l });
    },
  };
}

describe.skipIf(!seesSleepers)('multiprocessing.Lock and RLock: a wake-up spent on a waiter that then leaves', () => {
  // A release clears WAITERS and wakes one sleeper. Here it wakes this
  // thread's acquireAsync() (queued first), which cannot use it: the
  // releasing thread takes the lock back before the waiter retries, and
  // the waiter is aborted. The sync acquire() asleep in the child must
  // still be woken by the next release, though that release finds WAITERS
  // clear: the waiter that leaves passes its wake-up on.
  for (const Kind of [Lock, RLock]) {
    it(`${Kind.name}: an aborted acquireAsync() that was woken passes the wake-up to a process still asleep`, async () => {
      const l = new Kind();
      made.push(l);
      type Steps = { l: Lock; held: ThreadingEvent; barge: ThreadingEvent; barged: ThreadingEvent; release: ThreadingEvent };
      const steps: Omit<Steps, 'l'> = { held: new ThreadingEvent(), barge: new ThreadingEvent(), barged: new ThreadingEvent(), release: new ThreadingEvent() };
      const holder = onThread((d: Steps) => {
        d.l.acquire();
        d.held.set();
        d.barge.wait();
        d.l.release();
        const again = d.l.acquire(false);
        d.barged.set();
        d.release.wait();
        d.l.release();
        return again;
      }, { l, ...steps });
      expect(steps.held.wait(10)).toBe(true);
      const ac = new AbortController();
      const pending = l.acquireAsync(true, -1, { signal: ac.signal });
      pending.catch(() => {});
      try {
        // The waker thread sleeps on the lock's word and its own control word.
        await until(() => sleepsOn(process.pid, 2));
        // Queued behind the waker, so the release wakes the waker, not it.
        const asleep = await sleeper(l, await child());
        // This thread stays off its event loop until the holder has the
        // lock again, so the waiter's retry comes after. It spins rather
        // than waits: a thread asleep in a sync wait passes on the wake-ups
        // its async waiters get meanwhile (they cannot run), which would
        // wake the child here and test nothing.
        steps.barge.set();
        const end = performance.now() + 10_000;
        const spin = (what: string, done: () => boolean): void => {
          while (!done()) if (performance.now() > end) throw new Error(`${what} not reached within 10 s`);
        };
        spin('the holder taking the lock back', () => steps.barged.isSet());
        // The waker has handed the wake-up over once it sleeps on its
        // control word alone.
        spin('the waker sleeping again', () => sleepsOn(process.pid, 1));
        ac.abort();
        await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
        steps.release.set(); // finds WAITERS clear unless the waiter passed its wake-up on
        expect(await holder.done).toBe(true);
        await asleep.wasWoken();
      } finally {
        // A failed step must not leave the holder thread or the waiter behind.
        ac.abort();
        steps.barge.set();
        steps.release.set();
      }
    }, 40_000);
  }
});

describe.skipIf(!seesSleepers)('multiprocessing.Lock and RLock: a wake-up spent on a sync waiter that then times out', () => {
  // The same with a sync acquire(): the release wakes it (queued first),
  // and a test-only delay holds it between that wake-up and its retry;
  // meanwhile this thread takes the lock back and its deadline passes, so
  // it retries, finds the lock taken and times out. The next release finds
  // WAITERS clear: the second sleeper is woken only if the one that timed
  // out passed its wake-up on.
  const native = path.join(__dirname, '..', 'dist', 'multiprocessing', 'native.js');
  for (const Kind of [Lock, RLock]) {
    it(`${Kind.name}: a sync acquire() woken and then timed out passes the wake-up to a process still asleep`, async () => {
      const l = new Kind();
      made.push(l);
      expect(l.acquire()).toBe(true);
      // Both started first: the sleeper must be queued well within the
      // first's timeout.
      const [first, second] = [await child(), await child()];
      const timedOut = first.call((_mp, { l, native }, reply) => {
        require(native).mp.setRetryDelay(7000);
        reply('waiting');
        return l.acquire(true, 5);
      }, { l, native });
      await timedOut.note();
      const since = performance.now();
      await until(() => sleepsOn(first.pid, undefined, first.pid));
      // Queued behind the first, so the release wakes the first.
      const asleep = await sleeper(l, second);
      // The release must find the first still asleep, within its timeout.
      if (performance.now() - since > 4000 || !sleepsOn(first.pid, undefined, first.pid)) {
        throw new Error('the second sleeper took over 4 s to queue: the first waiter\'s 5 s timeout may have run out');
      }
      l.release();
      expect(l.acquire(false)).toBe(true);
      expect(await timedOut.result).toBe(false);
      l.release(); // finds WAITERS clear unless the first passed its wake-up on
      await asleep.wasWoken();
    }, 40_000);
  }
});

describe('multiprocessing.Lock: a holder killed with SIGKILL', () => {
  it('the next acquire gets the lock and is told the owner died', async () => {
    const l = lock();
    const c = await child();
    await c.run((_mp, { l }) => l.acquire(), { l });
    expect(l.acquire(false)).toBe(false);
    await c.kill9();
    expect(l.acquire(false)).toBe(true);
    expect(l.ownerDied).toBe(true);
    l.release();
    expect(l.acquire(false)).toBe(true);
    expect(l.ownerDied).toBe(false);
    l.release();
  });

  it('acquire() with no arguments takes it from a killed holder and is told, as acquire(false) is', async () => {
    for (const make of [() => lock(), () => rlock()]) {
      const l = make();
      const c = await child();
      await c.run((_mp, { l }) => l.acquire(), { l });
      await c.kill9();
      expect(l.acquire()).toBe(true);
      expect(l.ownerDied).toBe(true);
      l.release();
      expect(l.acquire()).toBe(true);
      expect(l.ownerDied).toBe(false);
      l.release();
    }
  });

  it('a process blocked in acquire() wakes when the holder is killed', async () => {
    const l = lock();
    const [holder, waiter] = [await child(), await child()];
    await holder.run((_mp, { l }) => l.acquire(), { l });
    const call = waiter.call((_mp, { l }, reply) => {
      reply('waiting');
      const got = l.acquire();
      return { got, ownerDied: l.ownerDied };
    }, { l });
    await call.note();
    await until(() => (rawWord(l, 0) & WAITERS) !== 0);
    await holder.kill9();
    expect(await call.result).toEqual({ got: true, ownerDied: true });
    expect(l.locked()).toBe(true);
    await waiter.kill9();
    expect(l.acquire(true, 5)).toBe(true);
    expect(l.ownerDied).toBe(true);
    l.release();
  });

  it('acquireAsync() here wakes when the holder is killed', async () => {
    const l = lock();
    const c = await child();
    await c.run((_mp, { l }) => l.acquire(), { l });
    const pending = l.acquireAsync();
    await ticksWhilePending(pending, 3);
    await c.kill9();
    expect(await pending).toBe(true);
    expect(l.ownerDied).toBe(true);
    l.release();
  });
});

describe('multiprocessing.RLock', () => {
  it('is reentrant for its owner thread and refuses other processes', async () => {
    const r = new RLock({ name: freshName('rlock') });
    made.push(r);
    const c = await child();
    expect(r.acquire()).toBe(true);
    expect(r.acquire()).toBe(true);
    expect(await c.run((_mp, { r }) => r.acquire(false), { r })).toBe(false);
    await expect(c.run((_mp, { r }) => r.release(), { r })).rejects.toMatchObject({ name: 'RuntimeError' });
    r.release();
    expect(r.locked()).toBe(true);
    r.release();
    expect(r.locked()).toBe(false);
    expect(() => r.release()).toThrow('cannot release un-acquired lock');
  });

  it('a holder killed at depth 3 leaves it free for the next, who is told', async () => {
    const r = new RLock({ name: freshName('rlock') });
    made.push(r);
    const c = await child();
    await c.run((_mp, { r }) => [r.acquire(), r.acquire(), r.acquire()], { r });
    await c.kill9();
    expect(r.acquire(true, 5)).toBe(true);
    expect(r.ownerDied).toBe(true);
    r.release();
    expect(r.locked()).toBe(false);
  });
});
