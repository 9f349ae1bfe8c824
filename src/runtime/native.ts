/**
 * The native boundary: loads the addon, checks that it agrees with this
 * file on every shared constant, gives this thread its identity and
 * registers it with the addon, and runs the waits of every primitive.
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
import { isMainThread, threadId, workerData, Worker } from 'node:worker_threads';

import { AbortError, RuntimeError, ThreadExitError } from './errors';

interface Binding {
  constants: { ops: number[]; statuses: number[]; stopBit: number; word: Record<string, number> };
  /** Whether the addon was built with its invariant checks (debug and sanitizer builds). */
  checks: boolean;
  registerThread(threadId: number, ident: number, ctl: Int32Array): void;
  recycleThread(ident: number): boolean;
  nextIdent(): number;
  park(op: Op, words: Int32Array, timeoutSeconds: number, extra?: Int32Array | number): Status;
  parkAsync(op: Op, words: Int32Array, extra: Int32Array | number | undefined, callback: (status: Status) => void): number;
  joinPark(ident: number, timeoutSeconds: number, seenState: number): Status;
  joinParkAsync(ident: number, seenState: number, callback: (status: Status) => void): number;
  requestStop(threadId: number): 0 | 1 | 2;
  enrolParty(conditionWords: Int32Array): number;
  leaveParty(id: number): void;
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
  pendingRequests(): number;
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

/** A row of the process-wide thread table (native/core/threads.h). */
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

/** The runtime pthreading runs on, for errors that say where. */
export function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  const name = g.Bun ? `Bun ${g.Bun.version}` : g.Deno ? `Deno ${g.Deno.version.deno}` : `Node ${process.version}`;
  return `${name} (${process.platform}-${process.arch})`;
}

// What pthreading cannot do without, checked once, before anything else, so
// a runtime that lacks it fails at the first use with an error that says
// which piece is missing there, not later with a wrong result.
for (const [name, present] of [
  ['SharedArrayBuffer', typeof SharedArrayBuffer === 'function'],
  ['Atomics.wait', typeof Atomics === 'object' && typeof Atomics.wait === 'function'],
  ['worker_threads.Worker', typeof Worker === 'function'],
] as const) {
  if (!present) throw new RuntimeError(`pthreading needs ${name}, which ${runtimeName()} does not provide`, 'ERR_RUNTIME_UNSUPPORTED');
}

function loadAddon(): Binding {
  try {
    return load(path.join(__dirname, '..', '..'));
  } catch (error) {
    throw new RuntimeError(
      `pthreading's native addon did not load on ${runtimeName()}: ${(error as Error)?.message ?? error}`,
      'ERR_RUNTIME_UNSUPPORTED',
      { cause: error },
    );
  }
}

/** The addon: N-API, one binary for every Node version and Electron. */
export const binding: Binding = loadAddon();

/** Which rules native code applies to the words (native/core/ops.h). */
export const enum Op {
  Lock = 1,
  Semaphore = 2,
  Event = 3,
  Condition = 4,
  /** Sleep while words[0] equals `expected` (sleep); or, with `ident`, until that thread finishes (join). */
  Futex = 5,
}

/** Park outcomes (native/core/parking.h), plus `Aborted`, which only JS makes. */
export const enum Status {
  Unparked = 0,
  Handoff = 1,
  Invalid = 2,
  TimedOut = 3,
  Cancelled = 4,
  Aborted = 5,
}

/**
 * The words' layouts, shared with native code (native/core/ops.h): the
 * primitives read these, never their own copies.
 */
export const enum Word {
  /** Lock/RLock slot 0: held. */
  LockedBit = 1,
  /** Lock/RLock slot 0: waiters queued (set and cleared by native code only). */
  ParkedBit = 2,
  /** Event slot 0: the flag; the generation is the bits above it. */
  EventFlag = 1,
  /** Every primitive: the slot its waiters watch. */
  StateSlot = 0,
  /** Semaphore, Event, Condition: how many waiters are parked (native code keeps it). */
  WaitersSlot = 1,
  /** A Barrier's Condition: parties whose thread ended inside wait(). */
  DepartedSlot = 2,
}

// The constants this file shares with native code, checked once at load:
// a binary built from other sources fails here, not in a wait.
{
  const mine = {
    ops: [Op.Lock, Op.Semaphore, Op.Event, Op.Condition, Op.Futex],
    statuses: [Status.Unparked, Status.Handoff, Status.Invalid, Status.TimedOut, Status.Cancelled],
    stopBit: 1 << 30,
    word: {
      lockedBit: Word.LockedBit,
      parkedBit: Word.ParkedBit,
      eventFlag: Word.EventFlag,
      stateSlot: Word.StateSlot,
      waitersSlot: Word.WaitersSlot,
      departedSlot: Word.DepartedSlot,
    },
  };
  if (JSON.stringify(binding.constants) !== JSON.stringify(mine)) {
    throw new Error(`pthreading: the native addon does not match this JavaScript (${JSON.stringify(binding.constants)}); rebuild it`);
  }
}

/** What every request to sleep carries. */
interface ParkCommon {
  words: Int32Array;
  /** `performance.now()` milliseconds; `Infinity` for none. */
  deadline: number;
  /** Whether an `AbortSignal` may cut this sleep short. */
  abortable: boolean;
  /**
   * Yielded inside a critical section ({@link enterCritical}): an async
   * wait leaves the section while it sleeps and enters it again after.
   */
  critical?: boolean;
}

/**
 * One request to sleep, tagged by its op: each op carries exactly what its
 * rules need (native/core/ops.h), so a park cannot be half of one and half
 * of another.
 */
export type Park =
  /** Lock, RLock, Semaphore: sleep while the state says taken. */
  | (ParkCommon & { op: Op.Lock | Op.Semaphore })
  /** Event: sleep while slot 0 is still the state the wait began with. */
  | (ParkCommon & { op: Op.Event; expected: number })
  /** Condition: queue, then release `lock` (native code, on every path). */
  | (ParkCommon & { op: Op.Condition; lock: Int32Array })
  /** Futex: sleep while words[0] is `expected`; with `ident`, on that thread's state instead (join). */
  | (ParkCommon & { op: Op.Futex; expected: number; ident?: number });

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

/**
 * Debug mode's watch on this thread's sync waits (src/debug/debug.ts): called as
 * a wait that parked ends, with the milliseconds it spent parked. Null
 * (off) reads no clock.
 */
let syncWaitWatch: ((parkedMs: number) => void) | null = null;

/** @internal Sets, or with null clears, the watch on this thread's sync waits. */
export function watchSyncWaits(watch: ((parkedMs: number) => void) | null): void {
  syncWaitWatch = watch;
}

// Electron renderers must never block their main thread: there a sync
// form works as long as it need not wait (an uncontended acquire, a put
// into a queue with room, a get from one with items), and throws where it
// would park. Waits for the internal lock of a pthreading object (a
// Lock park inside a critical section, critical.ts) are not refused: its
// holder keeps it for a few instructions only.
const mayBlock = !(isMainThread && (process as { type?: string }).type === 'renderer');

function wouldBlock(what = 'blocking waits are', instead = 'the …Async form'): RuntimeError {
  return new RuntimeError(`${what} not allowed on the main thread of an Electron renderer; use ${instead}`, 'ERR_WOULD_BLOCK');
}

/**
 * @internal Throws ERR_WOULD_BLOCK on an Electron renderer's main thread,
 * for a call that always waits (`what`), naming its async twin.
 */
export function checkMayBlock(what: string, instead: string): void {
  if (!mayBlock) throw wouldBlock(what, instead);
}

/**
 * Serves a slow path by blocking the calling thread.
 *
 * The slow path's own code decides what each status means, on every path
 * but one: `Cancelled` (the thread is being torn down). Then the slow path
 * is closed, so its `finally` blocks run, and the thread stops at once:
 * nothing of the user's runs after a cancelled wait. What must outlive the
 * thread happened in native code already (a Condition's lock released, a
 * wake-up or hand-off passed on, a Barrier party's departure counted).
 * The slow path is closed the same way if anything else throws from here.
 */
export function runSync<T>(waiting: Waiting<T>): T {
  const run = new Run(waiting);
  const watch = syncWaitWatch;
  let parkedMs = 0;
  try {
    let step = run.next();
    while (!step.done) {
      const park = step.value;
      let status = early(park);
      if (status === undefined && !mayBlock && !(park.op === Op.Lock && park.critical)) {
        // Refused where it would sleep; the slow path is closed at the park,
        // as for a thread torn down there. A wait that gives a lock up (a
        // Queue's or Barrier's internal Condition) gives it up in native code
        // on every path: here through a park that cannot sleep. One woken
        // meanwhile goes on with its wake-up instead.
        if (park.op !== Op.Condition) throw wouldBlock();
        status = binding.park(park.op, park.words, 0, park.lock);
        if (status === Status.TimedOut) throw wouldBlock();
      }
      if (status === undefined) {
        const left = secondsLeft(park.deadline);
        const since = watch === null ? 0 : performance.now();
        if (park.op === Op.Futex && park.ident !== undefined) status = binding.joinPark(park.ident, left, park.expected);
        else status = binding.park(park.op, park.words, left, extraOf(park));
        if (watch !== null) parkedMs += performance.now() - since;
      }
      if (status === Status.Cancelled) break;
      step = run.next(status);
    }
    if (step.done) return step.value;
  } finally {
    run.close();
    if (parkedMs > 0) watch!(parkedMs);
  }
  return stopThisThread();
}

/**
 * Serves a slow path with async waiters; never blocks the event loop. As
 * {@link runSync}, with one difference in how: the slow path is resumed
 * inside the wake-up itself (the callback native code calls), not in a
 * later microtask, so a woken waiter has retried — taken the lock, or
 * queued again — before control returns to native code. A thread torn down
 * a moment later leaves no wake-up unused.
 */
export function runAsync<T>(waiting: Waiting<T>, signal?: AbortSignal): Promise<T> {
  const run = new Run(waiting);
  return new Promise<T>((resolve, reject) => {
    const advance = (status: Status | undefined): void => {
      try {
        for (;;) {
          if (status === Status.Cancelled) {
            run.close();
            stopThisThread();
          }
          const step = run.next(status);
          if (step.done) {
            resolve(step.value);
            return;
          }
          const now = parkAsync(step.value, signal, advance);
          if (now === undefined) return; // asleep: the wake-up calls advance
          status = now;
        }
      } catch (error) {
        run.close();
        reject(error);
      }
    };
    advance(undefined);
  });
}

/**
 * A slow path being driven: the one place that makes sure it is closed
 * (its `finally` blocks run) however the driving ends.
 */
class Run<T> {
  private ended = false;

  constructor(private readonly waiting: Waiting<T>) {}

  next(status?: Status): IteratorResult<Park, T> {
    let step: IteratorResult<Park, T>;
    try {
      step = this.waiting.next(status as Status);
    } catch (error) {
      this.ended = true; // a generator that threw is closed
      throw error;
    }
    if (step.done) this.ended = true;
    return step;
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.waiting.return(undefined as T);
  }
}

/** What native code takes beside the words: a Condition's lock, or an Event's or a futex's expected value. */
function extraOf(park: Park): Int32Array | number | undefined {
  switch (park.op) {
    case Op.Condition:
      return park.lock;
    case Op.Event:
    case Op.Futex:
      return park.expected;
    default:
      return undefined;
  }
}

/**
 * The one "return early?" rule of both drivers: a park whose deadline has
 * passed, or (async) whose signal is aborted, ends without native code —
 * unless it carries a lock (a Condition's wait): native code releases that
 * lock, so such a park always goes there, however it then ends.
 */
function early(park: Park, signal?: AbortSignal): Status | undefined {
  if (park.op === Op.Condition) return undefined;
  if (park.abortable && signal?.aborted) return Status.Aborted;
  if (secondsLeft(park.deadline) === 0) return Status.TimedOut;
  return undefined;
}

/**
 * Queues an async waiter for `park`. Returns its status if the wait ended
 * at once; otherwise returns undefined and calls `done` exactly once, when
 * native code wakes it, or when its deadline or its signal removes it.
 */
function parkAsync(park: Park, signal: AbortSignal | undefined, done: (status: Status) => void): Status | undefined {
  const now = early(park, signal);
  if (now !== undefined) return now;
  // Holding nothing while it sleeps, the thread leaves its critical
  // section, and enters it again as it wakes (a stop requested meanwhile
  // ends the thread, or makes the wait Cancelled).
  const critical = park.critical === true;
  const back = (status: Status): Status => (critical && enterCritical() ? Status.Cancelled : status);
  let stopTimer: (() => void) | undefined;
  const onAbort = (): void => {
    if (binding.cancelAsync(id)) finish(Status.Aborted);
  };
  // Called by native code when the waiter is woken, or here once it is
  // removed (cancelAsync returned true): once, either way. Native code
  // holds this function and the words while the waiter is queued.
  const finish = (status: Status): void => {
    stopTimer?.();
    if (park.abortable) signal?.removeEventListener('abort', onAbort);
    done(back(status));
  };
  const id =
    park.op === Op.Futex && park.ident !== undefined
      ? binding.joinParkAsync(park.ident, park.expected, finish)
      : binding.parkAsync(park.op, park.words, extraOf(park), finish);
  if (id === 0) return Status.Invalid;
  if (critical) leaveCritical();
  if (park.abortable && signal?.aborted && binding.cancelAsync(id)) return back(Status.Aborted);
  if (park.deadline !== Infinity) {
    stopTimer = atDeadline(park.deadline, () => {
      if (binding.cancelAsync(id)) finish(Status.TimedOut);
    });
  }
  if (park.abortable && signal) signal.addEventListener('abort', onAbort, { once: true });
  return undefined;
}

/**
 * Calls `fn` once `performance.now()` has reached `deadline` (a timer that
 * fires early is set again). Returns how to stop it.
 */
export function atDeadline(deadline: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const ms = deadline - performance.now();
    // setTimeout may fire a fraction of a millisecond early, and it cannot
    // wait longer than MAX_TIMER_MS: a longer wait takes several timers.
    if (ms > 0) timer = setTimeout(arm, Math.min(Math.ceil(ms), MAX_TIMER_MS));
    else fn();
  };
  arm();
  return () => clearTimeout(timer);
}

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

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
export let ident: number = (identSlot[identKey] ??= resolveIdent());

/**
 * @internal This thread's run() has ended and its worker is to run another
 * thread (src/worker.ts): the worker waits from now on as a warm worker
 * whose next thread is `next`. False, and nothing changed, while anything
 * of the ended thread remains in the addon (an async wait, a Barrier
 * party) or a stop has been asked.
 */
export function recycleIdent(next: number): boolean {
  if (!binding.recycleThread(next)) return false;
  ident = identSlot[identKey] = next;
  for (const reset of resets) reset();
  return true;
}

const resets: (() => void)[] = [];

/**
 * @internal Calls `reset` whenever this thread's worker is to run another
 * thread (see recycleIdent), once `ident` is the new thread's: what a
 * module keeps for the thread (a copy of its ident, what it holds) must
 * be the new thread's.
 */
export function onRecycle(reset: () => void): void {
  resets.push(reset);
}

// This thread's control word (native/napi/registry.h): bit 30 is "stop
// requested", the bits below count the critical sections it is in. One
// per thread, shared by every copy of this module loaded in it.
const STOP = binding.constants.stopBit;
const ctlKey = Symbol.for('pthreading.ctl');
const ctlSlot = globalThis as unknown as Record<symbol, Int32Array | undefined>;
const ctl: Int32Array = (ctlSlot[ctlKey] ??= new Int32Array(new SharedArrayBuffer(4)));

// This thread's own state in the addon (its parker, cancel flag, async
// waiters and control word), set up as the runtime loads, before any wait.
// Per thread, not process-wide: each copy of this module loaded in the
// thread registers the same ident and control word.
binding.registerThread(threadId, ident, ctl);

/**
 * Enters a critical section: a stretch in which this thread holds, or is
 * about to take, an internal lock of a pthreading object (a Queue's, a
 * Barrier's, a shared container's) and changes the state it guards.
 * `terminate()` never stops a thread inside one: it stops as it leaves the
 * last. Returns true if a stop is already requested: the caller must then
 * not take the lock, and leave at once. Every enter is paired with one
 * {@link leaveCritical}.
 */
export function enterCritical(): boolean {
  // Sequentially consistent, as the requester's fetch_or: either it sees
  // us inside, or we see its bit.
  return (Atomics.add(ctl, 0, 1) & STOP) !== 0;
}

/** Leaves a critical section; the last one out stops the thread if asked. */
export function leaveCritical(): void {
  if (Atomics.sub(ctl, 0, 1) === (STOP | 1)) stopThisThread();
}

/**
 * Ends this thread now, as `terminate()` would (a worker exits with code
 * 1, Node's code for a terminated worker). Never returns.
 */
export function stopThisThread(): never {
  if (!isMainThread) process.exit(1);
  // The main thread is never cancelled; if it were, give up its wait.
  throw new ThreadExitError();
}

/** Live native counts: queued waiters, this thread's async waiters, threads. */
export function nativeStats(): NativeStats {
  return binding.stats();
}
