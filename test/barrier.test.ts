import { describe, expect, it } from 'vitest';
import path from 'node:path';

import { Barrier, BrokenBarrierError, ValueError, revive } from 'pthreading';

import { onThread, parked, timed } from './helpers';

const N = 4;

/** One party waiting on `b` in a worker: resolves to 'passed' or the error's name. */
function partyInThread(b: Barrier): { done: Promise<string> } {
  return onThread((d) => {
    try {
      d.b.wait(30);
      return 'passed';
    } catch (e) {
      return (e as Error).name;
    }
  }, { b });
}

describe('Barrier#wait()', () => {
  it('releases all parties together, with distinct indexes, again and again', async () => {
    const b = new Barrier(N);
    const phases = new Int32Array(new SharedArrayBuffer(4 * 4));
    const threads = Array.from({ length: N - 1 }, () =>
      onThread((d) => {
        const indexes: number[] = [];
        for (let round = 0; round < 3; round++) {
          Atomics.add(d.phases, round, 1);
          indexes.push(d.b.wait(30));
          // Nobody gets past a barrier before all have reached it.
          if (Atomics.load(d.phases, round) !== d.n) throw new Error('passed the barrier early');
        }
        return indexes;
      }, { b, phases, n: N }),
    );
    const mine: number[] = [];
    for (let round = 0; round < 3; round++) {
      Atomics.add(phases, round, 1);
      mine.push(await b.waitAsync(30));
      expect(Atomics.load(phases, round)).toBe(N);
    }
    const all = [mine, ...(await Promise.all(threads.map((t) => t.done)))];
    for (let round = 0; round < 3; round++) {
      expect(all.map((ix) => ix[round]).sort()).toEqual([0, 1, 2, 3]);
    }
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
  });

  it('runs the action once per round, in one of the parties', async () => {
    const calls = new Int32Array(new SharedArrayBuffer(4));
    // The action is sent to other threads as source: it reaches `calls`
    // through a global the threads set up.
    (globalThis as { calls?: Int32Array }).calls = calls;
    const b = new Barrier(2, () => {
      Atomics.add((globalThis as unknown as { calls: Int32Array }).calls, 0, 1);
    });
    const t = onThread((d) => {
      (globalThis as { calls?: Int32Array }).calls = d.calls;
      d.b.wait(30);
      d.b.wait(30);
    }, { b, calls });
    await b.waitAsync(30);
    await b.waitAsync(30);
    await t.done;
    expect(calls[0]).toBe(2);
  });

  it('breaks when the action throws; every party gets the error or BrokenBarrierError', async () => {
    const b = new Barrier(2, () => {
      throw new Error('action failed');
    });
    const t = onThread((d) => {
      try {
        d.b.wait(30);
        return 'passed';
      } catch (e) {
        return (e as Error).name + ': ' + (e as Error).message;
      }
    }, { b });
    const mine = await b.waitAsync(30).then(
      () => 'passed',
      (e: Error) => e.name + ': ' + e.message,
    );
    const theirs = await t.done;
    expect([mine, theirs].sort()).toEqual(['BrokenBarrierError: the barrier is broken', 'Error: action failed']);
    expect(b.broken).toBe(true);
  });

  it('abort() breaks it: waiting and later parties get BrokenBarrierError', async () => {
    const b = new Barrier(3);
    const t = partyInThread(b);
    await parked(1);
    expect(b.nWaiting).toBe(1);
    b.abort();
    expect(await t.done).toBe('BrokenBarrierError');
    expect(b.broken).toBe(true);
    expect(() => b.wait()).toThrow(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
  });

  it('reset() sends waiting parties BrokenBarrierError and leaves it usable', async () => {
    const b = new Barrier(2);
    const t = partyInThread(b);
    await parked(1);
    b.reset();
    expect(await t.done).toBe('BrokenBarrierError');
    expect(b.broken).toBe(false);
    const again = onThread((d) => d.b.wait(30), { b });
    const mine = b.wait(30);
    expect([mine, await again.done].sort()).toEqual([0, 1]);
  });

  it('a timeout breaks the barrier', () => {
    const b = new Barrier(2);
    const [error, took] = timed(() => {
      try {
        b.wait(0.1);
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(BrokenBarrierError);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    expect(b.broken).toBe(true);
  });

  it('uses the default timeout given to the constructor', () => {
    const b = new Barrier(2, null, 0.05);
    expect(() => b.wait()).toThrow(BrokenBarrierError);
  });

  it('with one party returns 0 at once', () => {
    const b = new Barrier(1);
    expect(b.wait()).toBe(0);
    expect(b.wait()).toBe(0);
    expect(b.parties).toBe(1);
  });

  it('refuses fewer than one party', () => {
    expect(() => new Barrier(0)).toThrow(ValueError);
    expect(() => new Barrier(2, 'x' as unknown as () => void)).toThrow(TypeError);
  });
});

describe('Barrier#toString()', () => {
  it("shows waiters/parties or broken, and the class's name, as CPython's repr", () => {
    class Gate extends Barrier {}
    const g = new Gate(3);
    expect(String(g)).toBe('<Gate: waiters=0/3>');
    g.abort();
    expect(String(g)).toBe('<Gate: broken>');
  });
});

describe('Barrier actions compiled in another thread', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compiledActionCount } = require(path.join(__dirname, '..', 'dist', 'sync', 'barrier.js'));
  const calls = (): number => (globalThis as { actionCalls?: number }).actionCalls ?? 0;

  // A barrier as another thread receives it (cloned, then revived), so its
  // action is compiled there from source. Each action counts its own calls
  // on the compiled function: a count that restarts means it was compiled
  // again.
  const received = (i: number): Barrier => {
    const action = new Function(`return function act() { act.n = (act.n || 0) + 1; globalThis.actionCalls = act.n; /* ${i} */ }`)();
    return revive(structuredClone(new Barrier(1, action as () => unknown)));
  };

  it('are kept in a cache of at most 64, least recently used out first, and run again once evicted', () => {
    const barriers = Array.from({ length: 64 }, (_, i) => received(i));
    for (const b of barriers) b.wait();
    expect(compiledActionCount()).toBe(64);
    barriers[0].wait();
    expect(calls()).toBe(2); // cached, and now the most recently used
    for (let i = 64; i < 200; i++) received(i).wait();
    expect(compiledActionCount()).toBe(64);
    barriers[1].wait();
    expect(calls()).toBe(1); // evicted: compiled again
    barriers[1].wait();
    expect(calls()).toBe(2);
  });

  it('a recently used action stays while older ones go', () => {
    const barriers = Array.from({ length: 64 }, (_, i) => received(1000 + i));
    for (const b of barriers) b.wait();
    barriers[0].wait(); // 0 becomes the most recently used
    received(2000).wait(); // evicts 1, the least recently used
    barriers[0].wait();
    expect(calls()).toBe(3);
    barriers[1].wait();
    expect(calls()).toBe(1);
  });
});

describe('Barrier action source', () => {
  it("is the function's own source, whatever its toString says or does", () => {
    const action = (): void => {
      (globalThis as { sourceRuns?: number }).sourceRuns = ((globalThis as { sourceRuns?: number }).sourceRuns ?? 0) + 1;
    };
    action.toString = () => {
      throw new Error('toString throws');
    };
    const b = new Barrier(1, action);
    b.wait();
    revive(structuredClone(b)).wait(); // compiled from its source, as in another thread
    expect((globalThis as { sourceRuns?: number }).sourceRuns).toBe(2);
  });
});
