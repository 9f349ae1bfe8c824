/**
 * A port of CPython 3.13's Lib/test/lock_tests.py, as test_threading.py
 * instantiates it: LockTests, RLockTests (CPython runs them twice, for
 * _PyRLock and _CRLock), ConditionAsRLockTests, EventTests, ConditionTests,
 * SemaphoreTests, BoundedSemaphoreTests and BarrierTests. One `it` per
 * CPython test method, named after it. See README.md beside this file for
 * the cases that cannot apply.
 */
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';

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
  SharedList,
  TIMEOUT_MAX,
  Thread,
  Value,
  ValueError,
  sleepAsync,
} from 'pthreading';

import { LONG_TIMEOUT, assertTimeout, monotonic, until, withBunch } from './support';

// Thread targets are sent as source text and reach the library through
// this plain variable, which every thread has as a global of the same name
// (imported names are rewritten by the test runner).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

type AnyLock = Lock | RLock | Condition;

/** `gc.collect()`: V8's collector, exposed for this test only. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** BaseLockTests.wait_phase */
function waitPhase(phase: SharedList<unknown>, expected: number): Promise<void> {
  return until(() => phase.length >= expected).then(() => expect(phase.length).toBe(expected));
}

// ---------------------------------------------------------------------------
// BaseLockTests: for Lock, RLock and Condition (as an RLock).

function baseLockTests(cls: string, locktype: () => AnyLock): void {
  it(`${cls}.test_constructor`, () => {
    const lock = locktype();
    expect(lock).toBeDefined();
  });

  // CPython's reprs end in "object at 0x…"; JavaScript objects have no
  // address, so the ports match what precedes it.
  it(`${cls}.test_repr`, () => {
    const lock = locktype();
    expect(String(lock)).toMatch(/<unlocked \w+.*>/);
  });

  it(`${cls}.test_locked_repr`, () => {
    const lock = locktype();
    lock.acquire();
    expect(String(lock)).toMatch(/<locked \w+.*>/);
  });

  it(`${cls}.test_acquire_destroy`, () => {
    const lock = locktype();
    lock.acquire();
  });

  it(`${cls}.test_acquire_release`, () => {
    const lock = locktype();
    lock.acquire();
    lock.release();
  });

  it(`${cls}.test_try_acquire`, () => {
    const lock = locktype();
    expect(lock.acquire(false)).toBe(true);
    lock.release();
  });

  it(`${cls}.test_try_acquire_contended`, async () => {
    const lock = locktype();
    lock.acquire();
    const result = new SharedList<boolean>();
    await withBunch((lock: AnyLock, result: SharedList<boolean>) => result.append(lock.acquire(false)), 1, [lock, result]);
    expect(result.get(0)).toBe(false);
    lock.release();
  });

  it(`${cls}.test_acquire_contended`, async () => {
    const lock = locktype();
    lock.acquire();
    const f = (lock: AnyLock): void => {
      lock.acquire();
      lock.release();
    };
    const N = 5;
    const bunch = await withBunch(f, N, [lock], async (bunch) => {
      // Threads block on lock.acquire()
      await bunch.blocked(N);
      expect(bunch.finished.length).toBe(0);
      // Threads unblocked
      lock.release();
    });
    expect(bunch.finished.length).toBe(N);
  });

  it(`${cls}.test_with`, async () => {
    const lock = locktype();
    const f = (lock: AnyLock): void => {
      lock.acquire();
      lock.release();
    };
    const withLock = (err?: Error): void => {
      lock.with(() => {
        if (err !== undefined) throw err;
      });
    };
    // Acquire the lock, do nothing, with releases the lock
    withLock();
    // Check that the lock is unacquired
    await withBunch(f, 1, [lock]);
    // Acquire the lock, raise an exception, with releases the lock
    expect(() => withLock(new TypeError())).toThrow(TypeError);
    // Check that the lock is unacquired even if after an exception
    // was raised in the previous "with lock:" block
    await withBunch(f, 1, [lock]);
  });

  it(`${cls}.test_thread_leak`, async () => {
    // The lock shouldn't leak a Thread instance when used from a foreign
    // (non-threading) thread.
    const lock = locktype();
    const f = (lock: AnyLock): void => {
      lock.acquire();
      lock.release();
    };
    // We run many threads in the hope that existing threads ids won't
    // be recycled.
    await withBunch(f, 15, [lock]);
  });

  it(`${cls}.test_timeout`, async () => {
    const lock = locktype();
    // Can't set timeout if not blocking
    expect(() => lock.acquire(false, 1)).toThrow(ValueError);
    // Invalid timeout values
    expect(() => lock.acquire(true, -100)).toThrow(ValueError);
    expect(() => lock.acquire(true, 1e100)).toThrow(OverflowError);
    expect(() => lock.acquire(true, TIMEOUT_MAX + 1)).toThrow(OverflowError);
    // TIMEOUT_MAX is ok
    lock.acquire(true, TIMEOUT_MAX);
    lock.release();
    const t1 = monotonic();
    expect(lock.acquire(true, 5)).toBe(true);
    const t2 = monotonic();
    // Just a sanity test that it didn't actually wait for the timeout.
    expect(t2 - t1).toBeLessThan(5);
    const results = new SharedList<number | boolean>();
    const f = (lock: AnyLock, results: SharedList<number | boolean>): void => {
      const t1 = performance.now() / 1000;
      results.append(lock.acquire(true, 0.5));
      const t2 = performance.now() / 1000;
      results.append(t2 - t1);
    };
    await withBunch(f, 1, [lock, results]);
    expect(results.get(0)).toBe(false);
    assertTimeout(results.get(1) as number, 0.5);
  });

  it(`${cls}.test_weakref_exists`, () => {
    const lock = locktype();
    const ref = new WeakRef(lock);
    expect(ref.deref()).toBeDefined();
  });

  it(`${cls}.test_weakref_deleted`, async () => {
    const ref = ((): WeakRef<AnyLock> => new WeakRef(locktype()))();
    // A WeakRef keeps its target until the current job ends.
    await new Promise((r) => setImmediate(r));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });
}

// ---------------------------------------------------------------------------
// RLockTests: for RLock and Condition (as an RLock).

function rlockTests(cls: string, locktype: () => RLock | Condition, internals: boolean): void {
  it(`${cls}.test_reacquire`, () => {
    const lock = locktype();
    lock.acquire();
    lock.acquire();
    lock.release();
    lock.acquire();
    lock.release();
    lock.release();
  });

  it(`${cls}.test_release_unacquired`, () => {
    // Cannot release an unacquired lock
    const lock = locktype();
    expect(() => lock.release()).toThrow(RuntimeError);
    lock.acquire();
    lock.acquire();
    lock.release();
    lock.acquire();
    lock.release();
    lock.release();
    expect(() => lock.release()).toThrow(RuntimeError);
  });

  if (internals) {
    it(`${cls}.test_release_save_unacquired`, () => {
      // Cannot _release_save an unacquired lock
      const lock = locktype() as RLock;
      expect(() => lock._releaseSave()).toThrow(RuntimeError);
      lock.acquire();
      lock.acquire();
      lock.release();
      lock.acquire();
      lock.release();
      lock.release();
      expect(() => lock._releaseSave()).toThrow(RuntimeError);
    });
  }

  it(`${cls}.test_different_thread`, async () => {
    // Cannot release from a different thread
    const lock = locktype();
    const f = (lock: RLock | Condition): void => {
      lock.acquire();
    };
    await withBunch(
      f,
      1,
      [lock],
      (bunch) => {
        try {
          expect(() => lock.release()).toThrow(RuntimeError);
        } finally {
          bunch.doFinish();
        }
      },
      true,
    );
  });

  if (internals) {
    it(`${cls}.test__is_owned`, async () => {
      const lock = locktype() as RLock;
      expect(lock._isOwned()).toBe(false);
      lock.acquire();
      expect(lock._isOwned()).toBe(true);
      lock.acquire();
      expect(lock._isOwned()).toBe(true);
      const result = new SharedList<boolean>();
      await withBunch((lock: RLock, result: SharedList<boolean>) => result.append(lock._isOwned()), 1, [lock, result]);
      expect(result.get(0)).toBe(false);
      lock.release();
      expect(lock._isOwned()).toBe(true);
      lock.release();
      expect(lock._isOwned()).toBe(false);
    });
  }
}

describe('LockTests', () => {
  const locktype = (): Lock => new Lock();
  baseLockTests('LockTests', locktype);

  it('LockTests.test_reacquire', async () => {
    // Lock needs to be released before re-acquiring.
    const lock = locktype();
    const phase = new SharedList<null>();
    const f = (lock: Lock, phase: SharedList<null>): void => {
      lock.acquire();
      phase.append(null);
      lock.acquire();
      phase.append(null);
    };
    const t = new Thread({ target: f, args: [lock, phase], daemon: true });
    // Thread blocked on lock.acquire()
    t.start();
    await waitPhase(phase, 1);
    // Thread unblocked
    lock.release();
    await waitPhase(phase, 2);
    await t.joinAsync();
  });

  it('LockTests.test_different_thread', async () => {
    // Lock can be released from a different thread.
    const lock = locktype();
    lock.acquire();
    await withBunch((lock: Lock) => lock.release(), 1, [lock]);
    lock.acquire();
    lock.release();
  });

  it('LockTests.test_state_after_timeout', () => {
    // Issue #11618: check that lock is in a proper state after a
    // (non-zero) timeout.
    const lock = locktype();
    lock.acquire();
    expect(lock.acquire(true, 0.01)).toBe(false);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(lock.acquire(false)).toBe(true);
  });
});

describe('RLockTests', () => {
  const locktype = (): RLock => new RLock();
  baseLockTests('RLockTests', locktype);
  rlockTests('RLockTests', locktype, true);
});

describe('ConditionAsRLockTests', () => {
  // Condition uses an RLock by default and exports its API.
  const locktype = (): Condition => new Condition();
  baseLockTests('ConditionAsRLockTests', locktype);
  rlockTests('ConditionAsRLockTests', locktype, false);
});

// ---------------------------------------------------------------------------

describe('EventTests', () => {
  const eventtype = (): Event => new Event();

  it('EventTests.test_is_set', () => {
    const evt = eventtype();
    expect(evt.isSet()).toBe(false);
    evt.set();
    expect(evt.isSet()).toBe(true);
    evt.set();
    expect(evt.isSet()).toBe(true);
    evt.clear();
    expect(evt.isSet()).toBe(false);
    evt.clear();
    expect(evt.isSet()).toBe(false);
  });

  async function checkNotify(evt: Event): Promise<void> {
    // All threads get notified
    const N = 5;
    const results1 = new SharedList<boolean>();
    const results2 = new SharedList<boolean>();
    const f = (evt: Event, results1: SharedList<boolean>, results2: SharedList<boolean>): void => {
      results1.append(evt.wait());
      results2.append(evt.wait());
    };
    await withBunch(f, N, [evt, results1, results2], async (bunch) => {
      // Threads blocked on first evt.wait()
      await bunch.blocked(N);
      expect(results1.length).toBe(0);
      // Threads unblocked
      evt.set();
    });
    expect(results1.toArray()).toEqual(Array(N).fill(true));
    expect(results2.toArray()).toEqual(Array(N).fill(true));
  }

  it('EventTests.test_notify', async () => {
    const evt = eventtype();
    await checkNotify(evt);
    // Another time, after an explicit clear()
    evt.set();
    evt.clear();
    await checkNotify(evt);
  });

  it('EventTests.test_timeout', async () => {
    const evt = eventtype();
    let results1 = new SharedList<boolean>();
    let results2 = new SharedList<[boolean, number]>();
    const N = 5;
    const f = (evt: Event, results1: SharedList<boolean>, results2: SharedList<[boolean, number]>): void => {
      results1.append(evt.wait(0.0));
      const t1 = performance.now() / 1000;
      const r = evt.wait(0.5);
      const t2 = performance.now() / 1000;
      results2.append([r, t2 - t1]);
    };
    await withBunch(f, N, [evt, results1, results2]);
    expect(results1.toArray()).toEqual(Array(N).fill(false));
    for (const [r, dt] of results2.toArray()) {
      expect(r).toBe(false);
      assertTimeout(dt, 0.5);
    }
    // The event is set
    results1 = new SharedList<boolean>();
    results2 = new SharedList<[boolean, number]>();
    evt.set();
    await withBunch(f, N, [evt, results1, results2]);
    expect(results1.toArray()).toEqual(Array(N).fill(true));
    for (const [r] of results2.toArray()) expect(r).toBe(true);
  });

  it('EventTests.test_set_and_clear', async () => {
    // gh-57711: check that wait() returns true even when the event is
    // cleared before the waiting thread is woken up.
    const event = eventtype();
    const results = new SharedList<boolean>();
    const f = (event: Event, results: SharedList<boolean>, timeout: number): void => {
      results.append(event.wait(timeout));
    };
    const N = 5;
    await withBunch(f, N, [event, results, LONG_TIMEOUT], async (bunch) => {
      // Threads blocked on event.wait()
      await bunch.blocked(N);
      // Threads unblocked
      event.set();
      event.clear();
    });
    expect(results.toArray()).toEqual(Array(N).fill(true));
  });

  it('EventTests.test_repr', () => {
    const evt = eventtype();
    expect(String(evt)).toMatch(/<(\w+\.)?Event( at .*)?: unset>/);
    evt.set();
    expect(String(evt)).toMatch(/<(\w+\.)?Event( at .*)?: set>/);
  });
});

// ---------------------------------------------------------------------------

describe('ConditionTests', () => {
  const condtype = (lock?: Lock): Condition => new Condition(lock);

  it('ConditionTests.test_acquire', () => {
    let cond = condtype();
    // Be default we have an RLock: the condition can be acquired multiple
    // times.
    cond.acquire();
    cond.acquire();
    cond.release();
    cond.release();
    const lock = new Lock();
    cond = condtype(lock);
    cond.acquire();
    expect(lock.acquire(false)).toBe(false);
    cond.release();
    expect(lock.acquire(false)).toBe(true);
    expect(cond.acquire(false)).toBe(false);
    lock.release();
    cond.with(() => {
      expect(lock.acquire(false)).toBe(false);
    });
  });

  it('ConditionTests.test_unacquired_wait', () => {
    const cond = condtype();
    expect(() => cond.wait()).toThrow(RuntimeError);
  });

  it('ConditionTests.test_unacquired_notify', () => {
    const cond = condtype();
    expect(() => cond.notify()).toThrow(RuntimeError);
  });

  async function checkNotify(cond: Condition): Promise<void> {
    // CPython sleeps to let woken workers block on the lock again; here a
    // phase number is changed while the lock is held, which the woken
    // workers can only read after the main thread releases it.
    const ready = new SharedList<number>();
    const results1 = new SharedList<[boolean, number]>();
    const results2 = new SharedList<[boolean, number]>();
    const phaseNum = new Value('i', 0);
    const f = (
      cond: Condition,
      ready: SharedList<number>,
      results1: SharedList<[boolean, number]>,
      results2: SharedList<[boolean, number]>,
      phaseNum: Value,
    ): void => {
      cond.acquire();
      ready.append(phaseNum.value);
      let result = cond.wait();
      cond.release();
      results1.append([result, phaseNum.value]);

      cond.acquire();
      ready.append(phaseNum.value);
      result = cond.wait();
      cond.release();
      results2.append([result, phaseNum.value]);
    };
    const N = 5;
    await withBunch(f, N, [cond, ready, results1, results2, phaseNum], async (bunch) => {
      // first wait, to ensure all workers settle into cond.wait() before
      // we continue. See issues #8799 and #30727.
      await until(() => ready.length >= N);
      ready.clear();
      expect(results1.toArray()).toEqual([]);

      // Notify 3 threads at first
      const count1 = 3;
      cond.acquire();
      cond.notify(count1);
      await bunch.blocked(N);

      // Phase 1
      phaseNum.value = 1;
      cond.release();
      await until(() => results1.length >= count1);
      expect(results1.toArray()).toEqual(Array(count1).fill([true, 1]));
      expect(results2.toArray()).toEqual([]);

      // Wait until awaken workers are blocked on cond.wait()
      await until(() => ready.length >= count1);

      // Notify 5 threads: they might be in their first or second wait
      cond.acquire();
      cond.notify(5);
      await bunch.blocked(N);

      // Phase 2
      phaseNum.value = 2;
      cond.release();
      await until(() => results1.length + results2.length >= N + count1);
      const count2 = N - count1;
      expect(results1.toArray()).toEqual([...Array(count1).fill([true, 1]), ...Array(count2).fill([true, 2])]);
      expect(results2.toArray()).toEqual(Array(count1).fill([true, 2]));

      // Make sure all workers settle into cond.wait()
      await until(() => ready.length >= N);

      // Notify all threads: they are all in their second wait
      // (count2 of them still wait: the others have finished).
      cond.acquire();
      cond.notifyAll();
      await bunch.blocked(count2);

      // Phase 3
      phaseNum.value = 3;
      cond.release();
      await until(() => results2.length >= N);
      expect(results1.toArray()).toEqual([...Array(count1).fill([true, 1]), ...Array(count2).fill([true, 2])]);
      expect(results2.toArray()).toEqual([...Array(count1).fill([true, 2]), ...Array(count2).fill([true, 3])]);
    });
  }

  it('ConditionTests.test_notify', async () => {
    const cond = condtype();
    await checkNotify(cond);
    // A second time, to check internal state is still ok.
    await checkNotify(cond);
  });

  it('ConditionTests.test_timeout', async () => {
    const cond = condtype();
    const timeout = 0.5;
    const results = new SharedList<[number, boolean]>();
    const f = (cond: Condition, results: SharedList<[number, boolean]>, timeout: number): void => {
      cond.acquire();
      const t1 = performance.now() / 1000;
      const result = cond.wait(timeout);
      const t2 = performance.now() / 1000;
      cond.release();
      results.append([t2 - t1, result]);
    };
    const N = 5;
    await withBunch(f, N, [cond, results, timeout]);
    expect(results.length).toBe(N);
    for (const [dt, result] of results.toArray()) {
      assertTimeout(dt, timeout);
      // In practice, this implementation has no spurious wakeups.
      expect(result).toBe(false);
    }
  });

  it('ConditionTests.test_waitfor', async () => {
    const cond = condtype();
    const state = new Value('i', 0);
    const f = (cond: Condition, state: Value): void => {
      cond.with(() => {
        const result = cond.waitFor(() => state.value === 4);
        if (!result) throw new Error(`waitFor returned ${result}`);
        if (state.value !== 4) throw new Error(`state is ${state.value}, not 4`);
      });
    };
    await withBunch(f, 1, [cond, state], async () => {
      for (let i = 0; i < 4; i++) {
        await sleepAsync(0.01);
        cond.with(() => {
          state.value += 1;
          cond.notify();
        });
      }
    });
  });

  it('ConditionTests.test_waitfor_timeout', async () => {
    const cond = condtype();
    const state = new Value('i', 0);
    const success = new SharedList<null>();
    const f = (cond: Condition, state: Value, success: SharedList<null>): void => {
      cond.with(() => {
        let dt = performance.now() / 1000;
        const result = cond.waitFor(() => state.value === 4, 0.1);
        dt = performance.now() / 1000 - dt;
        if (result) throw new Error(`waitFor returned ${result}`);
        // assertTimeout(dt, 0.1)
        if (!(dt >= 0.1 * 0.6 && dt < 0.1 * 10)) throw new Error(`waited ${dt} s for a 0.1 s timeout`);
        success.append(null);
      });
    };
    await withBunch(f, 1, [cond, state, success], async () => {
      // Only increment 3 times, so state == 4 is never reached.
      for (let i = 0; i < 3; i++) {
        await sleepAsync(0.01);
        cond.with(() => {
          state.value += 1;
          cond.notify();
        });
      }
    });
    expect(success.length).toBe(1);
  });
});

// ---------------------------------------------------------------------------

function baseSemaphoreTests(cls: string, semtype: (value?: number) => Semaphore): void {
  it(`${cls}.test_constructor`, () => {
    expect(() => semtype(-1)).toThrow(ValueError);
    expect(() => semtype(-Number.MAX_SAFE_INTEGER)).toThrow(ValueError);
  });

  it(`${cls}.test_acquire`, () => {
    let sem = semtype(1);
    sem.acquire();
    sem.release();
    sem = semtype(2);
    sem.acquire();
    sem.acquire();
    sem.release();
    sem.release();
  });

  it(`${cls}.test_acquire_destroy`, () => {
    const sem = semtype();
    sem.acquire();
  });

  it(`${cls}.test_acquire_contended`, async () => {
    const semValue = 7;
    const sem = semtype(semValue);
    sem.acquire();

    const semResults = new SharedList<boolean>();
    const results1 = new SharedList<number>();
    const results2 = new SharedList<number>();
    const phaseNum = new Value('i', 0);

    const func = (sem: Semaphore, semResults: SharedList<boolean>, results1: SharedList<number>, results2: SharedList<number>, phaseNum: Value): void => {
      semResults.append(sem.acquire());
      results1.append(phaseNum.value);

      semResults.append(sem.acquire());
      results2.append(phaseNum.value);
    };
    const waitCount = (count: number): Promise<void> => until(() => results1.length + results2.length >= count);
    const all = (): number[] => [...results1.toArray(), ...results2.toArray()];
    const sorted = (): number[] => all().sort((a, b) => a - b);
    const fill = (n: number, v: number): number[] => Array(n).fill(v);

    const N = 10;
    const count1 = semValue - 1;
    const count2 = semValue;
    const count3 = semValue - 1;
    const count4 = 1;
    await withBunch(func, N, [sem, semResults, results1, results2, phaseNum], async () => {
      // Phase 0
      await waitCount(count1);
      expect(all()).toEqual(fill(count1, 0));

      // Phase 1
      phaseNum.value = 1;
      for (let i = 0; i < semValue; i++) sem.release();
      await waitCount(count1 + count2);
      expect(sorted()).toEqual([...fill(count1, 0), ...fill(count2, 1)]);

      // Phase 2
      phaseNum.value = 2;
      for (let i = 0; i < count3; i++) sem.release();
      await waitCount(count1 + count2 + count3);
      expect(sorted()).toEqual([...fill(count1, 0), ...fill(count2, 1), ...fill(count3, 2)]);
      // The semaphore is still locked
      expect(sem.acquire(false)).toBe(false);

      // Final release, to let the last thread finish
      sem.release();
    });
    expect(semResults.toArray()).toEqual(Array(count1 + count2 + count3 + count4).fill(true));
  });

  it(`${cls}.test_multirelease`, async () => {
    const semValue = 7;
    const sem = semtype(semValue);
    sem.acquire();

    const results1 = new SharedList<number>();
    const results2 = new SharedList<number>();
    const phaseNum = new Value('i', 0);
    const func = (sem: Semaphore, results1: SharedList<number>, results2: SharedList<number>, phaseNum: Value): void => {
      sem.acquire();
      results1.append(phaseNum.value);

      sem.acquire();
      results2.append(phaseNum.value);
    };
    const waitCount = (count: number): Promise<void> => until(() => results1.length + results2.length >= count);
    const all = (): number[] => [...results1.toArray(), ...results2.toArray()];
    const sorted = (): number[] => all().sort((a, b) => a - b);
    const fill = (n: number, v: number): number[] => Array(n).fill(v);

    await withBunch(func, 10, [sem, results1, results2, phaseNum], async () => {
      // Phase 0
      const count1 = semValue - 1;
      await waitCount(count1);
      expect(all()).toEqual(fill(count1, 0));

      // Phase 1
      phaseNum.value = 1;
      const count2 = semValue;
      sem.release(count2);
      await waitCount(count1 + count2);
      expect(sorted()).toEqual([...fill(count1, 0), ...fill(count2, 1)]);

      // Phase 2
      phaseNum.value = 2;
      const count3 = semValue - 1;
      sem.release(count3);
      await waitCount(count1 + count2 + count3);
      expect(sorted()).toEqual([...fill(count1, 0), ...fill(count2, 1), ...fill(count3, 2)]);
      // The semaphore is still locked
      expect(sem.acquire(false)).toBe(false);

      // Final release, to let the last thread finish
      sem.release();
    });
  });

  it(`${cls}.test_try_acquire`, () => {
    const sem = semtype(2);
    expect(sem.acquire(false)).toBe(true);
    expect(sem.acquire(false)).toBe(true);
    expect(sem.acquire(false)).toBe(false);
    sem.release();
    expect(sem.acquire(false)).toBe(true);
  });

  it(`${cls}.test_try_acquire_contended`, async () => {
    const sem = semtype(4);
    sem.acquire();
    const results = new SharedList<boolean>();
    const f = (sem: Semaphore, results: SharedList<boolean>): void => {
      results.append(sem.acquire(false));
      results.append(sem.acquire(false));
    };
    await withBunch(f, 5, [sem, results]);
    // There can be a thread switch between acquiring the semaphore and
    // appending the result, therefore results will not necessarily be
    // ordered.
    expect(results.toArray().sort()).toEqual([...Array(7).fill(false), ...Array(3).fill(true)]);
  });

  it(`${cls}.test_acquire_timeout`, () => {
    const sem = semtype(2);
    expect(() => sem.acquire(false, 1.0)).toThrow(ValueError);
    expect(sem.acquire(true, 0.005)).toBe(true);
    expect(sem.acquire(true, 0.005)).toBe(true);
    expect(sem.acquire(true, 0.005)).toBe(false);
    sem.release();
    expect(sem.acquire(true, 0.005)).toBe(true);
    const t = monotonic();
    expect(sem.acquire(true, 0.5)).toBe(false);
    const dt = monotonic() - t;
    assertTimeout(dt, 0.5);
  });

  it(`${cls}.test_default_value`, async () => {
    // The default initial value is 1.
    const sem = semtype();
    sem.acquire();
    const f = (sem: Semaphore): void => {
      sem.acquire();
      sem.release();
    };
    await withBunch(f, 1, [sem], async (bunch) => {
      // Thread blocked on sem.acquire()
      await bunch.blocked(1);
      expect(bunch.finished.length).toBe(0);
      // Thread unblocked
      sem.release();
    });
  });

  it(`${cls}.test_with`, () => {
    const sem = semtype(2);
    const _with = (err?: Error): void => {
      sem.with(() => {
        expect(sem.acquire(false)).toBe(true);
        sem.release();
        sem.with(() => {
          expect(sem.acquire(false)).toBe(false);
          if (err) throw err;
        });
      });
    };
    _with();
    expect(sem.acquire(false)).toBe(true);
    sem.release();
    expect(() => _with(new TypeError())).toThrow(TypeError);
    expect(sem.acquire(false)).toBe(true);
    sem.release();
  });
}

describe('SemaphoreTests', () => {
  const semtype = (value?: number): Semaphore => new Semaphore(value);
  baseSemaphoreTests('SemaphoreTests', semtype);

  it('SemaphoreTests.test_release_unacquired', () => {
    // Unbounded releases are allowed and increment the semaphore's value
    const sem = semtype(1);
    sem.release();
    sem.acquire();
    sem.acquire();
    sem.release();
  });

  it('SemaphoreTests.test_repr', () => {
    // CPython: <threading.Semaphore at 0x…: value=3>; the regexes keep
    // all but the module prefix and the address.
    const sem = semtype(3);
    expect(String(sem)).toMatch(/<(\w+\.)?Semaphore( at .*)?: value=3>/);
    sem.acquire();
    expect(String(sem)).toMatch(/<(\w+\.)?Semaphore( at .*)?: value=2>/);
    sem.release();
    sem.release();
    expect(String(sem)).toMatch(/<(\w+\.)?Semaphore( at .*)?: value=4>/);
  });
});

describe('BoundedSemaphoreTests', () => {
  const semtype = (value?: number): BoundedSemaphore => new BoundedSemaphore(value);
  baseSemaphoreTests('BoundedSemaphoreTests', semtype);

  it('BoundedSemaphoreTests.test_release_unacquired', () => {
    // Cannot go past the initial value
    const sem = semtype();
    expect(() => sem.release()).toThrow(ValueError);
    sem.acquire();
    sem.release();
    expect(() => sem.release()).toThrow(ValueError);
  });

  it('BoundedSemaphoreTests.test_repr', () => {
    // CPython: <threading.BoundedSemaphore at 0x…: value=3/3>
    const sem = semtype(3);
    expect(String(sem)).toMatch(/<(\w+\.)?BoundedSemaphore( at .*)?: value=3\/3>/);
    sem.acquire();
    expect(String(sem)).toMatch(/<(\w+\.)?BoundedSemaphore( at .*)?: value=2\/3>/);
  });
});

// ---------------------------------------------------------------------------

describe('BarrierTests', () => {
  const N = 5;
  const defaultTimeout = 2.0;
  const barriertype = (parties: number, action?: (() => unknown) | null, timeout?: number | null): Barrier =>
    new Barrier(parties, action, timeout);

  /** setUp/tearDown: each test gets `barrier`, aborted when it ends. */
  async function withBarrier(test: (barrier: Barrier) => Promise<void> | void): Promise<void> {
    const barrier = barriertype(N, null, defaultTimeout);
    try {
      await test(barrier);
    } finally {
      barrier.abort();
    }
  }

  const runThreads = (f: (...args: any[]) => unknown, args: unknown[]): Promise<unknown> => withBunch(f, N, args); // eslint-disable-line @typescript-eslint/no-explicit-any

  // BarrierTests.multipass, run by each thread.
  function multipass(barrier: Barrier, results0: SharedList<boolean>, results1: SharedList<boolean>, n: number, N: number): void {
    const m = barrier.parties;
    if (m !== N) throw new Error(`parties ${m} != ${N}`);
    for (let i = 0; i < n; i++) {
      results0.append(true);
      if (results1.length !== i * m) throw new Error(`len(results[1]) ${results1.length} != ${i * m}`);
      barrier.wait();
      results1.append(true);
      if (results0.length !== (i + 1) * m) throw new Error(`len(results[0]) ${results0.length} != ${(i + 1) * m}`);
      barrier.wait();
    }
    if (barrier.nWaiting !== 0) throw new Error(`n_waiting ${barrier.nWaiting} != 0`);
    if (barrier.broken) throw new Error('the barrier is broken');
  }

  function testBarrier(passes: number): Promise<void> {
    // Test that a barrier is passed in lockstep
    return withBarrier(async (barrier) => {
      const results0 = new SharedList<boolean>();
      const results1 = new SharedList<boolean>();
      await runThreads(multipass, [barrier, results0, results1, passes, N]);
    });
  }

  it('BarrierTests.test_constructor', () => {
    expect(() => barriertype(0)).toThrow(ValueError);
    expect(() => barriertype(-1)).toThrow(ValueError);
  });

  it('BarrierTests.test_barrier', () => testBarrier(1));

  it('BarrierTests.test_barrier_10', () => testBarrier(10));

  it('BarrierTests.test_wait_return', () =>
    withBarrier(async (barrier) => {
      // test the return value from barrier.wait
      const results = new SharedList<number>();
      await runThreads((barrier: Barrier, results: SharedList<number>) => results.append(barrier.wait()), [barrier, results]);
      expect(results.toArray().reduce((a, b) => a + b, 0)).toBe((N * (N - 1)) / 2);
    }));

  it('BarrierTests.test_action', () =>
    withBarrier(async () => {
      // Test the 'action' callback. It runs on one of the threads, as
      // source text: it finds the shared list where each thread put it.
      const results = new SharedList<boolean>();
      const action = (): void => (globalThis as unknown as { results: SharedList<boolean> }).results.append(true);
      const barrier = barriertype(N, action);
      const f = (barrier: Barrier, results: SharedList<boolean>): void => {
        (globalThis as unknown as { results: SharedList<boolean> }).results = results;
        barrier.wait();
        if (results.length !== 1) throw new Error(`len(results) ${results.length} != 1`);
      };
      await runThreads(f, [barrier, results]);
    }));

  it('BarrierTests.test_abort', () =>
    withBarrier(async (barrier) => {
      // Test that an abort will put the barrier in a broken state
      const results1 = new SharedList<boolean>();
      const results2 = new SharedList<boolean>();
      const f = (barrier: Barrier, results1: SharedList<boolean>, results2: SharedList<boolean>, N: number): void => {
        try {
          const i = barrier.wait();
          if (i === Math.floor(N / 2)) throw new pthreading.RuntimeError('');
          barrier.wait();
          results1.append(true);
        } catch (error) {
          if (error instanceof pthreading.BrokenBarrierError) results2.append(true);
          else if (error instanceof pthreading.RuntimeError) barrier.abort();
          else throw error;
        }
      };
      await runThreads(f, [barrier, results1, results2, N]);
      expect(results1.length).toBe(0);
      expect(results2.length).toBe(N - 1);
      expect(barrier.broken).toBe(true);
    }));

  it('BarrierTests.test_reset', () =>
    withBarrier(async (barrier) => {
      // Test that a 'reset' on a barrier frees the waiting threads
      const results1 = new SharedList<boolean>();
      const results2 = new SharedList<boolean>();
      const results3 = new SharedList<boolean>();
      const f = (barrier: Barrier, results1: SharedList<boolean>, results2: SharedList<boolean>, results3: SharedList<boolean>, N: number): void => {
        const i = barrier.wait();
        if (i === Math.floor(N / 2)) {
          // Wait until the other threads are all in the barrier.
          const end = performance.now() + 30_000;
          while (barrier.nWaiting < N - 1 && performance.now() < end) pthreading.sleep(0.001);
          barrier.reset();
        } else {
          try {
            barrier.wait();
            results1.append(true);
          } catch (error) {
            if (!(error instanceof pthreading.BrokenBarrierError)) throw error;
            results2.append(true);
          }
        }
        // Now, pass the barrier again
        barrier.wait();
        results3.append(true);
      };
      await runThreads(f, [barrier, results1, results2, results3, N]);
      expect(results1.length).toBe(0);
      expect(results2.length).toBe(N - 1);
      expect(results3.length).toBe(N);
    }));

  it('BarrierTests.test_abort_and_reset', () =>
    withBarrier(async (barrier) => {
      // Test that a barrier can be reset after being broken.
      const results1 = new SharedList<boolean>();
      const results2 = new SharedList<boolean>();
      const results3 = new SharedList<boolean>();
      const barrier2 = barriertype(N);
      const f = (
        barrier: Barrier,
        barrier2: Barrier,
        results1: SharedList<boolean>,
        results2: SharedList<boolean>,
        results3: SharedList<boolean>,
        N: number,
      ): void => {
        try {
          const i = barrier.wait();
          if (i === Math.floor(N / 2)) throw new pthreading.RuntimeError('');
          barrier.wait();
          results1.append(true);
        } catch (error) {
          if (error instanceof pthreading.BrokenBarrierError) results2.append(true);
          else if (error instanceof pthreading.RuntimeError) barrier.abort();
          else throw error;
        }
        // Synchronize and reset the barrier.  Must synchronize first so
        // that everyone has left it when we reset, and after so that no
        // one enters it before the reset.
        if (barrier2.wait() === Math.floor(N / 2)) barrier.reset();
        barrier2.wait();
        barrier.wait();
        results3.append(true);
      };
      await runThreads(f, [barrier, barrier2, results1, results2, results3, N]);
      expect(results1.length).toBe(0);
      expect(results2.length).toBe(N - 1);
      expect(results3.length).toBe(N);
    }));

  it('BarrierTests.test_timeout', () =>
    withBarrier(async (barrier) => {
      // Test wait(timeout)
      const f = (barrier: Barrier, N: number, defaultTimeout: number): void => {
        const i = barrier.wait();
        if (i === Math.floor(N / 2)) {
          // One thread is late!
          pthreading.sleep(defaultTimeout / 2);
        }
        // Default timeout is 2.0, so this is shorter.
        try {
          barrier.wait(defaultTimeout / 4);
        } catch (error) {
          if (error instanceof pthreading.BrokenBarrierError) return;
          throw error;
        }
        throw new Error('BrokenBarrierError not raised');
      };
      await runThreads(f, [barrier, N, defaultTimeout]);
    }));

  it('BarrierTests.test_default_timeout', () =>
    withBarrier(async () => {
      // Test the barrier's default timeout
      const timeout = 0.1;
      const barrier = barriertype(2, null, timeout);
      const f = (barrier: Barrier): void => {
        try {
          barrier.wait();
        } catch (error) {
          if (error instanceof pthreading.BrokenBarrierError) return;
          throw error;
        }
        throw new Error('BrokenBarrierError not raised');
      };
      const startTime = monotonic();
      await withBunch(f, 1, [barrier]);
      const dt = monotonic() - startTime;
      expect(dt).toBeGreaterThanOrEqual(timeout);
    }));

  it('BarrierTests.test_single_thread', () =>
    withBarrier(() => {
      const b = barriertype(1);
      b.wait();
      b.wait();
    }));

  it('BarrierTests.test_repr', () =>
    withBarrier(async () => {
      const barrier = barriertype(3);
      const timeout = LONG_TIMEOUT;
      expect(String(barrier)).toMatch(/<(\w+\.)?Barrier( at .*)?: waiters=0\/3>/);
      const f = (barrier: Barrier, timeout: number): number => barrier.wait(timeout);
      const n = 2;
      await withBunch(f, n, [barrier, timeout], async () => {
        // Threads blocked on barrier.wait()
        await until(() => barrier.nWaiting >= n);
        expect(String(barrier)).toMatch(/<(\w+\.)?Barrier( at .*)?: waiters=2\/3>/);
        // Threads unblocked
        barrier.wait(timeout);
      });
      expect(String(barrier)).toMatch(/<(\w+\.)?Barrier( at .*)?: waiters=0\/3>/);
      // Abort the barrier
      barrier.abort();
      expect(String(barrier)).toMatch(/<(\w+\.)?Barrier( at .*)?: broken>/);
    }));
});
