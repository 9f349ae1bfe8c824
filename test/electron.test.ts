/**
 * What can be checked of Electron without Electron's binary (docs/electron.md
 * lists these as the checks that stand in for a run): the addon makes no
 * external ArrayBuffers, a renderer's main thread never blocks, and the
 * addon initializes once per context that loads it (a vm context, workers,
 * a worker started after another was torn down), each with its own state.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { script } from './helpers';

const root = path.join(__dirname, '..');
const addon = path.join(root, 'build', 'Release', 'pthreading.node');

/** Runs `source` in a fresh node from the repository root; its stdout. Throws if it exits otherwise than with 0. */
function stdoutOf(source: string): string {
  const r = script(source, { timeout: 60_000 });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe('Electron, without Electron', () => {
  it('the addon imports no N-API call that creates external ArrayBuffers or Buffers', () => {
    const symbols = execFileSync('nm', ['-D', '--undefined-only', addon], { encoding: 'utf8' });
    expect(symbols).toMatch(/napi_get_typedarray_info/); // the check sees the imports at all
    expect(symbols).not.toMatch(/napi_create_external_(arraybuffer|buffer|sharedarraybuffer)/);
  });

  it("on a renderer's main thread a sync form that would wait throws ERR_WOULD_BLOCK, one that need not wait works, and threads started from it may block", () => {
    const out = stdoutOf(`
      process.type = 'renderer'; // what Electron sets in a renderer
      const t = require('.');
      const codes = [];
      const attempt = (fn) => { try { codes.push(fn()); } catch (e) { codes.push(e.code); } };
      const lock = new t.Lock();
      const done = new t.Event();
      const queue = new t.Queue();
      const before = t.activeCount();
      attempt(() => new t.Thread({ target: () => 0 }).start()); // waits for the thread to run
      attempt(() => t.activeCount() - before);                  // ...so nothing was started
      const worker = new t.Thread({
        // A thread of the renderer blocks as anywhere else.
        target: (l, d) => { l.acquire(); d.wait(); l.release(); },
        args: [lock, done],
      });
      (async () => {
        await worker.startAsync();
        while (!lock.locked()) await t.sleepAsync(0.001);
        attempt(() => lock.acquire());           // would wait
        attempt(() => done.wait(5));             // would wait
        attempt(() => t.sleep(0.01));            // would wait
        attempt(() => worker.join());            // would wait
        attempt(() => queue.get(true, 5));       // would wait
        const cond = new t.Condition();
        cond.acquire();
        attempt(() => cond.wait(5));             // would wait, and keeps the lock
        attempt(() => (cond.release(), 'released'));
        attempt(() => lock.acquire(false));      // need not wait
        attempt(() => queue.put('item'));        // room in the queue
        attempt(() => queue.get());              // an item in the queue
        attempt(() => new t.Value('i', 1).getLock().with(() => 'held'));
        done.set();
        codes.push(await lock.acquireAsync(true, 30));
        await worker.joinAsync(30);
        codes.push(worker.isAlive());
        console.log(JSON.stringify(codes));
      })();
    `);
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual([
      'ERR_WOULD_BLOCK',
      0,
      'ERR_WOULD_BLOCK',
      'ERR_WOULD_BLOCK',
      'ERR_WOULD_BLOCK',
      'ERR_WOULD_BLOCK',
      'ERR_WOULD_BLOCK',
      'ERR_WOULD_BLOCK',
      'released',
      false,
      null,
      'item',
      'held',
      true,
      false,
    ]);
  });

  it('initializes again in a vm context of the same thread, each load with its own state', () => {
    const out = stdoutOf(`
      const vm = require('node:vm');
      const t = require('.');
      const lock = new t.Lock();
      lock.acquire();
      const context = vm.createContext({ process, file: ${JSON.stringify(addon)} });
      const seen = vm.runInContext(\`
        const m = { exports: {} };
        process.dlopen(m, file);
        ({ fromContext: Object.getPrototypeOf(m.exports) === Object.prototype, tid: m.exports.nativeThreadId() })
      \`, context);
      const binding = require(${JSON.stringify(addon)});
      lock.release();
      console.log(JSON.stringify({ fromContext: seen.fromContext, sameThread: seen.tid === binding.nativeThreadId(), unlocked: lock.acquire(false) }));
    `);
    // The exports object of the vm load belongs to the vm context (its own
    // Object.prototype), so the addon ran its Init there.
    expect(JSON.parse(out.trim())).toEqual({ fromContext: true, sameThread: true, unlocked: true });
  });

  it('loads in four workers at once, and again in a worker started after those were torn down', () => {
    const out = stdoutOf(`
      const { Worker } = require('node:worker_threads');
      const t = require('.');
      const counter = new t.Value('i', 0);
      const body = "const t = require(" + JSON.stringify(process.cwd()) + "); const c = t.revive(require('node:worker_threads').workerData); c.getLock().with(() => { c.value += 1; });";
      const run = () => new Promise((resolve, reject) => {
        const w = new Worker(body, { eval: true, workerData: counter });
        w.on('error', reject);
        w.on('exit', resolve);
      });
      (async () => {
        await Promise.all([run(), run(), run(), run()]);
        await run();
        console.log(counter.value);
      })();
    `);
    expect(out.trim()).toBe('5');
  });
});
