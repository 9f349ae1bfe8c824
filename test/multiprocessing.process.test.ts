import { describe, expect, it } from 'vitest';

import { Event, Lock, Process, Value, activeChildren, currentProcess, parentProcess } from 'pthreading/multiprocessing';

import { ticksWhilePending } from './helpers';

describe('multiprocessing.Process', () => {
  it('runs its target in a child with args and kwargs, and join() waits for it', () => {
    const done = new Event();
    const p = new Process({
      target: (done: Event, n: number, kw: { k: number }) => {
        if (n === 3 && kw.k === 1 && multiprocessing.currentProcess().name === 'worker') done.set();
      },
      args: [done, 3],
      kwargs: { k: 1 },
      name: 'worker',
    });
    expect(String(p)).toBe("<Process name='worker' initial>");
    expect(p.pid).toBe(null);
    expect(p.exitcode).toBe(null);
    p.start();
    expect(p.pid).toBeGreaterThan(0);
    p.join();
    expect(p.exitcode).toBe(0);
    expect(p.isAlive()).toBe(false);
    expect(done.isSet()).toBe(true);
    expect(String(p)).toBe("<Process name='worker' stopped>");
    done.unlink();
  });

  it('names processes Process-N and reports MainProcess here, with no parent', () => {
    const p = new Process({ target: () => {} });
    expect(p.name).toMatch(/^Process-\d+$/);
    expect(currentProcess().name).toBe('MainProcess');
    expect(parentProcess()).toBe(null);
  });

  it('exitcode is the code given to process.exit, or minus the signal that ended it', async () => {
    const a = new Process({ target: () => process.exit(7) });
    a.start();
    await a.joinAsync();
    expect(a.exitcode).toBe(7);
    const b = new Process({ target: () => setInterval(() => {}, 1000) });
    b.start();
    b.join(0.05);
    expect(b.isAlive()).toBe(true);
    expect(activeChildren()).toContain(b);
    b.terminate();
    b.join();
    expect(b.exitcode).toBe(-15);
    expect(activeChildren()).not.toContain(b);
    expect(() => b.start()).toThrow('cannot start a process twice');
    b.close();
    expect(() => b.join()).toThrow(/closed/);
  });

  it('joinAsync() does not block the event loop, and honours its timeout', async () => {
    const go = new Event();
    const p = new Process({ target: (go: Event) => go.wait(), args: [go] });
    p.start();
    await p.joinAsync(0.05);
    expect(p.isAlive()).toBe(true);
    const joined = p.joinAsync();
    await ticksWhilePending(joined, 3);
    go.set();
    await joined;
    expect(p.exitcode).toBe(0);
    go.unlink();
  });

  it('a Process killed with kill() while holding a Lock leaves it to the next, who is told', () => {
    const lock = new Lock();
    const held = new Event();
    const p = new Process({
      target: (lock: Lock, held: Event) => {
        lock.acquire();
        held.set();
        setInterval(() => {}, 1000);
      },
      args: [lock, held],
    });
    p.start();
    held.wait();
    expect(lock.acquire(false)).toBe(false);
    p.kill();
    p.join();
    expect(p.exitcode).toBe(-9);
    expect(lock.acquire(true, 5)).toBe(true);
    expect(lock.ownerDied).toBe(true);
    lock.release();
  });

  it('refuses bad options with a TypeError', () => {
    expect(() => new Process({ target: 3 as unknown as () => void })).toThrow(TypeError);
    expect(() => new Process({ args: 'x' as unknown as unknown[] })).toThrow(TypeError);
    expect(() => new Process({ daemon: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => new Process({}).join()).toThrow('can only join a started process');
  });
});

describe('multiprocessing.Process subclass', () => {
  it('runs an overriding run() in the child, with the fields the constructor set', () => {
    class Worker extends Process {
      total: Value;
      items: number[];
      constructor(total: Value, items: number[]) {
        super({ name: 'summer' });
        this.total = total;
        this.items = items;
      }

      get sum(): number {
        return this.items.reduce((a, b) => a + b, 0);
      }

      run(): void {
        if (multiprocessing.currentProcess().name !== this.name || this.pid !== process.pid) throw new Error('not the child');
        this.total.value = this.sum;
        this.items.push(99);
      }
    }
    const total = new Value('i', 0);
    const w = new Worker(total, [1, 2, 3]);
    w.start();
    w.join();
    expect(w.exitcode).toBe(0);
    expect(total.value).toBe(6);
    // As in Python: the child has its own copy; what run() changes stays there.
    expect(w.items).toEqual([1, 2, 3]);
    total.unlink();
  });

  it('an async run() is awaited, and super.run() calls the target', () => {
    class Twice extends Process {
      async run(): Promise<void> {
        await new Promise((r) => setTimeout(r, 1));
        super.run();
        super.run();
      }
    }
    const v = new Value('i', 0);
    const p = new Twice({ target: (v: Value) => v.with(() => (v.value += 1)), args: [v] });
    p.start();
    p.join();
    expect(p.exitcode).toBe(0);
    expect(v.value).toBe(2);
    v.unlink();
  });

  it('run() called in this process calls the target here, as Python', () => {
    const p = new Process({ target: (a: number, kw: { b: number }) => a + kw.b, args: [1], kwargs: { b: 2 } });
    expect(p.run()).toBe(3);
    expect(p.pid).toBe(null);
  });

  it('an error escaping run() makes the exit code 1', () => {
    class Failing extends Process {
      run(): void {
        throw new Error('boom');
      }
    }
    const p = new Failing();
    p.start();
    p.join();
    expect(p.exitcode).toBe(1);
  });

  it('refuses at start() a run() that uses names of the code around it, or #private fields', () => {
    const outside = 5;
    class Leaky extends Process {
      run(): number {
        return outside;
      }
    }
    expect(() => new Leaky().start()).toThrow(ReferenceError);
    class Private extends Process {
      #secret = 1;
      run(): number {
        return this.#secret;
      }
    }
    expect(() => new Private().start()).toThrow(/private fields/);
  });

  it('refuses fields that cannot be sent, with a TypeError', () => {
    class Holder extends Process {
      fn = (): number => 1;
      run(): void {}
    }
    expect(() => new Holder().start()).toThrow(TypeError);
  });
});
