/**
 * The native boundary: loads the addon, registers this thread with it, and
 * runs the waits of every primitive.
 *
 * A primitive's slow path is a generator that yields {@link Park} requests
 * ("sleep on these words until woken or the deadline") and receives a
 * {@link Status}. {@link runSync} serves them by blocking this OS thread in
 * native code; {@link runAsync} serves them with async waiters queued in the
 * same native queues and woken through this thread's event loop. So every
 * blocking method and its `…Async` twin share one code path; only how the
 * waiter sleeps differs.
 */
import path from 'node:path';
import { isMainThread, threadId, Worker, workerData } from 'node:worker_threads';

import { AbortError, RuntimeError, ThreadExitError } from './errors';

interface Binding {
  registerThread(threadId: number, ident: number, dispatch: (list: number[]) => void): void;
  nextIdent(): number;
  park(op: Op, words: Int32Array, timeoutSeconds: number, extra?: Int32Array | number): Status;
  parkAsync(op: Op, words: Int32Array, extra?: Int32Array | number): number;
  joinPark(ident: number, timeoutSeconds: number, seenState: number): Status;
  joinParkAsync(ident: number, seenState: number): number;
  wakeFutex(words: Int32Array): number;
  nextThreadNumber(): number;
  addThread(ident: number, name: string, daemon: boolean, dummy: boolean): void;
  threadRunning(ident: number): void;
  threadFinished(ident: number): void;
  renameThread(ident: number, name: string): boolean;
  setThreadDaemon(ident: number, daemon: boolean): boolean;
  findThread(ident: number): ThreadRow | null;
  listThreads(): ThreadRow[];
  nativeThreadId(): number;
  cancelAsync(id: number): boolean;
  unlock(words: Int32Array): boolean;
  wake(words: Int32Array, n: number): number;
  cancelThread(threadId: number): boolean;
  forgetCancel(threadId: number): void;
  cancelOthers(): void;
  stats(): NativeStats;
  debugFlags(flags?: number): number;
  nextDebugId(): number;
  recordOrder(
    from: number,
    to: number,
    fromName: string,
    toName: string,
    thread: string,
    fromStack: string,
    toStack: string,
  ): { from: string; to: string; thread: string; fromStack: string; toStack: string }[] | null;
  beginWait(thread: number, lock: number, lockName: string, owner: number): { thread: number; lock: string }[] | null;
  endWait(thread: number): void;
}

/** A row of the process-wide thread table (native/threads.h). */
export interface ThreadRow {
  ident: number;
  name: string;
  daemon: boolean;
  dummy: boolean;
  nativeId: number;
  running: boolean;
}

/** Live native counts, for leak checks. */
export interface NativeStats {
  /** Waiters (sync and async, all threads) queued on primitives. */
  queuedWaiters: number;
  /** Threads in sleep(), join(), or warm workers waiting for a thread. */
  futexWaiters: number;
  /** Async waiters owned by the calling thread. */
  asyncWaiters: number;
  /** Threads (JS environments) with the addon loaded. */
  liveEnvs: number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => Binding;

/** The addon: N-API, one binary for every Node version and Electron. */
export const binding: Binding = load(path.join(__dirname, '..'));

/** Which rules native code applies to the words (native/ops.h). */
export const enum Op {
  Lock = 1,
  Semaphore = 2,
  Event = 3,
  Condition = 4,
  /** Sleep while words[0] equals `expected` (sleep); or, with `ident`, until that thread finishes (join). */
  Futex = 5,
}

/** Park outcomes (native/parking.h), plus `Aborted`, which only JS makes. */
export const enum Status {
  Unparked = 0,
  Handoff = 1,
  Invalid = 2,
  TimedOut = 3,
  Cancelled = 4,
  Aborted = 5,
}

/** One request to sleep. */
export interface Park {
  op: Op;
  words: Int32Array;
  /** Condition only: the lock released once the waiter is queued. */
  lock?: Int32Array;
  /** Futex: sleep while words[0] is this. Event: the generation the wait began in. */
  expected?: number;
  /** Futex only: instead of words, sleep on this thread's state while it is `expected`. */
  ident?: number;
  /** `performance.now()` milliseconds; `Infinity` for none. */
  deadline: number;
  /** Whether an `AbortSignal` may cut this sleep short. */
  abortable: boolean;
}

/** A slow path: yields parks, receives their statuses, returns a result. */
export type Waiting<T> = Generator<Park, T, Status>;

/** Turns a timeout in seconds (`null` = forever) into a deadline. */
export function deadlineAfter(seconds: number | null): number {
  return seconds === null ? Infinity : performance.now() + seconds * 1000;
}

function secondsLeft(deadline: number): number {
  if (deadline === Infinity) return -1;
  return Math.max(0, (deadline - performance.now()) / 1000);
}

// Electron renderers must never block their main thread.
const mayBlock = !(isMainThread && (process as { type?: string }).type === 'renderer');

/** Serves a slow path by blocking the calling thread. */
export function runSync<T>(waiting: Waiting<T>): T {
  if (!mayBlock) {
    throw new RuntimeError(
      'blocking waits are not allowed on the main thread of an Electron renderer; use the …Async form',
      'ERR_WOULD_BLOCK',
    );
  }
  let step = waiting.next();
  while (!step.done) {
    const park = step.value;
    const left = secondsLeft(park.deadline);
    let status: Status;
    if (left === 0 && !park.lock) status = Status.TimedOut;
    else if (park.ident !== undefined) status = binding.joinPark(park.ident, left, park.expected ?? 0);
    else status = binding.park(park.op, park.words, left, park.lock ?? park.expected);
    if (status === Status.Cancelled) throw new ThreadExitError();
    step = waiting.next(status);
  }
  return step.value;
}

/** Serves a slow path with async waiters; never blocks the event loop. */
export async function runAsync<T>(waiting: Waiting<T>, signal?: AbortSignal): Promise<T> {
  let step = waiting.next();
  while (!step.done) {
    const status = await parkAsync(step.value, signal);
    if (status === Status.Cancelled) throw new ThreadExitError();
    step = waiting.next(status);
  }
  return step.value;
}

interface Pending {
  finish(status: Status): void;
  // Keep the words alive while native code may touch them.
  words: Int32Array;
  lock?: Int32Array;
}

// Shared by every copy of this module loaded in one thread over the same
// addon, since the native side has one dispatcher per thread and addon; a
// second copy of the package (its own addon) has its own.
const copyId = (binding as Binding & { copyId: number }).copyId;
const pendingKey = Symbol.for(`pthreading.pending.${copyId}`);
const globalSlots = globalThis as unknown as Record<symbol, Map<number, Pending> | undefined>;
const pending: Map<number, Pending> = (globalSlots[pendingKey] ??= new Map());

function parkAsync(park: Park, signal?: AbortSignal): Status | Promise<Status> {
  const early = park.abortable && signal?.aborted ? Status.Aborted : secondsLeft(park.deadline) === 0 && !park.lock ? Status.TimedOut : -1;
  if (early !== -1) return early;
  const id =
    park.ident !== undefined
      ? binding.joinParkAsync(park.ident, park.expected ?? 0)
      : binding.parkAsync(park.op, park.words, park.lock ?? park.expected);
  if (id === 0) return Status.Invalid;
  return new Promise<Status>((resolve) => {
    let stopTimer: (() => void) | undefined;
    const onAbort = (): void => {
      if (binding.cancelAsync(id)) finish(Status.Aborted);
    };
    const finish = (status: Status): void => {
      pending.delete(id);
      stopTimer?.();
      if (park.abortable) signal?.removeEventListener('abort', onAbort);
      resolve(status);
    };
    pending.set(id, { finish, words: park.words, lock: park.lock });
    if (park.deadline !== Infinity) {
      stopTimer = atDeadline(park.deadline, () => {
        if (binding.cancelAsync(id)) finish(Status.TimedOut);
      });
    }
    if (park.abortable && signal) {
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
    }
  });
}

/**
 * Calls `fn` once `performance.now()` has reached `deadline` (a timer that
 * fires early is set again). Returns how to stop it.
 */
export function atDeadline(deadline: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const onTimeout = (): void => {
    const ms = deadline - performance.now();
    // setTimeout may fire a fraction of a millisecond early.
    if (ms > 0) timer = setTimeout(onTimeout, Math.ceil(ms));
    else fn();
  };
  timer = setTimeout(onTimeout, Math.max(0, Math.ceil(deadline - performance.now())));
  return () => clearTimeout(timer);
}

function dispatch(list: number[]): void {
  for (let i = 0; i < list.length; i += 2) pending.get(list[i])?.finish(list[i + 1] as Status);
}

/** Throws the error for a park that was aborted. */
export function throwIfAborted(status: Status, signal?: AbortSignal): void {
  if (status === Status.Aborted) throw new AbortError(signal?.reason);
}

/** Rejects at once when `signal` is already aborted. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/** The main thread's ident (Python's `threading.main_thread().ident`). */
export const MAIN_IDENT = 1;

/** What a thread started by pthreading finds in its workerData. */
export interface ThreadBoot {
  ident: number;
}

/** The payload key of a pthreading thread's workerData. */
export const BOOT_KEY = '__pthreading';

function resolveIdent(): number {
  const boot = (workerData as Record<string, ThreadBoot> | null)?.[BOOT_KEY];
  if (boot && typeof boot.ident === 'number') return boot.ident;
  // Not started by pthreading: the main thread, or a raw Worker (Python's
  // _DummyThread, a daemon named Dummy-N).
  const ident = isMainThread ? MAIN_IDENT : binding.nextIdent();
  const name = isMainThread ? 'MainThread' : `Dummy-${binding.nextThreadNumber()}`;
  binding.addThread(ident, name, !isMainThread, true);
  binding.threadRunning(ident);
  return ident;
}

// One ident per thread, even if two copies of this module are loaded in it.
const identKey = Symbol.for('pthreading.ident');
const identSlot = globalThis as unknown as Record<symbol, number | undefined>;

/** This thread's ident (Python's `threading.get_ident()`). */
export const ident: number = (identSlot[identKey] ??= resolveIdent());

binding.registerThread(threadId, ident, dispatch);

// Every native wait waits for "woken or cancelled". Cancel a worker's waits
// before Node terminates it (otherwise a worker asleep in native code never
// stops, and Node's exit, which joins every worker, hangs), and cancel every
// other thread's waits when the process exits.
// Once per addon: each copy of the package cancels the waits in its own.
const patched = Symbol.for(`pthreading.terminatePatched.${copyId}`);
const proto = Worker.prototype as Worker & Record<symbol, boolean>;
if (!proto[patched]) {
  const terminate = proto.terminate;
  proto.terminate = function (this: Worker): Promise<number> {
    const id = this.threadId;
    // A worker still starting up is cancelled as soon as it registers.
    if (id >= 0 && !binding.cancelThread(id)) this.once('exit', () => binding.forgetCancel(id));
    return terminate.call(this);
  };
  proto[patched] = true;
  if (isMainThread) process.on('exit', () => binding.cancelOthers());
}

/** Live native counts: queued waiters, this thread's async waiters, threads. */
export function nativeStats(): NativeStats {
  return binding.stats();
}
