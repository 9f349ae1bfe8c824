/**
 * `ThreadPoolExecutor`: Python's `concurrent.futures.ThreadPoolExecutor`,
 * on pthreading threads that stay warm between tasks.
 *
 * The executor lives in the thread that created it. Each pool thread has a
 * MessageChannel to the executor (tasks out, outcomes back) and a cancel
 * word in shared memory that its running task's {@link taskSignal} reads.
 * Threads start on demand, up to `maxWorkers`, and serve until shutdown().
 * A task goes to an idle thread, else to a new one, else - so that busy
 * threads go from task to task without waiting for this thread - to the
 * busy thread with the fewest, up to {@link AHEAD} waiting there, else into
 * the executor's own queue. A task handed to an idle thread is RUNNING
 * from then on; one handed to a busy thread waits for its turn there under
 * a claim word (see QUEUED in futures.ts): its future is PENDING until the
 * pool thread claims it, and until then cancel() takes it back, as
 * Python's cancel() takes a future off the work queue. As from Python's
 * one work queue, tasks start in the order they were submitted (a thread
 * holds back its next task while an older one waits on another thread, and
 * is given that one), and a thread that falls idle is given the oldest task
 * waiting behind a long one elsewhere, so none waits while a thread is free.
 *
 * A task is a function sent as source (like a Thread target: no closures;
 * everything pthreading exports is a global in the pool thread; `require`
 * resolves from the file that created the executor) plus its cloned
 * arguments. Pool threads cache each task's compiled function.
 *
 * Lifetime: shutdown() hands every task still queued here to the pool
 * threads at once (each runs its share in order) and tells each to stop
 * after its last, so they end without this thread's event loop. An executor that becomes unreachable with nothing outstanding
 * is shut down when it is collected, and one whose creating thread ends is
 * shut down then, as Python shuts down an executor nobody can reach.
 */
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort } from 'node:worker_threads';

import { ArgumentTypeError, BrokenThreadPool, RuntimeError, ValueError, describe } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import { CLAIM_WORDS, Future, REVOKED, blockUntil, claimWordOf, completions, drains, queuedFor, settleWhen } from './futures';
import { deadlineAfter } from '../runtime/native';
import { Task, errorFromMessage } from './pool-worker';
import { refuseUnsendable, revive, sharedWords, unsendable } from '../runtime/shared';
import { Thread, callerSites, exiting, inspectFunction, onGone, transferArgs } from '../threads/thread';
import { Placement, freeVariableError } from '../threads/scope';
import { asyncSignal, waitTimeout } from '../runtime/validate';
import { Fifo } from './fifo';

/** Options of {@link ThreadPoolExecutor}, as Python's keyword arguments. */
export interface ExecutorOptions {
  /** The most threads it runs (Python's default: min(32, cores + 4)). */
  maxWorkers?: number | null;
  /** Names its threads `PREFIX_0`, `PREFIX_1`, …; `ThreadPoolExecutor-N` by default. */
  threadNamePrefix?: string;
  /** Runs at the start of each pool thread, with `initargs` (sent as source). */
  initializer?: ((...args: any[]) => unknown) | null; // eslint-disable-line @typescript-eslint/no-explicit-any
  initargs?: readonly unknown[];
}

// Outcome messages from a pool thread (see pool-worker.ts).
type Outcome =
  | { id: number; ok: boolean; value?: unknown; error?: unknown; name?: string; code?: unknown; abrupt?: undefined; skipped?: undefined }
  | { id: number; abrupt: true; skipped?: undefined }
  | { id: number; skipped: true; abrupt?: undefined }
  | { declined: number }
  | { init: false; error: unknown; name?: string; code?: unknown };

/** A task handed to a pool thread, until the thread answers for it. */
interface Handed {
  future: Future;
  id: number;
  /** To hand it out again; its arguments as they were at submit() if it waits under a claim word. */
  task: Task;
  /** Whether it waits for its turn under a claim word (else it is RUNNING). */
  ahead: boolean;
  /** Taken back (to another thread, or cancelled): its answer is a skip. */
  moved: boolean;
}

/** Tasks handed to a busy thread to run next, at most (see the module's comment). */
export const AHEAD = 16;

interface PoolThread {
  thread: Thread;
  port: MessagePort;
  cancelWord: Int32Array;
  /** Its number, in its tasks' claim words. */
  index: number;
  /** The tasks handed to it and not yet answered for. */
  running: Fifo<Handed>;
  /** It holds back its next task because an older one waits on another thread. */
  declined: boolean;
  /** The functions whose source this thread has been sent. */
  known: Set<number>;
  stopping: boolean;
  gone: boolean;
}

const poolWorker = path.join(__dirname, 'pool-worker.js');
let executorCount = 0;

// This thread's executors not yet shut down, to shut down when it ends.
const live = new Set<WeakRef<ThreadPoolExecutor>>();
// Executors with tasks outstanding: their futures must still settle, so they
// stay reachable until then, whoever holds them.
const busy = new Set<ThreadPoolExecutor>();

// A handed task its thread still runs or will run (not taken back).
function owned(handed: Handed): boolean {
  return !handed.moved && !handed.future.done();
}

function stopAll(threads: PoolThread[]): void {
  for (const pool of threads) {
    if (pool.stopping || pool.gone) continue;
    pool.stopping = true;
    pool.port.postMessage({ stop: true });
  }
}

// An executor collected without shutdown(): its threads stop, and nothing
// of it stays behind.
interface Remains {
  threads: PoolThread[];
  ref: WeakRef<ThreadPoolExecutor>;
  drain: () => void;
}
const collected = new FinalizationRegistry<Remains>(({ threads, ref, drain }) => {
  live.delete(ref);
  drains.delete(drain);
  stopAll(threads);
});

/**
 * @internal Shuts down (without waiting) every executor this thread
 * created: called when the thread's run() has ended.
 */
export function shutdownExecutors(): void {
  for (const ref of [...live]) ref.deref()?.shutdown(false);
  live.clear();
}

// What every refusal of a task's data ends with.
const CLONED =
  "A task's arguments are structured-cloned: pass data and pthreading primitives, not functions or " +
  'class instances (rebuild an object in the task from its data)';

// A DataCloneError from sending `args` (reached as `root`), as a TypeError
// that names the path of what could not be cloned.
function cloneError(error: unknown, method: string, args: unknown, root: string): unknown {
  if ((error as Error)?.name !== 'DataCloneError') return error;
  const found = unsendable(args, root, true);
  const what = found ? `${found[0]} is ${found[1]}` : (error as Error).message;
  return new ArgumentTypeError(`${method}: ${what}. ${CLONED}`, 'ERR_DATA_CLONE');
}


/**
 * A pool of threads that run submitted tasks and return {@link Future}s.
 * Use it from the thread that created it.
 *
 * @example
 * using executor = new ThreadPoolExecutor(4);
 * const future = executor.submit((a, b) => a + b, 1, 2);
 * console.log(await future); // 3
 */
export class ThreadPoolExecutor implements Disposable, AsyncDisposable {
  /** The most threads this executor runs. */
  readonly maxWorkers: number;
  private readonly prefix: string;
  private readonly initializer: string | null;
  private readonly initializerPlace: Placement | undefined;
  private readonly initargs: unknown[];
  private readonly creator: string;
  private readonly threads: PoolThread[] = [];
  private queue = new Fifo<{ future: Future; task: Task }>();
  private nextId = 0;
  private spawned = 0;
  private shutdownCalled = false;
  private broken: string | null = null;
  private readonly drain: () => void;
  private readonly self = new WeakRef(this);
  private referenced = false;
  // Each task's function gets a number (its source's index + 1); a pool
  // thread is sent the source once.
  private readonly sources: string[] = [];
  private readonly places: Placement[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly functionsSeen = new WeakMap<object, number>();
  // The claim words of the tasks handed ahead (see QUEUED in futures.ts),
  // and [0] of `low`: the oldest task id that may still wait under one.
  private readonly claims = sharedWords(CLAIM_WORDS);
  private readonly low = sharedWords(1);

  /**
   * @param maxWorkers the most threads to run, or the options object.
   * @param options `{ threadNamePrefix, initializer, initargs }`.
   * @throws ValueError if `maxWorkers` is not positive.
   * @throws TypeError for arguments of the wrong type.
   */
  constructor(maxWorkers?: number | null | ExecutorOptions, options: ExecutorOptions = {}) {
    if (typeof maxWorkers === 'object' && maxWorkers !== null) {
      options = maxWorkers;
      maxWorkers = options.maxWorkers;
    }
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentTypeError(`ThreadPoolExecutor: options must be an object, not ${describe(options)}`);
    }
    if (maxWorkers === undefined || maxWorkers === null) maxWorkers = Math.min(32, os.availableParallelism() + 4);
    if (typeof maxWorkers !== 'number') {
      throw new ArgumentTypeError(`ThreadPoolExecutor: maxWorkers must be an integer, not ${describe(maxWorkers)}`);
    }
    if (!Number.isInteger(maxWorkers)) throw new ValueError(`ThreadPoolExecutor: maxWorkers must be an integer, not ${maxWorkers}`);
    if (maxWorkers <= 0) throw new ValueError('ThreadPoolExecutor: maxWorkers must be greater than 0');
    const { threadNamePrefix = '', initializer = null, initargs = [] } = options;
    if (typeof threadNamePrefix !== 'string') {
      throw new ArgumentTypeError(`ThreadPoolExecutor: threadNamePrefix must be a string, not ${describe(threadNamePrefix)}`);
    }
    if (initializer !== null && typeof initializer !== 'function') {
      throw new ArgumentTypeError(`ThreadPoolExecutor: initializer must be a function, not ${describe(initializer)}`);
    }
    if (!Array.isArray(initargs)) throw new ArgumentTypeError(`ThreadPoolExecutor: initargs must be an array, not ${describe(initargs)}`);
    refuseUnsendable('ThreadPoolExecutor', initargs, 'initargs', CLONED);
    try {
      structuredClone(initargs);
    } catch (error) {
      throw cloneError(error, 'ThreadPoolExecutor', initargs, 'initargs');
    }
    this.maxWorkers = maxWorkers;
    this.prefix = threadNamePrefix || `ThreadPoolExecutor-${executorCount++}`;
    // Functions travel as their own source, whatever their toString does.
    this.initializer = initializer === null ? null : Function.prototype.toString.call(initializer);
    const sites = callerSites();
    if (initializer !== null) {
      const found = inspectFunction(initializer, this.initializer!, sites);
      if (found.missing.length) throw freeVariableError('ThreadPoolExecutor', 'the initializer', 'in initargs', found.missing);
      this.initializerPlace = found.placement;
    }
    this.initargs = [...initargs];
    this.creator = sites[0].file;
    // Listeners reach the executor weakly, so that an executor nobody holds
    // can be collected (and its threads stopped).
    const self = this.self;
    this.drain = () => self.deref()?.drainMessages();
    live.add(self);
    collected.register(this, { threads: this.threads, ref: self, drain: this.drain }, this);
  }

  /**
   * Schedules `fn(...args)` on a pool thread and returns its future. `fn`
   * is sent as source, so it may not close over local variables: pass what
   * it needs in `args`. Inside it, {@link taskSignal} tells it to stop.
   * @throws RuntimeError after shutdown().
   * @throws BrokenThreadPool if the pool can no longer run tasks.
   * @throws TypeError if `fn` is not a function or `args` cannot be cloned.
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    if (typeof fn !== 'function') throw new ArgumentTypeError(`ThreadPoolExecutor.submit: fn must be a function, not ${describe(fn)}`);
    if (this.broken !== null) throw new BrokenThreadPool(this.broken);
    if (this.shutdownCalled) throw new RuntimeError('cannot schedule new futures after shutdown');
    if (exiting()) throw new RuntimeError('cannot schedule new futures after interpreter shutdown', 'ERR_SHUTDOWN');
    refuseUnsendable('ThreadPoolExecutor.submit', args, 'args', CLONED);
    const future = new Future<Awaited<R>>();
    const task: Task = { id: this.newId(), fn: this.functionId(fn), name: fn.name, args, claim: -1 };
    // Tasks queued here go first.
    const pool = this.queue.length ? undefined : (this.idleThread() ?? this.spawn() ?? this.leastBusy());
    if (pool) this.handOver(pool, future, task, true);
    else {
      try {
        structuredClone(args);
      } catch (error) {
        throw cloneError(error, 'ThreadPoolExecutor.submit', args, 'args');
      }
      this.queue.push({ future, task });
    }
    this.refresh();
    return future;
  }

  /**
   * Python's `map(fn, *iterables, timeout)`: submits `fn(a, b, …)` for each
   * tuple of the iterables at once, and returns the results in order. Pass
   * `{ timeout }` (seconds, from this call) as the last argument to bound
   * the wait. Iterate with `for…of` (blocks) or `for await…of` (does not);
   * leaving the loop early cancels the tasks not yet done.
   * @throws TimeoutError from the iteration when the timeout passes.
   */
  map<R>(fn: (...args: any[]) => R, ...iterables: (Iterable<unknown> | { timeout?: number | null })[]): Iterable<Awaited<R>> & AsyncIterable<Awaited<R>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    let timeout: number | null | undefined = null;
    const last = iterables[iterables.length - 1];
    if (iterables.length > 1 && last !== null && typeof last === 'object' && typeof (last as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      timeout = (iterables.pop() as { timeout?: number | null }).timeout;
    }
    const seconds = waitTimeout('ThreadPoolExecutor.map', timeout);
    if (iterables.length === 0) throw new ArgumentTypeError('ThreadPoolExecutor.map: give at least one iterable');
    for (const it of iterables) {
      if (it === null || it === undefined || typeof (it as Iterable<unknown>)[Symbol.iterator] !== 'function') {
        throw new ArgumentTypeError(`ThreadPoolExecutor.map: arguments must be iterables, not ${describe(it)}`);
      }
    }
    const deadline = deadlineAfter(seconds);
    const futures: Future<Awaited<R>>[] = [];
    const iterators = (iterables as Iterable<unknown>[]).map((it) => it[Symbol.iterator]());
    for (;;) {
      const steps = iterators.map((it) => it.next());
      if (steps.some((s) => s.done)) break;
      futures.push(this.submit(fn, ...steps.map((s) => s.value)));
    }
    const left = (): number | null => (deadline === Infinity ? null : Math.max(0, (deadline - performance.now()) / 1000));
    return {
      *[Symbol.iterator](): Iterator<Awaited<R>> {
        try {
          for (const f of futures) yield f.result(left());
        } finally {
          for (const f of futures) f.cancel();
        }
      },
      async *[Symbol.asyncIterator](): AsyncIterator<Awaited<R>> {
        try {
          for (const f of futures) yield await f.resultAsync(left());
        } finally {
          for (const f of futures) f.cancel();
        }
      },
    };
  }

  /**
   * Stops taking tasks and frees the threads once the tasks already
   * submitted are done: the tasks still queued (beyond `maxWorkers`) are
   * handed to the pool threads at once, and each thread ends after its
   * last, whether or not this thread's event loop turns (a blocking
   * `join()` of them returns). With `wait` (default true), blocks until
   * then and until every pool thread has ended. With `cancelFutures`,
   * cancels the tasks still queued first (running ones finish). Calling it
   * again is harmless.
   */
  shutdown(wait = true, cancelFutures = false): void {
    this.beginShutdown('ThreadPoolExecutor.shutdown', wait, cancelFutures);
    if (!wait) return;
    blockUntil(() => this.idle(), Infinity);
    for (const pool of [...this.threads]) pool.thread.join();
  }

  /** As {@link shutdown}, without blocking the event loop. */
  async shutdownAsync(wait = true, cancelFutures = false, options?: AsyncOptions): Promise<void> {
    const signal = asyncSignal('ThreadPoolExecutor.shutdownAsync', options);
    this.beginShutdown('ThreadPoolExecutor.shutdownAsync', wait, cancelFutures);
    if (!wait) return;
    while (!this.idle()) await settleWhen(this.outstanding(), () => this.idle(), Infinity, signal);
    for (const pool of [...this.threads]) await pool.thread.joinAsync(null, { signal });
  }

  /** `using executor = new ThreadPoolExecutor()` shuts it down (waiting) at the end of the block. */
  [Symbol.dispose](): void {
    this.shutdown(true);
  }

  /** `await using` shuts it down without blocking the event loop. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdownAsync(true);
  }

  toString(): string {
    const state = this.broken !== null ? 'broken' : this.shutdownCalled ? 'shut down' : 'running';
    const busy = this.threads.filter((p) => this.busy(p)).length;
    return `<ThreadPoolExecutor(${this.prefix}, ${state}, ${this.threads.length} threads, ${busy} busy, ${this.queue.length} queued)>`;
  }

  private beginShutdown(method: string, wait: unknown, cancelFutures: unknown): void {
    if (typeof wait !== 'boolean') throw new ArgumentTypeError(`${method}: wait must be a boolean, not ${describe(wait)}`);
    if (typeof cancelFutures !== 'boolean') {
      throw new ArgumentTypeError(`${method}: cancelFutures must be a boolean, not ${describe(cancelFutures)}`);
    }
    this.shutdownCalled = true;
    live.delete(this.self);
    if (cancelFutures) {
      const queued = this.queue.drain();
      for (const { future } of queued) future.cancel();
      // And those waiting on a pool thread, not yet started there.
      for (const pool of this.threads) for (const handed of pool.running.items()) if (handed.ahead) handed.future._cancelQueued();
    }
    this.dispatch();
  }

  private functionId(fn: (...args: never[]) => unknown): number {
    let id = this.functionsSeen.get(fn);
    if (id === undefined) {
      // The first time: where the function is written, and whether it uses
      // names its thread cannot see (see scope.ts).
      const source = Function.prototype.toString.call(fn);
      const found = inspectFunction(fn, source, callerSites());
      if (found.missing.length) throw freeVariableError('ThreadPoolExecutor.submit', 'the task', 'to submit() as arguments', found.missing);
      id = this.functionIds.get(source);
      if (id === undefined) {
        this.functionIds.set(source, (id = this.sources.push(source)));
        this.places.push(found.placement);
      }
      this.functionsSeen.set(fn, id);
    }
    return id;
  }

  private newId(): number {
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    return this.nextId;
  }

  // Whether a thread has a task of its own to run or running: not one
  // taken back (cancelled, or moved to another thread), which it only skips.
  private busy(pool: PoolThread): boolean {
    return pool.running.find(owned) !== undefined;
  }

  // Whether a thread can be handed another task.
  private open(pool: PoolThread): boolean {
    return !pool.stopping && !pool.gone && pool.running.length < AHEAD;
  }

  private idleThread(): PoolThread | undefined {
    return this.threads.find((p) => this.open(p) && !this.busy(p));
  }

  // Whether task `id` may have a claim word: the word's last task is
  // answered for by every thread it was sent to.
  private wordFree(id: number): boolean {
    for (const p of this.threads) if (p.running.find((h) => h.ahead && ((id - h.id) | 0) >= CLAIM_WORDS)) return false;
    return true;
  }

  // When every thread is busy and no other can start: the one with the
  // fewest tasks, for its next one.
  private leastBusy(): PoolThread | undefined {
    let best: PoolThread | undefined;
    for (const p of this.threads) if (this.open(p) && (!best || p.running.length < best.running.length)) best = p;
    return best;
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.threads.every((p) => !this.busy(p));
  }

  private outstanding(): Future[] {
    return [...this.queue.items().map((q) => q.future), ...this.threads.flatMap((p) => p.running.items().filter(owned).map((r) => r.future))];
  }

  // Starts a new pool thread if there is room; it takes the task posted
  // to its port once it runs.
  private spawn(): PoolThread | undefined {
    let alive = 0;
    for (const p of this.threads) if (!p.gone) alive++;
    if (alive >= this.maxWorkers) return undefined;
    const { port1, port2 } = new MessageChannel();
    const cancelWord = sharedWords(1);
    const index = this.spawned++;
    const thread = new Thread({
      target: { module: poolWorker, export: 'serve' },
      name: `${this.prefix}_${index}`,
      args: [port2, completions, cancelWord, { claims: this.claims, low: this.low }, this.creator, this.initializer, this.initargs, this.initializerPlace ?? {}],
      daemon: true,
    });
    transferArgs(thread, [port2]);
    const pool: PoolThread = { thread, port: port1, cancelWord, index, running: new Fifo(), known: new Set(), declined: false, stopping: false, gone: false };
    const self = this.self;
    port1.on('message', (m: Outcome) => self.deref()?.onMessage(pool, m));
    if (!this.referenced) port1.unref();
    this.threads.push(pool);
    if (this.threads.length === 1) drains.add(this.drain);
    thread.startAsync().catch((error) => self.deref()?.breakPool(`a pool thread could not start: ${(error as Error)?.message ?? error}`));
    onGone(thread, () => self.deref()?.lose(pool));
    return pool;
  }

  // Hands a task to a thread. A task for a thread with nothing else to run
  // is RUNNING from here on, as are one moved to a thread that fell idle
  // (`now`) and those handed out beyond AHEAD at shutdown; one handed to a
  // busy thread waits there for its turn under a claim word.
  private handOver(pool: PoolThread, future: Future, task: Task, fromSubmit: boolean, now = false): void {
    if (future.done()) return; // cancelled while queued
    const ahead = !now && pool.running.length < AHEAD && this.busy(pool) && this.wordFree(task.id);
    const claim = ahead ? claimWordOf(task.id) : -1;
    const queued = queuedFor(pool.index);
    if (ahead) Atomics.store(this.claims, claim, queued);
    else future._setRunning();
    const first = !pool.known.has(task.fn);
    const sent = { ...task, claim, queued };
    try {
      pool.port.postMessage(first ? { ...sent, source: this.sources[task.fn - 1], place: this.places[task.fn - 1] } : sent);
    } catch (error) {
      if (ahead) Atomics.store(this.claims, claim, REVOKED);
      const typed = cloneError(error, 'ThreadPoolExecutor.submit', task.args, 'args');
      if (fromSubmit) throw typed;
      future._settle(false, typed);
      return;
    }
    if (first) pool.known.add(task.fn);
    if (ahead) future._claim = { words: this.claims, index: claim, queued };
    // A task that may move is sent again as it was at submit(), whatever
    // its arguments have become since.
    const kept = ahead ? { ...task, args: structuredClone(task.args) } : task;
    pool.running.push({ future, id: task.id, task: kept, ahead, moved: false });
    future._stop = () => {
      // The word for a task that never yields, the message for one that does.
      Atomics.store(pool.cancelWord, 0, task.id);
      pool.port.postMessage({ cancel: task.id });
    };
  }

  // Hands queued tasks to idle threads. After shutdown no task can be
  // added, so every queued task is handed out at once, in turns, to the
  // threads (each runs its own in order), and every thread is told to stop
  // after its last: none waits for this thread's event loop to see an
  // outcome or to hand out the next task (pool-worker.ts).
  private dispatch(): void {
    while (this.queue.length && this.broken === null) {
      const pool = this.idleThread() ?? this.spawn() ?? this.leastBusy();
      if (!pool) break;
      const { future, task } = this.queue.shift()!;
      this.handOver(pool, future, task, false);
    }
    if (this.broken === null) this.rebalance();
    if (this.shutdownCalled && this.broken === null) {
      const threads = this.threads.filter((p) => !p.stopping && !p.gone);
      for (let i = 0; this.queue.length && threads.length; i++) {
        const { future, task } = this.queue.shift()!;
        this.handOver(threads[i % threads.length], future, task, false);
      }
    }
    if (this.shutdownCalled && this.queue.length === 0) stopAll(this.threads);
    this.refresh();
  }

  private onMessage(pool: PoolThread, m: Outcome): void {
    if ('init' in m) {
      // The task handed to this thread never ran; the pool is broken, as
      // in Python.
      const message = 'A thread initializer failed, the thread pool is not usable anymore';
      const cause = errorFromMessage(m);
      pool.stopping = true;
      for (const handed of pool.running.drain()) {
        if (owned(handed) && (!handed.ahead || handed.future._revoke())) handed.future._settle(false, new BrokenThreadPool(message, { cause }));
      }
      this.breakPool(message, cause);
      return;
    }
    if ('declined' in m) {
      // An older task waits on another thread: it moves here if it can,
      // else this thread is told to go on (the older one has started).
      pool.declined = true;
      this.dispatch();
      if (pool.declined && !pool.gone) {
        pool.declined = false;
        pool.port.postMessage({ retry: m.declined });
      }
      return;
    }
    // Answers come in the order the thread runs its tasks: by id, and a
    // task moved here is older than the ones waiting here.
    const head = pool.running.peek()?.id === m.id ? pool.running.shift() : pool.running.remove((h) => h.id === m.id);
    if (!head) return;
    const future = head.future;
    if (m.skipped) {
      // Taken back before it ran: its future is cancelled or elsewhere.
    } else if (m.abrupt) {
      pool.gone = true;
      future._settle(false, new BrokenThreadPool('a pool thread ended abruptly while running this task'));
      this.takeBack(pool, true);
    } else future._settle(m.ok, m.ok ? revive(m.value) : errorFromMessage(m as { error: unknown }));
    this.dispatch();
  }

  private drainMessages(): void {
    for (const pool of [...this.threads]) {
      for (let m = receiveMessageOnPort(pool.port); m; m = receiveMessageOnPort(pool.port)) this.onMessage(pool, m.message as Outcome);
    }
  }

  // A pool thread ended (after stop, or abruptly).
  private lose(pool: PoolThread): void {
    this.drainMessages();
    pool.gone = true;
    pool.port.close();
    const i = this.threads.indexOf(pool);
    if (i >= 0) this.threads.splice(i, 1);
    if (this.threads.length === 0) drains.delete(this.drain);
    this.takeBack(pool, false);
    this.dispatch();
  }

  // A thread is ending: the tasks that were waiting there for their turn
  // go back to the front of the queue; the one it was running is lost with
  // it. `unstarted`: it said which one that was (and has answered for it),
  // so none of the rest has started, even those handed out as RUNNING.
  private takeBack(pool: PoolThread, unstarted: boolean): void {
    const back: { future: Future; task: Task }[] = [];
    for (const handed of pool.running.drain()) {
      if (!owned(handed)) continue;
      if (handed.ahead ? handed.future._revoke() : unstarted) {
        handed.future._requeue();
        back.push({ future: handed.future, task: handed.task });
      } else {
        handed.future._settle(false, new BrokenThreadPool('a pool thread ended abruptly while running this task'));
        unstarted = true; // the rest come after the one it ran
      }
    }
    if (back.length) this.queue.unshift(back.sort((a, b) => (a.task.id - b.task.id) | 0));
  }

  // Gives each idle thread, and each that holds back its next task for an
  // older one waiting elsewhere, the oldest task still waiting for its turn
  // on another thread, taken back from there: as from Python's one queue,
  // tasks start in the order they were submitted, and none waits behind a
  // long one while a thread is free.
  private rebalance(): void {
    for (;;) {
      // A thread that has ended leaves room for a new one.
      const idle = this.threads.find((p) => this.open(p) && (p.declined || !this.busy(p))) ?? (this.oldestWaiting() ? this.spawn() : undefined);
      if (!idle) return;
      const oldest = this.oldestWaiting(idle);
      if (!oldest) return;
      if (!oldest.future._revoke()) continue; // its thread has just claimed it
      oldest.moved = true;
      idle.declined = false;
      this.handOver(idle, oldest.future, oldest.task, false, true);
    }
  }

  // The oldest task waiting under its claim word on a thread other than `but`.
  private oldestWaiting(but?: PoolThread): Handed | undefined {
    let oldest: Handed | undefined;
    for (const pool of this.threads) {
      if (pool === but) continue;
      const waiting = pool.running.find((h) => h.ahead && owned(h) && !h.future.running());
      if (waiting && (!oldest || ((waiting.id - oldest.id) | 0) < 0)) oldest = waiting;
    }
    return oldest;
  }

  private breakPool(message: string, cause?: unknown): void {
    if (this.broken !== null) return;
    this.broken = message;
    const queued = this.queue.drain().map((q) => q.future);
    // And the tasks waiting on a pool thread for their turn.
    for (const pool of this.threads) {
      for (const handed of pool.running.items()) {
        if (owned(handed) && handed.ahead && handed.future._revoke()) {
          handed.moved = true;
          queued.push(handed.future);
        }
      }
    }
    for (const future of queued) future._settle(false, new BrokenThreadPool(message, cause === undefined ? undefined : { cause }));
    stopAll(this.threads);
    this.refresh();
  }

  // Ports keep the event loop alive only while tasks are outstanding, and
  // so does the module's hold on the executor (their futures must settle).
  private refresh(): void {
    const outstanding = !this.idle();
    if (outstanding === this.referenced) return;
    this.referenced = outstanding;
    if (outstanding) busy.add(this);
    else busy.delete(this);
    for (const pool of this.threads) {
      if (outstanding) pool.port.ref();
      else pool.port.unref();
    }
  }
}
