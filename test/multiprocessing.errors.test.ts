import fs from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  ArgumentTypeError,
  Event,
  FileExistsError,
  FileNotFoundError,
  Lock,
  PermissionError,
  RLock,
  RuntimeError,
  Semaphore,
  SegmentMismatchError,
  ValueError,
} from 'pthreading/multiprocessing';

import { Child, freshName } from './mp-helpers';

describe('multiprocessing: bad names, modes and sizes', () => {
  it.each([[''], ['a/b'], ['.hidden'], ['x'.repeat(201)], ['sp ace'], ['é']])('refuses the name %j with a ValueError', (name) => {
    expect(() => new Lock({ name })).toThrow(ValueError);
  });

  it('refuses names, options and modes of the wrong type with a TypeError', () => {
    expect(() => new Lock({ name: 3 as unknown as string })).toThrow(ArgumentTypeError);
    expect(() => new Lock('jobs' as unknown as object)).toThrow(ArgumentTypeError);
    expect(() => new Lock({ name: freshName('x'), create: 1 as unknown as boolean })).toThrow(ArgumentTypeError);
    expect(() => new Lock({ name: freshName('x'), mode: '600' as unknown as number })).toThrow(ArgumentTypeError);
  });

  it('refuses a mode this user could not use, or out of range', () => {
    expect(() => new Lock({ name: freshName('x'), mode: 0o400 })).toThrow(ValueError);
    expect(() => new Lock({ name: freshName('x'), mode: 0o1777 })).toThrow(ValueError);
  });

  it('refuses bad semaphore values', () => {
    expect(() => new Semaphore(-1, { name: freshName('x') })).toThrow(ValueError);
    expect(() => new Semaphore(1.5, { name: freshName('x') })).toThrow(ValueError);
    expect(() => new Semaphore(1, { name: freshName('x'), robust: 'yes' as unknown as boolean })).toThrow(ArgumentTypeError);
  });
});

describe('multiprocessing: opening', () => {
  it('creates segments with mode 0600 by default, as asked otherwise', () => {
    const a = new Lock({ name: freshName('mode') });
    const b = new Lock({ name: freshName('mode'), mode: 0o660 });
    expect(fs.statSync(`/dev/shm/pthreading-${a.name}`).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`/dev/shm/pthreading-${b.name}`).mode & 0o777).toBe(0o660);
    a.unlink();
    b.unlink();
  });

  it('create: true refuses an existing name; create: false a missing one (as SharedMemory)', () => {
    const name = freshName('open');
    expect(() => new Lock({ name, create: false })).toThrow(FileNotFoundError);
    const a = new Lock({ name, create: true });
    expect(() => new Lock({ name, create: true })).toThrow(FileExistsError);
    expect(new Lock({ name, create: false }).name).toBe(name);
    expect(a.unlink()).toBe(true);
    expect(a.unlink()).toBe(false);
  });

  it('refuses a name that holds another kind of primitive', () => {
    const name = freshName('kind');
    const l = new Lock({ name });
    expect(() => new Event({ name })).toThrow(SegmentMismatchError);
    expect(() => new Event({ name })).toThrow(/is a Lock, not a Event/);
    l.unlink();
  });

  it('refuses, without changing it, a segment of another version or not made by pthreading', () => {
    const name = freshName('ver');
    const file = `/dev/shm/pthreading-${name}`;
    const header = Buffer.alloc(4096);
    header.writeUInt32LE(0x504d5450, 0);
    header.writeUInt32LE(99, 4);
    fs.writeFileSync(file, header, { mode: 0o600 });
    expect(() => new Lock({ name })).toThrow(/another version of pthreading \(segment version 99/);
    expect(() => new Lock({ name })).toThrow(SegmentMismatchError);
    expect(fs.readFileSync(file).equals(header)).toBe(true);
    fs.writeFileSync(file, Buffer.from('not a pthreading segment, just text'));
    expect(() => new Lock({ name })).toThrow(/not a pthreading segment/);
    fs.unlinkSync(file);
  });

  it('refuses a closed primitive with a RuntimeError', () => {
    const l = new Lock({ name: freshName('closed') });
    l.unlink();
    l.close();
    expect(() => l.acquire()).toThrow(RuntimeError);
    expect(() => l.release()).toThrow(/closed/);
    expect(String(l)).toMatch(/closed/);
    const r = new RLock();
    r.acquire();
    r.unlink();
    r.close();
    expect(() => r.acquire()).toThrow(/closed/);
    expect(() => r.release()).toThrow(/closed/);
    // Called on something else: the same TypeError as before any fast path.
    expect(() => Lock.prototype.acquire.call({} as Lock)).toThrow(ArgumentTypeError);
    expect(() => Lock.prototype.release.call({} as Lock)).toThrow(ArgumentTypeError);
  });

  it.runIf(process.getuid?.() === 0)('another user cannot open a 0600 segment (PermissionError)', async () => {
    const name = freshName('perm');
    const l = new Lock({ name });
    fs.chmodSync(__dirname, fs.statSync(__dirname).mode);
    const c = await Child.start({ uid: 65534, gid: 65534 });
    try {
      await expect(c.run((mp, n) => new mp.Lock({ name: n }), name)).rejects.toMatchObject({ name: 'PermissionError' });
    } finally {
      await c.stop();
      l.unlink();
    }
    expect(PermissionError).toBeDefined();
  });
});
