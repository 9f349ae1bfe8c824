/**
 * The …Async forms never block the event loop, never occupy a libuv pool
 * thread, and keep their thread alive while pending.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { Event, Lock, Semaphore, nativeStats } from 'pthreading';

import { parked } from './helpers';

const fixture = (name: string): string => path.join(__dirname, 'fixtures', name);

function runNode(script: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [script], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('Lock#acquireAsync() under load', () => {
  it('1,000 pending waits leave timers running and the one-thread libuv pool free', () => {
    const out = JSON.parse(runNode(fixture('async-pool.cjs'), { UV_THREADPOOL_SIZE: '1' }));
    expect(out.pendingWhileHeld).toBe(1000);
    expect(out.readOk).toBe(true);
    expect(out.ticksWhileHeld).toBeGreaterThan(2);
    expect(out.abortError).toEqual({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(out.lockedAfterAbort).toBe(true);
    expect(out.pendingAfterAbort).toBe(1000);
    expect(out.acquired).toBe(1000);
    expect(out.lockedAtEnd).toBe(false);
    expect(out.pendingAtEnd).toBe(0);
    expect(out.queuedAtEnd).toBe(0);
  });

  it('a pending wait keeps the process alive until it completes', () => {
    expect(runNode(fixture('async-keepalive.cjs')).trim()).toBe('acquired true');
  });
});

describe('AbortSignal', () => {
  it('an already-aborted signal rejects at once and changes nothing', async () => {
    const lock = new Lock();
    lock.acquire();
    const signal = AbortSignal.abort();
    await expect(lock.acquireAsync(true, -1, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(new Event().waitAsync(null, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(new Semaphore(0).acquireAsync(true, null, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(lock.locked()).toBe(true);
    expect(nativeStats().asyncWaiters).toBe(0);
  });

  it('aborting one of several waiters removes only that one', async () => {
    const lock = new Lock();
    lock.acquire();
    const controller = new AbortController();
    const first = lock.acquireAsync();
    const aborted = lock.acquireAsync(true, null, { signal: controller.signal });
    const third = lock.acquireAsync();
    await parked(3);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORT_ERR' });
    expect(nativeStats().asyncWaiters).toBe(2);
    lock.release();
    expect(await first).toBe(true);
    lock.release();
    expect(await third).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(nativeStats().queuedWaiters).toBe(0);
  });

  it('an abort after the wait completed does nothing', async () => {
    const e = new Event();
    const controller = new AbortController();
    const p = e.waitAsync(null, { signal: controller.signal });
    e.set();
    expect(await p).toBe(true);
    controller.abort();
  });

  it('aborting a Semaphore wait gives no unit away', async () => {
    const s = new Semaphore(0);
    const controller = new AbortController();
    const p = s.acquireAsync(true, null, { signal: controller.signal });
    await parked(1);
    controller.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    s.release();
    expect(s.value).toBe(1);
    expect(s.acquire(false)).toBe(true);
  });
});
