/**
 * `Thread`: Python's `threading.Thread`, on a `worker_threads` Worker — a
 * real OS thread with its own JavaScript heap.
 *
 * What runs on the thread is sent there: a function target as its source
 * text (so it may not close over local variables; everything pthreading
 * exports is a global there, and `require` resolves from the file that
 * created the thread), a module target by specifier, and a subclass as the
 * source of its methods plus its instance data. Each function is inspected
 * first (scope.ts): names it cannot see there are refused at start(), and
 * it is compiled where it is written. Arguments are structured-cloned;
 * pthreading primitives among them arrive as the same objects. When run()
 * returns, the thread's fields come back (src/worker.ts) and join() assigns
 * them onto the creating thread's object.
 *
 * Every thread of the process is in one native table (native/core/threads.h), so
 * `currentThread()`, `enumerate()` and `join()` work from any thread.
 */
import path from 'node:path';
import { MessageChannel, MessagePort, TransferListItem, Worker, isMainThread, receiveMessageOnPort, threadId } from 'node:worker_threads';

import { ArgumentTypeError, RuntimeError, ValueError, describe } from '../runtime/errors';
import { AsyncOptions } from '../runtime/guard';
import {
  BOOT_KEY,
  MAIN_IDENT,
  Op,
  Park,
  Status,
  ThreadRow,
  Waiting,
  binding,
  checkMayBlock,
  recycleIdent,
  checkSignal,
  deadlineAfter,
  ident as myIdent,
  runAsync,
  runSync,
  throwIfAborted,
} from '../runtime/native';
import { loggingConfig, type LoggingConfig } from '../logging/logging';
import { refuseForeignIn, registerKind, revive, unsendable } from '../runtime/shared';
import { asyncSignal, checkCount, checkName, waitTimeout } from '../runtime/validate';
import { type Level, levelOf } from './compile';
import { Inspection, Missing, Placement, Site, callerSites, freeVariableError, inspect } from './scope';
export { callerSites } from './scope';

/** A target loaded from a module on the thread: `export` defaults to 'default'. */
export interface ModuleTarget {
  module: string | URL;
  export?: string;
}

/** A function a thread may run. */
export type TargetFunction = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a target may be. */
export type Target = TargetFunction | ModuleTarget;

/** The parameters of `F` but the last (the positional ones, when the last takes `kwargs`). */
export type LeadingParameters<F extends TargetFunction> = Parameters<F> extends [...infer Leading, unknown] ? Leading : Parameters<F>;

/** The last parameter of `F` (where `kwargs` arrive). */
export type LastParameter<F extends TargetFunction> = Parameters<F> extends [...unknown[], infer Last] ? Last : Record<string, unknown>;

/**
 * Python's `Thread(group, target, name, args, kwargs, *, daemon)`. With a
 * function target, `args` are checked against its parameters: all of them,
 * or all but the last when `kwargs` are given (they arrive as the last).
 */
export interface ThreadOptions<F extends TargetFunction = TargetFunction, K extends Record<string, unknown> | null = null> {
  /** The function (sent as source) or module export the thread runs. */
  target?: F | ModuleTarget | null;
  /**
   * The thread's name; `Thread-N` by default, also for an empty name, as in
   * Python. A number is taken as its string (Python's `str(name)`).
   */
  name?: string | number | null;
  /** Whether the thread is a daemon; inherited from the creating thread by default. */
  daemon?: boolean | null;
  /** Positional arguments of the target. */
  args?: Readonly<K extends null ? Parameters<F> : LeadingParameters<F>> | null;
  /** Keyword arguments: passed to the target as one last argument. */
  kwargs?: K & (K extends null ? unknown : LastParameter<F>);
}

/** What `excepthook` receives, as Python's `threading.ExceptHookArgs`. */
export interface ExceptHookArgs {
  excType: string;
  excValue: unknown;
  excTraceback: string | undefined;
  thread: Thread | null;
}

/** The description of what a thread runs, sent in its workerData. */
export interface RunSpec {
  base: 'Thread' | 'Timer';
  /** Each subclass's name and its methods, getters and setters, base-most class first. */
  levels: Level[];
  /** The instance's own data (cloned). */
  state: Record<string, unknown>;
  target: { kind: 'function'; source: string; name: string; place: Placement } | { kind: 'module'; module: string; export: string } | null;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
}

/** The whole workerData of a pthreading thread. */
export interface Boot {
  ident: number;
  spec: RunSpec;
  creator: string;
  logging: LoggingConfig | null;
  excepthook: string | null;
}

interface Local {
  target: Target | ((...args: unknown[]) => unknown) | null;
  /** The frames of the code that created the thread (see scope.ts). */
  sites?: Site[];
  args: unknown[];
  kwargs: Record<string, unknown> | null;
  worker?: Worker;
  /** The words shared with the worker (see Warm workers). */
  words?: Int32Array;
  /** Objects in args to transfer rather than clone (MessagePorts). */
  transfer?: TransferListItem[];
  /** Where the thread sends its fields back when run() returns (see src/worker.ts), until join() took them. */
  results?: MessagePort;
  /** Its fields, once taken off `results` before join() (see reclaim). */
  fields?: Record<string, unknown>;
  /** The warm worker the thread runs on, while it does. */
  spare?: Spare;
  /** Its listeners on the worker, taken off when the worker is handed back. */
  onExit?: () => void;
  onError?: (error: Error) => void;
  /** Called once the thread's worker has exited or was handed back (see onGone). */
  gone?: (() => void)[];
}

/** What claiming a warm worker's row found (native/core/threads.h). */
const enum Claim {
  Gone = 0,
  Claimed = 1,
  NotIdle = 2,
}

// The thread table's calls for warm workers (native/core/threads.h).
const table = binding as typeof binding & {
  reserveThread(ident: number): void;
  claimThread(ident: number, name: string, daemon: boolean, idleOnly: boolean): Claim;
  adoptWorker(parentThreadId: number, childThreadId: number): void;
  forgetWorker(childThreadId: number): void;
};

/** @internal The Worker a started thread runs on (in the thread that started it). */
export function workerOf(thread: Thread): Worker | undefined {
  return locals.get(thread)?.worker;
}

/**
 * @internal Calls `callback` once `thread` has ended and its worker has
 * exited or gone back to the warm workers: nothing of it runs any more.
 * Never, for a thread that was not started.
 */
export function onGone(thread: Thread, callback: () => void): void {
  const local = locals.get(thread);
  if (local?.spare?.thread === thread) (local.gone ??= []).push(callback);
  else if (thread._started) queueMicrotask(callback);
}

// The fields a thread's run() left on its object, sent as it ended, if
// not yet taken (its worker's next message on `results` is its, see reclaim).
function takeResults(local: Local): Record<string, unknown> | undefined {
  if (!local.results) return undefined;
  const message = receiveMessageOnPort(local.results) as { message: { fields: Record<string, unknown> } } | undefined;
  return message?.message.fields;
}

// The thread's worker has exited, or went back to the warm workers: the
// thread is gone from here.
function threadGone(thread: Thread, local: Local): void {
  children.delete(thread);
  if (thread._ident !== null) handles.delete(thread._ident);
  local.worker = undefined;
  local.spare = undefined;
  const gone = local.gone ?? [];
  local.gone = undefined;
  for (const callback of gone) callback();
}

/** @internal Transfers `list` (found in the thread's args) instead of cloning it. */
export function transferArgs(thread: Thread, list: TransferListItem[]): void {
  const local = locals.get(thread);
  if (local) local.transfer = list;
}

// Per-object data that must not travel with a structured clone.
const locals = new WeakMap<Thread, Local>();
// This thread's handles of threads, one per ident, so `t === mainThread()`
// holds. The native table is the truth about every thread (its ident, name,
// daemon flag, state); a handle only refers to a row, and is held weakly,
// except this thread's own, the main thread's and those of the threads this
// thread started (in `children` while they run).
const handles = new Map<number, WeakRef<Thread>>();
let ownHandle: Thread | null = null;
let mainHandle: Thread | null = null;
// Threads started from this thread whose worker has not exited: a thread
// waits for them after its run() (see src/worker.ts).
const children = new Set<Thread>();

let stackBytes = 0;

/**
 * The smallest stack size a thread may have, in bytes. A Worker keeps
 * 192 KiB of its stack for native code and gives V8 the rest; below about
 * 272 KiB a worker cannot even load (measured on Node 20, 22 and 24), so
 * the floor is twice what a thread needs to boot.
 */
export const STACK_SIZE_MIN = 512 * 1024;

/** @internal Whether the process (or this thread) is exiting: nothing may start. */
export function exiting(): boolean {
  return (process as { _exiting?: boolean })._exiting === true;
}

const bootstrap = path.join(__dirname, '..', 'worker.js'); // src/worker.ts

// What in a thread's args, kwargs or instance data cannot be sent as it is
// (see unsendable() in shared.ts), as [path, what].
function unsendableIn(spec: RunSpec, tryClone: boolean): [string, string] | null {
  const found = unsendable(spec.args, 'args', tryClone) ?? unsendable(spec.kwargs, 'kwargs', tryClone);
  if (found) return found;
  // The instance data is tagged as a Thread: look at each field.
  for (const [key, value] of Object.entries(spec.state)) {
    const inField = unsendable(value, `this.${key}`, tryClone);
    if (inField) return inField;
  }
  return null;
}

// What every refusal of a thread's data ends with.
const CLONED =
  'Thread args, kwargs and instance data are structured-cloned: pass data and pthreading primitives, ' +
  'not functions or class instances (rebuild an object in the thread from its data)';

/**
 * A thread of control. Create it with a target, or subclass it and
 * override `run()`; then `start()` it, and `join()` it to wait for its end.
 */
export class Thread<F extends TargetFunction = TargetFunction, K extends Record<string, unknown> | null = null> {
  /** @internal */ readonly _kind: string = 'Thread';
  /** @internal */ _ident: number | null = null;
  /** @internal */ _name: string;
  /** @internal */ _daemon: boolean;
  /** @internal */ _started = false;
  /** @internal */ _nativeId: number | null = null;
  /** @internal */ _creator: string;

  /**
   * @param options `{ target, name, args, kwargs, daemon }`, as Python's
   *   keyword arguments.
   * @throws TypeError for a target that is neither a function nor
   *   `{ module, export }`, or arguments of the wrong type.
   */
  constructor(options: ThreadOptions<F, K> = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ArgumentTypeError(`Thread: options must be an object like { target, args }, not ${describe(options)}`);
    }
    const { target = null, name = null, args = null, kwargs = null, daemon = null } = options;
    if (target !== null && typeof target !== 'function' && !isModuleTarget(target)) {
      throw new ArgumentTypeError(`Thread: target must be a function or { module, export }, not ${describe(target)}`);
    }
    if (args !== null && !Array.isArray(args)) {
      throw new ArgumentTypeError(`Thread: args must be an array, not ${describe(args)}`);
    }
    if (kwargs !== null && (typeof kwargs !== 'object' || Array.isArray(kwargs))) {
      throw new ArgumentTypeError(`Thread: kwargs must be an object, not ${describe(kwargs)}`);
    }
    if (daemon !== null && typeof daemon !== 'boolean') {
      throw new ArgumentTypeError(`Thread: daemon must be a boolean, not ${describe(daemon)}`);
    }
    // Python's `str(name) if name else _newname()`: an empty (or 0) name
    // gets a default name too.
    this._name = name ? checkName('Thread', name) : `Thread-${binding.nextThreadNumber()}`;
    this._daemon = daemon ?? currentThread().daemon;
    const sites = callerSites();
    this._creator = sites[0].file;
    locals.set(this, { target, args: args ? [...(args as readonly unknown[])] : [], kwargs, sites });
  }

  /**
   * Starts the thread: `run()` is called on a new OS thread. As in Python,
   * returns once the thread is running.
   * @throws RuntimeError if called more than once.
   * @throws FreeVariableError (a ReferenceError) if the target or a
   *   subclass's methods use names of the code around them, which their
   *   thread cannot see: the message lists each, with what to do instead.
   * @throws TypeError if the arguments or the instance's data cannot be
   *   sent to a thread (functions, symbols, instances of classes with
   *   methods): the message names the path (`args[1].config`); or if a
   *   subclass's methods use `#private` fields.
   * @throws RuntimeError (`ERR_WOULD_BLOCK`) on the main thread of an
   *   Electron renderer, which must not wait: use {@link startAsync} there.
   */
  start(): void {
    // It waits for the thread to run: refused before anything starts.
    checkMayBlock('Thread.start() waits for the thread to run, which is', 'startAsync()');
    const ident = this.launch();
    runSync(starting(ident));
    this.started(ident);
  }

  /**
   * As {@link start}, but resolves once the thread runs instead of
   * blocking the calling thread until then.
   */
  async startAsync(): Promise<void> {
    const ident = this.launch();
    await runAsync(starting(ident));
    this.started(ident);
  }

  // After the start wait: the thread wrote its native id before it counted
  // as started, so it is there even if the thread has already ended (Python
  // sets native_id before start() returns). No id: the worker ended before
  // the thread ran.
  private started(ident: number): void {
    // Pairs with bootstrap's Atomics.store of NATIVE_ID, made before the
    // thread counted as running (threadRunning), which ended the start wait.
    const nativeId = Atomics.load(locals.get(this)!.words!, NATIVE_ID);
    if (nativeId !== 0) {
      this._nativeId = nativeId;
      return;
    }
    this._started = false;
    this._ident = null;
    throw new RuntimeError(`can't start new thread: its worker ended before the thread ran (ident ${ident})`, 'ERR_THREAD_START');
  }

  // Creates the thread; start() then waits until it runs.
  private launch(): number {
    if (this._started) throw new RuntimeError('threads can only be started once');
    if (exiting()) throw new RuntimeError("can't create new thread at interpreter shutdown", 'ERR_SHUTDOWN');
    const local = locals.get(this) ?? { target: null, args: [], kwargs: null };
    locals.set(this, local);
    const spec = runSpec(this, local, 0);
    refuseForeignIn('Thread.start', spec);
    const unfit = unsendableIn(spec, false);
    if (unfit) throw new ArgumentTypeError(`Thread.start: ${unfit[0]} is ${unfit[1]}. ${CLONED}`, 'ERR_DATA_CLONE');
    // The claimed worker's row is visible from here on, as a starting thread.
    const spare = takeSpare(this._name, this._daemon);
    const ident = spare.ident;
    spec.state._ident = ident;
    const boot: Boot = {
      ident,
      spec,
      creator: this._creator,
      logging: loggingConfig(),
      excepthook: excepthook === defaultExcepthook ? null : String(excepthook),
    };
    try {
      spare.port.postMessage(boot, local.transfer ?? []);
    } catch (error) {
      // The claimed worker is spent: end it and its row.
      binding.threadFinished(ident);
      void spare.worker.terminate();
      if ((error as Error).name === 'DataCloneError') {
        const found = unsendableIn(spec, true);
        const what = found ? `${found[0]} is ${found[1]}` : (error as Error).message;
        throw new ArgumentTypeError(`Thread.start: ${what}. ${CLONED}`, 'ERR_DATA_CLONE');
      }
      throw error;
    }
    // The worker sleeps on this word until its job is posted.
    // Pairs with the warm worker's Atomics.load and native wait on JOB
    // (src/worker.ts): the job was posted to its port before this store.
    Atomics.store(spare.words, JOB, 1);
    binding.wakeFutex(spare.words);
    local.results = spare.results;
    this._ident = ident;
    this._started = true;
    handles.set(ident, new WeakRef(this));
    const worker = spare.worker;
    local.worker = worker;
    local.words = spare.words;
    local.spare = spare;
    spare.thread = this;
    lent.add(spare);
    local.onError = (error) => callExcepthook(error, this);
    local.onExit = () => {
      binding.threadFinished(ident);
      lent.delete(spare);
      spare.thread = null;
      threadGone(this, local);
    };
    worker.on('error', local.onError);
    worker.on('exit', local.onExit);
    children.add(this);
    // The main thread waits for non-daemon threads when its script ends (see
    // the end of the main thread, below), so its workers never hold the
    // process up by themselves: a thread that joins the main thread would
    // then wait for ever. Any other thread keeps its non-daemon threads'
    // workers referenced, so that a plain Worker stays up while they run.
    if (!this._daemon && !isMainThread) worker.ref();
    // Boot replacements when the event loop is next free, so booting does
    // not compete with the thread just started. The first time, boot them
    // now, while this thread starts: a script that never yields to its
    // event loop still gets warm starts for its next threads. A thread
    // other than the main one does that from its second start on: one that
    // starts a single helper and waits (the common shape) boots no workers
    // it will not use, which would cost each a Worker's boot and memory.
    startsHere++;
    // Starts back to back have taken every warm worker: boot the next ones
    // now, beside the thread just started, as no event loop turn may come
    // between two starts.
    if (primed) {
      if (spares.length === 0) fillSpares();
      else scheduleFill();
    } else if (isMainThread || startsHere >= 2) {
      primed = true;
      fillSpares();
    }
    return ident;
  }

  /**
   * What the thread does: calls the target with `args` (and `kwargs` as a
   * last argument, if given). Override it in a subclass; the override is
   * sent to the thread as source.
   */
  run(): unknown {
    const local = locals.get(this);
    const target = local?.target;
    if (typeof target !== 'function') return undefined;
    return target(...local!.args, ...(local!.kwargs ? [local!.kwargs] : []));
  }

  /**
   * Waits until the thread ends, or `timeout` seconds pass (`null`:
   * forever). Returns nothing, as in Python: check `isAlive()` after a
   * timed join. Blocks the calling thread; see {@link joinAsync}.
   *
   * Once the thread has ended, the fields its `run()` stored on `this` (on
   * the thread's copy of the object) are assigned onto this object, so a
   * result stored as `this.result` is here, as Python's `self.result`.
   * @throws RuntimeError before start(), or to join the current thread.
   */
  join(timeout?: number | null): void {
    const seconds = waitTimeout('Thread.join', timeout);
    const ident = this.checkJoin();
    runSync(joining(ident, deadlineAfter(seconds)));
    this.takeFields(ident);
  }

  /** As {@link join} (fields stored by `run()` included), without blocking the event loop. */
  async joinAsync(timeout?: number | null, options?: AsyncOptions): Promise<void> {
    const seconds = waitTimeout('Thread.joinAsync', timeout);
    const signal = asyncSignal('Thread.joinAsync', options);
    const ident = this.checkJoin();
    checkSignal(signal);
    await runAsync(joining(ident, deadlineAfter(seconds)), signal);
    this.takeFields(ident);
  }

  // Once the thread has ended: the fields its run() set on its copy of
  // this object, sent back as it ended (src/worker.ts), are assigned here.
  private takeFields(ident: number): void {
    const local = locals.get(this);
    if (!local || binding.findThread(ident) !== null) return;
    const fields = local.fields ?? takeResults(local);
    local.fields = undefined;
    local.results = undefined;
    if (fields) Object.assign(this, revive(fields));
  }

  private checkJoin(): number {
    if (!this._started || this._ident === null) throw new RuntimeError('cannot join thread before it is started');
    if (this._ident === myIdent) throw new RuntimeError('cannot join current thread');
    return this._ident;
  }

  /** Whether the thread has started and not yet ended. */
  isAlive(): boolean {
    return this._started && this._ident !== null && binding.findThread(this._ident) !== null;
  }

  /**
   * The thread's name: any string, not necessarily unique. Set to a number,
   * it becomes its string, as Python's `str(name)`.
   * @throws TypeError for other types.
   */
  get name(): string {
    if (this._ident !== null) {
      const row = binding.findThread(this._ident);
      if (row) this._name = row.name;
    }
    return this._name;
  }

  set name(name: string) {
    name = checkName('Thread.name', name);
    this._name = name;
    if (this._ident !== null) binding.renameThread(this._ident, name);
  }

  /** Python's old getter for `name`. */
  getName(): string {
    return this.name;
  }

  /** Python's old setter for `name`. */
  setName(name: string): void {
    this.name = name;
  }

  /** The thread's identifier, or null before start(). */
  get ident(): number | null {
    return this._ident;
  }

  /** The OS thread id (Linux TID), or null until the thread runs. */
  get nativeId(): number | null {
    if (this._nativeId === null && this._ident !== null) this._nativeId = binding.findThread(this._ident)?.nativeId || null;
    return this._nativeId;
  }

  /**
   * Whether this is a daemon thread: daemon threads do not keep the process
   * alive and are stopped when it exits. Set it before start().
   */
  get daemon(): boolean {
    return this._daemon;
  }

  set daemon(daemon: boolean) {
    if (typeof daemon !== 'boolean') throw new ArgumentTypeError(`Thread.daemon must be a boolean, not ${describe(daemon)}`);
    if (this._started) throw new RuntimeError('cannot set daemon status of active thread');
    this._daemon = daemon;
  }

  /** Python's old getter for `daemon`. */
  isDaemon(): boolean {
    return this.daemon;
  }

  /** Python's old setter for `daemon`. */
  setDaemon(daemon: boolean): void {
    this.daemon = daemon;
  }

  toString(): string {
    const status = !this._started ? 'initial' : this.isAlive() ? 'started' : 'stopped';
    return `<${this.constructor.name}(${this.name}, ${status}${this._daemon ? ' daemon' : ''} ${this._ident ?? ''})>`.replace(' )', ')');
  }
}

registerKind('Thread', Thread.prototype, { shared: false });

function isModuleTarget(value: unknown): value is ModuleTarget {
  if (typeof value !== 'object' || value === null) return false;
  const m = (value as ModuleTarget).module;
  return typeof m === 'string' || m instanceof URL;
}

// ---------------------------------------------------------------------------
// Warm workers. A Worker takes tens of milliseconds to boot; so that start()
// does not, each thread that starts threads keeps a few booted workers
// waiting (asleep in a native wait, unref'd, invisible to enumerate()).
// start() posts its job to one and wakes it, then boots a replacement.
// A worker whose thread has ended comes back (src/worker.ts): once its
// run() has returned and the threads it started have ended, if nothing of
// the thread's is left on its event loop (timers, sockets, async waits),
// it waits as a warm worker again, reserved for a new ident, and the
// thread that started it takes it back (reclaim) for its next start().
// Its module caches and globals carry over, as Python's modules are shared
// by all threads; the new thread's identity, local() values and hooks are
// new (recycle, below).

/** A booted worker waiting for its thread, or lent to one. */
interface Spare {
  worker: Worker;
  /** The ident of the thread it runs, or, once that has ended, of its next one. */
  ident: number;
  port: MessagePort;
  /** Where each thread it runs sends its fields as it ends (see takeResults). */
  results: MessagePort;
  words: Int32Array;
  stackBytes: number;
  /** The thread it runs, until that thread's end is seen here. */
  thread: Thread | null;
}

/** What a waiting worker finds in its workerData. */
export interface SpareBoot {
  ident: number;
  spare: { port: MessagePort; results: MessagePort; words: Int32Array; keep: Int32Array };
}

/** What a returned worker posts to the thread that started it. */
export const RETURNED = 'returned';

/** @internal The words a warm worker shares with the thread that starts it. */
export const JOB = 0; // 0 until start() has posted the job; the worker sleeps on it (a native futex wait)
/** @internal */
export const NATIVE_ID = 1; // the thread's OS id, written by the thread before it counts as started
/** @internal */
export const NEXT = 2; // 0 while a thread runs; once it has ended and the worker waits again, the next ident
const SPARE_WORDS = 3;

const SPARES_DEFAULT = 2;
let spareCount = SPARES_DEFAULT;
// How many warm workers this thread keeps, shared with the workers it
// lends: one whose thread ends while this thread keeps none (it has
// ended, or setSpareThreads(0)) ends too, instead of waiting here for a
// reclaim that may never come (see handBack in src/worker.ts).
const keep = new Int32Array(new SharedArrayBuffer(4));
function setSpareCount(count: number): void {
  spareCount = count;
  Atomics.store(keep, 0, count);
}
setSpareCount(SPARES_DEFAULT);
const spares: Spare[] = [];
// The warm workers lent to threads started here, while they run.
const lent = new Set<Spare>();

// Boots a warm worker. Its row in the thread table is reserved first, so
// that the worker's teardown, whenever it comes, removes it (threads.h),
// and a start() waiting on the row wakes and fails. That needs the worker
// to have loaded pthreading (which registers its teardown): a worker that
// Node fails to even boot is seen only through its exit event, which
// startAsync() receives but a blocking start() cannot, so stackSize()
// refuses the sizes with which a worker cannot boot.
// The worker waits for its job in a native wait, which Worker#terminate(),
// the end of the thread that owns it and the process's exit cancel: a warm
// worker never holds up anybody's exit.
function spawnSpare(): Spare {
  const ident = binding.nextIdent();
  const { port1, port2 } = new MessageChannel();
  const results = new MessageChannel();
  const words = new Int32Array(new SharedArrayBuffer(SPARE_WORDS * 4));
  table.reserveThread(ident);
  let worker: Worker;
  try {
    worker = new Worker(bootstrap, {
      workerData: { [BOOT_KEY]: { ident, spare: { port: port2, results: results.port2, words, keep } } satisfies SpareBoot },
      transferList: [port2, results.port2],
      stdout: false,
      stderr: false,
      ...(stackBytes ? { resourceLimits: { stackSizeMb: stackBytes / 2 ** 20 } } : {}),
    });
  } catch (error) {
    binding.threadFinished(ident);
    port1.close();
    results.port1.close();
    throw new RuntimeError(`can't start new thread: ${(error as Error)?.message ?? error}`, 'ERR_THREAD_START', { cause: error });
  }
  // Terminating this thread cancels the worker's waits too (threads.h).
  const workerId = worker.threadId;
  table.adoptWorker(threadId, workerId);
  worker.unref();
  results.port1.unref();
  const spare: Spare = { worker, ident, port: port1, results: results.port1, words, stackBytes, thread: null };
  port1.on('message', () => reclaim(spare));
  port1.unref();
  // A spare that fails to boot is dropped (and so is its row).
  const drop = (): void => {
    const i = spares.indexOf(spare);
    if (i >= 0) spares.splice(i, 1);
  };
  worker.once('error', drop);
  worker.once('exit', () => {
    drop();
    lent.delete(spare);
    binding.threadFinished(spare.ident);
    table.forgetWorker(workerId);
  });
  return spare;
}

// Takes back a lent worker whose thread has ended and that waits again
// (see src/worker.ts): its thread is gone from here, and the worker is a
// warm one again, first in line (its caches are the warmest), or ends if
// this thread keeps no more. Called when its message arrives, and before
// a start() looks for a warm worker (a loop of start() and join() never
// lets the message in). A worker reclaimed already, or lent again since,
// is left as it is.
function reclaim(spare: Spare): void {
  // Pairs with the worker's Atomics.store of NEXT, made once its row for
  // the next thread was reserved and idle.
  const next = Atomics.load(spare.words, NEXT);
  const thread = spare.thread;
  if (next === 0 || thread === null) return;
  spare.thread = null;
  lent.delete(spare);
  const local = locals.get(thread)!;
  // Its fields are the port's only message: take them now, before the
  // worker's next thread can send its own.
  local.fields = takeResults(local);
  local.results = undefined;
  spare.worker.off('exit', local.onExit!);
  spare.worker.off('error', local.onError!);
  spare.ident = next;
  threadGone(thread, local);
  if (spareCount === 0 || spare.stackBytes !== stackBytes || exiting()) {
    endWorker(spare.worker);
    return;
  }
  spare.worker.unref();
  spares.unshift(spare);
  while (spares.length > spareCount) endWorker(spares.pop()!.worker);
}

function reclaimEnded(): void {
  for (const spare of lent) reclaim(spare);
}

// A warm worker for a thread named `name`, its row claimed: a booted one
// if there is one, else one still booting, else a new one. A worker that
// has died is skipped even before its exit event arrives: its row is gone
// (or, for one that died before loading pthreading, was never marked idle,
// so it is only taken when no booted worker is left).
function takeSpare(name: string, daemon: boolean): Spare {
  reclaimEnded();
  for (const idleOnly of [true, false]) {
    for (let i = 0; i < spares.length; ) {
      const spare = spares[i];
      const claim = spare.stackBytes === stackBytes ? table.claimThread(spare.ident, name, daemon, idleOnly) : Claim.Gone;
      if (claim === Claim.NotIdle) {
        i++;
        continue;
      }
      spares.splice(i, 1);
      if (claim === Claim.Claimed) return lend(spare);
      void spare.worker.terminate();
    }
  }
  const spare = spawnSpare();
  if (table.claimThread(spare.ident, name, daemon, false) === Claim.Claimed) return lend(spare);
  void spare.worker.terminate();
  throw new RuntimeError("can't start new thread: its worker ended at once", 'ERR_THREAD_START');
}

// A claimed worker, about to be handed its job.
function lend(spare: Spare): Spare {
  // Read by reclaim() on this thread only; the worker writes NEXT only
  // once the job it is handed now has ended.
  Atomics.store(spare.words, NEXT, 0);
  Atomics.store(spare.words, NATIVE_ID, 0);
  return spare;
}

function fillSpares(): void {
  try {
    while (spares.length < spareCount && !exiting()) spares.push(spawnSpare());
  } catch {
    // No worker could be booted now; the next start() boots its own and
    // reports why if that fails too.
  }
}

let primed = false;
let startsHere = 0;
let fillScheduled = false;

/** @internal How many warm workers this thread keeps booted now (for tests). */
export function warmWorkerCount(): number {
  return spares.length;
}

function scheduleFill(): void {
  if (fillScheduled) return;
  fillScheduled = true;
  setImmediate(() => {
    fillScheduled = false;
    fillSpares();
  }).unref();
}

/**
 * How many booted workers each thread keeps ready for start() (default 2;
 * 0 turns warm starts off). Returns the previous value. The main thread
 * boots them at its first start(), any other thread at its second.
 */
export function setSpareThreads(count: number): number {
  checkCount('setSpareThreads', 'count', count, 0, 64);
  const previous = spareCount;
  setSpareCount(count);
  while (spares.length > count) void spares.pop()!.worker.terminate();
  return previous;
}

/**
 * @internal The end of a thread's run(): it starts nothing more, so its
 * warm workers go, and it resolves once every thread it started has ended
 * (a Worker's Workers end with it; Python's threads outlive the thread that
 * started them).
 */
export async function retire(): Promise<void> {
  setSpareCount(0);
  while (spares.length) endWorker(spares.pop()!.worker);
  reclaimEnded();
  for (let live = [...children]; live.length; live = [...children]) {
    await Promise.all(
      live.map((t) => {
        locals.get(t)!.worker!.ref(); // a daemon's worker too: this thread lives on for it
        return new Promise<void>((resolve) => onGone(t, resolve));
      }),
    );
  }
  // Once they have gone, this worker's event loop holds nothing of them
  // (see handBack in src/worker.ts).
  await Promise.all(ending);
}

// Workers being terminated by this thread.
const ending = new Set<Promise<number>>();

function endWorker(worker: Worker): void {
  const done = worker.terminate();
  ending.add(done);
  const forget = (): boolean => ending.delete(done);
  done.then(forget, forget);
}

/**
 * @internal On a worker whose thread has ended (src/worker.ts), after
 * {@link retire}: what was that thread's here is forgotten, as if the
 * worker were new (its handle, its hooks, its settings for the threads it
 * starts). False if the worker cannot run another thread (see
 * recycleIdent).
 */
export function recycle(next: number): boolean {
  if (!recycleIdent(next)) return false;
  ownHandle = null;
  handles.clear();
  setSpareCount(SPARES_DEFAULT);
  primed = false;
  startsHere = 0;
  stackBytes = 0;
  excepthook = defaultExcepthook;
  return true;
}

/**
 * @internal When a thread other than the main one exits some other way
 * (process.exit() in a target, or a plain Worker's end), the workers it
 * started end with it: their native waits are cancelled first, or Node's
 * wait for them never returns. (The main thread cancels every thread's
 * waits at exit.) Run from process 'exit' in a worker: src/install.ts.
 */
export function endChildren(): void {
  for (const spare of spares) void spare.worker.terminate();
  for (const t of children) {
    const worker = locals.get(t)?.worker;
    if (worker) void worker.terminate();
  }
}

/**
 * @internal The end of the main thread. As in Python, the main thread
 * counts as stopped once its script has ended (here: once its event loop
 * has nothing left to do), and the process then waits for every non-daemon
 * thread, whichever thread started it. Threads' workers are unreferenced,
 * so this is what keeps the process up for them. Run from process
 * 'beforeExit' in the main thread: src/install.ts.
 */
export function mainScriptEnded(): void {
  if (binding.findThread(MAIN_IDENT)) binding.threadFinished(MAIN_IDENT);
  const rows = binding.listThreads().filter((row) => !row.daemon && !row.dummy);
  for (const row of rows) handleFor(row).joinAsync().catch(() => undefined);
}

// Thread states in the native table (native/core/threads.h).
const STARTING = 0;
const RUNNING = 1;

// The start wait: sleep on the thread's row while it is starting. The park
// carries the state seen here, so a start in between is never slept through.
function* starting(ident: number): Waiting<void> {
  const park: Park = { op: Op.Futex, words: joinWords, ident, expected: STARTING, deadline: Infinity, abortable: false };
  for (let row = binding.findThread(ident); row && !row.running; row = binding.findThread(ident)) yield park;
}

// The join wait: sleep on the thread's row until it finishes.
function* joining(ident: number, deadline: number): Waiting<void> {
  for (let row = binding.findThread(ident); row !== null; row = binding.findThread(ident)) {
    const status: Status = yield { op: Op.Futex, words: joinWords, ident, expected: row.running ? RUNNING : STARTING, deadline, abortable: true };
    if (status === Status.TimedOut) return;
    throwIfAborted(status);
  }
}
const joinWords = new Int32Array(1);

// The library's own classes a subclass may extend (rebuilt on the thread).
const bases = new Map<object, RunSpec['base']>([[Thread.prototype, 'Thread']]);

/** @internal Registers a library subclass of Thread (Timer). */
export function registerBase(prototype: object, base: RunSpec['base']): void {
  bases.set(prototype, base);
}

// What the thread runs. Every function in it is sent as source: each is
// inspected (scope.ts) for where it is written and the names it uses, and
// the names none of them can see are refused at once, in one error.
function runSpec(thread: Thread, local: Local, ident: number): RunSpec {
  const sites = local.sites ?? [];
  const missing: Missing[] = [];
  const privates = new Set<string>();
  const inspected = (fn: object, source: string): Inspection => {
    const found = inspectFunction(fn, source, sites);
    missing.push(...found.missing);
    for (const p of found.privates) privates.add(p);
    return found;
  };
  const levels: RunSpec['levels'] = [];
  let proto = Object.getPrototypeOf(thread) as object;
  while (!bases.has(proto)) {
    levels.unshift(levelOf(proto, (fn, source) => inspected(fn, source).placement));
    proto = Object.getPrototypeOf(proto);
    if (proto === null) throw new RuntimeError('Thread.start: not a Thread');
  }
  const state: Record<string, unknown> = {};
  for (const key of Object.keys(thread)) state[key] = (thread as unknown as Record<string, unknown>)[key];
  state._started = true;
  state._ident = ident;
  const target = local.target;
  let spec: RunSpec['target'] = null;
  if (typeof target === 'function') {
    const source = String(target);
    spec = { kind: 'function', source, name: target.name, place: inspected(target, source).placement };
  } else if (target) {
    const m = target.module;
    spec = { kind: 'module', module: m instanceof URL ? m.href : m, export: target.export ?? 'default' };
  }
  if (privates.size) {
    throw new ArgumentTypeError(
      `Thread.start: ${thread.constructor.name} uses private fields (${[...privates].join(', ')}), which cannot reach its ` +
        'thread: the methods of a Thread subclass are sent as source text and its fields as data, and a ' +
        "class's #private fields are neither. Use ordinary fields (this._name) instead",
      'ERR_PRIVATE_FIELDS',
    );
  }
  if (missing.length) {
    const what = typeof target === 'function' && levels.length === 0 ? 'the target' : `${thread.constructor.name}`;
    throw freeVariableError('Thread.start', what, 'in args (or kwargs)', missing);
  }
  return { base: bases.get(proto)!, levels, state, target: spec, args: local.args, kwargs: local.kwargs };
}

// Inspections of functions already sent, by function and call site: the
// same target started again costs a lookup.
const inspections = new WeakMap<object, { site: Site | undefined; inspection: Inspection }>();

/** @internal Inspects a function sent as source from `sites` (see scope.ts), cached. */
export function inspectFunction(fn: object, source: string, sites: Site[]): Inspection {
  const known = inspections.get(fn);
  if (known && known.site?.file === sites[0]?.file && known.site?.line === sites[0]?.line) return known.inspection;
  const inspection = inspect(source, sites);
  inspections.set(fn, { site: sites[0], inspection });
  return inspection;
}

// The file that created a thread: `require` and `import()` in its target
// resolve from there.
/** @internal The file of the first caller outside this library. */
export function creatorFile(): string {
  return callerSites()[0].file;
}

// ---------------------------------------------------------------------------
// The threading module's functions.

function handleFor(row: ThreadRow): Thread {
  let t = handles.get(row.ident)?.deref();
  if (!t) {
    t = Object.create(Thread.prototype) as Thread;
    Object.assign(t, {
      _kind: 'Thread',
      _ident: row.ident,
      _name: row.name,
      _daemon: row.daemon,
      _started: true,
      _nativeId: row.nativeId || null,
      _creator: '',
    });
    handles.set(row.ident, new WeakRef(t));
    if (handles.size >= pruneAt) pruneHandles();
  } else {
    t._name = row.name;
  }
  return t;
}

// Handles of threads that have ended are dropped once the map has doubled
// since it was last pruned, so a long-running thread that keeps looking at
// short threads others start does not keep them all: amortized O(1).
let pruneAt = 64;
function pruneHandles(): void {
  for (const [id, ref] of handles) {
    if (ref.deref() === undefined || (id !== myIdent && id !== MAIN_IDENT && binding.findThread(id) === null)) handles.delete(id);
  }
  pruneAt = Math.max(64, handles.size * 2);
}

/** @internal How many thread handles this thread keeps (tests). */
export function handleCount(): number {
  let live = 0;
  for (const ref of handles.values()) if (ref.deref()) live++;
  return live;
}

/** @internal The worker entry (src/worker.ts) sets what a rebuilt Thread runs. */
export function setLocal(t: Thread, local: Local): void {
  locals.set(t, local);
}

/** @internal Makes `t` the handle of this thread (the thread's own object). */
export function adoptCurrent(t: Thread): void {
  ownHandle = t;
  handles.set(myIdent, new WeakRef(t));
}

/**
 * The Thread object of the calling thread. For a thread not started by
 * pthreading (a raw Worker), a daemon "dummy" thread named `Dummy-N`.
 */
export function currentThread(): Thread {
  if (ownHandle) return ownHandle;
  const row = binding.findThread(myIdent) ?? { ident: myIdent, name: 'MainThread', daemon: false, dummy: true, nativeId: 0, running: true };
  return (ownHandle = handleFor(row));
}

/** The main thread's Thread object, from any thread. */
export function mainThread(): Thread {
  const row = binding.findThread(MAIN_IDENT) ?? { ident: MAIN_IDENT, name: 'MainThread', daemon: false, dummy: true, nativeId: 0, running: true };
  const t = handleFor(row);
  mainHandle ??= t;
  return t;
}

/**
 * Every thread alive in the process, from whichever thread asks. As in
 * Python, the main thread stays listed until the process ends, also once
 * its script has ended (when it counts as stopped for join()).
 */
export function enumerate(): Thread[] {
  const rows = binding.listThreads();
  const threads = rows.map(handleFor);
  if (!rows.some((row) => row.ident === MAIN_IDENT)) threads.unshift(mainThread());
  return threads;
}

/** How many threads are alive: `enumerate().length`. */
export function activeCount(): number {
  const rows = binding.listThreads();
  return rows.length + (rows.some((row) => row.ident === MAIN_IDENT) ? 0 : 1);
}

/** The calling thread's ident (Python's `get_ident()`). */
export function getIdent(): number {
  return myIdent;
}

/** The calling thread's OS thread id (Linux TID). */
export function getNativeId(): number {
  return binding.nativeThreadId();
}

/**
 * The stack size of threads created from now on, in bytes (0: the
 * default, 4 MiB). With an argument, sets it and returns the previous
 * value. A size the system cannot give makes `start()` throw.
 * @throws ValueError for a size other than 0 below 512 KiB (a Worker
 *   needs far more stack than a Python thread's 32 KiB).
 */
export function stackSize(size?: number): number {
  const previous = stackBytes;
  if (size !== undefined) {
    checkCount('stackSize', 'size', size, 0, Number.MAX_SAFE_INTEGER);
    if (size !== 0 && size < STACK_SIZE_MIN) {
      throw new ValueError(`size not valid: ${size} bytes (the minimum is ${STACK_SIZE_MIN} bytes, ${STACK_SIZE_MIN / 1024} KiB)`);
    }
    stackBytes = size;
  }
  return previous;
}

// ---------------------------------------------------------------------------
// excepthook

function writeErr(text: string): void {
  process.stderr.write(text);
}

/** The default hook: `Exception in thread NAME:` and the stack, to stderr. */
export function defaultExcepthook(args: ExceptHookArgs): void {
  const name = args.thread ? args.thread.name : String(getIdent());
  const value = args.excValue as { stack?: string } | undefined;
  writeErr(`Exception in thread ${name}:\n${args.excTraceback ?? value?.stack ?? String(args.excValue)}\n`);
}

let excepthook: (args: ExceptHookArgs) => void = defaultExcepthook;

/**
 * Replaces the hook called with an error that escapes a thread's run().
 * Threads started afterwards get it as source text (so, like a target, it
 * must be self-contained); it runs on the failing thread.
 */
export function setExcepthook(hook: ((args: ExceptHookArgs) => void) | null): void {
  if (hook !== null && typeof hook !== 'function') {
    throw new ArgumentTypeError(`setExcepthook: hook must be a function, not ${describe(hook)}`);
  }
  excepthook = hook ?? defaultExcepthook;
}

/** The current excepthook. */
export function getExcepthook(): (args: ExceptHookArgs) => void {
  return excepthook;
}

/** @internal Reports an error that escaped `thread`'s run(). */
export function callExcepthook(error: unknown, thread: Thread | null): void {
  const args: ExceptHookArgs = {
    excType: (error as Error)?.constructor?.name ?? typeof error,
    excValue: error,
    excTraceback: (error as Error)?.stack,
    thread,
  };
  try {
    excepthook(args);
  } catch (hookError) {
    writeErr('Exception in threading.excepthook:\n');
    defaultExcepthook({ ...args, excValue: hookError, excTraceback: (hookError as Error)?.stack });
  }
}
