import { describe, expect, it } from 'vitest';

import { Event, OverflowError, ValueError } from 'pthreading';

import { onThread, parked, timed, timedAsync } from './helpers';

describe('Event', () => {
  it('starts clear; set() and clear() flip isSet()', () => {
    const e = new Event();
    expect(e.isSet()).toBe(false);
    e.set();
    expect(e.isSet()).toBe(true);
    e.set();
    expect(e.isSet()).toBe(true);
    e.clear();
    expect(e.isSet()).toBe(false);
    e.clear();
    expect(e.isSet()).toBe(false);
  });

  it('wait() returns true at once when set', () => {
    const e = new Event();
    e.set();
    expect(e.wait()).toBe(true);
    expect(e.wait(0)).toBe(true);
    expect(e.wait(-1)).toBe(true);
  });

  it('wait(timeout) returns false after the timeout when never set', async () => {
    const e = new Event();
    const [got, took] = timed(() => e.wait(0.1));
    expect(got).toBe(false);
    expect(took).toBeGreaterThanOrEqual(0.09);
    expect(took).toBeLessThan(1);
    expect(e.wait(-5)).toBe(false);
    const [gotAsync, tookAsync] = await timedAsync(() => e.waitAsync(0.1));
    expect(gotAsync).toBe(false);
    expect(tookAsync).toBeGreaterThanOrEqual(0.09);
    expect(tookAsync).toBeLessThan(1);
  });

  it('set() wakes every waiting thread, sync and async', async () => {
    const e = new Event();
    const threads = Array.from({ length: 4 }, (_, i) =>
      onThread((d) => (d.i % 2 ? d.e.waitAsync(30) : d.e.wait(30)), { e, i }),
    );
    const mine = e.waitAsync(30);
    await parked(5);
    e.set();
    expect(await Promise.all(threads.map((t) => t.done))).toEqual([true, true, true, true]);
    expect(await mine).toBe(true);
  });

  it('a waiter woken by set() returns true even if clear() follows at once', async () => {
    const e = new Event();
    const threads = Array.from({ length: 3 }, () => onThread((d) => d.e.wait(30), { e }));
    await parked(3);
    e.set();
    e.clear();
    expect(await Promise.all(threads.map((t) => t.done))).toEqual([true, true, true]);
    expect(e.isSet()).toBe(false);
  });

  it('survives set/clear races without losing a wake-up', async () => {
    const e = new Event();
    const rounds = 200;
    const ack = new Int32Array(new SharedArrayBuffer(4));
    const t = onThread((d) => {
      for (let i = 0; i < d.rounds; i++) {
        if (!d.e.wait(10)) return i;
        d.e.clear();
        Atomics.add(d.ack, 0, 1);
        Atomics.notify(d.ack, 0);
      }
      return d.rounds;
    }, { e, rounds, ack });
    for (let i = 0; i < rounds; i++) {
      e.set();
      while (Atomics.load(ack, 0) <= i) await new Promise((r) => setImmediate(r));
    }
    expect(await t.done).toBe(rounds);
  });

  it('ping-pong between two threads neither loses nor invents a wake-up', async () => {
    // A: set ping, wait pong, clear pong. B: wait ping, clear ping, set pong.
    // A set() that B's next wait() could mistake for a new one would let B
    // run ahead, and one side would then wait forever.
    const ping = new Event();
    const pong = new Event();
    const rounds = 20_000 * Number(process.env.PTHREADING_STRESS ?? 1);
    const a = onThread((d) => {
      for (let i = 0; i < d.rounds; i++) {
        d.ping.set();
        if (!d.pong.wait(10)) return i;
        d.pong.clear();
      }
      return d.rounds;
    }, { ping, pong, rounds });
    const b = onThread((d) => {
      for (let i = 0; i < d.rounds; i++) {
        if (!d.ping.wait(10)) return i;
        d.ping.clear();
        d.pong.set();
      }
      return d.rounds;
    }, { ping, pong, rounds });
    expect(await Promise.all([a.done, b.done])).toEqual([rounds, rounds]);
  });

  it('rejects bad timeouts with typed errors', () => {
    const e = new Event();
    expect(() => e.wait(NaN)).toThrow(ValueError);
    expect(() => e.wait(1e300)).toThrow(OverflowError);
    expect(() => e.wait('1' as unknown as number)).toThrow(TypeError);
    expect(e.isSet()).toBe(false);
  });
});

describe('Event#toString()', () => {
  it("shows set or unset and the class's name, as CPython's repr", () => {
    class Flag extends Event {}
    const f = new Flag();
    expect(String(f)).toBe('<Flag: unset>');
    f.set();
    expect(String(f)).toBe('<Flag: set>');
    expect(String(new Event())).toBe('<Event: unset>');
  });
});
