import fs from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ArgumentTypeError,
  FileExistsError,
  FileNotFoundError,
  Lock,
  PermissionError,
  RuntimeError,
  SegmentMismatchError,
  SharedMemory,
  ValueError,
  revive,
  sweepAnonymous,
} from 'pthreading/multiprocessing';
import { Thread } from 'pthreading';

import { Child, freshName } from './mp-helpers';

describe('multiprocessing.SharedMemory', () => {
  let child: Child;
  beforeAll(async () => {
    child = await Child.start();
  });
  afterAll(() => child.stop());

  it('is a block of zeroed bytes with a name and a size, created with mode 0600', () => {
    const name = freshName('shm');
    const shm = new SharedMemory({ name, create: true, size: 100 });
    expect(shm.name).toBe(name);
    expect(shm.size).toBe(100);
    expect([...shm.read()]).toEqual(new Array(100).fill(0));
    expect(fs.statSync(`/dev/shm/pthreading-${name}`).mode & 0o777).toBe(0o600);
    expect(String(shm)).toBe(`SharedMemory('${name}', size=100)`);
    shm.close();
    expect(shm.unlink()).toBe(true);
    expect(fs.existsSync(`/dev/shm/pthreading-${name}`)).toBe(false);
  });

  it('read(), write() and readInto() copy bytes in and out, at an offset', () => {
    const shm = new SharedMemory({ size: 16 });
    expect(shm.write(2, Buffer.from('hello'))).toBe(5);
    expect(shm.read(2, 5).toString()).toBe('hello');
    expect(shm.read(0, 3)).toEqual(Buffer.from([0, 0, 0x68]));
    // Any view or buffer, over an ArrayBuffer or a SharedArrayBuffer.
    shm.write(8, new Uint16Array([0x0201, 0x0403]));
    shm.write(12, new DataView(new Uint8Array([9, 8]).buffer));
    shm.write(14, new Uint8Array(new SharedArrayBuffer(2)).fill(7).buffer);
    expect([...shm.read(8)]).toEqual([1, 2, 3, 4, 9, 8, 7, 7]);
    const into = new Uint8Array(new SharedArrayBuffer(10));
    expect(shm.readInto(into, 10)).toBe(6);
    expect([...into]).toEqual([3, 4, 9, 8, 7, 7, 0, 0, 0, 0]);
    const small = new Uint8Array(3);
    expect(shm.readInto(small)).toBe(3);
    expect([...small]).toEqual([0, 0, 0x68]);
    // A read is a copy: changing it changes nothing shared.
    const copy = shm.read(2, 1);
    copy[0] = 0;
    expect(shm.read(2, 1)[0]).toBe(0x68);
    shm.unlink();
  });

  it('refuses ranges outside the block with a RangeError', () => {
    const shm = new SharedMemory({ size: 8 });
    expect(() => shm.read(9)).toThrow(RangeError);
    expect(() => shm.read(4, 5)).toThrow(/bytes 4 to 9 are outside the block \(its size is 8\)/);
    expect(() => shm.read(-1, 1)).toThrow(RangeError);
    expect(() => shm.write(6, new Uint8Array(3))).toThrow(RangeError);
    expect(() => shm.write(-1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => shm.readInto(new Uint8Array(1), 9)).toThrow(RangeError);
    expect(shm.read(8).length).toBe(0);
    expect(shm.readInto(new Uint8Array(1), 8)).toBe(0);
    expect(() => shm.read(1.5)).toThrow(ArgumentTypeError);
    expect(() => shm.write(0, 'text' as unknown as Uint8Array)).toThrow(ArgumentTypeError);
    expect(() => shm.readInto([0] as unknown as Uint8Array)).toThrow(ArgumentTypeError);
    shm.unlink();
  });

  it('refuses bad sizes, names and options with typed errors, as Python', () => {
    expect(() => new SharedMemory({ size: 0 })).toThrow(ValueError);
    expect(() => new SharedMemory()).toThrow("'size' must be a positive number different from zero");
    expect(() => new SharedMemory({ size: -1 })).toThrow("'size' must be a positive integer");
    expect(() => new SharedMemory({ size: 2 ** 31 })).toThrow(ValueError);
    expect(() => new SharedMemory({ size: 1.5 })).toThrow(ArgumentTypeError);
    expect(() => new SharedMemory({ size: '8' as unknown as number })).toThrow(ArgumentTypeError);
    expect(() => new SharedMemory({ name: 'a/b', size: 8 })).toThrow(ValueError);
    expect(() => new SharedMemory({ create: false, size: 8 })).toThrow(ValueError);
    expect(() => new SharedMemory({ name: freshName('shm'), create: true })).toThrow(ValueError);
    expect(() => new SharedMemory({ name: freshName('shm'), mode: 0o444, size: 8 })).toThrow(ValueError);
    expect(() => new SharedMemory(3 as unknown as object)).toThrow(ArgumentTypeError);
  });

  it('create: true on a taken name is FileExistsError; opening a missing one FileNotFoundError', () => {
    const name = freshName('shm');
    const shm = new SharedMemory({ name, create: true, size: 8 });
    expect(() => new SharedMemory({ name, create: true, size: 8 })).toThrow(FileExistsError);
    shm.unlink();
    expect(() => new SharedMemory({ name })).toThrow(FileNotFoundError);
    expect(() => new SharedMemory({ name, create: false, size: 8 })).toThrow(FileNotFoundError);
    // Left out, create means "open or create" when a size is given.
    const made = new SharedMemory({ name, size: 8 });
    expect(new SharedMemory({ name, size: 8 }).size).toBe(8);
    expect(() => new SharedMemory({ name, size: 9 })).toThrow(SegmentMismatchError);
    expect(() => new SharedMemory({ name, size: 9 })).toThrow(/holds 8 bytes/);
    // Opening only ignores the size, as Python's.
    expect(new SharedMemory({ name, create: false, size: 100 }).size).toBe(8);
    made.unlink();
  });

  it('refuses a name that holds another kind of primitive', () => {
    const name = freshName('shm');
    const lock = new Lock({ name });
    expect(() => new SharedMemory({ name })).toThrow(SegmentMismatchError);
    lock.unlink();
  });

  it('another process opens it by name and sees the same bytes', async () => {
    const name = freshName('shm');
    const shm = new SharedMemory({ name, create: true, size: 32 });
    shm.write(0, Buffer.from('from parent'));
    const seen = await child.run((mp, name: string) => {
      const s = new mp.SharedMemory({ name });
      const text = s.read(0, 11).toString();
      s.write(16, Buffer.from('from child'));
      s.close();
      return [text, s.constructor.name];
    }, name);
    expect(seen).toEqual(['from parent', 'SharedMemory']);
    expect(shm.read(16, 10).toString()).toBe('from child');
    shm.unlink();
  });

  it('an anonymous one passes in a message (JSON) and revives as the same block', async () => {
    const shm = new SharedMemory({ size: 4 });
    const msg = JSON.parse(JSON.stringify({ shm }));
    const size = await child.run((mp, args: { shm: InstanceType<typeof mp.SharedMemory> }) => {
      args.shm.write(0, new Uint8Array([1, 2, 3, 4]));
      return args.shm.size;
    }, msg);
    expect(size).toBe(4);
    expect([...shm.read()]).toEqual([1, 2, 3, 4]);
    const again = revive(JSON.parse(JSON.stringify(shm))) as SharedMemory;
    expect(again).toBeInstanceOf(SharedMemory);
    expect(again.name).toBe(shm.name);
    shm.unlink();
  });

  it('posted to a thread it revives there as the same block', () => {
    const shm = new SharedMemory({ size: 4 });
    const t = new Thread({ target: (s: SharedMemory) => s.write(0, new Uint8Array([7])), args: [shm] });
    t.start();
    t.join();
    expect(shm.read(0, 1)[0]).toBe(7);
    shm.unlink();
  });

  it('after close() it cannot be used; unlink() removes the name, open mappings stay', async () => {
    const name = freshName('shm');
    const a = new SharedMemory({ name, create: true, size: 4 });
    const b = new SharedMemory({ name });
    a.close();
    expect(() => a.read()).toThrow(RuntimeError);
    expect(() => a.size).toThrow(/closed/);
    b.unlink();
    expect(b.unlink()).toBe(false);
    b.write(0, new Uint8Array([5]));
    expect(b.read(0, 1)[0]).toBe(5);
    expect(() => new SharedMemory({ name })).toThrow(FileNotFoundError);
    b.close();
  });

  it('one a killed process made anonymously is swept by the documented rule', async () => {
    const victim = await Child.start();
    const name = await victim.run((mp) => new mp.SharedMemory({ size: 64 }).name);
    expect(name).toMatch(new RegExp(`^anon-${victim.pid}-`));
    expect(fs.existsSync(`/dev/shm/pthreading-${name}`)).toBe(true);
    await victim.kill9();
    expect(sweepAnonymous()).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(`/dev/shm/pthreading-${name}`)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('another user cannot open it (PermissionError)', async () => {
    const name = freshName('shm');
    const shm = new SharedMemory({ name, create: true, size: 8 });
    const other = await Child.start({ uid: 65534, gid: 65534 });
    const error = await other.run((mp, name: string) => {
      try {
        new mp.SharedMemory({ name });
        return 'opened';
      } catch (e) {
        return (e as Error).name;
      }
    }, name);
    await other.stop();
    expect(error).toBe(new PermissionError('x').name);
    shm.unlink();
  });
});
