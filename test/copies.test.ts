/**
 * Two copies of pthreading in one process, as npm installs when two
 * dependents need different versions: each copy loads its own addon, so
 * each has its own parking lot. A copy refuses the other's primitives with
 * an error that says so, and each copy's waits keep working beside the
 * other's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Event, Lock, Queue, revive } from 'pthreading';

import { until } from './helpers';

const root = path.join(__dirname, '..');

let dir = '';
let copy = '';
let B: typeof import('pthreading');

// A second install of the package: its dist and its own built addon.
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pthreading-copy-'));
  copy = path.join(dir, 'node_modules', 'pthreading');
  mkdirSync(path.join(copy, 'build', 'Release'), { recursive: true });
  cpSync(path.join(root, 'dist'), path.join(copy, 'dist'), { recursive: true });
  cpSync(path.join(root, 'build', 'Release', 'pthreading.node'), path.join(copy, 'build', 'Release', 'pthreading.node'));
  writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ name: 'pthreading', main: './dist/index.js' }));
  for (const dep of ['node-gyp-build', 'sprintf-js']) {
    symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  B = require(copy) as typeof import('pthreading');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rejects if `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms).unref())]);
}

describe('two copies of pthreading in one process', () => {
  it('revive() refuses a primitive (a Lock, a Queue) made by the other copy, saying so', () => {
    const lock = new Lock();
    expect(() => B.revive(structuredClone({ lock }))).toThrow(
      expect.objectContaining({ name: 'RuntimeError', code: 'ERR_FOREIGN_PRIMITIVE', message: expect.stringMatching(/another copy of pthreading/) }),
    );
    expect(revive(structuredClone({ lock })).lock).toBeInstanceOf(Lock);
    expect(() => B.revive(structuredClone({ queue: new Queue() }))).toThrow(expect.objectContaining({ code: 'ERR_FOREIGN_PRIMITIVE' }));
    const own = new B.Lock();
    expect(() => revive(structuredClone([own]))).toThrow(expect.objectContaining({ code: 'ERR_FOREIGN_PRIMITIVE' }));
    expect(B.revive(structuredClone([own]))[0]).toBeInstanceOf(B.Lock);
  });

  it("Thread.start() refuses the other copy's primitives in args, and starts nothing", () => {
    const before = B.activeCount();
    const t = new B.Thread({ target: (e: Event) => e.wait(), args: [{ nested: new Event() }] });
    expect(() => t.start()).toThrow(expect.objectContaining({ code: 'ERR_FOREIGN_PRIMITIVE' }));
    expect(B.activeCount()).toBe(before);
  });

  it("a Condition refuses the other copy's Lock", () => {
    expect(() => new B.Condition(new Lock() as never)).toThrow(TypeError);
  });

  it('async waits through both copies in one thread each settle with their own outcome', async () => {
    const a = new Event();
    const b = new B.Event();
    const waitA = a.waitAsync(10);
    const waitB = b.waitAsync(10);
    let bDone = false;
    void waitB.then(() => (bDone = true));
    a.set();
    expect(await within(waitA, 5000)).toBe(true);
    expect(bDone).toBe(false);
    b.set();
    expect(await within(waitB, 5000)).toBe(true);
  });

  it("a thread of each copy, waiting on its own copy's Event, is woken through that copy", () => {
    for (const lib of [B, { Thread: (require('pthreading') as typeof import('pthreading')).Thread, Event }]) {
      const go = new lib.Event();
      const out = new Int32Array(new SharedArrayBuffer(4));
      const t = new lib.Thread({ target: (g: Event, o: Int32Array) => (o[0] = g.wait(30) ? 1 : 2), args: [go, out] });
      t.start();
      go.set();
      t.join();
      expect(out[0]).toBe(1);
    }
  });

  it("Worker#terminate() stops a worker blocked in a wait of the copy loaded second", async () => {
    const event = new B.Event();
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       require(${JSON.stringify(copy)});
       workerData.event.wait();`,
      { eval: true, workerData: { event } },
    );
    await until(() => B.nativeStats().queuedWaiters === 1);
    expect(typeof (await within(worker.terminate(), 10_000))).toBe('number');
  });
});
