/**
 * What the layout promises (src/README.md, native/README.md): importing a
 * layer's module has no effect outside it, the package entry installs the
 * process-wide pieces once, the native table is the one truth about a
 * thread (JS handles of other threads are weak), and thread identities
 * cross the N-API boundary as safe integers only.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';

import { script } from './helpers';

const dist = path.join(__dirname, '..', 'dist');

describe('process-wide side effects live in install.ts', () => {
  it('importing the primitives and data modules patches nothing and adds no process listener', () => {
    const r = script(`
      const { Worker } = require('node:worker_threads');
      const terminate = Worker.prototype.terminate;
      const listeners = () => ['exit', 'beforeExit'].map((e) => process.listenerCount(e)).join(',');
      const before = listeners();
      for (const m of ['sync/lock', 'sync/rlock', 'sync/condition', 'sync/semaphore', 'sync/event', 'sync/barrier', 'data/queue', 'data/value', 'data/containers', 'threads/thread', 'concurrent/executor'])
        require(${JSON.stringify(dist)} + '/' + m + '.js');
      const same = Worker.prototype.terminate === terminate && listeners() === before;
      require(${JSON.stringify(dist)} + '/index.js');
      const installed = Worker.prototype.terminate !== terminate && listeners() !== before;
      const terminateAfter = Worker.prototype.terminate;
      require(${JSON.stringify(dist)} + '/install.js').install();
      console.log(JSON.stringify({ same, installed, once: Worker.prototype.terminate === terminateAfter }));
    `);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ same: true, installed: true, once: true });
  });

  it('debug mode reaches a primitive only once installed', () => {
    const r = script(
      `
      const { Lock } = require(${JSON.stringify(dist)} + '/sync/lock.js');
      const bare = new Lock().stats();
      const pt = require(${JSON.stringify(dist)} + '/index.js');
      const l = new pt.Lock();
      l.acquire(); l.release();
      console.log(JSON.stringify({ bare, acquisitions: l.stats().acquisitions }));
    `,
      { env: { PTHREADING_DEBUG: 'stats' } },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ bare: null, acquisitions: 1 });
  });
});

describe('thread identity', () => {
  it('a handle of another thread is weak: dropped, it is collected while the thread runs', () => {
    const r = script(
      `
      const pt = require(${JSON.stringify(dist)} + '/index.js');
      const { handleCount } = require(${JSON.stringify(dist)} + '/threads/thread.js');
      const release = new pt.Event();
      const ready = new pt.Barrier(4);
      // One thread starts three: their handles in the main thread come from
      // enumerate(), not from start().
      const outer = new pt.Thread({ target: (release, ready) => {
        const inner = [];
        for (let i = 0; i < 3; i++) {
          const t = new Thread({ target: (release, ready) => { ready.wait(); release.wait(); }, args: [release, ready] });
          t.start();
          inner.push(t);
        }
        for (const t of inner) t.join();
      }, args: [release, ready] });
      outer.start();
      ready.wait();
      const before = handleCount();
      (() => { const names = pt.enumerate().map((t) => t.name); if (names.length !== 5) throw new Error(names.join()); })();
      const seen = handleCount();
      setTimeout(() => {
        gc();
        setTimeout(() => {
          gc();
          const after = handleCount();
          // The threads still run and are still listed, from the native table.
          const listed = pt.enumerate().length;
          release.set();
          outer.join();
          console.log(JSON.stringify({ grew: seen - before, after: after - before, listed }));
        }, 10);
      }, 10);
    `,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ grew: 3, after: 0, listed: 5 });
  });

  it('the addon accepts only safe integers as thread identities', () => {
    const r = script(`
      const { binding } = require(${JSON.stringify(dist)} + '/runtime/native.js');
      const out = [];
      for (const id of [1.5, -1, 2 ** 53, NaN, Infinity, '1']) {
        try { binding.findThread(id); out.push('accepted'); } catch (e) { out.push(e.name); }
      }
      out.push(binding.findThread(2 ** 53 - 1) === null ? 'null' : 'row');
      out.push(binding.findThread(1).ident);
      console.log(JSON.stringify(out));
    `);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'null', 1]);
  });
});
