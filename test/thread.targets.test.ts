/**
 * What a function sent to a thread as source needs: the names it cannot see
 * are refused before the thread runs, pthreading under other names is
 * resolved, stack traces point at the file and line it is written at, and
 * a subclass's fields come back after join().
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { FreeVariableError, Lock, Queue, Thread, ThreadPoolExecutor, setExcepthook } from 'pthreading';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fixture = require('./fixtures/targets.cjs') as Record<string, (...args: unknown[]) => unknown>;
const fixtureFile = path.join(__dirname, 'fixtures', 'targets.cjs');
const fixtureLines = readFileSync(fixtureFile, 'utf8').split('\n');

/** The `file:line:` of the mark `// at:NAME` in the fixture. */
function at(name: string): string {
  const line = fixtureLines.findIndex((l) => l.includes(`// at:${name}`)) + 1;
  return `${fixtureFile}:${line}:`;
}

function thrown(fn: () => unknown): Error & { code?: string; names?: string[] } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('Thread#start() with a target that uses names of the code around it', () => {
  it('refuses them all in one FreeVariableError, each with advice for its kind', () => {
    const t = fixture.usesOuterNames() as Thread;
    const error = thrown(() => t.start());
    expect(error).toBeInstanceOf(FreeVariableError);
    expect(error).toBeInstanceOf(ReferenceError);
    expect(error.code).toBe('ERR_FREE_VARIABLE');
    expect(error.names).toEqual(['limit', 'total', 'helper', 'Box']);
    const line = (name: string): string => error.message.split('\n').find((l) => l.startsWith(`  - ${name} (`))!;
    expect(line('limit')).toMatch(/targets\.cjs:20:\d+\): a value of the code around the target: pass it in args/);
    expect(line('total')).toMatch(/a variable the target writes: .*Value, SharedList, SharedDict or Queue passed in args/);
    expect(line('helper')).toMatch(/a function: define it inside the target, require\(\) or import\(\) it there, or use a module target/);
    expect(line('Box')).toMatch(/a class: define it inside the target/);
    expect(t.isAlive()).toBe(false);
  });

  it('tells a function from a value by its use where the file cannot be read', () => {
    const scale = 2;
    const twice = (x: number): number => x * scale;
    const error = thrown(() => new Thread({ target: (n: number) => twice(n) + scale }).start());
    expect(error.names).toEqual(['twice', 'scale']);
    expect(error.message).toMatch(/- twice \(line 1 of the function\): a function/);
    expect(error.message).toMatch(/- scale \(line 1 of the function\): a value/);
  });

  it('lets a target test for a global it may not have with typeof', () => {
    const q = new Queue<string>();
    const t = new Thread({
      // @ts-expect-error: not declared anywhere
      target: (queue: Queue<string>) => queue.put(typeof someGlobalNobodyDefines),
      args: [q],
    });
    t.start();
    t.join();
    expect(q.get()).toBe('undefined');
  });

  it('resolves pthreading imported under other names (require, destructuring)', () => {
    const q = new Queue<string>();
    const t = fixture.renamedImports(q) as Thread;
    t.start();
    t.join();
    expect(q.get(true, 10)).toBe('renamed');
  });

  it('resolves pthreading imported under other names in an ES module (import { x as y }, import *, default)', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'targets.mjs')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('esm true');
  });

  it('inspects a target once: starting it again costs a lookup', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const scope = require('../dist/threads/scope.js') as { inspectionCount(): number };
    const target = (o: Int32Array): void => {
      Atomics.add(o, 0, 1);
    };
    const out = new Int32Array(new SharedArrayBuffer(4));
    const before = scope.inspectionCount();
    for (let i = 0; i < 3; i++) {
      const t = new Thread({ target, args: [out] });
      t.start();
      t.join();
    }
    expect(out[0]).toBe(3);
    expect(scope.inspectionCount() - before).toBe(1);
  });
});

describe('ThreadPoolExecutor#submit() with a task that uses names of the code around it', () => {
  it('refuses them at submit(), and runs the task once they are arguments', () => {
    using executor = new ThreadPoolExecutor(1);
    const base = 40;
    const error = thrown(() => executor.submit((x: number) => x + base, 2));
    expect(error).toBeInstanceOf(FreeVariableError);
    expect(error.names).toEqual(['base']);
    expect(error.message).toMatch(/pass it to submit\(\) as arguments/);
    expect(executor.submit((x: number, b: number) => x + b, 2, base).result()).toBe(42);
  });

  it('refuses an initializer that uses them when the executor is created', () => {
    const seed = 1;
    const error = thrown(() => new ThreadPoolExecutor({ maxWorkers: 1, initializer: () => seed }));
    expect(error.names).toEqual(['seed']);
    expect(error.message).toMatch(/^ThreadPoolExecutor: the initializer uses a name/);
  });
});

describe('Stack traces of functions sent as source', () => {
  it("point at the target's file and line, and name the arrow as written", () => {
    const q = new Queue<string>();
    const t = fixture.throwingTarget(q) as Thread;
    t.start();
    t.join();
    const stack = q.get(true, 10);
    expect(stack).toContain(at('target'));
    expect(stack).not.toContain('module.exports');
    expect(stack).toMatch(/at target \(/);
  });

  it("point at a subclass method's file and line, named after its class", () => {
    const q = new Queue<string>();
    const t = fixture.throwingMethod(q) as Thread;
    t.start();
    t.join();
    const stack = q.get(true, 10);
    expect(stack).toContain(at('method'));
    expect(stack).toMatch(/at Failing\.fail \(/);
  });

  it("point at an executor task's file and line", () => {
    using executor = new ThreadPoolExecutor(1);
    const future = fixture.throwingTask(executor) as { exception(): Error };
    expect(future.exception().stack).toContain(at('task'));
  });

  it("point at a Barrier action's file and line when another thread runs it", () => {
    const q = new Queue<string>();
    const t = new Thread({
      target: (barrier: { wait(): number }, queue: Queue<string>) => {
        try {
          barrier.wait();
        } catch (e) {
          queue.put((e as Error).stack!);
        }
      },
      args: [fixture.throwingAction(), q],
    });
    t.start();
    t.join();
    expect(q.get(true, 10)).toContain(at('action'));
  });
});

describe('Thread subclass fields after join()', () => {
  class Summer extends Thread {
    n: number;
    result: number | null = null;
    log: string[] = [];
    lock = new Lock();

    constructor(n: number) {
      super();
      this.n = n;
    }

    override run(): void {
      let sum = 0;
      for (let i = 1; i <= this.n; i++) sum += i;
      this.result = sum;
      this.log.push('ran');
    }
  }

  it('gives the creating thread what run() stored on this, as Python threads share self', () => {
    const t = new Summer(10);
    const lock = t.lock;
    t.start();
    t.join();
    expect(t.result).toBe(55);
    expect(t.log).toEqual(['ran']);
    expect(t.lock).toBe(lock); // unchanged fields keep their identity
  });

  it('does so after joinAsync() too, and also when run() throws after storing', async () => {
    class Partial extends Thread {
      stage = 'created';
      override run(): void {
        this.stage = 'ran';
        throw new Error('after storing');
      }
    }
    const t = new Summer(3);
    t.start();
    await t.joinAsync();
    expect(t.result).toBe(6);
    const p = new Partial();
    setExcepthook(() => undefined); // the error is expected: keep it off stderr
    try {
      p.start();
      p.join();
    } finally {
      setExcepthook(null);
    }
    expect(p.stage).toBe('ran');
  });

  it('refuses at start() a subclass whose methods use #private fields, saying why', () => {
    class Counter extends Thread {
      #count = 0;
      override run(): void {
        this.#count++;
      }
    }
    const error = thrown(() => new Counter().start());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_PRIVATE_FIELDS');
    expect(error.message).toMatch(/Counter uses private fields \(#count\).*#private fields are neither/);
  });
});

describe('Arguments that would not arrive as they are sent', () => {
  class Config {
    constructor(readonly level: number) {}
    twice(): number {
      return this.level * 2;
    }
  }

  it('refuses a class instance in args, naming its path', () => {
    const t = new Thread({ target: () => 0, args: [1, { config: new Config(3) }] });
    const error = thrown(() => t.start());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_DATA_CLONE');
    expect(error.message).toMatch(/^Thread\.start: args\[1\]\.config is an instance of Config, which would arrive as a plain object without its class's methods/);
    expect(t.isAlive()).toBe(false);
  });

  it('names the path of a function, in args, kwargs or a subclass field', () => {
    expect(thrown(() => new Thread({ target: () => 0, args: [{ config: { handler: () => 1 } }] }).start()).message).toMatch(
      /args\[0\]\.config\.handler is a function/,
    );
    expect(thrown(() => new Thread({ target: () => 0, kwargs: { 'on-done': Symbol('x') } }).start()).message).toMatch(
      /kwargs\["on-done"\] is a symbol/,
    );
    class Holder extends Thread {
      config = new Config(1);
      override run(): void {}
    }
    expect(thrown(() => new Holder().start()).message).toMatch(/this\.config is an instance of Config/);
  });

  it('names the path of a built-in object a clone cannot copy', () => {
    const error = thrown(() => new Thread({ target: () => 0, args: [[new WeakMap()]] }).start());
    expect(error.message).toMatch(/args\[0\]\[0\] is an instance of WeakMap, which a structured clone cannot copy/);
  });

  it('passes plain data, built-in values and pthreading objects', () => {
    const q = new Queue<string>();
    const t = new Thread({
      target: (queue: Queue<string>, data: { when: Date; re: RegExp; m: Map<string, number>; bytes: Uint8Array; err: Error }) => {
        queue.put([data.when.getUTCFullYear(), data.re.source, data.m.get('a'), data.bytes[1], data.err.message].join(' '));
      },
      args: [q, { when: new Date(Date.UTC(2024, 0, 1)), re: /x+/, m: new Map([['a', 1]]), bytes: new Uint8Array([1, 2]), err: new Error('e') }],
    });
    t.start();
    t.join();
    expect(q.get(true, 10)).toBe('2024 x+ 1 2 e');
  });

  it('refuses a class instance among a task\'s arguments, naming its path', () => {
    using executor = new ThreadPoolExecutor(1);
    const error = thrown(() => executor.submit((c: unknown) => c, { nested: [new Config(1)] }));
    expect(error.code).toBe('ERR_DATA_CLONE');
    expect(error.message).toMatch(/^ThreadPoolExecutor\.submit: args\[0\]\.nested\[0\] is an instance of Config/);
  });
});
