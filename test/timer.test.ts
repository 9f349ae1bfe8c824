import { describe, expect, it } from 'vitest';

import { Event, RuntimeError, Thread, Timer, ValueError } from 'pthreading';

import { timed } from './helpers';

describe('Timer', () => {
  it('is a named, joinable Thread that calls fn(args) after the interval', () => {
    const out = new Float64Array(new SharedArrayBuffer(16));
    const start = performance.timeOrigin + performance.now();
    const t = new Timer(0.1, (o: Float64Array, x: number) => {
      o[0] = performance.timeOrigin + performance.now();
      o[1] = x;
    }, [out, 7]);
    expect(t).toBeInstanceOf(Thread);
    t.setName('tick');
    expect(t.name).toBe('tick');
    t.start();
    t.join();
    const waited = (out[0] - start) / 1000;
    expect(waited).toBeGreaterThanOrEqual(0.09);
    expect(waited).toBeLessThan(3); // a wide bound: a loaded 2-core machine boots a thread slowly
    expect(out[1]).toBe(7);
  });

  it('cancel() before it fires stops it; the thread ends at once', () => {
    const fired = new Event();
    const t = new Timer(30, (e: Event) => e.set(), [fired]);
    t.start();
    t.cancel();
    const [, took] = timed(() => t.join(10));
    expect(took).toBeLessThan(5);
    expect(t.isAlive()).toBe(false);
    expect(fired.isSet()).toBe(false);
  });

  it('cancel() after it fired does nothing', () => {
    const fired = new Event();
    const t = new Timer(0, (e: Event) => e.set(), [fired]);
    t.start();
    t.join();
    t.cancel();
    expect(fired.isSet()).toBe(true);
  });

  it('refuses a negative or NaN interval and a non-function', () => {
    expect(() => new Timer(-1, () => 0)).toThrow(ValueError);
    expect(() => new Timer(NaN, () => 0)).toThrow(ValueError);
    expect(() => new Timer('1' as never, () => 0)).toThrow(TypeError);
    expect(() => new Timer(1, 'f' as never)).toThrow(TypeError);
  });

  it('can be started once', () => {
    const t = new Timer(0, () => 0);
    t.start();
    expect(() => t.start()).toThrow(RuntimeError);
    t.join();
  });
});
