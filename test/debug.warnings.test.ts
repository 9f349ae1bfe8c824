/**
 * Debug mode's warnings: the mistakes a server makes with blocking waits,
 * said out loud as process warnings with a code, once per call site.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { Event, Lock, Queue, getDebug, setDebug, sleep } from 'pthreading';

type Warning = Error & { code?: string };

let seen: Warning[] = [];
const listen = (w: Warning): void => {
  if (w.name === 'PthreadingWarning') seen.push(w);
};
const codes = (): (string | undefined)[] => seen.map((w) => w.code);
// process.emitWarning delivers on the next tick.
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  seen = [];
  process.on('warning', listen);
});

afterEach(() => {
  process.off('warning', listen);
  setDebug({ warnings: false, blockThreshold: 0.05 });
});

describe('warnings off (the default)', () => {
  it('say nothing, whatever the main thread does', async () => {
    expect(getDebug().warnings).toBe(false);
    new Event().wait(0.2);
    new Lock().acquire(true, 5000);
    await tick();
    expect(seen).toEqual([]);
  });
});

describe('warning: the main thread blocked in a sync wait', () => {
  it('is given for a wait longer than blockThreshold, naming the method and the call site, once per site', async () => {
    setDebug({ warnings: true, blockThreshold: 0.1 });
    const event = new Event();
    for (let i = 0; i < 2; i++) event.wait(0.3); // one site, twice
    await tick();
    expect(codes()).toEqual(['PTHREADING_MAIN_BLOCKED']);
    expect(seen[0].message).toMatch(/^the main thread was blocked \d+ ms in Event\.wait\(\) at .*debug\.warnings\.test\.ts:\d+:\d+/);
    expect(seen[0].message).toContain('waitAsync');
    sleep(0.3); // another site
    await tick();
    expect(codes()).toEqual(['PTHREADING_MAIN_BLOCKED', 'PTHREADING_MAIN_BLOCKED']);
    expect(seen[1].message).toContain('in sleep()');
  });

  it('is not given for a wait shorter than blockThreshold, nor once the switch is off', async () => {
    setDebug({ warnings: true, blockThreshold: 5 });
    new Event().wait(0.05);
    const q = new Queue(1);
    q.put(1);
    expect(() => q.put(2, true, 0.05)).toThrow();
    setDebug({ warnings: false, blockThreshold: 0.01 });
    new Event().wait(0.1);
    await tick();
    expect(seen).toEqual([]);
  });

  it('blockThreshold is a positive number of seconds', () => {
    expect(() => setDebug({ blockThreshold: '1' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => setDebug({ blockThreshold: 0 })).toThrow(expect.objectContaining({ code: 'ERR_VALUE' }));
    expect(() => setDebug({ blockThreshold: Infinity })).toThrow(expect.objectContaining({ code: 'ERR_VALUE' }));
    expect(getDebug().blockThreshold).toBe(0.05);
  });

  it('is on from the environment: PTHREADING_DEBUG="warnings blockThreshold=0.1"', () => {
    const root = path.join(__dirname, '..');
    const out = spawnSync(process.execPath, ['-e', "const p = require('pthreading'); p.sleep(0.3); p.sleep(0.01);"], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PTHREADING_DEBUG: 'warnings blockThreshold=0.1' },
    });
    expect(out.status).toBe(0);
    expect(out.stderr.match(/\[PTHREADING_MAIN_BLOCKED\] PthreadingWarning: the main thread was blocked \d+ ms in sleep\(\)/g)).toHaveLength(1);
  });
});

describe('warning: a timeout that looks like milliseconds', () => {
  it('is given for 1,000 seconds or more, to sync and async waits alike, once per call site', async () => {
    setDebug({ warnings: true });
    const lock = new Lock();
    for (let i = 0; i < 3; i++) {
      lock.acquire(true, 5000);
      lock.release();
    }
    const event = new Event();
    event.set();
    await event.waitAsync(1000);
    expect(codes()).toEqual(['PTHREADING_TIMEOUT_UNITS', 'PTHREADING_TIMEOUT_UNITS']);
    expect(seen[0].message).toMatch(/^Lock\.acquire: a timeout of 5000 seconds \(1\.4 hours\) at .*debug\.warnings\.test\.ts:\d+:\d+ looks like milliseconds/);
    expect(seen[0].message).toContain('5 s is 5');
    expect(seen[1].message).toMatch(/^Event\.waitAsync: a timeout of 1000 seconds/);
  });

  it('is not given below 1,000 seconds, nor for TIMEOUT_MAX', async () => {
    setDebug({ warnings: true });
    const lock = new Lock();
    lock.acquire(true, 999);
    lock.release();
    lock.acquire(true, 9223372036);
    lock.release();
    await tick();
    expect(seen).toEqual([]);
  });
});

describe('warning: a sync wait for a Lock the main thread holds through acquireAsync', () => {
  it('is given before the thread blocks, with the advice to use acquireAsync', async () => {
    setDebug({ warnings: true, blockThreshold: 10 });
    const lock = new Lock();
    await lock.acquireAsync();
    const before = seen.length;
    expect(lock.acquire(true, 0.05)).toBe(false);
    // Emitted at once, not a tick later: the wait might never have ended.
    expect(seen.length).toBe(before + 1);
    expect(seen[before].code).toBe('PTHREADING_SELF_WAIT');
    expect(seen[before].message).toMatch(/^Lock\.acquire\(\) at .*debug\.warnings\.test\.ts:\d+:\d+ blocks the main thread on a Lock that the main thread itself holds through acquireAsync\(\)/);
    expect(seen[before].message).toContain('Use acquireAsync() here too.');
    lock.release();
  });

  it('is not given for a Lock held by a sync acquire, nor once the async holder released it', async () => {
    setDebug({ warnings: true, blockThreshold: 10 });
    const lock = new Lock();
    lock.acquire();
    expect(lock.acquire(true, 0.02)).toBe(false);
    lock.release();
    await lock.acquireAsync();
    lock.release();
    lock.acquire();
    expect(lock.acquire(false)).toBe(false);
    lock.release();
    await tick();
    expect(seen).toEqual([]);
  });
});
