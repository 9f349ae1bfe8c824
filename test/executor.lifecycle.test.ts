/**
 * ThreadPoolExecutor lifetime: its threads end after shutdown() without the
 * creating thread's help, an executor nobody can reach is shut down, and no
 * work starts while the process exits.
 */
import { describe, expect, it } from 'vitest';

import { Event, ThreadPoolExecutor, enumerate } from 'pthreading';

import { script } from './helpers';

function poolThreads(prefix: string): ReturnType<typeof enumerate> {
  return enumerate().filter((t) => t.name.startsWith(`${prefix}_`));
}

describe('ThreadPoolExecutor lifetime', () => {
  it('after shutdown(false), a busy pool thread ends after its task while the creating thread is blocked joining it', () => {
    const go = new Event();
    const running = new Event();
    const ex = new ThreadPoolExecutor(2, { threadNamePrefix: 'busy-shutdown' });
    const f = ex.submit((r: Event, g: Event) => (r.set(), g.wait(), 7), running, go);
    expect(running.wait(30)).toBe(true);
    ex.shutdown(false);
    go.set();
    // Blocking: this thread's event loop never sees the task's outcome here.
    for (const t of poolThreads('busy-shutdown')) {
      t.join(30);
      expect(t.isAlive()).toBe(false);
    }
    expect(f.result(30)).toBe(7);
  });

  it('an executor dropped without shutdown() has its idle threads stopped once it is collected', () => {
    const r = script(
      `
      const { ThreadPoolExecutor, enumerate } = require('pthreading');
      (async () => {
        await (async () => {
          const ex = new ThreadPoolExecutor(2, { threadNamePrefix: 'dropped' });
          console.log(await ex.submit((a) => a + 1, 1));
        })();
        const threads = enumerate().filter((t) => t.name.startsWith('dropped_'));
        console.log('pool threads: ' + threads.length);
        // Collect until the executor's finalizer has run (its threads end).
        for (let i = 0; i < 200 && threads.some((t) => t.isAlive()); i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 5));
        }
        for (const t of threads) await t.joinAsync(10);
        console.log('alive: ' + threads.filter((t) => t.isAlive()).length);
      })();
    `,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(r.stdout).toBe('2\npool threads: 1\nalive: 0\n');
    expect(r.status).toBe(0);
  });

  it('an executor with tasks outstanding is kept until they settle, though nobody holds it', async () => {
    const go = new Event();
    const future = new ThreadPoolExecutor(1).submit((g: Event) => (g.wait(), 'done'), go);
    (globalThis as { gc?: () => void }).gc?.();
    go.set();
    expect(await future).toBe('done');
  });

  it("the executors of a thread are shut down when the thread's run() ends", () => {
    const t = new (require('pthreading') as typeof import('pthreading')).Thread({
      target: () => {
        const ex = new pthreading.ThreadPoolExecutor(2, { threadNamePrefix: 'owner-ended' });
        ex.submit(() => 0).result();
      },
    });
    t.start();
    t.join();
    for (const p of poolThreads('owner-ended')) {
      p.join(30);
      expect(p.isAlive()).toBe(false);
    }
  });

  it('submit() in an exit handler throws RuntimeError, as at interpreter shutdown', () => {
    const r = script(`
      const { ThreadPoolExecutor } = require('pthreading');
      const ex = new ThreadPoolExecutor(1);
      ex.submit(() => 0).result();
      process.on('exit', () => {
        try {
          ex.submit(() => 1);
          console.log('submitted');
        } catch (e) {
          console.log(e.name + ' ' + e.code + ' ' + e.message);
        }
      });
    `);
    expect(r.stdout).toBe('RuntimeError ERR_SHUTDOWN cannot schedule new futures after interpreter shutdown\n');
    expect(r.status).toBe(0);
  });
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');
