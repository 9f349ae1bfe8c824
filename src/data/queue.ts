/**
 * `Queue`: Python's `queue.Queue`, shared by every thread — the standard
 * way Python threads pass work.
 *
 * A port of CPython's Lib/queue.py: one Lock and three Conditions on it
 * (notEmpty, notFull, allTasksDone). Items are structured-cloned (v8's
 * serializer) into a ring of bytes in a growable SharedArrayBuffer
 * (growable.ts), each as a 4-byte length and its bytes. A queue is full at
 * `maxsize` items (if `maxsize` > 0), and only then: when the next item
 * does not fit in the ring, the ring grows (under the queue's lock), so an
 * unbounded queue holds items until memory runs out, as Python's does.
 *
 * Words (Int32): [0] head (byte offset of the oldest item), [1] used
 * bytes, [2] items, [3] unfinished tasks. Data follows at byte 16; the
 * ring is all of the buffer after it, however far it has grown.
 * `maxsize` has a shared slot of its own (`_max`), so a change made by any
 * thread is seen by every thread.
 */
import v8 from 'node:v8';

import { ArgumentTypeError, Empty, Full, MemoryError, OverflowError, ValueError, describe, messageOf } from '../runtime/errors';
import { Condition } from '../sync/condition';
import { GrowableBuffer, MAX_BYTES, growTo, growableBuffer } from './growable';
import { AsyncOptions } from '../runtime/guard';
import { Lock } from '../sync/lock';
import { Section, critical, criticalWith } from '../sync/critical';
import { Waiting, checkSignal, runAsync, runSync } from '../runtime/native';
import { refuseShared, registerKind } from '../runtime/shared';
import { asyncSignal, checkCount, checkOptions, queueDeadline } from '../runtime/validate';

const HEAD = 0;
const USED = 1;
const COUNT = 2;
const UNFINISHED = 3;
const DATA = 16;
// The ring's first size: one page with the words (it doubles as needed).
const INITIAL = 4096 - DATA;

// Empty and Full are runtime's: pthreading/multiprocessing's Queue raises
// the same classes, as Python's multiprocessing.Queue raises queue.Empty.
export { Empty, Full } from '../runtime/errors';

// A maxsize: an integer that fits its Int32 slot (<= 0: no limit).
function checkMaxsize(method: string, maxsize: unknown): number {
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
    throw new ArgumentTypeError(`${method}: maxsize must be an integer, not ${describe(maxsize)}`);
  }
  if (maxsize > 0x7fffffff || maxsize < -0x80000000) {
    throw new OverflowError(`${method}: maxsize must be between -2147483648 and 2147483647, not ${maxsize}`);
  }
  return maxsize;
}

/** A FIFO queue for any number of producer and consumer threads. */
export class Queue<T = unknown> {
  /** @internal */ readonly _kind: string = 'Queue';
  /** @internal [0] maxsize, in shared memory: a change is seen by every thread. */
  readonly _max: Int32Array = new Int32Array(new SharedArrayBuffer(4));
  /** @internal */ readonly _words: Int32Array;
  /** @internal */ readonly _bytes: Uint8Array;
  /** @internal */ readonly _mutex: Lock = new Lock();
  /** @internal */ readonly _notEmpty: Condition = new Condition(this._mutex);
  /** @internal */ readonly _notFull: Condition = new Condition(this._mutex);
  /** @internal */ readonly _allTasksDone: Condition = new Condition(this._mutex);

  /**
   * @param maxsize the most items it holds; 0 or less means no limit.
   * @param options `capacity`: the most bytes queued items may take, as
   *   serialized (each item takes 4 more). Default and largest: 2 GiB − 17
   *   bytes. It is reserved as address space and committed only as the
   *   queue grows; a put() beyond it raises {@link MemoryError}, never
   *   {@link Full}.
   * @throws TypeError if `maxsize` is not an integer. @throws OverflowError
   *   if it does not fit 32 bits.
   */
  constructor(maxsize = 0, options: { capacity?: number } = {}) {
    this._max[0] = checkMaxsize('Queue', maxsize);
    const capacity = checkCount('Queue', 'capacity', checkOptions<{ capacity: number }>('Queue', options).capacity ?? MAX_BYTES - DATA, 16, MAX_BYTES - DATA);
    const buffer = growableBuffer('Queue', DATA + Math.min(capacity, INITIAL), DATA + capacity);
    this._words = new Int32Array(buffer, 0, 4);
    // Length-tracking: it sees the ring grow, in every thread.
    this._bytes = new Uint8Array(buffer, DATA);
  }

  /** The approximate number of items (others may change it at once). */
  qsize(): number {
    return Atomics.load(this._words, COUNT);
  }

  /** Whether the queue is empty (approximately, as in Python). */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Whether the queue holds `maxsize` items (approximately); never for a
   * queue without a maxsize. `put(item, false)` raises {@link Full} exactly
   * when this is true.
   */
  full(): boolean {
    return this._maxsize > 0 && this.qsize() >= this._maxsize;
  }

  /**
   * The most items the queue holds (0 or less: no limit). Settable, as
   * Python's plain attribute: the change is seen by every thread, and a
   * larger maxsize lets threads blocked in put() go on at once.
   * @throws TypeError if set to a non-integer. @throws OverflowError if it
   *   does not fit 32 bits.
   */
  get maxsize(): number {
    return this._maxsize;
  }

  set maxsize(maxsize: number) {
    const n = checkMaxsize('Queue.maxsize', maxsize);
    criticalWith(this._mutex, () => {
      Atomics.store(this._max, 0, n);
      // Room may have appeared: every blocked put() checks again.
      this._notFull.notifyAll();
    });
  }

  /** @internal The current maxsize, from its shared slot. */
  get _maxsize(): number {
    return Atomics.load(this._max, 0);
  }

  /**
   * Puts `item` in the queue. By default waits for room (fewer than
   * `maxsize` items); with `block = false`, or after `timeout` seconds,
   * raises {@link Full}. A queue without a maxsize always has room.
   * @throws MemoryError if the queue cannot grow to hold the item (beyond
   *   its `capacity`, or the system refuses the memory). @throws ValueError
   *   for a negative timeout. @throws TypeError if it cannot be cloned.
   */
  put(item: T, block?: boolean, timeout?: number | null): void {
    runSync(this.putting(this.encode(item), 'Queue.put', block, timeout));
  }

  /** As {@link put}, without blocking the event loop. */
  async putAsync(item: T, block?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<void> {
    const signal = asyncSignal('Queue.putAsync', options);
    checkSignal(signal);
    await runAsync(this.putting(this.encode(item), 'Queue.putAsync', block, timeout), signal);
  }

  /** `put(item, false)`. */
  putNowait(item: T): void {
    this.put(item, false);
  }

  /**
   * Removes and returns the oldest item. By default waits for one; with
   * `block = false`, or after `timeout` seconds, raises {@link Empty}.
   */
  get(block?: boolean, timeout?: number | null): T {
    return runSync(this.getting('Queue.get', block, timeout));
  }

  /** As {@link get}, without blocking the event loop. */
  async getAsync(block?: boolean, timeout?: number | null, options?: AsyncOptions): Promise<T> {
    const signal = asyncSignal('Queue.getAsync', options);
    checkSignal(signal);
    return runAsync(this.getting('Queue.getAsync', block, timeout), signal);
  }

  /** `get(false)`. */
  getNowait(): T {
    return this.get(false);
  }

  /**
   * Tells the queue that a task taken with get() is complete; join()
   * returns once every item put has been marked done.
   * @throws ValueError if called more times than there were items.
   */
  taskDone(): void {
    criticalWith(this._mutex, () => {
      const unfinished = this._words[UNFINISHED] - 1;
      if (unfinished < 0) throw new ValueError('task_done() called too many times');
      if (unfinished === 0) this._allTasksDone.notifyAll();
      Atomics.store(this._words, UNFINISHED, unfinished);
    });
  }

  /** Blocks until every item put has been got and marked done. */
  join(): void {
    runSync(this.joining());
  }

  /** As {@link join}, without blocking the event loop. */
  async joinAsync(options?: AsyncOptions): Promise<void> {
    const signal = asyncSignal('Queue.joinAsync', options);
    checkSignal(signal);
    await runAsync(this.joining(), signal);
  }

  private joining(): Waiting<void> {
    return critical(this._mutex, (section) => this.joiningIn(section));
  }

  private *joiningIn(section: Section): Waiting<void> {
    while (this._words[UNFINISHED] > 0) yield* this._allTasksDone._waiting(Infinity, section);
  }

  private encode(item: T): Uint8Array {
    refuseShared('Queue.put', item);
    let bytes: Uint8Array;
    try {
      bytes = v8.serialize(item);
    } catch (error) {
      throw new ArgumentTypeError(`Queue.put: the item cannot be cloned: ${messageOf(error)}`);
    }
    if (bytes.length + 4 > this.capacity()) {
      throw new MemoryError(`Queue.put: the item takes ${bytes.length + 4} bytes, more than the queue's capacity of ${this.capacity()}`);
    }
    return bytes;
  }

  // The most bytes the ring may grow to.
  private capacity(): number {
    return (this._words.buffer as GrowableBuffer).maxByteLength - DATA;
  }

  private hasRoom(): boolean {
    return this._maxsize <= 0 || this._words[COUNT] < this._maxsize;
  }

  /**
   * Grows the ring, if need be, to take `length` more bytes. A ring that
   * wraps around its end is opened up: the part from the head to the old
   * end moves to the new end, so the free space stays one stretch after
   * the tail. Called holding the mutex, as every access to the ring.
   */
  private makeRoom(length: number): void {
    const w = this._words;
    const size = this._bytes.length;
    if (w[USED] + length <= size) return;
    if (!growTo(this._words.buffer as GrowableBuffer, DATA + w[USED] + length)) {
      throw new MemoryError(`Queue.put: cannot grow the queue to ${w[USED] + length} bytes (its capacity is ${this.capacity()})`);
    }
    const head = w[HEAD];
    if (head + w[USED] > size) {
      const grown = this._bytes.length;
      this._bytes.copyWithin(grown - (size - head), head, size);
      w[HEAD] = grown - (size - head);
    }
  }

  // CPython's put(), with "wait on not_full" as a slow path.
  private putting(bytes: Uint8Array, method: string, block: unknown, timeout: unknown): Waiting<void> {
    const deadline = queueDeadline(method, block, timeout);
    return critical(this._mutex, (section) => this.puttingIn(bytes, deadline, section));
  }

  private *puttingIn(bytes: Uint8Array, deadline: number | null, section: Section): Waiting<void> {
    while (!this.hasRoom()) {
      if (deadline === null || performance.now() >= deadline) throw new Full();
      yield* this._notFull._waiting(deadline, section);
    }
    this.makeRoom(bytes.length + 4);
    this.write(bytes);
    this._notEmpty.notify();
  }

  // CPython's get(), with "wait on not_empty" as a slow path.
  private getting(method: string, block: unknown, timeout: unknown): Waiting<T> {
    const deadline = queueDeadline(method, block, timeout);
    return critical(this._mutex, (section) => this.gettingIn(deadline, section));
  }

  private *gettingIn(deadline: number | null, section: Section): Waiting<T> {
    while (this._words[COUNT] === 0) {
      if (deadline === null || performance.now() >= deadline) throw new Empty();
      yield* this._notEmpty._waiting(deadline, section);
    }
    const item = this.read();
    this._notFull.notify();
    return item;
  }


  // Ring-buffer copy in (and out): an item may wrap around the end.
  private copyIn(offset: number, data: Uint8Array): void {
    const size = this._bytes.length;
    const first = Math.min(data.length, size - offset);
    this._bytes.set(data.subarray(0, first), offset);
    if (first < data.length) this._bytes.set(data.subarray(first), 0);
  }

  private copyOut(offset: number, length: number): Uint8Array {
    const size = this._bytes.length;
    const out = new Uint8Array(length);
    const first = Math.min(length, size - offset);
    out.set(this._bytes.subarray(offset, offset + first));
    if (first < length) out.set(this._bytes.subarray(0, length - first), first);
    return out;
  }

  private write(bytes: Uint8Array): void {
    const w = this._words;
    const size = this._bytes.length;
    const tail = (w[HEAD] + w[USED]) % size;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, bytes.length, true);
    this.copyIn(tail, header);
    this.copyIn((tail + 4) % size, bytes);
    w[USED] += bytes.length + 4;
    w[UNFINISHED] += 1;
    Atomics.add(w, COUNT, 1);
  }

  private read(): T {
    const w = this._words;
    const size = this._bytes.length;
    const head = w[HEAD];
    const length = new DataView(this.copyOut(head, 4).buffer).getUint32(0, true);
    const bytes = this.copyOut((head + 4) % size, length);
    w[HEAD] = (head + 4 + length) % size;
    w[USED] -= length + 4;
    Atomics.sub(w, COUNT, 1);
    return v8.deserialize(bytes) as T;
  }

  toString(): string {
    return `<Queue maxsize=${this._maxsize} qsize=${this.qsize()}>`;
  }
}

registerKind('Queue', Queue.prototype);
