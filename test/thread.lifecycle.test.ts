/**
 * A thread's life from start() to the end of the process: what start()
 * returns and refuses, when a thread counts as ended, and that no thread,
 * warm worker or finished thread ever holds the process up.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';

import { Event, Thread, ValueError, nativeStats, stackSize } from 'pthreading';

import { onThread, script, until } from './helpers';

// Targets reach the library through this plain variable (see thread.test.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

const root = path.join(__dirname, '..');

describe('the end of the process', () => {
  it('exits once a thread that started a thread has ended', () => {
    // Each inner thread's warm worker has booted and is asleep waiting for a
    // job when the thread ends: it must not hold the thread's worker up.
    // (The helpers leave a timer behind, so that their workers end with them
    // rather than wait to be reused: test/reuse.test.ts has threads ending
    // with workers back and waiting.)
    // (The main thread keeps none, so that the count of environments tells
    // when the warm worker has booted; the pause after that only lets it
    // fall asleep, and the outcome does not depend on it.)
    const r = script(`
      const { Thread, setSpareThreads } = require('pthreading');
      setSpareThreads(0);
      for (let i = 0; i < 3; i++) {
        const t = new Thread({ target: () => {
          setSpareThreads(1);
          for (let j = 0; j < 2; j++) { // a thread boots its warm workers at its second start
            const t2 = new Thread({ target: () => void setTimeout(() => 0, 60_000).unref() });
            t2.start();
            t2.join();
          }
          while (nativeStats().liveEnvs !== 3) sleep(0.001); // main, this thread, its warm worker
          sleep(0.1);
        } });
        t.start();
        t.join();
      }
      console.log('joined');
    `);
    expect(r.stdout).toBe('joined\n');
    expect(r.status).toBe(0);
  });

  it('exits once a thread that used a ThreadPoolExecutor (and never shut it down) has ended', () => {
    const r = script(`
      const { Thread } = require('pthreading');
      const t = new Thread({ target: () => {
        const ex = new ThreadPoolExecutor(2);
        console.log(ex.submit((a) => a * 2, 21).result());
      } });
      t.start();
      t.join();
    `);
    expect(r.stdout).toBe('42\n');
    expect(r.status).toBe(0);
  });

  it("exits when a thread calls process.exit() while a daemon thread it started is blocked in a native wait", () => {
    const r = script(`
      const { Thread, Event } = require('pthreading');
      const blocked = new Event();
      const t = new Thread({ args: [blocked], target: (blocked) => {
        const d = new Thread({ daemon: true, args: [blocked], target: (b) => new Event().wait(b.set()) });
        d.start();
        blocked.wait();
        process.exit(0);
      } });
      t.start();
      t.join();
      console.log('joined');
    `);
    expect(r.stdout).toBe('joined\n');
    expect(r.status).toBe(0);
  });

  it('a thread that joins the main thread returns once the main script has ended, and the process exits', () => {
    const r = script(`
      const { Thread, mainThread } = require('pthreading');
      const t = new Thread({ target: () => {
        mainThread().join();
        console.log('main ended, alive: ' + mainThread().isAlive());
      } });
      t.start();
      console.log('script end');
    `);
    expect(r.stdout).toBe('script end\nmain ended, alive: false\n');
    expect(r.status).toBe(0);
  });

  it('waits for a non-daemon thread whose parent has ended, which may itself join the main thread', () => {
    const r = script(`
      const { Thread } = require('pthreading');
      const t = new Thread({ target: () => {
        new Thread({ target: () => {
          mainThread().join();
          console.log('grandchild saw the main thread end');
        } }).start();
      } });
      t.start();
      t.join();
      console.log('parent ended: ' + !t.isAlive());
    `);
    expect(r.stdout).toBe('parent ended: true\ngrandchild saw the main thread end\n');
    expect(r.status).toBe(0);
  });

  it('a Timer started by a thread that has ended still fires, and the process waits for it', () => {
    const r = script(`
      const { Event, Thread } = require('pthreading');
      // The Timer prints only once the main thread has: the order is fixed.
      const printed = new Event();
      const t = new Thread({
        target: (printed) => new Timer(0.05, (printed) => { printed.wait(); console.log('fired'); }, [printed]).start(),
        args: [printed],
      });
      t.start();
      t.join();
      console.log('thread ended: ' + !t.isAlive());
      printed.set();
    `);
    expect(r.stdout).toBe('thread ended: true\nfired\n');
    expect(r.status).toBe(0);
  });

  it('Thread.start() in an exit handler throws RuntimeError, as at interpreter shutdown', () => {
    const r = script(`
      const { Thread } = require('pthreading');
      new Thread({ target: () => 0 }).start(); // warm workers are ready
      process.on('exit', () => {
        try {
          new Thread({ target: () => console.log('ran') }).start();
          console.log('started');
        } catch (e) {
          console.log(e.name + ' ' + e.code + ' ' + e.message);
        }
      });
    `);
    expect(r.stdout).toBe("RuntimeError ERR_SHUTDOWN can't create new thread at interpreter shutdown\n");
    expect(r.status).toBe(0);
  });
});

describe('Thread#start()', () => {
  it('sets nativeId before it returns, even for a thread that has already ended', async () => {
    for (let i = 0; i < 40; i++) {
      const t = new Thread({ target: () => 0 });
      if (i % 2) t.start();
      else await t.startAsync();
      expect(t.nativeId, `thread ${i}`).toEqual(expect.any(Number));
      t.join();
      expect(t.nativeId).toBeGreaterThan(0);
    }
  });

  it('throws RuntimeError when its worker ends before the thread runs; the excepthook gets the reason', async () => {
    // An object that claims to be a Lock without its shared memory cannot be
    // revived on the thread: its worker dies there, before running anything.
    const reported: unknown[] = [];
    pthreading.setExcepthook((args) => reported.push(args.excValue));
    try {
      const t = new Thread({ target: () => 0, args: [{ _kind: 'Lock', _words: 0 }] });
      expect(() => t.start()).toThrow(expect.objectContaining({ name: 'RuntimeError', code: 'ERR_THREAD_START' }));
      expect(t.isAlive()).toBe(false);
      expect(t.ident).toBeNull();
      await until(() => reported.length === 1);
      expect(String(reported[0])).toMatch(/must carry its shared memory/);
    } finally {
      pthreading.setExcepthook(null);
    }
  });

  it('a start() refused for arguments that cannot be cloned leaves no thread behind, and a later start() works', () => {
    const before = pthreading.activeCount();
    const t = new Thread({ target: () => 0, args: [() => 1] });
    expect(() => t.start()).toThrow(TypeError);
    expect(pthreading.activeCount()).toBe(before);
    expect(t.ident).toBeNull();
    const u = new Thread({ target: () => 0 });
    u.start();
    u.join();
    expect(u.nativeId).toBeGreaterThan(0);
  });

  it('startAsync() rejects when the worker is terminated before the thread runs', async () => {
    // The pool's internals are reached through the built module, as no
    // public API hands out a thread's Worker.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const internal = require(path.join(root, 'dist', 'threads', 'thread.js')) as typeof import('../src/threads/thread');
    const previous = pthreading.setSpareThreads(0);
    try {
      const t = new Thread({ target: () => 0 });
      const started = t.startAsync();
      void internal.workerOf(t)!.terminate(); // long before it has booted
      await expect(started).rejects.toMatchObject({ name: 'RuntimeError', code: 'ERR_THREAD_START' });
    } finally {
      pthreading.setSpareThreads(previous);
    }
  });

  it('the main thread boots its warm workers at its first start(), any other thread at its second', () => {
    // A thread that starts one helper and waits for it (the usual shape)
    // must not boot workers it will never use: 250 such threads booted 500
    // and cost seconds of CPU while everything was idle.
    const internalPath = path.join(root, 'dist', 'threads', 'thread.js');
    const counts = new Int32Array(new SharedArrayBuffer(12));
    const t = new Thread({
      target: async (internalPath: string, counts: Int32Array) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { warmWorkerCount } = require(internalPath);
        const go = new pthreading.Event();
        const first = new pthreading.Thread({ target: (go: Event) => go.wait(), args: [go] });
        first.start();
        await new Promise((resolve) => setImmediate(resolve)); // a free event loop boots none either
        counts[0] = warmWorkerCount();
        const second = new pthreading.Thread({ target: () => 0 });
        second.start();
        counts[1] = warmWorkerCount();
        go.set();
        first.join();
        second.join();
      },
      args: [internalPath, counts],
    });
    t.start();
    t.join();
    expect([counts[0], counts[1]]).toEqual([0, 2]);
    const r = script(`
      const { Thread } = require('./dist');
      const { warmWorkerCount } = require('./dist/threads/thread.js');
      const t = new Thread({ target: () => 0 });
      t.start();
      console.log(warmWorkerCount());
      t.join();
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('2');
  });

  it('starts back to back that take the last warm worker boot the next ones at once, not at the next event-loop turn', () => {
    const r = script(`
      const { Event, Thread } = require('./dist');
      const { warmWorkerCount } = require('./dist/threads/thread.js');
      const go = new Event();
      const threads = [];
      const counts = [];
      for (let i = 0; i < 3; i++) {
        const t = new Thread({ target: (go) => go.wait(), args: [go] });
        t.start();
        threads.push(t);
        counts.push(warmWorkerCount());
      }
      go.set();
      for (const t of threads) t.join();
      console.log(counts.join(' '));
    `);
    expect(r.stderr).toBe('');
    // The first start boots two; the second leaves one (refilled when the
    // event loop turns); the third takes the last, and two boot at once.
    expect(r.stdout.trim()).toBe('2 1 2');
  });

  it('never picks a warm worker that has died, even before its exit event has arrived', () => {
    // Warm workers are the Workers unref()'d by the library: catch them,
    // terminate the next one in line, and block until its environment is
    // gone, so that its exit event cannot have been delivered.
    const r = script(`
      const { Worker } = require('node:worker_threads');
      const seen = [];
      const unref = Worker.prototype.unref;
      Worker.prototype.unref = function () { seen.push(this); return unref.call(this); };
      const { Thread, nativeStats, sleep } = require('pthreading');
      // A thread that leaves a timer behind: its worker ends with it (it is
      // not reused), so that two warm workers are left.
      const t0 = new Thread({ target: () => { setInterval(() => 0, 1000); } });
      t0.start();
      t0.join();
      while (nativeStats().liveEnvs !== 3) sleep(0.001); // main and two warm workers
      seen[1].terminate();
      while (nativeStats().liveEnvs !== 2) sleep(0.001);
      const t1 = new Thread({ target: () => console.log('ran') });
      t1.start();
      t1.join();
    `);
    expect(r.stdout).toBe('ran\n');
    expect(r.status).toBe(0);
  });
});

describe('stackSize()', () => {
  it('refuses a size below the minimum with ValueError naming it', () => {
    for (const size of [32768, 200_000, 256 * 1024, 512 * 1024 - 1]) {
      expect(() => stackSize(size)).toThrow(ValueError);
      expect(() => stackSize(size)).toThrow(/minimum is 524288 bytes/);
    }
    expect(stackSize()).toBe(0);
  });

  it('runs a thread at the smallest size it accepts', () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const previous = stackSize(512 * 1024);
    try {
      const t = new Thread({
        args: [out],
        target: (o: Int32Array) => {
          const depth = (d: number): number => (d === 0 ? 0 : 1 + depth(d - 1));
          o[0] = depth(1000);
        },
      });
      t.start();
      t.join();
    } finally {
      stackSize(previous);
    }
    expect(out[0]).toBe(1000);
  });

  it('a size the system cannot give makes start() throw RuntimeError, and the process goes on', () => {
    const previous = stackSize(2 ** 40);
    const t = new Thread({ target: () => 0 });
    try {
      expect(() => t.start()).toThrow(expect.objectContaining({ name: 'RuntimeError', code: 'ERR_THREAD_START' }));
    } finally {
      stackSize(previous);
    }
    t.start();
    t.join();
    expect(t.nativeId).toBeGreaterThan(0);
  });

  it('a process whose threads used sizes near the minimum exits cleanly', () => {
    const r = script(`
      const { Thread, stackSize } = require('pthreading');
      for (const size of [512 * 1024, 640 * 1024]) {
        stackSize(size);
        const t = new Thread({ target: () => 0 });
        t.start();
        t.join();
      }
      console.log('ok');
    `);
    expect(r.stdout).toBe('ok\n');
    expect(r.status).toBe(0);
  });
});

describe('Thread ends', () => {
  it('a thread that starts a daemon thread blocked in a native wait ends, and its joiner returns', () => {
    const blocked = new Event();
    const release = new Event();
    const t = new Thread({
      args: [blocked, release],
      target: (b: Event, r: Event) => {
        const d = new pthreading.Thread({ daemon: true, args: [b, r], target: (x: Event, y: Event) => (x.set(), y.wait()) });
        d.start();
      },
    });
    t.start();
    expect(blocked.wait(30)).toBe(true);
    t.join(30);
    expect(t.isAlive()).toBe(false);
    const daemon = pthreading.enumerate().find((x) => x.daemon && x !== pthreading.currentThread() && x.isAlive() && x.name !== 'MainThread');
    release.set();
    daemon?.join(30);
  });

  it('Worker#terminate() of a plain Worker stops the threads it started, though blocked in a native wait', async () => {
    const blocked = new Event();
    const w = onThread(
      (d: { blocked: Event }, p) => {
        // Not a daemon (a plain Worker's threads are, by default): the
        // worker stays up for it until terminated.
        const t = new p.Thread({ daemon: false, args: [d.blocked], target: (b: Event) => (b.set(), new pthreading.Event().wait()) });
        t.start();
      },
      { blocked },
    );
    const base = nativeStats().queuedWaiters;
    w.done.catch(() => undefined);
    expect(blocked.wait(30)).toBe(true);
    await until(() => nativeStats().queuedWaiters === base + 1);
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('terminate() did not settle')), 10_000).unref());
    expect(typeof (await Promise.race([w.worker.terminate(), timeout]))).toBe('number'); // it ends, whatever its code
    await until(() => nativeStats().queuedWaiters === base);
  });
});

describe('thread handles', () => {
  it('a thread that looks at threads others start does not keep their handles once they end', async () => {
    const { handleCount } = require(path.join(__dirname, '..', 'dist', 'threads', 'thread.js')) as { handleCount(): number };
    const before = handleCount();
    const rounds = Array.from({ length: 6 }, () => ({ ready: new Event(), go: new Event() }));
    // Another thread starts 16 threads a round; this one sees them all alive.
    const starter = new Thread({
      target: (rounds: { ready: Event; go: Event }[]) => {
        for (const { ready, go } of rounds) {
          const ts = Array.from({ length: 16 }, () => new pthreading.Thread({ target: (g: Event) => g.wait(), args: [go] }));
          for (const t of ts) t.start();
          ready.set();
          for (const t of ts) t.join();
        }
      },
      args: [rounds],
    });
    starter.start();
    for (const { ready, go } of rounds) {
      await ready.waitAsync();
      expect(pthreading.enumerate().length).toBeGreaterThanOrEqual(17);
      go.set();
    }
    await starter.joinAsync();
    // 96 threads were seen; the handles of those that ended are dropped
    // (pruned each time the map doubles, from 64).
    expect(handleCount() - before).toBeLessThan(85);
  }, 120_000);
});

describe('enumerate()', () => {
  it('lists threads in the order they started, as Python does, whichever warm worker each took', async () => {
    const go = new Event();
    const threads = Array.from({ length: 6 }, (_, i) => new Thread({ name: `ordered-${i}`, target: (g: Event) => g.wait(), args: [go] }));
    for (const t of threads) t.start();
    const names = pthreading.enumerate().map((t) => t.name).filter((n) => n.startsWith('ordered-'));
    go.set();
    for (const t of threads) await t.joinAsync();
    expect(names).toEqual(threads.map((t) => t.name));
    expect(pthreading.enumerate()[0]).toBe(pthreading.mainThread());
  });
});
