/**
 * The wait storm (fixtures/wait-storm.cjs): seeded and time-bounded, every
 * primitive and every …Async wait, sync and async waiters mixed on each of
 * four threads, signals aborting and workers terminated at random points.
 * Afterwards every lock is free, every count is what the completed
 * operations imply, nothing is left parked, and the process ends by itself.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const scale = Number(process.env.PTHREADING_TIME_SCALE ?? 1);

describe('the wait storm', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: leaves every primitive as the completed operations imply, and the process exits by itself`, () => {
      const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'wait-storm.cjs'), String(seed), '2'], {
        cwd: path.join(__dirname, '..'),
        encoding: 'utf8',
        timeout: 60_000 * scale,
      });
      expect(r.signal).toBeNull(); // not killed by the timeout: it ended by itself
      expect(r.status).toBe(0);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(result).toMatchObject({
        errors: [],
        lock: false,
        rlock: false,
        condLock: false,
        queueLock: false,
        barrierLock: false,
        sem: 2,
        bsem: 2,
        drainedOk: true,
        barrier: { broken: false, nWaiting: 0 },
        barrierRound: true,
        queuedWaiters: 0,
        asyncWaiters: 0,
      });
      expect(result.terminated).toBeGreaterThan(0);
      expect(result.operations).toBeGreaterThan(100);
    });
  }
});
