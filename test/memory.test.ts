/**
 * Memory: primitives hold no native object, so creating and dropping them
 * leaks nothing; threads that load the addon are unregistered when they exit.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { Lock, nativeStats } from 'pthreading';

import { onThread, until } from './helpers';

describe('memory', () => {
  it('100,000 create/use/drop cycles of each primitive leave RSS flat', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'fixtures', 'churn.cjs'), '100000'], {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        timeout: 120_000,
      }),
    );
    for (const kind of ['Lock', 'RLock', 'Condition', 'Semaphore', 'BoundedSemaphore', 'Event', 'Barrier']) {
      // 100,000 leaked SharedArrayBuffers would be far more than this.
      expect(out[kind], kind).toBeLessThan(24);
    }
    expect(out.stats).toEqual({ queuedWaiters: 0, futexWaiters: 0, asyncWaiters: 0, liveEnvs: 1 });
  });

  // 300 by default (most cycles run on the worker of the thread before);
  // PTHREADING_STRESS=4 runs 1,200. bench/memory.js runs 20,000 and shows
  // where RSS levels off: the main isolate's young generation and malloc's
  // arenas grow over the first thousands of cycles (BENCHMARKS.md).
  const threadCycles = 300 * Number(process.env.PTHREADING_STRESS ?? 1);
  it(`${threadCycles} Thread start/join cycles leave RSS and the live native counts where they were`, () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'fixtures', 'thread-churn.cjs'), String(threadCycles)], {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        timeout: 300_000,
      }),
    );
    expect(out.growth).toBeLessThan(32);
    expect(out.stats.liveEnvs).toBe(out.envsBefore); // the main thread and its warm workers
    expect(out.stats.queuedWaiters).toBe(0);
    expect(out.stats.asyncWaiters).toBe(0);
  }, 300_000); // as the child's own limit: a loaded 2-core machine boots Workers slowly

  it('the addon loads in 4 workers at once and again after they exit', async () => {
    const base = nativeStats().liveEnvs;
    const lock = new Lock();
    for (let round = 0; round < 2; round++) {
      const threads = Array.from({ length: 4 }, () =>
        onThread((d, p) => {
          d.lock.acquire();
          d.lock.release();
          return p.nativeStats().liveEnvs;
        }, { lock }),
      );
      const seen = await Promise.all(threads.map((t) => t.done));
      for (const n of seen) expect(n).toBeGreaterThan(base);
      await until(() => nativeStats().liveEnvs === base);
    }
    expect(lock.locked()).toBe(false);
  });
});
