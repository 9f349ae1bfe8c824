import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { Event, Lock, RuntimeError, Thread, ValueError, currentThread, enumerate, getIdent, getNativeId, mainThread, stackSize } from 'pthreading';

import { script, ticksWhilePending, timed } from './helpers';

// Targets run as source text on other threads, where every pthreading
// export is a global and so is `pthreading` itself. Imports in this file are
// rewritten by the test runner, so targets reach the library through this
// plain variable, which the threads have under the same name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

const root = path.join(__dirname, '..');

describe('Thread', () => {
  it('runs a function target on another OS thread with its args', () => {
    const result = new Int32Array(new SharedArrayBuffer(8));
    const t = new Thread({
      target: (out: Int32Array, a: number, b: number) => {
        out[0] = a + b;
        out[1] = pthreading.getNativeId();
      },
      args: [result, 2, 3],
    });
    t.start();
    t.join();
    expect(result[0]).toBe(5);
    expect(result[1]).not.toBe(getNativeId());
    expect(result[1]).toBeGreaterThan(0);
  });

  it('passes kwargs as a last argument', () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({ target: (o: Int32Array, kw: { n: number }) => (o[0] = kw.n), args: [out], kwargs: { n: 7 } });
    t.start();
    t.join();
    expect(out[0]).toBe(7);
  });

  it('hands primitives in args over as the same objects', () => {
    const lock = new Lock();
    const done = new Event();
    const t = new Thread({ target: (l: Lock, d: Event) => (l.acquire(), d.set()), args: [lock, done] });
    t.start();
    expect(done.wait(10)).toBe(true);
    expect(lock.locked()).toBe(true);
    t.join();
  });

  it('runs a subclass run() with its instance data', () => {
    class Adder extends Thread {
      out = new Int32Array(new SharedArrayBuffer(4));
      amount = 5;
      override run(): void {
        this.out[0] = this.amount * 2 + (this.name === 'adder' ? 1 : 0);
      }
    }
    const t = new Adder({ name: 'adder' });
    t.start();
    t.join();
    expect(t.out[0]).toBe(11);
  });

  it('runs a module target, with its own imports and kwargs', () => {
    const { stdout } = script(`
      const { Thread, Queue } = require('pthreading');
      const q = new Queue();
      const t = new Thread({ name: 'mod', target: { module: './test/fixtures/thread-module.mjs', export: 'greet' },
        args: [q, 'you'], kwargs: { punct: '!' } });
      t.start(); t.join();
      // import() inside a function target resolves from the creating file.
      const r = new Thread({ name: 'dyn', target: async (q) => {
        const m = await import('./test/fixtures/thread-module.mjs');
        m.greet(q, 'me');
      }, args: [q] });
      r.start(); r.join();
      console.log(q.get(false)); console.log(q.get(false));
    `);
    expect(stdout.trim().split('\n')).toEqual(['mod greets you! from thread-module.mjs', 'dyn greets me from thread-module.mjs']);
  });

  it('refuses a module target without that export', () => {
    const { stderr } = script(`
      const { Thread } = require('pthreading');
      const t = new Thread({ name: 'nope', target: { module: './test/fixtures/thread-module.mjs', export: 'missing' } });
      t.start(); t.join();
    `);
    expect(stderr).toContain('Exception in thread nope:');
    expect(stderr).toContain("has no function export 'missing'");
  });

  it('resolves require() from the file that created the thread', () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({
      target: (o: Int32Array) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        o[0] = require('./fixtures/thread-helper.cjs').twice(21);
      },
      args: [out],
    });
    t.start();
    t.join();
    expect(out[0]).toBe(42);
  });

  it('makes every pthreading export a global in the thread', () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({
      target: (o: Int32Array) => {
        const g = globalThis as unknown as Record<string, unknown>;
        o[0] = ['Lock', 'Event', 'Thread', 'logging', 'currentThread', 'sleep', 'Queue'].every((k) => k in g) ? 1 : 2;
      },
      args: [out],
    });
    t.start();
    t.join();
    expect(out[0]).toBe(1);
  });

  it("means pthreading's Event in a target, and leaves the runtime's global Event to the runtime", () => {
    const out = new Int32Array(new SharedArrayBuffer(8));
    // Source text, so that the test runner does not rewrite the name Event.
    const target = new Function(
      'o',
      "o[0] = Event === pthreading.Event && typeof new Event().isSet === 'function' ? 1 : 2;\n" +
        "o[1] = globalThis.Event !== pthreading.Event && new globalThis.Event('message').type === 'message' ? 1 : 2;",
    ) as (o: Int32Array) => void;
    const t = new Thread({ target, args: [out] });
    t.start();
    t.join();
    expect([...out]).toEqual([1, 1]);
  });

  it('refuses, at start(), a target that closes over a local, naming the variable', () => {
    const { stdout } = script(`
      const { Thread } = require('pthreading');
      const secret = 42;
      const t = new Thread({ name: 'closure', target: () => console.log(secret) });
      try { t.start(); } catch (e) { console.log(e.code, e.message); }
      console.log('main goes on');
    `);
    expect(stdout).toContain('ERR_FREE_VARIABLE');
    expect(stdout).toContain('the target uses a name it cannot see in its thread (secret)');
    expect(stdout).toContain('secret (line 1 of the function)');
    expect(stdout).toContain('pass it in args');
    expect(stdout).toContain('main goes on');
  });
});

describe('Thread names and identity', () => {
  it('numbers default names Thread-N from one counter, across threads', () => {
    const a = new Thread();
    const b = new Thread();
    const na = Number(/^Thread-(\d+)$/.exec(a.name)![1]);
    expect(b.name).toBe(`Thread-${na + 1}`);
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({ target: (o: Int32Array) => (o[0] = Number(/^Thread-(\d+)$/.exec(new pthreading.Thread().name)![1])), args: [out] });
    const nt = Number(/^Thread-(\d+)$/.exec(t.name)![1]);
    t.start();
    t.join();
    expect(out[0]).toBeGreaterThan(nt);
  });

  it('name, getName/setName, ident and nativeId', () => {
    const go = new Event();
    const t = new Thread({ target: (e: Event) => e.wait(30), args: [go], name: 'first' });
    expect(t.ident).toBeNull();
    expect(t.nativeId).toBeNull();
    t.start();
    expect(t.ident).toEqual(expect.any(Number));
    expect(t.nativeId).toEqual(expect.any(Number));
    t.setName('renamed');
    expect(t.getName()).toBe('renamed');
    expect(enumerate().find((x) => x.ident === t.ident)?.name).toBe('renamed');
    go.set();
    t.join();
  });

  it('gives the OS thread the name (/proc/self/task/*/comm)', () => {
    const go = new Event();
    const t = new Thread({ target: (e: Event) => e.wait(30), args: [go], name: 'py-named-thread-long' });
    t.start();
    const comm = readFileSync(`/proc/self/task/${t.nativeId}/comm`, 'utf8').trim();
    expect(comm).toBe('py-named-thread'); // 15 bytes, as the kernel keeps
    go.set();
    t.join();
  });

  it('currentThread, mainThread, enumerate and activeCount agree from any thread', () => {
    const go = new Event();
    const report = new Int32Array(new SharedArrayBuffer(16));
    const t = new Thread({
      name: 'reporter',
      target: (e: Event, r: Int32Array) => {
        const me = pthreading.currentThread();
        r[0] = me.name === 'reporter' ? 1 : 0;
        r[1] = pthreading.mainThread().name === 'MainThread' && pthreading.mainThread() !== me ? 1 : 0;
        r[2] = pthreading.activeCount();
        r[3] = pthreading.enumerate().some((x) => x.ident === me.ident && x === me) ? 1 : 0;
        e.wait(30);
      },
      args: [go, report],
    });
    t.start();
    const inner = new Thread({ target: () => 0 }); // to see from inside: not started, not listed
    void inner;
    expect(currentThread()).toBe(mainThread());
    expect(currentThread().name).toBe('MainThread');
    expect(enumerate()).toContain(t);
    expect(enumerate()).toContain(mainThread());
    go.set();
    t.join();
    expect([report[0], report[1], report[3]]).toEqual([1, 1, 1]);
    expect(report[2]).toBeGreaterThanOrEqual(2);
    expect(enumerate()).not.toContain(t);
    expect(getIdent()).toBe(mainThread().ident);
  });

  it('sees threads started by other threads', () => {
    const go = new Event();
    const started = new Event();
    const t = new Thread({
      name: 'parent',
      target: (g: Event, s: Event) => {
        const child = new pthreading.Thread({ name: 'grandchild', target: (e: Event) => e.wait(30), args: [g] });
        child.start();
        s.set();
      },
      args: [go, started],
    });
    t.start();
    started.wait(30);
    expect(enumerate().map((x) => x.name)).toContain('grandchild');
    // As in Python, the parent has ended once its run() returned, though
    // the thread it started still runs.
    t.join(30);
    expect(t.isAlive()).toBe(false);
    const grandchild = enumerate().find((x) => x.name === 'grandchild')!;
    expect(grandchild.isAlive()).toBe(true);
    go.set();
    grandchild.join();
    expect(enumerate().map((x) => x.name)).not.toContain('grandchild');
  });
});

describe('Thread#join()', () => {
  it('join(timeout) returns after the timeout with the thread still alive', () => {
    const go = new Event();
    const t = new Thread({ target: (e: Event) => e.wait(30), args: [go] });
    t.start();
    const [, took] = timed(() => t.join(0.1));
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(Number(process.env.PTHREADING_TIME_SCALE ?? 1));
    expect(t.isAlive()).toBe(true);
    go.set();
    t.join();
    expect(t.isAlive()).toBe(false);
  });

  it('joinAsync() resolves without blocking the event loop', async () => {
    const go = new Event();
    const t = new Thread({ target: (e: Event) => e.wait(30), args: [go] });
    await t.startAsync();
    const joined = t.joinAsync();
    // Timers keep firing while the join is pending.
    expect(await ticksWhilePending(joined, 3)).toBe(3);
    go.set();
    await joined;
    expect(t.isAlive()).toBe(false);
  });

  it('refuses to join before start, or the current thread', () => {
    expect(() => new Thread().join()).toThrow('cannot join thread before it is started');
    expect(() => mainThread().join()).toThrow('cannot join current thread');
    expect(() => new Thread().join()).toThrow(RuntimeError);
  });

  it('can join a thread from a third thread', () => {
    const go = new Event();
    const t = new Thread({ target: (e: Event) => e.wait(30), args: [go] });
    t.start();
    const out = new Int32Array(new SharedArrayBuffer(4));
    const joiner = new Thread({ target: (x: Thread, o: Int32Array) => (x.join(), (o[0] = x.isAlive() ? 2 : 1)), args: [t, out] });
    joiner.start();
    go.set();
    joiner.join();
    expect(out[0]).toBe(1);
  });
});

describe('Thread#start() and daemon', () => {
  it('refuses a second start()', () => {
    const t = new Thread();
    t.start();
    expect(() => t.start()).toThrow('threads can only be started once');
    t.join();
  });

  it('daemon is inherited from the creating thread and fixed at start()', () => {
    expect(new Thread().daemon).toBe(false);
    const out = new Int32Array(new SharedArrayBuffer(4));
    const d = new Thread({ daemon: true, target: (o: Int32Array) => (o[0] = new pthreading.Thread().daemon ? 1 : 2), args: [out] });
    expect(d.isDaemon()).toBe(true);
    d.start();
    d.join();
    expect(out[0]).toBe(1);
    expect(() => d.setDaemon(false)).toThrow(RuntimeError);
    const t = new Thread();
    t.daemon = true;
    expect(t.daemon).toBe(true);
  });

  it('the process waits for non-daemon threads and not for daemon threads', () => {
    const r = script(`
      const { Event, Thread, sleep } = require('pthreading');
      // Held until the main thread has printed: the order does not depend on how long starts take.
      const go = new Event();
      new Thread({ target: (go) => { go.wait(); sleep(0.3); console.log('non-daemon done'); }, args: [go] }).start();
      new Thread({ daemon: true, target: () => { new Event().wait(); } }).start();
      new Thread({ daemon: true, target: () => { sleep(60); console.log('daemon done'); } }).start();
      console.log('main done');
      go.set();
    `);
    expect(r.stdout.trim().split('\n')).toEqual(['main done', 'non-daemon done']);
    expect(r.status).toBe(0);
    // Sanitizer builds run several times slower: they scale time bounds.
    expect(r.seconds).toBeLessThan(10 * Number(process.env.PTHREADING_TIME_SCALE ?? 1));
  });

  it('refuses bad arguments with typed errors', () => {
    expect(() => new Thread({ target: 42 as never })).toThrow(TypeError);
    expect(() => new Thread({ args: 'x' as never })).toThrow(TypeError);
    expect(() => new Thread({ name: {} as never })).toThrow(TypeError); // a number is str()'d, as in Python
    expect(() => new Thread({ daemon: 'yes' as never })).toThrow(TypeError);
    expect(() => new Thread(7 as never)).toThrow(TypeError);
    const t = new Thread({ target: () => 0, args: [() => 1] });
    expect(() => t.start()).toThrow(/structured-cloned/);
    expect(t.isAlive()).toBe(false);
    expect(() => t.join()).toThrow(RuntimeError); // still not started
  });
});

describe('excepthook', () => {
  it('an error escaping run() prints "Exception in thread NAME:" and the stack, and the process goes on', () => {
    const r = script(`
      const { Thread } = require('pthreading');
      const t = new Thread({ name: 'failing', target: () => { throw new Error('boom'); } });
      t.start(); t.join();
      console.log('still here');
    `);
    expect(r.stderr).toMatch(/^Exception in thread failing:\nError: boom\n\s+at /m);
    expect(r.stdout.trim()).toBe('still here');
    expect(r.status).toBe(0);
  });

  it('setExcepthook() replaces it in threads started afterwards', () => {
    const r = script(`
      const { Thread, setExcepthook, getExcepthook } = require('pthreading');
      setExcepthook((args) => console.log('hooked', args.excType, args.excValue.message, args.thread.name));
      const t = new Thread({ name: 'x', target: async () => { throw new TypeError('bad'); } });
      t.start(); t.join();
      setExcepthook(null);
      console.log(getExcepthook().name);
    `);
    expect(r.stdout.trim().split('\n')).toEqual(['hooked TypeError bad x', 'defaultExcepthook']);
    expect(r.stderr).toBe('');
  });
});

describe('thread output', () => {
  it('appears in the order written, while the main thread is blocked in join()', () => {
    const r = script(`
      const { Thread, Event } = require('pthreading');
      const said = new Event();
      const t = new Thread({ target: (s) => {
        console.log('thread 1');
        process.stdout.write('thread 2\\n');
        s.set();
        console.log('thread 3');
      }, args: [said] });
      console.log('main 1');
      t.start();
      said.wait();
      // While this thread is blocked, the thread's lines are already out.
      const fs = require('fs');
      t.join();
      console.log('main 2');
    `);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['main 1', 'thread 1', 'thread 2', 'thread 3', 'main 2']);
  });

  it('reaches a pipe while the main thread is still blocked', () => {
    // The parent reads the child's stdout as it comes: the thread's line
    // must arrive before the main thread wakes from its 2 s wait.
    const out = execFileSync(process.execPath, ['-e', `
      const { Thread, Event } = require('pthreading');
      const t = new Thread({ target: () => console.log('from thread ' + Date.now()) });
      t.start();
      new Event().wait(1);
      console.log('from main ' + Date.now());
    `], { cwd: root, encoding: 'utf8' });
    const [thread, main] = out.trim().split('\n').map((l) => Number(l.split(' ').pop()));
    expect(main - thread).toBeGreaterThanOrEqual(500);
  });
});

describe('stackSize()', () => {
  it('returns and sets the size for new threads, refusing invalid sizes', () => {
    expect(stackSize()).toBe(0);
    expect(() => stackSize(1000)).toThrow(ValueError);
    expect(stackSize(2 ** 21)).toBe(0);
    const t = new Thread({ target: () => 0 });
    t.start();
    t.join();
    expect(stackSize(0)).toBe(2 ** 21);
  });
});
