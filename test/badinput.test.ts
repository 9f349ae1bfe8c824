/**
 * Bad input: every public method with wrong types, NaN, negative or huge
 * numbers gets a typed error with a stable code, and the primitive's state
 * is unchanged. The native boundary itself refuses garbage without crashing.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';

import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  OverflowError,
  RLock,
  RuntimeError,
  Semaphore,
  ValueError,
  revive,
} from 'pthreading';
import * as pt from 'pthreading';

type Primitive = { _words: Int32Array };
type Case = [string, () => Primitive, (x: never) => unknown, new (...a: never[]) => Error, string];

const held = <T extends { acquire(): boolean }>(x: T): T => {
  x.acquire();
  return x;
};

const T = TypeError;
const V = ValueError;
const O = OverflowError;
const R = RuntimeError;
const TYPE = 'ERR_INVALID_ARG_TYPE';
const VALUE = 'ERR_VALUE';
const OVER = 'ERR_OVERFLOW';
const RUN = 'ERR_RUNTIME';

const cases: Case[] = [
  ['Lock.acquire("yes")', () => new Lock(), (x: Lock) => x.acquire('yes' as never), T, TYPE],
  ['Lock.acquire(1)', () => new Lock(), (x: Lock) => x.acquire(1 as never), T, TYPE],
  ['Lock.acquire(true, "1")', () => new Lock(), (x: Lock) => x.acquire(true, '1' as never), T, TYPE],
  ['Lock.acquire(true, NaN)', () => new Lock(), (x: Lock) => x.acquire(true, NaN), V, VALUE],
  ['Lock.acquire(true, -2)', () => new Lock(), (x: Lock) => x.acquire(true, -2), V, VALUE],
  ['Lock.acquire(true, -Infinity)', () => new Lock(), (x: Lock) => x.acquire(true, -Infinity), V, VALUE],
  ['Lock.acquire(true, 1e300)', () => new Lock(), (x: Lock) => x.acquire(true, 1e300), O, OVER],
  ['Lock.acquire(false, 5)', () => new Lock(), (x: Lock) => x.acquire(false, 5), V, VALUE],
  ['held Lock.acquire(true, NaN)', () => held(new Lock()), (x: Lock) => x.acquire(true, NaN), V, VALUE],
  ['Lock.release() unlocked', () => new Lock(), (x: Lock) => x.release(), R, RUN],
  ['Lock.with(42)', () => new Lock(), (x: Lock) => x.with(42 as never), T, TYPE],
  ['RLock.acquire({})', () => new RLock(), (x: RLock) => x.acquire({} as never), T, TYPE],
  ['RLock.acquire(true, -5)', () => new RLock(), (x: RLock) => x.acquire(true, -5), V, VALUE],
  ['owned RLock.acquire(true, -5)', () => held(new RLock()), (x: RLock) => x.acquire(true, -5), V, VALUE],
  ['RLock.release() unowned', () => new RLock(), (x: RLock) => x.release(), R, RUN],
  ['Condition.wait() unowned', () => new Condition(), (x: Condition) => x.wait(), R, RUN],
  ['Condition.wait(NaN)', () => held(new Condition()), (x: Condition) => x.wait(NaN), V, VALUE],
  ['Condition.wait("x")', () => held(new Condition()), (x: Condition) => x.wait('x' as never), T, TYPE],
  ['Condition.wait(1e300)', () => held(new Condition()), (x: Condition) => x.wait(1e300), O, OVER],
  ['Condition.notify() unowned', () => new Condition(), (x: Condition) => x.notify(), R, RUN],
  ['Condition.notify(-1)', () => held(new Condition()), (x: Condition) => x.notify(-1), V, VALUE],
  ['Condition.notify(1.5)', () => held(new Condition()), (x: Condition) => x.notify(1.5), V, VALUE],
  ['Condition.notify("2")', () => held(new Condition()), (x: Condition) => x.notify('2' as never), T, TYPE],
  ['Condition.waitFor(null)', () => held(new Condition()), (x: Condition) => x.waitFor(null as never), T, TYPE],
  ['Semaphore.acquire(false, 1)', () => new Semaphore(), (x: Semaphore) => x.acquire(false, 1), V, VALUE],
  ['Semaphore.acquire(true, NaN)', () => new Semaphore(0), (x: Semaphore) => x.acquire(true, NaN), V, VALUE],
  ['Semaphore.acquire(null)', () => new Semaphore(), (x: Semaphore) => x.acquire(null as never), T, TYPE],
  ['Semaphore.release(0)', () => new Semaphore(), (x: Semaphore) => x.release(0), V, VALUE],
  ['Semaphore.release(-1)', () => new Semaphore(), (x: Semaphore) => x.release(-1), V, VALUE],
  ['Semaphore.release(NaN)', () => new Semaphore(), (x: Semaphore) => x.release(NaN), V, VALUE],
  ['Semaphore.release("1")', () => new Semaphore(), (x: Semaphore) => x.release('1' as never), T, TYPE],
  ['Semaphore.release(2**31)', () => new Semaphore(), (x: Semaphore) => x.release(2 ** 31), O, OVER],
  ['Semaphore value overflow', () => new Semaphore(0x7fffffff), (x: Semaphore) => x.release(), V, OVER],
  ['BoundedSemaphore over-release', () => new BoundedSemaphore(1), (x: BoundedSemaphore) => x.release(), V, VALUE],
  ['Event.wait(NaN)', () => new Event(), (x: Event) => x.wait(NaN), V, VALUE],
  ['Event.wait({})', () => new Event(), (x: Event) => x.wait({} as never), T, TYPE],
  ['Event.wait(Infinity)', () => new Event(), (x: Event) => x.wait(Infinity), O, OVER],
  ['Barrier.wait(NaN)', () => new Barrier(2), (x: Barrier) => x.wait(NaN), V, VALUE],
  ['Barrier.wait("1")', () => new Barrier(2), (x: Barrier) => x.wait('1' as never), T, TYPE],
];

describe('bad arguments', () => {
  it.each(cases)('%s throws a typed error and leaves the state as it was', (_name, make, call, type, code) => {
    const x = make();
    const before = Array.from(x._words);
    let error: unknown;
    try {
      call(x as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as { code?: string }).code).toBe(code);
    expect(Array.from(x._words)).toEqual(before);
  });

  it.each([
    ['Lock.acquireAsync(1)', () => new Lock().acquireAsync(1 as never), TYPE],
    ['Lock.acquireAsync(true, NaN)', () => new Lock().acquireAsync(true, NaN), VALUE],
    ['Lock.acquireAsync with a non-signal', () => new Lock().acquireAsync(true, 1, { signal: {} as never }), TYPE],
    ['Event.waitAsync(null, 5)', () => new Event().waitAsync(null, 5 as never), TYPE],
    ['Condition.waitAsync() unowned', () => new Condition().waitAsync(), RUN],
    ['Semaphore.acquireAsync(false, 1)', () => new Semaphore().acquireAsync(false, 1), VALUE],
    ['Barrier.waitAsync(NaN)', () => new Barrier(2).waitAsync(NaN), VALUE],
  ] as const)('%s rejects with a typed error', async (_name, call, code) => {
    await expect(call()).rejects.toMatchObject({ code });
  });

  it.each([
    ['Semaphore(-1)', () => new Semaphore(-1), VALUE],
    ['Semaphore("3")', () => new Semaphore('3' as never), TYPE],
    ['Semaphore(2**31)', () => new Semaphore(2 ** 31), OVER],
    ['BoundedSemaphore(NaN)', () => new BoundedSemaphore(NaN), VALUE],
    ['Barrier(0)', () => new Barrier(0), VALUE],
    ['Barrier(2.5)', () => new Barrier(2.5), VALUE],
    ['Barrier(2, 7)', () => new Barrier(2, 7 as never), TYPE],
    ['Barrier(2, null, NaN)', () => new Barrier(2, null, NaN), VALUE],
    ['Condition(new Event())', () => new Condition(new Event() as never), TYPE],
  ] as const)('constructor %s throws a typed error', (_name, make, code) => {
    expect(make).toThrow(expect.objectContaining({ code }));
  });

  it('revive() refuses a tagged object without shared memory', () => {
    expect(() => revive({ _kind: 'Lock', _words: [0] })).toThrow(TypeError);
    expect(() => revive({ _kind: 'Lock', _words: new Int32Array(1) })).toThrow(TypeError);
  });
});

describe('the native boundary', () => {
  // The addon is internal, but nothing JS can pass it may crash the process.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { binding } = require(path.join(__dirname, '..', 'dist', 'runtime', 'native.js'));
  const junk = [undefined, null, 0, -1, NaN, 1e300, 'x', {}, [], () => 0, new Int32Array(0), new Float64Array(2), new Int32Array(new SharedArrayBuffer(4))];

  // cancelThread is left out: 0 is a valid thread id (this one).
  it.each(['park', 'parkAsync', 'cancelAsync', 'unlock', 'wake', 'registerThread'])(
    '%s refuses garbage with a TypeError',
    (name) => {
      for (const a of junk) {
        for (const b of junk) {
          try {
            binding[name](a, b, -1, b);
          } catch (e) {
            expect(e).toBeInstanceOf(TypeError);
          }
        }
      }
    },
  );
});

describe('bad arguments to the threading module', () => {
  it.each([
    ['new Thread(7)', () => new pt.Thread(7 as never), TYPE],
    ['new Thread({ target: 1 })', () => new pt.Thread({ target: 1 as never }), TYPE],
    ['new Thread({ target: { module: 5 } })', () => new pt.Thread({ target: { module: 5 } as never }), TYPE],
    ['new Thread({ args: {} })', () => new pt.Thread({ args: {} as never }), TYPE],
    ['new Thread({ kwargs: [] })', () => new pt.Thread({ kwargs: [] as never }), TYPE],
    ['new Thread({ name: null, daemon: 1 })', () => new pt.Thread({ daemon: 1 as never }), TYPE],
    ['Thread.join() before start', () => new pt.Thread().join(), RUN],
    ['Thread.join(NaN)', () => new pt.Thread().join(NaN), VALUE],
    ['Thread.name = {}', () => ((new pt.Thread() as { name: unknown }).name = {}), TYPE],
    ['Thread.name = null', () => ((new pt.Thread() as { name: unknown }).name = null), TYPE],
    ['new Thread({ name: Symbol() })', () => new pt.Thread({ name: Symbol('n') as never }), TYPE],
    ['new Lock(1)', () => new (pt.Lock as new (x: number) => unknown)(1), TYPE],
    ['new RLock(1)', () => new (pt.RLock as new (x: number) => unknown)(1), TYPE],
    ['new Event(1)', () => new (pt.Event as new (x: number) => unknown)(1), TYPE],
    ['local(1)', () => (pt.local as (x: number) => unknown)(1), TYPE],
    ['Thread.daemon = "x"', () => ((new pt.Thread() as { daemon: unknown }).daemon = 'x'), TYPE],
    ['new Timer(-1, f)', () => new pt.Timer(-1, () => 0), VALUE],
    ['new Timer(1, null)', () => new pt.Timer(1, null as never), TYPE],
    ['sleep(-1)', () => pt.sleep(-1), VALUE],
    ['sleep("1")', () => pt.sleep('1' as never), TYPE],
    ['sleep(Infinity)', () => pt.sleep(Infinity), OVER],
    ['stackSize(100)', () => pt.stackSize(100), VALUE],
    ['stackSize(-1)', () => pt.stackSize(-1), VALUE],
    ['stackSize("x")', () => pt.stackSize('x' as never), TYPE],
    ['setExcepthook(3)', () => pt.setExcepthook(3 as never), TYPE],
    ['setSpareThreads(-1)', () => pt.setSpareThreads(-1), VALUE],
    ['new Queue(1.5)', () => new pt.Queue(1.5), TYPE],
    ['Queue.put(fn)', () => new pt.Queue().put((() => 0) as never), TYPE],
    ['Queue.get("yes")', () => new pt.Queue().get('yes' as never), TYPE],
    ['Queue.get(true, NaN)', () => new pt.Queue().get(true, NaN), VALUE],
    ['Queue.get(false) empty', () => new pt.Queue().get(false), 'ERR_QUEUE_EMPTY'],
    ['Queue.taskDone() too often', () => new pt.Queue().taskDone(), VALUE],
    ['new Value("x")', () => new pt.Value('x' as never), VALUE],
    ['new Value("i", "1")', () => new pt.Value('i', '1' as never), TYPE],
    ['new SharedList([], { capacity: 1 })', () => new pt.SharedList([], { capacity: 1 }), VALUE],
    ['SharedList.get(99)', () => new pt.SharedList().get(99), 'ERR_INDEX'],
    ['SharedDict.set(1, 1)', () => new pt.SharedDict().set(1 as never, 1), TYPE],
    ['logging.basicConfig({ level: "LOUD", force })', () => pt.logging.basicConfig({ level: 'LOUD', force: true }), TYPE],
  ] as const)('%s throws a typed error', (_name, call, code) => {
    expect(call).toThrow(expect.objectContaining({ code }));
  });

  it('a primitive whose memory is not shared is refused at the native boundary, not crashed on', () => {
    // A hand-made "Lock" over a plain ArrayBuffer (which could be detached
    // while a waiter sleeps on it).
    const fake = Object.create(Lock.prototype) as Lock;
    Object.assign(fake, { _kind: 'Lock', _words: new Int32Array(1) });
    fake._words[0] = 1; // looks held, so acquiring must go native
    expect(() => fake.acquire(true, 0.01)).toThrow(TypeError);
    expect(() => fake.release()).not.toThrow(); // the JS fast path needs no native memory
  });

  it('objects revived in another thread are checked the same way', async () => {
    const lock = new Lock();
    const { onThread } = await import('./helpers');
    const out = await onThread((d) => {
      const errors: string[] = [];
      for (const f of [() => d.lock.acquire('x' as never), () => d.lock.acquire(true, -7), () => d.lock.release()]) {
        try {
          f();
        } catch (e) {
          errors.push((e as { code: string }).code);
        }
      }
      return errors;
    }, { lock }).done;
    expect(out).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_VALUE', 'ERR_RUNTIME']);
    expect(lock.locked()).toBe(false);
  });
});
