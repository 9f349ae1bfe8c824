/**
 * Test helpers: run a function on a worker thread with pthreading loaded,
 * run a script in a fresh node, and wait for an observable state without
 * sleeping blindly.
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import path from 'node:path';

import { nativeStats } from 'pthreading';

const root = path.join(__dirname, '..');

/** A running worker: `done` settles with the function's return value. */
export interface Running<T> {
  worker: Worker;
  done: Promise<T>;
  messages: unknown[];
}

/**
 * Runs `fn(data, pthreading)` on a new worker thread. `fn` is sent as
 * source, so it must not close over local variables; `data` is cloned and
 * its primitives arrive as the same objects. `fn` may be async.
 */
export function onThread<D, T>(fn: (data: D, p: typeof import('pthreading')) => T | Promise<T>, data?: D): Running<Awaited<T>> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const p = require(${JSON.stringify(root)});
    Promise.resolve((${fn.toString()})(workerData, p)).then(
      (value) => parentPort.postMessage({ done: true, value }),
      (error) => parentPort.postMessage({ done: true, error }),
    );
  `;
  const worker = new Worker(source, { eval: true, workerData: data });
  const messages: unknown[] = [];
  const done = new Promise<Awaited<T>>((resolve, reject) => {
    let result: { value?: Awaited<T>; error?: unknown } | undefined;
    worker.on('message', (m: { done?: boolean; value?: Awaited<T>; error?: unknown }) => {
      if (m && m.done === true) result = m;
      else messages.push(m);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (result?.error !== undefined) reject(result.error);
      else if (result) resolve(result.value as Awaited<T>);
      else reject(new Error(`worker exited with code ${code} before finishing`));
    });
  });
  return { worker, done, messages };
}

/** What a script run by `script()` printed, how it ended, and how long it took. */
export interface ScriptResult {
  stdout: string;
  stderr: string;
  /** The exit code; the signal's name if the child was killed (by the timeout's SIGTERM, or a crash). */
  status: number | string | null;
  seconds: number;
}

/**
 * Runs `source` in a fresh node (`node ...nodeArgs -e source`) from the
 * repository root, with `env` over this process's environment; the child
 * is killed after `timeout` ms.
 */
export function script(
  source: string,
  { env = {}, timeout = 30_000, nodeArgs = [] }: { env?: Record<string, string>; timeout?: number; nodeArgs?: string[] } = {},
): ScriptResult {
  const start = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', source], { cwd: root, encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? r.signal, seconds: (performance.now() - start) / 1000 };
}

/** The last line of a script's stdout, as JSON. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/**
 * The source of a loop that runs `count` threads one after the other, each
 * joined before the next starts (the loop that reuses workers), for a
 * script run by `script()` that has `Thread` and defines `target` before
 * it. Thread `i` is named `<name>-<i>` and gets the args `[<args>, i]`
 * (`args` is source text, such as `hits, word`; empty for `[i]`). The loop
 * throws if a thread still runs after 30 s; it leaves `runs`, each
 * thread's `{ name, ident, nativeId }` in order.
 */
export function inARow(name: string, args: string, count = 20): string {
  return `
    const runs = [];
    for (let i = 0; i < ${count}; i++) {
      const t = new Thread({ name: ${JSON.stringify(name)} + '-' + i, args: [${args ? `${args}, ` : ''}i], target });
      t.start();
      t.join(30);
      if (t.isAlive()) throw new Error(t.name + ' still runs');
      runs.push({ name: t.name, ident: t.ident, nativeId: t.nativeId });
    }
  `;
}

/** Resolves once `predicate()` holds; rejects after `ms` milliseconds. */
export async function until(predicate: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`condition not reached within ${ms} ms: ${predicate}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Resolves once `n` waiters (any thread) are parked in native queues. */
export function parked(n: number): Promise<void> {
  return until(() => nativeStats().queuedWaiters >= n);
}

/** Seconds taken by `fn`. */
export function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, (performance.now() - t) / 1000];
}

/** Seconds taken by an async `fn`. */
export async function timedAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

/**
 * Resolves with `n` once a 1 ms interval has fired `n` times while
 * `pending` is still unsettled; rejects if it settles first. Shows the
 * event loop is free while something waits.
 */
export function ticksWhilePending(pending: Promise<unknown>, n: number): Promise<number> {
  let settled = false;
  pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  return new Promise((resolve, reject) => {
    let ticks = 0;
    const interval = setInterval(() => {
      if (settled) {
        clearInterval(interval);
        reject(new Error(`settled after only ${ticks} ticks`));
      } else if (++ticks === n) {
        clearInterval(interval);
        resolve(ticks);
      }
    }, 1);
  });
}

/**
 * A seeded random source for the stress tests (xorshift32): rand(n) is a
 * whole number in [0, n), the same sequence for the same seed, so a
 * failing run replays with its seed.
 */
export function seededRandom(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}
