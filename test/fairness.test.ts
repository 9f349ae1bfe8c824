/**
 * Fairness: under sustained contention no thread starves. Four threads
 * take one Lock in a tight loop for a fixed time; each must get a real
 * share (wide margins: at least 1% of the acquisitions each).
 */
import { describe, expect, it } from 'vitest';

import { Lock } from 'pthreading';

import { onThread } from './helpers';

describe('Lock fairness', () => {
  it('no thread starves under sustained contention', async () => {
    const lock = new Lock();
    const shared = new Int32Array(new SharedArrayBuffer(4 * 8)); // [0] go, [1] stop, [2..5] counts
    const threads = Array.from({ length: 4 }, (_, i) =>
      onThread((d) => {
        while (Atomics.load(d.s, 0) === 0);
        let n = 0;
        while (Atomics.load(d.s, 1) === 0) {
          d.lock.acquire();
          n++;
          d.lock.release();
        }
        d.s[2 + d.i] = n;
      }, { lock, s: shared, i }),
    );
    await new Promise((r) => setTimeout(r, 200)); // let them all start
    Atomics.store(shared, 0, 1);
    await new Promise((r) => setTimeout(r, 1000));
    Atomics.store(shared, 1, 1);
    await Promise.all(threads.map((t) => t.done));
    const counts = Array.from(shared.subarray(2, 6));
    const total = counts.reduce((a, b) => a + b, 0);
    for (const n of counts) expect(n / total, JSON.stringify(counts)).toBeGreaterThan(0.01);
  });
});
