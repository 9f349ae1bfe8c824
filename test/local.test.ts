import { describe, expect, it } from 'vitest';

import { Local, Queue, Thread, local, sleep, sleepAsync, ValueError } from 'pthreading';

import { timed, timedAsync } from './helpers';

describe('local()', () => {
  it('holds attributes per thread: another thread sees its own, empty copy', () => {
    const data = local();
    data.x = 1;
    const q = new Queue();
    const t = new Thread({
      target: (d: Local, out: Queue) => {
        out.put('x' in d ? 'seen' : 'empty');
        d.x = 2;
        out.put(d.x);
      },
      args: [data, q],
    });
    t.start();
    t.join();
    expect([q.get(), q.get()]).toEqual(['empty', 2]);
    expect(data.x).toBe(1);
  });
});

describe('sleep()', () => {
  it('blocks for the given seconds, precisely', () => {
    const [, took] = timed(() => sleep(0.05));
    expect(took).toBeGreaterThanOrEqual(0.049);
    expect(took).toBeLessThan(1);
    sleep(0);
  });

  it('sleepAsync() does not block and can be aborted', async () => {
    const [, took] = await timedAsync(() => sleepAsync(0.05));
    expect(took).toBeGreaterThanOrEqual(0.045);
    await expect(sleepAsync(10, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses negative and NaN lengths', () => {
    expect(() => sleep(-1)).toThrow(ValueError);
    expect(() => sleep(NaN)).toThrow(ValueError);
    expect(() => sleep('1' as never)).toThrow(TypeError);
  });
});
