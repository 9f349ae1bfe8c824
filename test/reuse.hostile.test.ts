/**
 * Worker reuse, attacked: what a thread leaves on its worker that the next
 * thread there must not meet, what a worker's end used to do for its
 * thread and no longer does once the worker is handed back, and the paths
 * around hand-back (stack size, spare count, old Thread objects, exits,
 * executors, Timer, long runs) that must keep working.
 *
 * Each "leaves behind" script runs threads one after the other from its
 * main thread, each joined before the next starts (the loop that reuses
 * workers). The first thread on a worker leaves something behind and marks
 * the worker by a global (globals carry over, by design); every later
 * thread on that worker finds the mark and checks that nothing else
 * carried over. The scripts run in a fresh node each, so that nothing left
 * on a worker reaches the other tests of this file; they are killed after
 * a bounded time (a safety net, never an ordering device).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Event, Queue, Thread, ThreadPoolExecutor, Timer, enumerate, nativeStats, setSpareThreads, stackSize } from 'pthreading';

import { inARow, lastJson, script, type ScriptResult, until } from './helpers';

// Targets run as source text on other threads, where every pthreading
// export is a global and so is `pthreading` itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');
// The same module instance as the package's (the package entry loads it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const internals = require(path.join(__dirname, '..', 'dist', 'threads', 'thread.js')) as {
  workerOf(t: Thread): import('node:worker_threads').Worker | undefined;
  warmWorkerCount(): number;
};
// Whether a process with this pid exists.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { alive } = require(path.join(__dirname, '..', 'dist', 'multiprocessing', 'native.js')) as { alive(pid: number): boolean };

const root = path.join(__dirname, '..');

/**
 * What a script printed that counts in `hits[0]` each run of what thread 0
 * left behind in a later thread, `hits[1]` the ident of the last such
 * thread, after the `runs` of its threads: checks that it exited with 0,
 * and returns the count, the name of that thread, and the names of the
 * later threads on thread 0's worker.
 */
function leftBehindRan(r: ScriptResult): { hits: number; under: string | undefined; victims: string[] } {
  expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
  const { hits, underIdent, runs } = lastJson<{ hits: number; underIdent: number; runs: { name: string; ident: number; nativeId: number }[] }>(r.stdout);
  return {
    hits,
    under: runs.find((x) => x.ident === underIdent)?.name,
    victims: runs.filter((x, i) => i > 0 && x.nativeId === runs[0].nativeId).map((x) => x.name),
  };
}

describe('what a thread leaves on its worker does not run in the next thread there', () => {
  it("an unref'd setInterval a thread leaves running never fires while a later thread runs on its worker", () => {
    // An unref'd timer (a heartbeat that must not keep the process up) is
    // not among process.getActiveResourcesInfo(), which handBack compares:
    // so the worker is handed back with the timer still armed, and it fires
    // on the worker's event loop while the next thread runs there. Before
    // reuse, the worker's exit took the timer with it. Each later thread
    // yields to its event loop for a ref'd 20 ms timer of its own; the
    // left-behind 1 ms interval, due long before, fires first on a worker
    // that runs it.
    const r = script(`
      const { Thread } = require('pthreading');
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const target = async (hits, i) => {
        if (i === 0) {
          const mine = getIdent();
          setInterval(() => {
            if (getIdent() !== mine) {
              Atomics.add(hits, 0, 1);
              hits[1] = getIdent();
            }
          }, 1).unref();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
      ${inARow('beat', 'hits')}
      console.log(JSON.stringify({ hits: hits[0], underIdent: hits[1], runs }));
    `, { timeout: 60_000 });
    const { hits, under, victims } = leftBehindRan(r);
    expect(hits, `beat-0's interval fired ${hits} times on its worker after beat-0 ended, last as ${under}; later threads on its worker: ${victims.join(' ')}`).toBe(0);
  });

  it("an unref'd timer a thread leaves, which throws, neither kills a later thread on its worker nor is reported as that thread's error", () => {
    // The error thrown by thread 0's timer is uncaught on the worker: with
    // the worker reused, it ends the thread running there then (its run()
    // never finishes) and the worker's 'error' reaches the excepthook as
    // "Exception in thread victim-N". Before reuse the timer died with
    // thread 0's worker.
    const r = script(`
      const { Thread } = require('pthreading');
      const finished = new Int32Array(new SharedArrayBuffer(4 * 20));
      const target = async (finished, i) => {
        if (i === 0) {
          setTimeout(() => { throw new Error('thrown by the timer victim-0 left behind'); }, 5).unref();
          finished[0] = 1;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished[i] = 1;
      };
      ${inARow('victim', 'finished')}
      const unfinished = [];
      for (let i = 0; i < 20; i++) if (!finished[i]) unfinished.push('victim-' + i);
      console.log(JSON.stringify({ unfinished, runs }));
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    const { unfinished } = lastJson<{ unfinished: string[] }>(r.stdout);
    const blamed = [...r.stderr.matchAll(/Exception in thread (victim-\d+):/g)].map((m) => m[1]).filter((n) => n !== 'victim-0');
    expect({ unfinished, blamed }, r.stderr).toEqual({ unfinished: [], blamed: [] });
  });

  it.each([
    ['a timer', 'timers.setTimeout(5, null, { ref: false }).then(fire);'],
    ['an interval iteration', '(async () => { for await (const _ of timers.setInterval(2, null, { ref: false })) fire(); })();'],
    ['a scheduler.wait()', 'timers.scheduler.wait(5, { ref: false }).then(fire);'],
  ])("%s of node:timers/promises made with { ref: false } that a thread leaves pending never fires while a later thread runs on its worker", (_what, leave) => {
    // Such a timer is created unreferenced (new Timeout(..., refed = false)),
    // without a call to Timeout.prototype.unref(): the unref() that handBack
    // follows never sees it, and getActiveResourcesInfo() does not list it.
    // An interval's iterator ticks until its iteration ends.
    const r = script(`
      const { Thread } = require('pthreading');
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const target = async (hits, i) => {
        if (i === 0) {
          const timers = require('node:timers/promises');
          const mine = getIdent();
          const fire = () => {
            if (getIdent() !== mine) {
              Atomics.add(hits, 0, 1);
              hits[1] = getIdent();
            }
          };
          ${leave}
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
      ${inARow('promised', 'hits')}
      console.log(JSON.stringify({ hits: hits[0], underIdent: hits[1], runs }));
    `, { timeout: 60_000 });
    const { hits, under, victims } = leftBehindRan(r);
    expect(hits, `promised-0's timer fired ${hits} times after it ended, last as ${under}; later threads on its worker: ${victims.join(' ')}`).toBe(0);
  });

  it('an interval iteration of node:timers/promises that a thread ends itself does not keep its worker from being reused', () => {
    // The iteration is followed until it ends (here by break, which calls
    // the iterator's return()): after that the worker goes on.
    const r = script(`
      const { Thread } = require('pthreading');
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const target = async (hits, i) => {
        if (i === 0) {
          const timers = require('node:timers/promises');
          let ticks = 0;
          // The iteration's interval is unreferenced: this one keeps the
          // worker's event loop alive meanwhile.
          const keep = setInterval(() => 0, 1000);
          for await (const _ of timers.setInterval(1, null, { ref: false })) if (++ticks === 3) break;
          clearInterval(keep);
        }
      };
      ${inARow('ended', 'hits')}
      console.log(JSON.stringify({ hits: hits[0], underIdent: hits[1], runs }));
    `, { timeout: 60_000 });
    const { victims } = leftBehindRan(r);
    expect(victims.length, 'no later thread ran on the worker of the thread whose iteration ended').toBeGreaterThan(0);
  });

  it("a chain of unref'd setImmediate() a thread leaves going does not run while a later thread runs on its worker", () => {
    // An unreferenced Immediate is not listed by getActiveResourcesInfo()
    // and is not a Timeout (whose unref() handBack follows): the one queued
    // as the worker starts waiting runs once the next thread yields, and
    // the chain goes on there.
    const r = script(`
      const { Thread } = require('pthreading');
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const target = async (hits, i) => {
        if (i === 0) {
          const mine = getIdent();
          let left = 100000;
          const spin = () => {
            if (getIdent() !== mine) {
              Atomics.add(hits, 0, 1);
              hits[1] = getIdent();
            }
            if (--left > 0) setImmediate(spin).unref();
          };
          spin();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
      ${inARow('spin', 'hits')}
      console.log(JSON.stringify({ hits: hits[0], underIdent: hits[1], runs }));
    `, { timeout: 60_000 });
    const { hits, under } = leftBehindRan(r);
    expect(hits, `spin-0's immediates ran ${hits} times after it ended, last as ${under}`).toBe(0);
  });

  it('an Atomics.waitAsync() a thread leaves pending does not resume in a later thread on its worker', () => {
    // A pending Atomics.waitAsync keeps nothing on the event loop (Node
    // does not even wait for it to exit): the worker is handed back, and
    // when the word is notified the first thread's continuation runs while
    // a later thread runs there. Here the later thread on that worker (it
    // knows by a global) notifies the word itself, then yields.
    const r = script(`
      const { Thread } = require('pthreading');
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const word = new Int32Array(new SharedArrayBuffer(4));
      const target = async (hits, word, i) => {
        const g = globalThis;
        if (i === 0) {
          const mine = getIdent();
          Atomics.waitAsync(word, 0, 0).value.then(() => {
            if (getIdent() !== mine) {
              Atomics.add(hits, 0, 1);
              hits[1] = getIdent();
            }
          });
          g.__waitLeftHere = true;
          return;
        }
        if (g.__waitLeftHere) {
          Atomics.store(word, 0, 1);
          Atomics.notify(word, 0);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
      ${inARow('waiter', 'hits, word')}
      console.log(JSON.stringify({ hits: hits[0], underIdent: hits[1], runs }));
    `, { timeout: 60_000 });
    const { hits, under } = leftBehindRan(r);
    expect(hits, `waiter-0's Atomics.waitAsync continuation ran after waiter-0 ended, as ${under}`).toBe(0);
  });

  it('process.setUncaughtExceptionCaptureCallback() of a thread does not swallow the uncaught errors of a later thread on its worker', () => {
    // Not a listener (handBack compares process listeners): the capture
    // callback stays set on the worker, and a later thread's uncaught
    // error goes to it instead of ending that thread and reaching the
    // excepthook.
    const r = script(`
      const { Thread } = require('pthreading');
      const target = async (i) => {
        const g = globalThis;
        if (!g.__captureSetBy) {
          g.__captureSetBy = 'cap-' + i;
          process.setUncaughtExceptionCaptureCallback((error) => {
            require('node:fs').writeSync(1, 'capture callback of ' + g.__captureSetBy + ' swallowed: ' + error.message + '\\n');
          });
          return;
        }
        setTimeout(() => { throw new Error('uncaught in cap-' + i); }, 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
      ${inARow('cap', '', 16)}
      console.log('done');
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout).not.toContain('swallowed');
    // Each error of a thread that threw is its own, reported as such.
    for (const [, name] of r.stderr.matchAll(/Error: uncaught in (cap-\d+)/g)) expect(r.stderr).toContain(`Exception in thread ${name}:`);
  });

  it('an AsyncLocalStorage store a thread entered (enterWith) is not the store of a later thread on its worker', () => {
    // Python's contextvars: a new thread starts with an empty context. A
    // store entered by the first thread on a worker stays the current one
    // of the worker's main loop, so every later thread there starts in it.
    const r = script(`
      const { Thread, Queue } = require('pthreading');
      const out = new Queue();
      const target = (out, i) => {
        const { AsyncLocalStorage } = require('node:async_hooks');
        const g = globalThis;
        const found = g.__als ? (g.__als.getStore() ?? null) : 'new worker';
        g.__als ??= new AsyncLocalStorage();
        g.__als.enterWith({ enteredBy: 'als-' + i });
        out.put({ name: 'als-' + i, found });
      };
      ${inARow('als', 'out', 16)}
      console.log(JSON.stringify(runs.map(() => out.get(false))));
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    const seen = lastJson<{ name: string; found: unknown }[]>(r.stdout);
    const leaked = seen.filter((s) => s.found !== 'new worker' && s.found !== null);
    expect(leaked, JSON.stringify(seen)).toEqual([]);
  });

  it("logging.basicConfig() made by a thread does not configure a later thread on its worker (as the excepthook does not)", () => {
    // The configuration travels with a thread started after basicConfig()
    // in the starting thread (boot.logging); the main thread here never
    // configures, so each thread must start unconfigured, as on a new
    // worker: root level WARNING, and its own basicConfig() applies. A
    // reused worker keeps the first thread's configuration: its DEBUG
    // level, and its format (basicConfig() without force is then a no-op).
    const r = script(`
      const { Thread, Queue } = require('pthreading');
      const out = new Queue();
      const target = (out, i) => {
        const g = globalThis;
        if (g.__configuredBy === undefined) {
          logging.basicConfig({ level: 'DEBUG', format: 'LEFT-BEHIND %(threadName)s %(message)s' });
          g.__configuredBy = 'log-' + i;
          out.put(null);
          return;
        }
        const debugOn = logging.getLogger().isEnabledFor(logging.DEBUG);
        logging.basicConfig({ level: 'INFO', format: 'OWN %(threadName)s %(message)s' });
        logging.info('hello');
        out.put({ name: 'log-' + i, after: g.__configuredBy, debugOn });
      };
      ${inARow('log', 'out')}
      console.log(JSON.stringify(runs.map(() => out.get(false)).filter(Boolean)));
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    const reports = lastJson<{ name: string; after: string; debugOn: boolean }[]>(r.stdout);
    for (const rep of reports) {
      const where = `${rep.name} (on the worker of ${rep.after})`;
      expect(rep.debugOn, `${where}: DEBUG is enabled`).toBe(false);
      expect(r.stderr, where).toContain(`OWN ${rep.name} hello`);
    }
    expect(r.stderr).not.toContain('LEFT-BEHIND');
  });

  it("setDeadlockHandler() of a thread does not receive the reports of a later thread on its worker", () => {
    // The handler is documented as the thread's ("what happens with a
    // deadlock report in this thread"); recycle() resets the excepthook
    // but not this handler, so the next thread's reports go to the handler
    // the previous thread set (here: stdout) instead of the default
    // (stderr).
    const r = script(
      `
      const { Thread } = require('pthreading');
      const target = (i) => {
        const g = globalThis;
        if (!g.__handlerSetBy) {
          g.__handlerSetBy = 'dl-' + i;
          pthreading.setDeadlockHandler(() => {
            require('node:fs').writeSync(1, 'LEFT-BEHIND handler of ' + g.__handlerSetBy + ' got a report of ' + pthreading.currentThread().name + '\\n');
          });
          return;
        }
        const a = new pthreading.Lock(); a.name = 'A' + i;
        const b = new pthreading.Lock(); b.name = 'B' + i;
        a.acquire(); b.acquire(); b.release(); a.release();
        b.acquire(); a.acquire(); a.release(); b.release();
        require('node:fs').writeSync(1, 'inverted in dl-' + i + '\\n');
      };
      ${inARow('dl', '')}
      console.log(JSON.stringify(runs));
    `,
      { env: { PTHREADING_DEBUG: 'deadlock' }, timeout: 60_000 },
    );
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    const inverted = r.stdout.match(/^inverted in dl-\d+$/gm) ?? [];
    expect(r.stdout).not.toContain('LEFT-BEHIND');
    // Every inversion was reported, by the default handler.
    expect((r.stderr.match(/potential deadlock/g) ?? []).length, r.stderr).toBe(inverted.length);
  });

  // Work a thread starts and does not wait for, whose callback would run in
  // a later thread on its worker; and what it changes that only a later
  // thread on the same worker would see. Thread 0 leaves it (`leave`); each
  // later thread does `meet` and yields 100 ms to its event loop.
  it.each([
    ['a crypto job on the thread pool (pbkdf2)', "require('node:crypto').pbkdf2('pw', 'salt', 200000, 32, 'sha256', fire);", ''],
    ['a zlib job on the thread pool', "require('node:zlib').gzip(require('node:crypto').randomBytes(1 << 20), fire);", ''],
    [
      'a WebAssembly compilation',
      // A module of 3,000 functions, compiled on V8's background threads.
      `const n = 3000, body = [0x00, 0x41, 0x2a, 0x0b];
       const leb = (x) => { const o = []; do { let b = x & 0x7f; x >>>= 7; if (x) b |= 0x80; o.push(b); } while (x); return o; };
       const sec = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
       const code = []; for (let k = 0; k < n; k++) code.push(...leb(body.length), ...body);
       const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sec(1, [1, 0x60, 0, 1, 0x7f]), ...sec(3, [...leb(n), ...new Array(n).fill(0)]), ...sec(10, [...leb(n), ...code])]);
       WebAssembly.compile(bytes).then(fire);`,
      '',
    ],
    ["a 'warning' listener that replaces the default one", "process.removeAllListeners('warning'); process.on('warning', fire);", "process.emitWarning('a warning of a later thread');"],
  ])('%s does not reach a later thread on its worker', (_what, leave, meet) => {
    const r = script(`
      const { Thread } = require('pthreading');
      const hits = new Int32Array(new SharedArrayBuffer(8));
      const target = async (hits, i) => {
        const g = globalThis;
        if (i === 0) g.__leftBy = getIdent();
        const fire = () => {
          if (getIdent() !== g.__leftBy) {
            Atomics.add(hits, 0, 1);
            hits[1] = getIdent();
          }
        };
        if (i === 0) {
          ${leave}
          return;
        }
        ${meet}
        await new Promise((resolve) => setTimeout(resolve, 100));
      };
      ${inARow('left', 'hits', 10)}
      console.log(JSON.stringify({ hits: hits[0], underIdent: hits[1], runs }));
    `, { timeout: 60_000 });
    const { hits, under, victims } = leftBehindRan(r);
    expect(hits, `what left-0 left reached a later thread ${hits} times, last ${under}; later threads on its worker: ${victims.join(' ')}`).toBe(0);
  });
});

describe("what a worker's end did for its thread", () => {
  it('a daemon multiprocessing Process started by a thread does not outlive the program', async () => {
    // Daemon Processes are terminated from the 'exit' event of the thread
    // (worker) that started them (hookExit, src/multiprocessing/process.ts).
    // A worker handed back never emits 'exit': it ends by terminate()
    // (when trimmed, or as the process exits), which runs no 'exit'
    // listener. So the daemon child lives on after the program has ended,
    // holding the inherited stdio.
    const file = path.join(os.tmpdir(), `pthreading-reuse-hostile-${process.pid}-${Date.now()}.pid`);
    const source = `
      const { Thread } = require('pthreading');
      const info = new Int32Array(new SharedArrayBuffer(4));
      const t = new Thread({ name: 'starter', args: [info], target: async (info) => {
        const mp = require('pthreading/multiprocessing');
        const up = new mp.Event();
        const p = new mp.Process({ daemon: true, args: [up], target: (up) => { up.set(); setInterval(() => undefined, 1000); } });
        p.start();
        info[0] = p.pid;
        if (!(await up.waitAsync(20))) throw new Error('the daemon process did not start');
        // The start message's channel closes once sent: then nothing of the
        // child is left on this thread's event loop.
        for (let i = 0; i < 1000 && process.getActiveResourcesInfo().length > 0; i++) await new Promise((r) => setImmediate(r));
      } });
      t.start();
      t.join(30);
      for (let i = 0; i < 4; i++) { const u = new Thread({ target: () => 0 }); u.start(); u.join(30); }
      require('node:fs').writeFileSync(process.env.PID_FILE, String(info[0]));
    `;
    const child = spawn(process.execPath, ['-e', source], { cwd: root, env: { ...process.env, PID_FILE: file }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise<number | null>((resolve) => {
      const safety = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 60_000);
      child.on('exit', (code) => {
        clearTimeout(safety);
        resolve(code);
      });
    });
    let pid = 0;
    try {
      expect(status, `exit status (null: killed after the timeout); stderr: ${stderr}`).toBe(0);
      pid = Number(fs.readFileSync(file, 'utf8'));
      expect(pid).toBeGreaterThan(0);
      // SIGTERM is sent as the starting worker exits; give the child a
      // bounded time to go.
      await until(() => !alive(pid), 5_000).catch(() => undefined);
      expect(alive(pid), `the daemon process ${pid} still runs after the program that started it has exited`).toBe(false);
    } finally {
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      child.stderr.destroy();
      fs.rmSync(file, { force: true });
    }
  }, 90_000);

  it("process.on('exit') listeners a thread adds run by the time the program ends", () => {
    // Before reuse they ran as the thread's worker exited (its end). A
    // handed-back worker is terminated later, which runs no 'exit'
    // listener: the thread's cleanup never runs, neither at its end nor
    // at the process's.
    const r = script(`
      const { Thread } = require('pthreading');
      const t = new Thread({ name: 'hooked', target: () => {
        process.on('exit', () => require('node:fs').writeSync(1, 'exit listener of hooked ran\\n'));
      } });
      t.start();
      t.join(30);
      for (let i = 0; i < 6; i++) { const u = new Thread({ target: () => 0 }); u.start(); u.join(30); }
      process.on('exit', () => require('node:fs').writeSync(1, 'main exits\\n'));
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('main exits');
    expect(r.stdout).toContain('exit listener of hooked ran');
  });
});

describe('the cost of following unref() (ba10fa8)', () => {
  it("unref() of many pending timers in a thread costs about what ref() does: linear, not quadratic", () => {
    // worker.ts keeps every timer a thread unreferences in a set, and, once
    // the set holds 1,024, walks all of it at each unref() to drop the ones
    // no longer pending: with 50,000 pending unreferenced timers (a cache
    // with an expiry timer per entry, say) that is some 10^9 steps. Compared
    // with the same loop calling ref() instead, in the same thread, so the
    // machine's load cancels out.
    const out = new Float64Array(new SharedArrayBuffer(16));
    const t = new Thread({
      name: 'many-unref',
      args: [out, 50_000],
      target: (out: Float64Array, n: number) => {
        const make = (unref: boolean): number => {
          const start = performance.now();
          const timers: ReturnType<typeof setTimeout>[] = [];
          for (let i = 0; i < n; i++) {
            const timer = setTimeout(() => 0, 600_000 + i);
            if (unref) timer.unref();
            else timer.ref();
            timers.push(timer);
          }
          const ms = performance.now() - start;
          for (const timer of timers) clearTimeout(timer);
          return ms;
        };
        make(false); // warm up
        out[0] = make(false);
        out[1] = make(true);
      },
    });
    t.start();
    t.join(120);
    expect(t.isAlive()).toBe(false);
    const [refMs, unrefMs] = [out[0], out[1]];
    expect(refMs).toBeGreaterThan(0);
    expect(unrefMs / refMs, `50,000 timers: ref() ${refMs.toFixed(0)} ms, unref() ${unrefMs.toFixed(0)} ms`).toBeLessThan(5);
  }, 180_000);
});

// Guards: paths around hand-back that work now and must keep working.
describe('around hand-back (guards)', () => {
  it("stackSize() changed between starts: no thread runs on a worker booted with another stack size", () => {
    const out = new Queue();
    const sizes = [1, 1, 1, 8, 8, 8, 1, 1, 8, 8, 1].map((m) => m * 1024 * 1024);
    const threads: Thread[] = [];
    const previous = stackSize();
    try {
      for (const [i, size] of sizes.entries()) {
        stackSize(size);
        const t = new Thread({
          args: [out, i],
          target: (out: Queue, i: number) => {
            let depth = 0;
            const down = (): void => {
              depth++;
              down();
            };
            try {
              down();
            } catch {
              // RangeError: the stack is full
            }
            out.put({ i, depth });
          },
        });
        t.start();
        t.join(30);
        expect(t.isAlive()).toBe(false);
        threads.push(t);
      }
    } finally {
      stackSize(previous);
    }
    const depths = threads.map(() => (out.get(false) as { depth: number }).depth);
    for (let i = 0; i < threads.length; i++) {
      for (let j = 0; j < i; j++) {
        if (sizes[i] !== sizes[j]) expect(threads[i].nativeId, `thread ${i} (${sizes[i]} bytes) on the worker of thread ${j} (${sizes[j]} bytes)`).not.toBe(threads[j].nativeId);
      }
    }
    const small = Math.max(...depths.filter((_, i) => sizes[i] === sizes[0]));
    const large = Math.min(...depths.filter((_, i) => sizes[i] !== sizes[0]));
    expect(large, `depths: ${depths.join(' ')}`).toBeGreaterThan(small * 2);
  });

  it('setSpareThreads(0) while a thread runs: its worker is not kept when it comes back, and no thread runs there', () => {
    const go = new Event();
    const t = new Thread({ args: [go], target: (go: Event) => void go.wait(30) });
    t.start();
    const previous = setSpareThreads(0);
    try {
      go.set();
      t.join(30);
      expect(t.isAlive()).toBe(false);
      const later: Thread[] = [];
      for (let i = 0; i < 4; i++) {
        const u = new Thread({ target: () => 0 });
        u.start();
        u.join(30);
        later.push(u);
      }
      for (const u of later) expect(u.nativeId).not.toBe(t.nativeId);
      expect(internals.warmWorkerCount()).toBe(0);
    } finally {
      setSpareThreads(previous);
    }
  });

  it("the Thread object of a thread whose worker runs another thread now: renaming it renames nothing else; join, isAlive and toString are a stopped thread's", () => {
    const go = new Event();
    const finished: Thread[] = [];
    let checked = 0;
    for (let i = 0; i < 20 && checked < 2; i++) {
      go.clear();
      const t = new Thread({ name: `now-${i}`, args: [go], target: (go: Event) => void go.wait(30) });
      t.start();
      const previous = finished.filter((f) => f.nativeId === t.nativeId).pop();
      if (previous) {
        checked++;
        previous.name = `renamed-old-${i}`;
        expect(previous.name).toBe(`renamed-old-${i}`);
        expect(t.name).toBe(`now-${i}`);
        expect(fs.readFileSync(`/proc/self/task/${t.nativeId}/comm`, 'utf8').trim()).toBe(`now-${i}`);
        expect(enumerate().map((x) => x.name)).not.toContain(`renamed-old-${i}`);
        expect(String(previous)).toContain('stopped');
        expect(previous.isAlive()).toBe(false);
        previous.join(10);
        expect(t.isAlive()).toBe(true);
      }
      go.set();
      t.join(30);
      expect(t.isAlive()).toBe(false);
      finished.push(t);
    }
    expect(checked, `no thread ran on a reused worker; nativeIds: ${finished.map((t) => t.nativeId).join(' ')}`).toBeGreaterThan(0);
  });

  it('Timer on reused workers: one cancelled before start() never calls its function; the others do, once', () => {
    const calls = new Int32Array(new SharedArrayBuffer(4 * 12));
    const timers: Timer[] = [];
    for (let i = 0; i < 12; i++) {
      const timer = new Timer(0.005, (calls: Int32Array, i: number) => void Atomics.add(calls, i, 1), [calls, i]);
      if (i % 3 === 0) timer.cancel();
      timer.start();
      if (i % 3 === 1) timer.cancel(); // may be before or after it fired
      timer.join(30);
      expect(timer.isAlive()).toBe(false);
      timers.push(timer);
    }
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) expect(calls[i], `timer ${i}`).toBe(0);
      else if (i % 3 === 2) expect(calls[i], `timer ${i}`).toBe(1);
      else expect(calls[i], `timer ${i}`).toBeLessThanOrEqual(1);
    }
  });

  it('ThreadPoolExecutor on workers that ran threads before: a task calling process.exit() breaks only its future; cancelFutures; every pool thread ends', () => {
    for (let round = 0; round < 6; round++) {
      const warm: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = new Thread({ target: () => 0 });
        t.start();
        t.join(30);
        warm.push(t.nativeId!);
      }
      const prefix = `hostile-pool-${round}`;
      const ex = new ThreadPoolExecutor(2, { threadNamePrefix: prefix });
      const futures = Array.from({ length: 10 }, (_, i) =>
        ex.submit(
          (i: number, exits: boolean) => {
            if (exits && i === 3) process.exit(0);
            return i;
          },
          i,
          round % 2 === 0,
        ),
      );
      ex.shutdown(true, round % 3 === 0);
      const states = futures.map((f) => {
        if (f.cancelled()) return 'cancelled';
        try {
          return f.result(30);
        } catch (error) {
          return (error as Error).name;
        }
      });
      for (const [i, s] of states.entries()) {
        if (s === 'cancelled') continue;
        expect(s, `round ${round}, task ${i}: ${states.join(' ')}`).toBe(round % 2 === 0 && i === 3 ? 'BrokenThreadPool' : i);
      }
      expect(enumerate().filter((t) => t.name.startsWith(`${prefix}_`))).toEqual([]);
    }
  });

  it('process.exit() from the main thread at any point of a start/join churn with reuse ends the process at once, with its code', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = script(
        `
        const { Thread } = require('pthreading');
        let x = ${seed};
        const rand = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
        const stopAfter = rand(40);
        (async () => {
          for (let i = 0; ; i++) {
            const t = new Thread({ daemon: rand(2) === 0, args: [rand(3)], target: (k) => {
              if (k === 1) for (let j = 0; j < 3; j++) { const c = new pthreading.Thread({ target: () => 0 }); c.start(); c.join(); }
              if (k === 2) new pthreading.Thread({ daemon: true, target: () => 0 }).start();
            } });
            if (rand(2)) { t.start(); t.join(); } else { await t.startAsync(); await t.joinAsync(); }
            if (rand(3) === 0) await new Promise((r) => setImmediate(r));
            if (i === stopAfter) {
              if (rand(2)) process.exit(7);
              setImmediate(() => process.exit(7));
              new Thread({ target: () => 0 }).start();
              return;
            }
          }
        })();
      `,
        { timeout: 30_000 },
      );
      expect(r.status, `seed ${seed}: exit status (a signal's name: killed, by the timeout's SIGTERM after 30 s or a crash); stderr: ${r.stderr}`).toBe(7);
    }
  }, 240_000);

  it('2,000 start/join cycles: no listener piles up on a worker or in its process, the native counts come back to their baseline, no warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      // The starts of the tests before settle as this thread's event loop
      // turns (a pool thread's startAsync() wait, say).
      await until(() => nativeStats().asyncWaiters === 0, 10_000);
      const base = nativeStats();
      // Per thread: the most 'exit', 'uncaughtException' and 'warning'
      // listeners its worker's process had.
      const seen = new Int32Array(new SharedArrayBuffer(4 * 3));
      const maxOnWorker: Record<string, number> = {};
      const nativeIds = new Set<number>();
      const go = new Event();
      for (let i = 0; i < 2000; i++) {
        go.clear();
        const t = new Thread({
          args: [go, seen],
          target: (go: Event, seen: Int32Array) => {
            for (const [k, name] of ['exit', 'uncaughtException', 'warning'].entries()) {
              const n = process.listenerCount(name);
              if (n > Atomics.load(seen, k)) Atomics.store(seen, k, n);
            }
            go.wait(30);
          },
        });
        await t.startAsync();
        const worker = internals.workerOf(t)!;
        for (const name of ['exit', 'error', 'message', 'online']) maxOnWorker[name] = Math.max(maxOnWorker[name] ?? 0, worker.listenerCount(name));
        go.set();
        await t.joinAsync(30);
        expect(t.isAlive()).toBe(false);
        nativeIds.add(t.nativeId!);
        if (i % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(nativeIds.size, 'every thread ran on a worker of its own: no reuse').toBeLessThan(100);
      expect(maxOnWorker.exit).toBeLessThanOrEqual(3);
      expect(maxOnWorker.error).toBeLessThanOrEqual(3);
      expect(maxOnWorker.message).toBe(0);
      expect(Atomics.load(seen, 0)).toBeLessThanOrEqual(2);
      expect(Atomics.load(seen, 1)).toBeLessThanOrEqual(1);
      expect(Atomics.load(seen, 2)).toBeLessThanOrEqual(2);
      // The environments: this thread's, its warm workers (at most two
      // more than when it began) and nothing else; no waiter left.
      const settled = (): boolean => {
        const now = nativeStats();
        return now.asyncWaiters === base.asyncWaiters && now.queuedWaiters === base.queuedWaiters && now.liveEnvs <= base.liveEnvs + 2;
      };
      await until(settled, 10_000).catch(() => undefined);
      expect(nativeStats(), `baseline ${JSON.stringify(base)}, warm workers ${internals.warmWorkerCount()}`).toMatchObject({
        asyncWaiters: base.asyncWaiters,
        queuedWaiters: base.queuedWaiters,
      });
      expect(nativeStats().liveEnvs, `baseline ${JSON.stringify(base)}, warm workers ${internals.warmWorkerCount()}`).toBeLessThanOrEqual(base.liveEnvs + 2);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  }, 240_000);
});
