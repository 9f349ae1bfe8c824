/**
 * Worker reuse: a thread whose run() has returned, whose threads have
 * ended and that left nothing on its event loop (no timer, socket or
 * pending async wait of a pthreading primitive) gives its worker back to
 * the thread that started it, which may run its next thread there. A
 * reused worker shows as a thread whose `nativeId` (the OS thread id) is
 * that of an earlier, finished thread.
 *
 * What carries over from one thread to the next on a worker is what
 * Python's threads share: module caches and globals. What does not: local()
 * values (also of a Local kept in a module variable or a global), the
 * thread's name (also the OS thread's), ident (also as the owner of the
 * RLocks it takes), daemon flag and currentThread(), the excepthook,
 * setSpareThreads() and stackSize() set by the previous thread, the locks
 * debug mode saw it hold, and the fields its run() set on its Thread
 * object.
 *
 * Synchronized with joins and shared memory, never with sleeps; the child
 * processes are killed after a bounded time.
 */
import { describe, expect, it } from 'vitest';

import { Event, Local, Queue, RLock, Thread, ThreadPoolExecutor, activeCount, enumerate, getExcepthook, local } from 'pthreading';

import { inARow, lastJson, script } from './helpers';

// Targets run as source text on other threads, where every pthreading
// export is a global and so is `pthreading` itself. Imports in this file are
// rewritten by the test runner, so targets reach the library through this
// plain variable, which the threads have under the same name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pthreading = require('pthreading') as typeof import('pthreading');

/** Starts `t`, joins it (30 s at most), and checks that it has ended. */
function run<T extends Thread>(t: T): T {
  t.start();
  t.join(30);
  expect(t.isAlive(), `${t.name} still runs after 30 s`).toBe(false);
  return t;
}

/**
 * For each thread of a sequence started one after the other (each joined
 * before the next starts), the index of the last earlier thread that ran
 * on the same worker (same nativeId), or -1 for a thread on a new worker.
 */
function predecessors(nativeIds: number[]): number[] {
  return nativeIds.map((id, i) => (i === 0 ? -1 : nativeIds.lastIndexOf(id, i - 1)));
}

// Every ident any thread of this file had: a new thread's ident is new,
// whether or not its worker ran a thread before.
const allIdents = new Set<number>([pthreading.getIdent()]);
function newIdent(t: Thread): number {
  const ident = t.ident!;
  expect(typeof ident).toBe('number');
  expect(allIdents.has(ident), `ident ${ident} (${t.name}) was had by an earlier thread`).toBe(false);
  allIdents.add(ident);
  return ident;
}

// The main thread's excepthook must be the default one: a thread gets the
// starting thread's hook only when that is not the default (so a hook left
// on a reused worker would only show with the default).
function defaultHookHere(): void {
  expect(getExcepthook().name).toBe('defaultExcepthook');
}

describe('worker reuse', () => {
  it('start() and join() in a row: a later thread runs on the worker of an earlier, finished one, each with a new ident', () => {
    const before = activeCount();
    const threads: Thread[] = [];
    for (let i = 0; i < 20; i++) threads.push(run(new Thread({ name: `row-${i}`, target: () => 0 })));
    const nativeIds = threads.map((t) => t.nativeId!);
    for (const id of nativeIds) expect(id).toBeGreaterThan(0);
    const reusedAt = predecessors(nativeIds)
      .map((p, i) => (p >= 0 ? i : -1))
      .filter((i) => i >= 0);
    expect(reusedAt.length, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
    // Idents: all distinct, none had before, none the main thread's.
    for (const t of threads) newIdent(t);
    expect(new Set(threads.map((t) => t.ident)).size).toBe(threads.length);
    // The finished threads are gone, whether or not their workers live on.
    const listed = new Set(enumerate().map((t) => t.ident));
    for (const t of threads) expect(listed.has(t.ident)).toBe(false);
    expect(activeCount()).toBe(before);
  });

  it('start() and joinAsync() with the event loop free in between: a later thread runs on a reused worker', async () => {
    // As a server starts threads: between two, the event loop turns (the
    // finished thread's worker says it is back; the warm workers are
    // refilled).
    const threads: Thread[] = [];
    for (let i = 0; i < 20; i++) {
      const t = new Thread({ name: `async-row-${i}`, target: () => 0 });
      await t.startAsync();
      await t.joinAsync(30);
      expect(t.isAlive()).toBe(false);
      newIdent(t);
      threads.push(t);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const nativeIds = threads.map((t) => t.nativeId!);
    const reused = predecessors(nativeIds).filter((p) => p >= 0).length;
    expect(reused, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
  });
});

// What a probe thread saw as it began (before it changed anything).
interface Report {
  i: number;
  nativeId: number;
  name: string;
  ident: number | null;
  getIdent: number;
  daemon: boolean;
  currentListed: boolean;
  enumerated: number[];
  moduleLocalKeys: string[];
  moduleLoads: number;
  globalLocalKeys: string[] | null;
  comm: string;
  foo: number | null;
  hookSetBy: number | null;
  hookName: string;
  spares: number;
  stack: number;
}

// Reports what the thread sees first, then leaves behind, for the next
// thread on its worker, everything that must not carry over (and a global,
// which does).
function probe(out: Queue, i: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fixture = require('./fixtures/reuse-local.cjs') as { data: Local; loads(): number };
  const g = globalThis as unknown as Record<string, unknown>;
  const me = pthreading.currentThread();
  const hook = pthreading.getExcepthook() as ((...a: unknown[]) => void) & { setBy?: number };
  const keys = (l: unknown): string[] | null => (l ? Object.keys(l as object).filter((k) => k !== '_kind') : null);
  const spares = pthreading.setSpareThreads(2); // the value this thread found
  const report: Report = {
    i,
    nativeId: pthreading.getNativeId(),
    name: me.name,
    ident: me.ident,
    getIdent: pthreading.getIdent(),
    daemon: me.daemon,
    currentListed: pthreading.enumerate().some((t) => t === me),
    enumerated: pthreading.enumerate().map((t) => t.ident!),
    moduleLocalKeys: keys(fixture.data)!,
    moduleLoads: fixture.loads(),
    globalLocalKeys: keys(g.__reuseGlobalLocal),
    // The OS thread's name (the kernel keeps 15 bytes).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    comm: (require('node:fs') as typeof import('node:fs')).readFileSync(`/proc/self/task/${pthreading.getNativeId()}/comm`, 'utf8').trim(),
    foo: (g.__reuseFoo as number | undefined) ?? null,
    hookSetBy: hook.setBy ?? null,
    hookName: hook.name,
    spares,
    stack: pthreading.stackSize(),
  };
  // Left behind:
  fixture.data.x = i; // a Local made at a module's top level
  g.__reuseGlobalLocal ??= pthreading.local(); // a Local made here, kept in a global
  (g.__reuseGlobalLocal as Local).x = i;
  g.__reuseFoo = i; // a global: carries over
  const mine = Object.assign((): void => undefined, { setBy: i });
  pthreading.setExcepthook(mine);
  pthreading.setSpareThreads(5);
  pthreading.stackSize(1024 * 1024);
  me.name = `renamed-${i}`;
  out.put(report);
}

describe('a thread on a reused worker', () => {
  it("is a new thread: module-level and other local() values are empty, identity, hooks and settings are its own; globals and module caches carry over", () => {
    defaultHookHere();
    const out = new Queue();
    const threads: Thread[] = [];
    for (let i = 0; i < 16; i++) {
      threads.push(run(new Thread({ name: `probe-${i}`, daemon: i % 2 === 0, target: probe, args: [out, i] })));
    }
    const reports: Report[] = threads.map(() => out.get(false) as Report);
    expect(reports.map((r) => r.i)).toEqual(threads.map((_, i) => i));
    const before = predecessors(reports.map((r) => r.nativeId));
    const reused = before.map((p, i) => (p >= 0 ? i : -1)).filter((i) => i >= 0);
    expect(reused.length, `no probe ran on a reused worker; nativeIds: ${reports.map((r) => r.nativeId).join(' ')}`).toBeGreaterThan(0);
    for (const [i, r] of reports.entries()) {
      const t = threads[i];
      const ident = newIdent(t);
      const p = before[i];
      const where = `probe-${i}${p >= 0 ? ` (on the worker of probe-${p})` : ''}`;
      expect(r.nativeId, where).toBe(t.nativeId);
      // Identity: the new thread's.
      expect(r.name, where).toBe(`probe-${i}`);
      expect(r.comm, where).toBe(`probe-${i}`);
      expect(r.ident, where).toBe(ident);
      expect(r.getIdent, where).toBe(ident);
      expect(r.daemon, where).toBe(i % 2 === 0);
      expect(r.currentListed, where).toBe(true);
      // No earlier (finished) thread is listed, in particular not the one
      // that ran on this worker before.
      expect(r.enumerated, where).toContain(ident);
      for (const earlier of threads.slice(0, i)) expect(r.enumerated, where).not.toContain(earlier.ident);
      // local() values: empty, however they were kept.
      expect(r.moduleLocalKeys, where).toEqual([]);
      // Hooks and settings: those of a new thread.
      expect(r.hookSetBy, where).toBeNull();
      expect(r.hookName, where).toBe('defaultExcepthook');
      expect(r.spares, where).toBe(2);
      expect(r.stack, where).toBe(0);
      if (p < 0) {
        // The first probe on its worker (which may have run threads of the
        // tests before): nothing of another probe's.
        expect(r.moduleLoads, where).toBe(1);
        expect(r.foo, where).toBeNull();
        expect(r.globalLocalKeys, where).toBeNull();
      } else {
        // Carries over: the module was evaluated once on this worker (its
        // cache is kept), and globals are as the previous thread left them.
        expect(r.moduleLoads, where).toBe(1);
        expect(r.foo, where).toBe(p);
        // Kept in globals, which carry over; but empty.
        expect(r.globalLocalKeys, where).toEqual([]);
      }
    }
    defaultHookHere();
  });

  it('uses its own excepthook (the default here), not one the previous thread on its worker set', () => {
    // On each worker, threads take turns: one sets a hook that prints to
    // stdout; the next on the same worker finds (by a global, which carries
    // over) that the previous one set a hook, and throws: its error must
    // reach the default hook (stderr), not the one left behind.
    const r = script(`
      const { Thread } = require('pthreading');
      const target = (i) => {
        if (globalThis.hookSetHere) {
          globalThis.hookSetHere = false;
          throw new Error('boom in hooked-' + i);
        }
        setExcepthook((args) => console.log('left-behind hook got ' + args.thread.name));
        globalThis.hookSetHere = true;
      };
      ${inARow('hooked', '')}
      console.log(JSON.stringify({ nativeIds: runs.map((x) => x.nativeId) }));
    `, { timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { nativeIds } = lastJson<{ nativeIds: number[] }>(r.stdout);
    // Which threads threw: a worker's threads take turns.
    const hookSet = new Map<number, boolean>();
    const throwers: number[] = [];
    for (const [i, id] of nativeIds.entries()) {
      if (hookSet.get(id)) throwers.push(i);
      hookSet.set(id, !hookSet.get(id));
    }
    expect(throwers.length, `no thread ran on a reused worker after one that set a hook; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('left-behind hook got');
    const reported = [...r.stderr.matchAll(/Exception in thread hooked-(\d+):/g)].map((m) => Number(m[1]));
    expect(reported).toEqual(throwers);
    for (const i of throwers) expect(r.stderr).toContain(`Error: boom in hooked-${i}`);
  });
});

describe('a thread on a reused worker, further', () => {
  it('a Local it received in args and kept in a global is empty for the next thread on its worker', () => {
    const given = local();
    given.x = 'main'; // arrives empty in each thread
    const out = new Queue();
    const threads: Thread[] = [];
    for (let i = 0; i < 16; i++) {
      const t = new Thread({
        name: `keeper-${i}`,
        args: [out, i, given],
        target: (out: Queue, i: number, given: Local) => {
          const g = globalThis as unknown as Record<string, unknown>;
          const kept = g.__reuseKeptLocal as Local | undefined;
          out.put(kept ? Object.keys(kept).filter((k) => k !== '_kind') : null);
          given.x = i;
          g.__reuseKeptLocal = given;
        },
      });
      threads.push(run(t));
    }
    const seen = threads.map(() => out.get(false) as string[] | null);
    const nativeIds = threads.map((t) => t.nativeId!);
    const before = predecessors(nativeIds);
    expect(before.filter((p) => p >= 0).length, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
    for (const [i, keys] of seen.entries()) {
      // On a new worker the global is not there; on a reused one it is (a
      // global carries over), and the Local in it is empty.
      expect(keys, `keeper-${i}${before[i] >= 0 ? ` (on the worker of keeper-${before[i]})` : ''}`).toEqual(before[i] >= 0 ? [] : null);
    }
    expect(given.x).toBe('main');
  });

  it("owns RLocks by its own ident: one the previous thread on its worker left held is not its own; one it takes shows it as owner", () => {
    const out = new Queue();
    const rlocks = Array.from({ length: 16 }, () => new RLock());
    const threads: Thread[] = [];
    for (let i = 0; i < rlocks.length; i++) {
      const t = new Thread({
        name: `rlock-${i}`,
        args: [out, rlocks[i]],
        target: (out: Queue, mine: RLock) => {
          const g = globalThis as unknown as Record<string, unknown>;
          const left = g.__reuseLeftRLock as RLock | undefined;
          let leftBehind = null;
          if (left) {
            // Held by the previous thread on this worker, which has ended.
            const reentered = left.acquire(false);
            let release = 'released';
            try {
              left.release();
            } catch (error) {
              release = (error as Error).name;
            }
            leftBehind = { reentered, release };
          }
          mine.acquire(); // left held: its owner is this thread
          const fresh = new pthreading.RLock();
          fresh.acquire();
          g.__reuseLeftRLock = fresh; // left held, for the next thread on this worker
          out.put(leftBehind);
        },
      });
      threads.push(run(t));
    }
    const seen = threads.map(() => out.get(false));
    const nativeIds = threads.map((t) => t.nativeId!);
    const before = predecessors(nativeIds);
    expect(before.filter((p) => p >= 0).length, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
    for (const [i, t] of threads.entries()) {
      // The first rlock thread on a worker may still follow threads of the
      // tests before on it.
      const where = `rlock-${i} (ident ${t.ident}, nativeId ${t.nativeId})${before[i] >= 0 ? ` on the worker of rlock-${before[i]}` : ''}`;
      expect(String(rlocks[i]), where).toBe(`<locked RLock owner=${t.ident} count=1>`);
      expect(seen[i], where).toEqual(before[i] >= 0 ? { reentered: false, release: 'RuntimeError' } : null);
    }
  });

  it('while it runs, the thread that ran on its worker before is not alive nor listed, and join() on it returns at once', () => {
    const go = new Event();
    const finished: Thread[] = [];
    let checked = 0;
    for (let i = 0; i < 16 && checked < 3; i++) {
      go.clear();
      const t = new Thread({ name: `holder-${i}`, args: [go], target: (go: Event) => void go.wait(30) });
      t.start();
      const previous = finished.filter((f) => f.nativeId === t.nativeId).pop();
      if (previous) {
        checked++;
        expect(t.isAlive()).toBe(true);
        expect(previous.isAlive()).toBe(false);
        expect(previous.ident).not.toBe(t.ident);
        const listed = enumerate();
        expect(listed).toContain(t);
        expect(listed).not.toContain(previous);
        expect(listed.map((x) => x.ident)).not.toContain(previous.ident);
        const start = performance.now();
        previous.join(10);
        expect(performance.now() - start).toBeLessThan(1000);
        expect(t.isAlive()).toBe(true);
      }
      go.set();
      t.join(30);
      expect(t.isAlive()).toBe(false);
      finished.push(t);
    }
    expect(checked, `no thread ran on a reused worker; nativeIds: ${finished.map((t) => t.nativeId).join(' ')}`).toBeGreaterThan(0);
  });

  it('in debug mode, a Lock the previous thread on its worker took and left locked is not among the locks it holds', () => {
    // The first thread takes L1 and ends holding it. The next thread on its
    // worker (it knows by a global, which carries over) takes L2 alone,
    // while L1 is still locked: it holds L2 only, so it records no lock
    // order. Then the main thread releases L1 (any thread may release a
    // Lock) and takes L2, then L1: the only lock order ever taken, so no
    // inversion may be reported. (Debug mode forgets a plain Lock another
    // thread has released; L1 is still locked when the next thread runs.)
    const r = script(
      `
      const { Thread, Lock, setDeadlockHandler } = require('pthreading');
      const reports = [];
      setDeadlockHandler((report) => reports.push(report.message));
      const L1 = new Lock(); L1.name = 'L1';
      const L2 = new Lock(); L2.name = 'L2';
      const nativeIds = [];
      let reusedRan = false;
      for (let i = 0; i < 20 && !reusedRan; i++) {
        const out = new Int32Array(new SharedArrayBuffer(4));
        const t = new Thread({ args: [L1, L2, out, i], target: (L1, L2, out, i) => {
          if (globalThis.leftL1) {
            L2.acquire();
            L2.release();
            out[0] = 2;
          } else if (i === 0) {
            L1.acquire();
            globalThis.leftL1 = true;
            out[0] = 1;
          }
        } });
        t.start();
        t.join(30);
        if (t.isAlive()) throw new Error('thread ' + i + ' still runs');
        nativeIds.push(t.nativeId);
        if (out[0] === 2) reusedRan = true;
      }
      L1.release();
      L2.acquire(); L1.acquire(); L1.release(); L2.release();
      console.log(JSON.stringify({ reusedRan, nativeIds, reports }));
    `,
      { env: { PTHREADING_DEBUG: 'deadlock' }, timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const { reusedRan, nativeIds, reports } = lastJson<{ reusedRan: boolean; nativeIds: number[]; reports: string[] }>(r.stdout);
    expect(reusedRan, `no thread ran on the worker of the one that took L1; nativeIds: ${nativeIds.join(' ')}`).toBe(true);
    expect(reports).toEqual([]);
  });
});

describe('what keeps a worker from being reused', () => {
  // Each script runs a clean thread, the one that leaves something behind,
  // then clean threads: none of those may run on the second one's worker,
  // while the clean ones do reuse each other's (so reuse was possible).
  // Its worker must not hold anything up: the script ends by itself.
  const leftBehind = (name: string, leave: string, prelude = ''): string => `
    const { Thread, Lock } = require('pthreading');
    ${prelude}
    const runs = [];
    const one = (name, target, args = []) => {
      const t = new Thread({ name, target, args });
      t.start();
      t.join(30);
      if (t.isAlive()) throw new Error(name + ' still runs');
      runs.push({ name, nativeId: t.nativeId });
    };
    one('clean-first', () => 0);
    one(${JSON.stringify(name)}, ${leave}, typeof shared === 'undefined' ? [] : [shared]);
    for (let i = 0; i < 12; i++) one('clean-' + i, () => 0);
    console.log(JSON.stringify(runs));
  `;

  const check = (name: string, r: ReturnType<typeof script>): void => {
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.seconds).toBeLessThan(30);
    const runs = lastJson<{ name: string; nativeId: number }[]>(r.stdout);
    const leaver = runs.find((x) => x.name === name)!;
    const after = runs.slice(runs.indexOf(leaver) + 1);
    for (const x of after) expect(x.nativeId, `${x.name} ran on the worker of ${name}`).not.toBe(leaver.nativeId);
    const nativeIds = runs.map((x) => x.nativeId);
    expect(
      predecessors(nativeIds).filter((p) => p >= 0).length,
      `the clean threads never reused a worker either; nativeIds: ${nativeIds.join(' ')}`,
    ).toBeGreaterThan(0);
  };

  it('a ref’d timer left running (setInterval never cleared)', () => {
    const r = script(leftBehind('interval', '() => { setInterval(() => undefined, 1000); }'), { timeout: 60_000 });
    check('interval', r);
  });

  it('an un-awaited lock.acquireAsync() pending on a lock held elsewhere', () => {
    // The main thread holds the lock to the end: the wait never ends.
    const r = script(
      leftBehind(
        'pending-acquire',
        '(lock) => { lock.acquireAsync().then(() => lock.release(), () => undefined); }',
        'const shared = new Lock(); shared.acquire();',
      ),
      { timeout: 60_000 },
    );
    check('pending-acquire', r);
  });
});

describe('processes and threads with reused workers end', () => {
  // 20 threads started and joined one after the other, some daemons, then
  // the end of the script: it must end by itself, its workers (reused,
  // warm, or ended) holding nothing up.
  const loop = `
    const nativeIds = [];
    for (let i = 0; i < 20; i++) {
      const t = new pthreading.Thread({ daemon: i % 3 === 0, target: (i) => i * 2, args: [i] });
      t.start();
      t.join(30);
      if (t.isAlive()) throw new Error('thread ' + i + ' still runs');
      nativeIds.push(t.nativeId);
    }
  `;
  const reusedCount = 'nativeIds.filter((id, i) => nativeIds.indexOf(id) < i).length';

  it('a script that starts and joins 20 threads from the main thread exits by itself', () => {
    const r = script(`
      const pthreading = require('pthreading');
      ${loop}
      console.log('ended, reused ' + ${reusedCount});
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^ended, reused \d+\n$/);
    expect(r.seconds).toBeLessThan(30);
  });

  it('a plain Worker that starts and joins 20 threads exits by itself, and so does the process', () => {
    const r = script(`
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(`
        const pthreading = require('pthreading');
        ${loop}
        console.log('worker script ended, reused ' + ${reusedCount});
      `)}, { eval: true });
      w.on('error', (e) => console.log('worker error ' + e));
      w.on('exit', (code) => console.log('worker exited ' + code));
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^worker script ended, reused \d+\nworker exited 0\n$/);
    expect(r.seconds).toBeLessThan(30);
  });

  it('a pthreading Thread that starts and joins 20 threads ends, and so does the process', () => {
    const r = script(`
      const { Thread } = require('pthreading');
      const outer = new Thread({ name: 'outer', target: () => {
        ${loop}
        console.log('outer run ended, reused ' + ${reusedCount});
      } });
      outer.start();
      outer.join(30);
      console.log('outer alive: ' + outer.isAlive());
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^outer run ended, reused \d+\nouter alive: false\n$/);
    expect(r.seconds).toBeLessThan(30);
  });

  it('threads two levels down, each level starting and joining threads in a row, end, and so does the process', () => {
    const r = script(`
      const { Thread } = require('pthreading');
      for (let k = 0; k < 3; k++) {
        const outer = new Thread({ target: () => {
          for (let j = 0; j < 3; j++) {
            const middle = new pthreading.Thread({ target: () => {
              for (let i = 0; i < 4; i++) {
                const inner = new pthreading.Thread({ target: () => 0 });
                inner.start();
                inner.join();
              }
            } });
            middle.start();
            middle.join();
          }
        } });
        outer.start();
        outer.join(30);
        if (outer.isAlive()) throw new Error('outer ' + k + ' still runs');
      }
      console.log('ended');
    `, { timeout: 60_000 });
    expect(r.status, `exit status (a signal's name: killed, by the timeout's SIGTERM or a crash); stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout).toBe('ended\n');
    expect(r.seconds).toBeLessThan(30);
  });
});

// A Thread subclass whose run() stores its result and a field of its own.
class Carrier extends Thread {
  index = -1;
  declare entryKeys: string[];
  declare result: number;
  declare currentIsThis: boolean;
  declare sawNativeId: number;

  override run(): void {
    const self = this as unknown as Record<string, unknown>;
    // What the thread's copy of the object holds as run() begins.
    this.entryKeys = Object.keys(this)
      .filter((k) => !k.startsWith('_'))
      .sort();
    this.currentIsThis = pthreading.currentThread() === this;
    this.sawNativeId = pthreading.getNativeId();
    this.result = this.index * 10;
    self[`only${this.index}`] = { index: this.index };
  }
}

describe('the fields run() sets come back through join()', () => {
  it("each thread's own, on a reused worker too; none of the previous thread's", () => {
    const threads: Carrier[] = [];
    for (let i = 0; i < 16; i++) {
      const t = new Carrier({ name: `carrier-${i}` });
      t.index = i;
      run(t);
      threads.push(t);
    }
    const nativeIds = threads.map((t) => t.nativeId!);
    const before = predecessors(nativeIds);
    expect(before.filter((p) => p >= 0).length, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
    for (const [i, t] of threads.entries()) {
      const where = `carrier-${i}${before[i] >= 0 ? ` (on the worker of carrier-${before[i]})` : ''}`;
      const fields = t as unknown as Record<string, unknown>;
      newIdent(t);
      expect(t.sawNativeId, where).toBe(t.nativeId);
      expect(t.entryKeys, where).toEqual(['index']);
      expect(t.currentIsThis, where).toBe(true);
      // Checked after every thread has run: no later thread's fields landed
      // on an earlier thread's object.
      expect(t.result, where).toBe(i * 10);
      expect(fields[`only${i}`], where).toEqual({ index: i });
      for (let j = 0; j < threads.length; j++) if (j !== i) expect(fields, where).not.toHaveProperty(`only${j}`);
    }
  });
});

describe('a target run again on a reused worker', () => {
  it('is the function compiled for the earlier thread, as Python threads share their target; another target is its own', () => {
    const seen: { index: number; calls: number; other: number }[] = [];
    const nativeIds: number[] = [];
    for (let i = 0; i < 12; i++) {
      const out = new Queue();
      // Odd threads run another function: it does not share the counter.
      const t =
        i % 2 === 0
          ? new Thread({
              args: [out, i],
              target: function counted(out: Queue, index: number) {
                const self = counted as unknown as { calls?: number };
                self.calls = (self.calls ?? 0) + 1;
                out.put({ index, calls: self.calls, other: 0 });
              },
            })
          : new Thread({
              args: [out, i],
              target: function other(out: Queue, index: number) {
                const self = other as unknown as { calls?: number };
                self.calls = (self.calls ?? 0) + 1;
                out.put({ index, calls: 0, other: self.calls });
              },
            });
      run(t);
      nativeIds.push(t.nativeId!);
      seen.push(out.get(false) as { index: number; calls: number; other: number });
    }
    // On each worker, the counter of each function counts the threads that
    // ran it there.
    const counts = new Map<string, number>();
    let reusedSame = 0;
    for (const [i, s] of seen.entries()) {
      const key = `${nativeIds[i]}:${i % 2}`;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      expect(i % 2 === 0 ? s.calls : s.other, `thread ${i}`).toBe(n);
      expect(i % 2 === 0 ? s.other : s.calls, `thread ${i}`).toBe(0);
      if (n > 1) reusedSame++;
    }
    expect(reusedSame, `no worker ran the same target twice; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
  });
});

describe('async context on a reused worker', () => {
  it('a thread that used AsyncLocalStorage.run() leaves no store to the next thread on its worker, and its worker is reused', () => {
    const found: unknown[] = [];
    const nativeIds: number[] = [];
    for (let i = 0; i < 12; i++) {
      const out = new Queue();
      const t = new Thread({
        args: [out, i],
        target: async (out: Queue, i: number) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { AsyncLocalStorage } = require('node:async_hooks') as typeof import('node:async_hooks');
          const g = globalThis as { __alsRun?: InstanceType<typeof AsyncLocalStorage<{ by: number }>> };
          g.__alsRun ??= new AsyncLocalStorage();
          const seen = g.__alsRun.getStore() ?? null;
          await g.__alsRun.run({ by: i }, async () => {
            await null;
            return g.__alsRun!.getStore();
          });
          out.put(seen);
        },
      });
      run(t);
      nativeIds.push(t.nativeId!);
      found.push(out.get(false));
    }
    expect(found).toEqual(found.map(() => null));
    expect(predecessors(nativeIds).filter((p) => p >= 0).length, `no reuse; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
  });
});

describe('the fields of a thread joined only after its worker ran later threads', () => {
  it('are its own, whichever order the threads are joined in', () => {
    const threads: Carrier[] = [];
    for (let i = 0; i < 16; i++) {
      const t = new Carrier({ name: `late-${i}` });
      t.index = i;
      t.start();
      // Ended, not joined: its fields stay to be taken.
      while (t.isAlive()) pthreading.sleep(0.001);
      threads.push(t);
    }
    const before = predecessors(threads.map((t) => t.nativeId!));
    expect(before.filter((p) => p >= 0).length, 'no thread ran on a reused worker').toBeGreaterThan(0);
    for (const t of [...threads].reverse()) t.join(30);
    for (const [i, t] of threads.entries()) {
      expect(t.result, t.name).toBe(i * 10);
      expect((t as unknown as Record<string, unknown>)[`only${i}`], t.name).toEqual({ index: i });
    }
  });
});

describe('ThreadPoolExecutor in threads on reused workers', () => {
  it('an executor made and shut down (wait) in each of a row of threads works each time', () => {
    const out = new Queue();
    const threads: Thread[] = [];
    for (let i = 0; i < 8; i++) {
      const t = new Thread({
        name: `with-executor-${i}`,
        args: [out, i],
        target: (out: Queue, i: number) => {
          const ex = new pthreading.ThreadPoolExecutor(2, { threadNamePrefix: `pool-${i}` });
          const squares = [...ex.map((x: number) => x * x, [1, 2, 3, i])];
          const sum = ex.submit((a: number, b: number) => a + b, i, 1).result(30);
          ex.shutdown(true);
          const poolAlive = pthreading.enumerate().filter((x) => x.name.startsWith(`pool-${i}_`)).length;
          let refused = '';
          try {
            ex.submit(() => 0);
          } catch (error) {
            refused = (error as Error).name;
          }
          out.put({ i, squares, sum, poolAlive, refused });
        },
      });
      threads.push(run(t));
    }
    for (let i = 0; i < threads.length; i++) {
      expect(out.get(false)).toEqual({ i, squares: [1, 4, 9, i * i], sum: i + 1, poolAlive: 0, refused: 'RuntimeError' });
    }
    const nativeIds = threads.map((t) => t.nativeId!);
    expect(predecessors(nativeIds).filter((p) => p >= 0).length, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
  });

  it('an executor left without shutdown() in each of a row of threads is shut down at its end; the next thread’s works', () => {
    const out = new Queue();
    const threads: Thread[] = [];
    for (let i = 0; i < 8; i++) {
      const t = new Thread({
        args: [out, i],
        target: (out: Queue, i: number) => {
          const ex = new pthreading.ThreadPoolExecutor(2);
          out.put([i, ex.submit((x: number) => x + 100, i).result(30)]);
        },
      });
      threads.push(run(t));
    }
    for (let i = 0; i < threads.length; i++) expect(out.get(false)).toEqual([i, i + 100]);
    // Their pool threads end (after the threads: join() returns as run() does).
    for (const t of enumerate().filter((x) => x.name.startsWith('ThreadPoolExecutor-'))) {
      t.join(30);
      expect(t.isAlive()).toBe(false);
    }
    const nativeIds = threads.map((t) => t.nativeId!);
    expect(predecessors(nativeIds).filter((p) => p >= 0).length, `no thread ran on a reused worker; nativeIds: ${nativeIds.join(' ')}`).toBeGreaterThan(0);
    // ThreadPoolExecutor in this file's own thread still works too.
    using ex = new ThreadPoolExecutor(1);
    expect(ex.submit(() => 7).result(30)).toBe(7);
  });
});
