/**
 * `Queue`: Python's `queue.Queue`, shared by every thread — the standard
 * way Python threads pass work.
 *
 * A port of CPython's Lib/queue.py: one Lock and three Conditions on it
 * (notEmpty, notFull, allTasksDone). Items are structured-cloned (v8's
 * serializer) into a ring of bytes in a SharedArrayBuffer, each as a
 * 4-byte length and its bytes. A queue is full at `maxsize` items (if
 * `maxsize` > 0) or when the next item does not fit in its byte capacity.
 *
 * Words (Int32): [0] head (byte offset of the oldest item), [1] used
 * bytes, [2] items, [3] unfinished tasks. Data follows at byte 16.
 */
import v8 from 'node:v8';

import { ArgumentTypeError, PthreadingError, ValueError, describe } from './errors';
import { Condition } from './condition';
import { AsyncOptions } from './guard';
import { Lock, locking } from './lock';
import { Waiting, checkSignal, deadlineAfter, runAsync, runSync } from './native';
import { refuseShared, registerKind, sharedBuffer } from './shared';
import { asyncSignal, checkBlocking, checkCount, waitTimeout } from './validate';

const HEAD = 0;
const USED = 1;
const COUNT = 2;
const UNFINISHED = 3;
const DATA = 16;

/** Raised by a non-blocking or timed `get()` on an empty queue. */
export class Empty extends PthreadingError {
  constructor() {
    super('the queue is empty', 'ERR_QUEUE_EMPTY');
  }
}

/** Raised by a non-blocking or timed `put()` on a full queue. */
export class Full extends PthreadingError {
  constructor() {
    super('the queue is full', 'ERR_QUEUE_FULL');
  }
}

/** A FIFO queue for any number of producer and consumer threads. */
export class Queue<T = unknown> {
  /** @internal */ readonly _kind: string = 'Queue';
  /** @internal */ readonly _maxsize: number;
  /** @internal */ readonly _words: Int32Array;
  /** @internal */ readonly _bytes: Uint8Array;
  /** @internal */ readonly _mutex: Lock = new Lock();
  /** @internal */ readonly _notEmpty: Condition = new Condition(this._mutex);
  /** @internal */ readonly _notFull: Condition = new Condition(this._mutex);
  /** @internal */ readonly _allTasksDone: Condition = new Condition(this._mutex);

  /**
   * @param maxsize the most items it holds; 0 or less means no limit.
   * @param options `capacity`: bytes for queued items (default 1 MiB;
   *   memory is committed only as it is used).
   */
  constructor(maxsize = 0, options: { capacity?: number } = {}) {
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) {
      throw new ArgumentTypeError(`Queue: maxsize must be an integer, not ${describe(maxsize)}`);
    }
    const capacity = checkCount('Queue', 'capacity', options.capacity ?? 2 ** 20, 16, 2 ** 31 - 1);
    const buffer = sharedBuffer(DATA + capacity);
    this._maxsize = maxsize;
    this._words = new Int32Array(buffer, 0, 4);
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

  /** Whether the queue holds `maxsize` items (approximately). */
  full(): boolean {
    return this._maxsize > 0 && this.qsize() >= this._maxsize;
  }

  /** The most items the queue holds (0: no limit). */
  get maxsize(): number {
    return this._maxsize;
  }

  /**
   * Puts `item` in the queue. By default waits for room; with
   * `block = false`, or after `timeout` seconds, raises {@link Full}.
   * @throws ValueError if the item alone is larger than the byte capacity,
   *   or for a negative timeout. @throws TypeError if it cannot be cloned.
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
    this._mutex.with(() => {
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

  private *joining(): Waiting<void> {
    yield* locking(this._mutex._words, Infinity, false);
    try {
      while (this._words[UNFINISHED] > 0) yield* this._allTasksDone._waiting(Infinity);
    } finally {
      this._mutex.release();
    }
  }

  private encode(item: T): Uint8Array {
    refuseShared('Queue.put', item);
    let bytes: Uint8Array;
    try {
      bytes = v8.serialize(item);
    } catch (error) {
      throw new ArgumentTypeError(`Queue.put: the item cannot be cloned: ${(error as Error).message}`);
    }
    if (bytes.length + 4 > this._bytes.length) {
      throw new ValueError(`Queue.put: the item takes ${bytes.length + 4} bytes, more than the queue's capacity of ${this._bytes.length}`);
    }
    return bytes;
  }

  private hasRoom(size: number): boolean {
    const w = this._words;
    if (this._maxsize > 0 && w[COUNT] >= this._maxsize) return false;
    return w[USED] + size + 4 <= this._bytes.length;
  }

  // CPython's put(), with "wait on not_full" as a slow path.
  private *putting(bytes: Uint8Array, method: string, block: unknown, timeout: unknown): Waiting<void> {
    const deadline = this.deadline(method, block, timeout);
    yield* locking(this._mutex._words, Infinity, false);
    try {
      while (!this.hasRoom(bytes.length)) {
        if (deadline === null || performance.now() >= deadline) throw new Full();
        yield* this._notFull._waiting(deadline);
      }
      this.write(bytes);
      this._notEmpty.notify();
    } finally {
      this._mutex.release();
    }
  }

  // CPython's get(), with "wait on not_empty" as a slow path.
  private *getting(method: string, block: unknown, timeout: unknown): Waiting<T> {
    const deadline = this.deadline(method, block, timeout);
    yield* locking(this._mutex._words, Infinity, false);
    try {
      while (this._words[COUNT] === 0) {
        if (deadline === null || performance.now() >= deadline) throw new Empty();
        yield* this._notEmpty._waiting(deadline);
      }
      const item = this.read();
      this._notFull.notify();
      return item;
    } finally {
      this._mutex.release();
    }
  }

  // null: do not wait; Infinity: wait forever.
  private deadline(method: string, block: unknown, timeout: unknown): number | null {
    const blocking = checkBlocking(method, block);
    const seconds = waitTimeout(method, timeout);
    if (!blocking) return null;
    if (typeof timeout === 'number' && timeout < 0) throw new ValueError(`${method}: 'timeout' must be a non-negative number`);
    return deadlineAfter(seconds);
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
