/**
 * `Queue`, `JoinableQueue` and `SimpleQueue` shared between processes:
 * Python's `multiprocessing.Queue` and its two relatives, composed from
 * this module's own primitives.
 *
 * A queue is five or six named segments that share one base name: a
 * control `Array('d')` named `<base>`, the queue's Lock `<base>.lock` (a
 * process killed holding it passes it on, `ownerDied`; not reentrant, so
 * async operations of one thread exclude each other as other threads'
 * do), the Conditions `<base>.notempty` and `<base>.notfull` on that lock
 * (and `<base>.tasks` for a JoinableQueue), and the ring of bytes the
 * items live in, the SharedMemory `<base>.g<N>`. Items are serialized by v8's
 * serializer (a structured clone), each stored as a 4-byte length and its
 * bytes.
 *
 * Control slots (doubles, each read and written whole): HEAD and TAIL are
 * byte positions that only grow (an item sits at `position % size` of the
 * ring); GEN numbers the ring's segment (0: none yet); MAXSIZE is maxsize
 * + 1 (0 while the creator is still writing the slots); COUNT the items;
 * UNFINISHED a JoinableQueue's unfinished tasks; MODE the segments' mode;
 * TAG says it is a queue, and which kind.
 *
 * Unbounded means unbounded, as in Python: when the next item does not fit
 * in the ring, a new ring twice the size (or more) is made as the next
 * generation, the items are copied over at the same positions, and GEN
 * moves to it; every process opens the new ring when it next sees GEN
 * changed. Only `maxsize` items make the queue full.
 *
 * A process killed in the middle of an operation: every change is made
 * holding the lock, and each operation's effect lands in one write (its
 * commit): a put's TAIL, a get's HEAD, a growth's GEN. COUNT, written
 * after, is recomputed from the ring by whoever next takes the lock with
 * `ownerDied` (the items between HEAD and TAIL are always whole). So a put
 * killed before its commit put nothing; a get killed after its commit has
 * taken its item (lost with the process, as an item returned to a process
 * that then dies is); the queue itself stays whole.
 */
import v8 from 'node:v8';
import { readdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

import { ArgumentTypeError, Empty, Full, MemoryError, OverflowError, ValueError, describe, messageOf } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { checkSignal } from '../runtime/native';
import { refuseShared, registerKind, revive } from '../runtime/shared';
import { asyncSignal, queueDeadline } from '../runtime/validate';
import { checkMayBlock, shownName } from './common';
import { Condition } from './condition';
import { Lock } from './lock';
import { FileExistsError, SegmentMismatchError } from './errors';
import { PREFIX, SharedOptions, mp } from './native';
import { MAX_SHARED_MEMORY, SharedMemory } from './shared-memory';
import { SharedArray } from './value';

const HEAD = 0;
const TAIL = 1;
const GEN = 2;
const MAXSIZE = 3;
const COUNT = 4;
const UNFINISHED = 5;
const MODE = 6;
const TAG = 7;
const SLOTS = 8;

// TAG: this number plus the kind (the last slot the creator writes).
const MAGIC = 0x5155455545;
const TYPES = { Queue: 1, JoinableQueue: 2, SimpleQueue: 3 } as const;
type QueueType = keyof typeof TYPES;

// The ring's first size; it doubles (at least) as it grows.
const FIRST_RING = 4096;

// Names of the anonymous queues made here: their segments go at exit.
const madeHere = new Set<string>();
let exitHooked = false;

function unlinkQuietly(segment: string): void {
  mp.unlink(segment);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Options of a multiprocessing queue: those of every primitive. */
export type QueueOptions = SharedOptions;

/**
 * A FIFO queue shared by every thread of every process that opens it:
 * Python's `multiprocessing.Queue`. Items are structured-cloned (v8's
 * serializer); multiprocessing primitives among them arrive as the same
 * primitives.
 *
 * `new Queue()` makes a fresh one to pass to other processes (a
 * {@link Process} argument, or a message then `revive`); `new Queue(0,
 * { name: 'jobs' })` opens or creates the queue named `jobs`.
 */
export class Queue<T = unknown> {
  /** @internal */ readonly _kind: string = 'multiprocessing.Queue';
  /** @internal The control segment's name (the base of the others). */ _name!: string;
  /** @internal */ declare _ctl: SharedArray | null;
  /** @internal The queue's lock. */ declare _lock: Lock;
  /** @internal */ declare _notEmpty: Condition;
  /** @internal */ declare _notFull: Condition;
  /** @internal */ declare _tasks: Condition | null;
  /** @internal */ declare _ring: SharedMemory | null;
  /** @internal */ declare _gen: number;

  /**
   * @param maxsize the most items it holds; 0 or less: no limit (it grows
   *   as items come, as Python's). Opening an existing queue ignores it.
   * @param options `name`, `create`, `mode` as for {@link Lock}.
   * @throws TypeError if `maxsize` is not an integer. @throws
   *   OverflowError if it does not fit 32 bits. @throws SegmentMismatchError
   *   when the name holds something else (another kind of queue included).
   */
  constructor(maxsize = 0, options?: QueueOptions) {
    const type = this.queueType();
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
      throw new ArgumentTypeError(`${type}(): maxsize must be an integer, not ${describe(maxsize)}`);
    }
    if (maxsize > 0x7fffffff || maxsize < -0x80000000) {
      throw new OverflowError(`${type}(): maxsize must be between -2147483648 and 2147483647, not ${maxsize}`);
    }
    const { mode, name } = (options ?? {}) as { mode?: unknown; name?: unknown };
    // Room for the suffixes of its other segments (`.notempty`, `.g123`).
    if (typeof name === 'string' && name.length > 190) {
      throw new ValueError(`${type}(): invalid name ${JSON.stringify(name)}: a queue's name has at most 190 characters`, 'ERR_INVALID_NAME');
    }
    const init = [0, 0, 0, Math.max(0, maxsize) + 1, 0, 0, typeof mode === 'number' ? mode : 0o600, MAGIC + TYPES[type]];
    // The control Array checks the options (name, create, mode) for us.
    const ctl = new SharedArray('d', init, options);
    this.open(type, ctl, ctl._created, options);
    if (ctl._created && ctl.name.startsWith('anon-')) unlinkAtExit(ctl.name);
  }

  /** @internal Which kind of queue this class is. */
  protected queueType(): QueueType {
    return 'Queue';
  }

  // Opens the other segments once the control segment is open.
  private open(type: QueueType, ctl: SharedArray, created: boolean, options?: QueueOptions): void {
    const define = (key: string, value: unknown): void => {
      Object.defineProperty(this, key, { value, writable: true, configurable: true, enumerable: false });
    };
    this._name = ctl._name;
    define('_ctl', ctl);
    define('_ring', null);
    define('_gen', 0);
    // An opener racing the creator may see the slots before they are
    // written; TAG is written last.
    if (!created) {
      const until = performance.now() + 1000;
      while (ctl.get(TAG) === 0) {
        if (performance.now() > until) throw new SegmentMismatchError(`${type}(): ${JSON.stringify(ctl.name)} was never initialised as a queue`);
        Atomics.wait(sleeper, 0, 0, 1);
      }
    }
    const tag = ctl.get(TAG);
    if (tag - MAGIC !== TYPES[type]) {
      ctl.close();
      const found = Object.entries(TYPES).find(([, v]) => v === tag - MAGIC)?.[0];
      throw new SegmentMismatchError(`${type}(): ${JSON.stringify(ctl.name)} is ${found ? `a ${found}` : 'not a queue'}, not a ${type}`);
    }
    const base = ctl.name;
    // Opened or made, by the creator and openers alike: an opener racing
    // the creator may come first, and one may make what a creator killed
    // half-way did not. (A leftover of an earlier queue of the name is a
    // lock or condition like any other.)
    const sub = (suffix: string): SharedOptions => ({ name: `${base}.${suffix}`, mode: options?.mode });
    const lock = new Lock(sub('lock'));
    define('_lock', lock);
    const condition = (suffix: string): Condition => new Condition(lock, sub(suffix));
    define('_notEmpty', condition('notempty'));
    define('_notFull', condition('notfull'));
    define('_tasks', type === 'JoinableQueue' ? condition('tasks') : null);
  }

  /** The name other processes open it by (`anon-…` for an anonymous one). */
  get name(): string {
    return shownName(this._name);
  }

  /** The most items it holds; 0: no limit. */
  get maxsize(): number {
    return this.ctl('Queue.maxsize').get(MAXSIZE) - 1;
  }

  /** The approximate number of items (others may change it at once), as Python's. */
  qsize(): number {
    return this.ctl('Queue.qsize').get(COUNT);
  }

  /** Whether it is empty (approximately, as in Python). */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Whether it holds `maxsize` items (approximately); never without a maxsize. */
  full(): boolean {
    const max = this.maxsize;
    return max > 0 && this.qsize() >= max;
  }

  /**
   * Puts `item` at the end, as `multiprocessing.Queue.put(obj, block,
   * timeout)`: waits for room (only a queue with a maxsize is ever full)
   * if `block`, at most `timeout` seconds (`null`: for ever).
   * @throws Full when there is no room (at once with `block = false`, or
   *   after `timeout`). @throws TypeError if the item cannot be cloned, or
   *   holds shared memory of this process (a SharedArrayBuffer, a
   *   threading primitive). @throws MemoryError past 2 GiB of queued
   *   bytes. @throws ValueError once closed.
   */
  put(item: T, block?: boolean, timeout?: number | null): void {
    const bytes = this.encode('Queue.put', item);
    const deadline = queueDeadline('Queue.put', block, timeout);
    const lock = this.lock('Queue.put');
    if (deadline !== null) checkMayBlock();
    if (!lock.acquire(true, deadline === null ? null : left(deadline))) throw new Full();
    try {
      this.sync();
      while (!this.hasRoom()) {
        if (deadline === null || performance.now() >= deadline) throw new Full();
        this._notFull.wait(left(deadline));
        this.sync();
      }
      this.append(bytes);
      this._notEmpty.notify();
    } finally {
      lock.release();
    }
  }

  /** As {@link put}, without blocking the event loop; `options.signal` cancels the wait. */
  async putAsync(item: T, block?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<void> {
    const bytes = this.encode('Queue.putAsync', item);
    const deadline = queueDeadline('Queue.putAsync', block, timeout);
    const signal = asyncSignal('Queue.putAsync', options);
    checkSignal(signal);
    const lock = this.lock('Queue.putAsync');
    if (!(await lock.acquireAsync(true, deadline === null ? null : left(deadline), options))) throw new Full();
    try {
      this.sync();
      while (!this.hasRoom()) {
        if (deadline === null || performance.now() >= deadline) throw new Full();
        await this._notFull.waitAsync(left(deadline), options);
        this.sync();
      }
      this.append(bytes);
      this._notEmpty.notify();
    } finally {
      lock.release();
    }
  }

  /** Python's `put_nowait(obj)`: `put(item, false)`. */
  putNowait(item: T): void {
    this.put(item, false);
  }

  /**
   * Removes and returns the first item, as `multiprocessing.Queue.get(block,
   * timeout)`: waits for one if `block`, at most `timeout` seconds.
   * @throws Empty when there is none (at once with `block = false`, or
   *   after `timeout`). @throws ValueError once closed.
   */
  get(block?: boolean, timeout?: number | null): T {
    const deadline = queueDeadline('Queue.get', block, timeout);
    const lock = this.lock('Queue.get');
    const ctl = this._ctl!;
    if (deadline !== null) checkMayBlock();
    if (!lock.acquire(true, deadline === null ? null : left(deadline))) throw new Empty();
    let bytes: Buffer;
    try {
      this.sync();
      while (ctl.get(COUNT) === 0) {
        if (deadline === null || performance.now() >= deadline) throw new Empty();
        this._notEmpty.wait(left(deadline));
        this.sync();
      }
      bytes = this.take();
      this._notFull.notify();
    } finally {
      lock.release();
    }
    return this.decode(bytes);
  }

  /** As {@link get}, without blocking the event loop; `options.signal` cancels the wait. */
  async getAsync(block?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<T> {
    const deadline = queueDeadline('Queue.getAsync', block, timeout);
    const signal = asyncSignal('Queue.getAsync', options);
    checkSignal(signal);
    const lock = this.lock('Queue.getAsync');
    const ctl = this._ctl!;
    if (!(await lock.acquireAsync(true, deadline === null ? null : left(deadline), options))) throw new Empty();
    let bytes: Buffer;
    try {
      this.sync();
      while (ctl.get(COUNT) === 0) {
        if (deadline === null || performance.now() >= deadline) throw new Empty();
        await this._notEmpty.waitAsync(left(deadline), options);
        this.sync();
      }
      bytes = this.take();
      this._notFull.notify();
    } finally {
      lock.release();
    }
    return this.decode(bytes);
  }

  /** Python's `get_nowait()`: `get(false)`. */
  getNowait(): T {
    return this.get(false);
  }

  /**
   * Python's `close()`: this process puts no more through this object.
   * Here it also lets go of the segments (every method but `close` and
   * `unlink` then throws ValueError); other objects and processes keep the
   * queue.
   */
  close(): void {
    const ctl = this._ctl;
    if (!ctl) return;
    this._notEmpty.close();
    this._notFull.close();
    this._tasks?.close();
    this._lock.close();
    this._ring?.close();
    this._ring = null;
    this._ctl = null;
    ctl.close();
  }

  /** Python's `join_thread()`: nothing to wait for (no feeder thread: a put has landed when it returns). */
  joinThread(): void {}

  /** Python's `cancel_join_thread()`: nothing to cancel (no feeder thread). */
  cancelJoinThread(): void {}

  /**
   * Removes the names of all its segments, as `SharedMemory.unlink()`.
   * Call it once no process needs the queue any more: a process reaches a
   * ring that another one grew by its name, so after unlink() a queue
   * that grows, or that a process first uses, fails with
   * FileNotFoundError. Returns false if the name was already gone.
   */
  unlink(): boolean {
    const base = this._name;
    madeHere.delete(shownName(base));
    unlinkAll(shownName(base));
    return mp.unlink(base) === 0;
  }

  /** What JSON carries to another process: revive it there (`revive(msg)`). */
  toJSON(): { _kind: string; _name: string } {
    return { _kind: this._kind, _name: this._name };
  }

  toString(): string {
    if (!this._ctl) return `<${this.constructor.name}(${this.name}, closed)>`;
    return `<${this.constructor.name}(${this.name}, maxsize=${this.maxsize}, qsize=${this.qsize()})>`;
  }

  /** @internal Opens the segments of a queue that arrived from another thread or process. */
  _revived(type: QueueType): void {
    if (typeof this._name !== 'string' || !this._name.startsWith(`/${PREFIX}`)) {
      throw new ArgumentTypeError(`revive: a multiprocessing ${type} must carry its name, got ${describe(this._name)}`);
    }
    this.open(type, new SharedArray('d', SLOTS, { name: shownName(this._name), create: false }), false);
  }

  // --- holding the lock ---------------------------------------------------

  /** @internal The control Array (its lock is the queue's), or ValueError once closed. */
  protected ctl(method: string): SharedArray {
    if (!this._ctl) throw new ValueError(`${method}: ${this.constructor.name} ${this.name} is closed`);
    return this._ctl;
  }

  /** @internal The queue's lock, or ValueError once closed. */
  protected lock(method: string): Lock {
    this.ctl(method);
    return this._lock;
  }

  // After every acquire (a Condition's wait takes the lock again too): a
  // holder that died may have left COUNT behind; another process may have
  // grown the ring.
  private sync(): void {
    const ctl = this._ctl!;
    if (this._lock.ownerDied) {
      this._lock.ownerDied = false;
      this.repair();
    }
    const gen = ctl.get(GEN);
    if (gen !== this._gen) {
      this._ring?.close();
      this._ring = gen === 0 ? null : new SharedMemory({ name: `${ctl.name}.g${gen}`, create: false });
      this._gen = gen;
    }
  }

  // The previous holder died: COUNT is recounted from the ring, and a ring
  // it was making (or had replaced and not unlinked) is removed.
  private repair(): void {
    const ctl = this._ctl!;
    const gen = ctl.get(GEN);
    unlinkQuietly(`/${PREFIX}${ctl.name}.g${gen + 1}`);
    if (gen > 1) unlinkQuietly(`/${PREFIX}${ctl.name}.g${gen - 1}`);
    this._gen = -1; // reopen the ring in sync()
    this.sync();
    const head = ctl.get(HEAD);
    const tail = ctl.get(TAIL);
    let count = 0;
    for (let at = head; at < tail; count++) at += 4 + this.lengthAt(at);
    ctl.set(COUNT, count);
  }

  private hasRoom(): boolean {
    const ctl = this._ctl!;
    const max = ctl.get(MAXSIZE) - 1;
    return max <= 0 || ctl.get(COUNT) < max;
  }

  // Adds one item's record at TAIL (the commit), growing the ring first if need be.
  private append(bytes: Uint8Array): void {
    const ctl = this._ctl!;
    const head = ctl.get(HEAD);
    const tail = ctl.get(TAIL);
    const need = 4 + bytes.length;
    if (!this._ring || tail - head + need > this._ring.size) this.grow(tail - head + need);
    const record = Buffer.allocUnsafe(need);
    record.writeUInt32LE(bytes.length, 0);
    record.set(bytes, 4);
    this.copyIn(tail, record);
    ctl.set(TAIL, tail + need);
    ctl.set(COUNT, ctl.get(COUNT) + 1);
    if (this._tasks) ctl.set(UNFINISHED, ctl.get(UNFINISHED) + 1);
  }

  // Removes the record at HEAD (the commit) and returns its bytes.
  private take(): Buffer {
    const ctl = this._ctl!;
    const head = ctl.get(HEAD);
    const length = this.lengthAt(head);
    const bytes = this.copyOut(head + 4, length);
    ctl.set(HEAD, head + 4 + length);
    ctl.set(COUNT, ctl.get(COUNT) - 1);
    return bytes;
  }

  private lengthAt(position: number): number {
    return this.copyOut(position, 4).readUInt32LE(0);
  }

  // A new ring of at least `need` bytes, the items copied to the same
  // positions; GEN moving to it is the commit.
  private grow(need: number): void {
    const ctl = this._ctl!;
    const old = this._ring;
    let size = old ? old.size * 2 : FIRST_RING;
    while (size < need) size *= 2;
    size = Math.min(size, MAX_SHARED_MEMORY);
    if (size < need) throw new MemoryError(`${this.constructor.name}.put: the queue would hold ${need} bytes, more than ${MAX_SHARED_MEMORY}`);
    const gen = ctl.get(GEN) + 1;
    const name = `${ctl.name}.g${gen}`;
    const options = { name, create: true, size, mode: ctl.get(MODE) };
    let ring: SharedMemory;
    try {
      ring = new SharedMemory(options);
    } catch (error) {
      if (!(error instanceof FileExistsError)) throw error;
      unlinkQuietly(`/${PREFIX}${name}`);
      ring = new SharedMemory(options);
    }
    const head = ctl.get(HEAD);
    const used = ctl.get(TAIL) - head;
    try {
      if (old && used > 0) this.copyIn(head, this.copyOut(head, used), ring);
    } catch (error) {
      ring.unlink();
      ring.close();
      throw error;
    }
    ctl.set(GEN, gen);
    this._ring = ring;
    this._gen = gen;
    if (old) {
      old.unlink();
      old.close();
    }
  }

  // Ring copies: a record may wrap around the end.
  private copyIn(position: number, data: Uint8Array, ring = this._ring!): void {
    const size = ring.size;
    const at = position % size;
    const first = Math.min(data.length, size - at);
    ring.write(at, data.subarray(0, first));
    if (first < data.length) ring.write(0, data.subarray(first));
  }

  private copyOut(position: number, length: number): Buffer {
    const ring = this._ring!;
    const size = ring.size;
    const at = position % size;
    const first = Math.min(length, size - at);
    if (first === length) return ring.read(at, length);
    return Buffer.concat([ring.read(at, first), ring.read(0, length - first)]);
  }

  private encode(method: string, item: T): Uint8Array {
    this.ctl(method);
    refuseShared(method, item);
    try {
      return v8.serialize(item);
    } catch (error) {
      throw new ArgumentTypeError(`${method}: the item cannot be cloned: ${messageOf(error)}`);
    }
  }

  private decode(bytes: Buffer): T {
    return revive(v8.deserialize(bytes) as T);
  }

}

// Seconds left until `deadline` (null for ever).
function left(deadline: number): number | null {
  return deadline === Infinity ? null : Math.max(0, (deadline - performance.now()) / 1000);
}

/**
 * A Queue whose consumers say when each item is done: Python's
 * `multiprocessing.JoinableQueue`. `join()` waits until every item put has
 * been matched by a `taskDone()`, in any process.
 *
 * A process killed between a put's commit and its count of unfinished
 * tasks, or while calling taskDone(), leaves that count one off: join()
 * then waits for one task more (or one fewer) than it should.
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** @internal */ override readonly _kind: string = 'multiprocessing.JoinableQueue';

  /** @internal */
  protected override queueType(): QueueType {
    return 'JoinableQueue';
  }

  /**
   * Says that an item taken with get() is done; at the last one, join()
   * returns everywhere.
   * @throws ValueError if called more times than items were put.
   */
  taskDone(): void {
    const lock = this.lock('JoinableQueue.taskDone');
    const ctl = this._ctl!;
    lock.acquire();
    try {
      const n = ctl.get(UNFINISHED);
      if (n <= 0) throw new ValueError('task_done() called too many times');
      ctl.set(UNFINISHED, n - 1);
      if (n === 1) this._tasks!.notifyAll();
    } finally {
      lock.release();
    }
  }

  /** Waits until every item put has been marked done with taskDone(). */
  join(): void {
    const lock = this.lock('JoinableQueue.join');
    const ctl = this._ctl!;
    checkMayBlock();
    lock.acquire();
    try {
      while (ctl.get(UNFINISHED) > 0) this._tasks!.wait();
    } finally {
      lock.release();
    }
  }

  /** As {@link join}, without blocking the event loop; `options.signal` cancels the wait. */
  async joinAsync(options?: AsyncOptions): Promise<void> {
    const signal = asyncSignal('JoinableQueue.joinAsync', options);
    checkSignal(signal);
    const lock = this.lock('JoinableQueue.joinAsync');
    const ctl = this._ctl!;
    await lock.acquireAsync(true, null, options);
    try {
      while (ctl.get(UNFINISHED) > 0) await this._tasks!.waitAsync(null, options);
    } finally {
      lock.release();
    }
  }
}

/**
 * Python's `multiprocessing.SimpleQueue`: an unbounded queue, used through
 * `put(item)`, `get()`, `empty()` and `close()` (and their async twins);
 * the rest of {@link Queue}'s methods work too.
 */
export class SimpleQueue<T = unknown> extends Queue<T> {
  /** @internal */ override readonly _kind: string = 'multiprocessing.SimpleQueue';

  /** @param options `name`, `create`, `mode` as for {@link Lock}. */
  constructor(options?: QueueOptions) {
    super(0, options);
  }

  /** @internal */
  protected override queueType(): QueueType {
    return 'SimpleQueue';
  }
}

// Removes every segment of the queue whose control segment is `base`
// (its conditions, its rings: all named `<base>.<suffix>`).
function unlinkAll(base: string): void {
  let names: string[];
  try {
    names = readdirSync('/dev/shm');
  } catch {
    return;
  }
  const prefix = `${PREFIX}${base}.`;
  for (const name of names) {
    if (name.startsWith(prefix) && /^(lock|notempty|notfull|tasks|g\d+)$/.test(name.slice(prefix.length))) unlinkQuietly(`/${name}`);
  }
}

// An anonymous queue's control segment goes at exit with the other
// anonymous segments (native.ts); its other segments go here.
function unlinkAtExit(base: string): void {
  if (!isMainThread) return;
  madeHere.add(base);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const b of madeHere) unlinkAll(b);
  });
}

registerKind('multiprocessing.Queue', Queue.prototype, { shared: false, onRevive: (v) => (v as Queue)._revived('Queue') });
registerKind('multiprocessing.JoinableQueue', JoinableQueue.prototype, {
  shared: false,
  onRevive: (v) => (v as JoinableQueue)._revived('JoinableQueue'),
});
registerKind('multiprocessing.SimpleQueue', SimpleQueue.prototype, {
  shared: false,
  onRevive: (v) => (v as SimpleQueue)._revived('SimpleQueue'),
});
