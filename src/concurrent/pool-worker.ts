/**
 * What a ThreadPoolExecutor's thread runs: it takes tasks from its port,
 * one at a time, and posts each outcome back, then bumps the submitting
 * thread's completion word so a blocking wait there wakes up.
 *
 * Messages in: `{ id, fn, source?, name, args, claim, queued }` (a task;
 * the source of function `fn` comes with its first task on this thread;
 * `claim` is the index of its claim word, or -1, and `queued` the word's
 * value while it waits here), `{ cancel: id }`, `{ retry: id }` (run task
 * `id` now), `{ stop: true }` (end once the tasks handed over, if any, have
 * answered). Tasks run one at a time, by id (a task moved here from a
 * busy thread is older than those waiting here). One with a claim word runs
 * only if this thread claims it (queued -> CLAIMED) before the executor
 * takes it back, and only once no older task waits under its word on
 * another thread: else this thread holds it back and says
 * `{ declined: id }`, and the executor moves the older one here or answers
 * `{ retry: id }` - as from Python's one queue, tasks start in the order
 * they were submitted. Messages out, one per task: `{ id, ok, value |
 * error }`, `{ id, skipped: true }` (taken back), `{ id, abrupt: true }`
 * (the thread is ending in the middle of it); and `{ init: false, error }`
 * (the initializer failed).
 */
import type { MessagePort } from 'node:worker_threads';

import { compileFunction, explain } from '../threads/compile';
import type { Placement } from '../threads/scope';
import { CancelledError, RuntimeError } from '../runtime/errors';
import * as errors from '../runtime/errors';
import { binding } from '../runtime/native';
import { revive } from '../runtime/shared';
import { Fifo } from './fifo';
import { CLAIMED, CLAIM_WORDS, QUEUED, claimWordOf } from './futures';

/** A task message. */
export interface Task {
  id: number;
  /** The function's number in its executor; its source comes the first time. */
  fn: number;
  source?: string;
  /** Where the function is written, with its source (see scope.ts). */
  place?: Placement;
  name: string;
  args: unknown[];
  /** The index of its claim word, or -1 (see QUEUED). */
  claim: number;
  /** The claim word's value while it waits on the thread it is sent to. */
  queued?: number;
}

/** The executor's claim words, shared by its threads (see QUEUED). */
export interface Claims {
  claims: Int32Array;
  /** [0]: the oldest task id that may still wait under a claim word. */
  low: Int32Array;
}

/**
 * Whether a task older than `id` still waits under its claim word (on
 * another thread). Each task's word is set before the task is sent, so
 * every older one is seen; a word that has left QUEUED never returns to
 * it, so `low` moves past those for the next look.
 */
function olderWaits({ claims, low }: Claims, id: number): boolean {
  let from = Atomics.load(low, 0);
  const span = (id - from) | 0;
  if (span <= 0) return false;
  if (span >= CLAIM_WORDS) from = (id - CLAIM_WORDS + 1) | 0; // older words are answered for
  let to = id;
  for (let i = from; i !== id; i = (i + 1) | 0) {
    if ((Atomics.load(claims, claimWordOf(i)) & 3) === QUEUED) {
      to = i;
      break;
    }
  }
  for (let seen = Atomics.load(low, 0); ((to - seen) | 0) > 0; seen = Atomics.load(low, 0)) {
    if (Atomics.compareExchange(low, 0, seen, to) === seen) break;
  }
  return to !== id;
}

interface Running {
  id: number;
  /** Made when the task first asks for it (most never do). */
  signal: AbortSignal | null;
  /** Aborts the signal, if made, if the task's cancel word says so. */
  look(): void;
}

let current: Running | null = null;

/**
 * The cancellation signal of the task running on this thread, for a task
 * of a {@link ThreadPoolExecutor}: it is aborted once the task's future is
 * `cancel()`ed. `signal.aborted` and `signal.throwIfAborted()` see the
 * cancel at once, even in a task that never yields to its event loop;
 * 'abort' listeners fire when the thread's event loop turns, or at the
 * first look at `aborted`.
 * @throws RuntimeError when called outside such a task.
 */
export function taskSignal(): AbortSignal {
  if (!current) throw new RuntimeError('taskSignal() is only available inside a task of a ThreadPoolExecutor');
  if (!current.signal) current.signal = signalFor(current.id, cancelWordOf, current);
  return current.signal;
}

const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

// This thread's cancel word (set by serve()).
let cancelWordOf: Int32Array = new Int32Array(1);

// A signal that also reads the cancel word, so a synchronous loop that
// checks `signal.aborted` sees a cancel() without waiting for a message.
// It sets `running.look` to what aborts it; a cancel already in the word
// aborts it at once.
function signalFor(id: number, cancelWord: Int32Array, running: Running): AbortSignal {
  const controller = new AbortController();
  const signal = controller.signal;
  const look = (): void => {
    if (!abortedOf.call(signal) && Atomics.load(cancelWord, 0) === id) controller.abort(new CancelledError('the task was cancelled'));
  };
  Object.defineProperty(signal, 'aborted', {
    get: () => (look(), abortedOf.call(signal) as boolean),
  });
  Object.defineProperty(signal, 'throwIfAborted', {
    value: () => {
      look();
      AbortSignal.prototype.throwIfAborted.call(signal);
    },
  });
  running.look = look;
  look();
  return signal;
}

/** An error as a message: keeps its class name and `code` through the clone. */
function errorMessage(error: unknown): { error: unknown; name?: string; code?: unknown } {
  if (!(error instanceof Error)) return { error };
  return { error, name: error.name, code: (error as { code?: unknown }).code };
}

/** @internal Turns an error message back into an error, of its class if it is pthreading's. */
export function errorFromMessage(m: { error: unknown; name?: string; code?: unknown }): unknown {
  const error = m.error;
  if (!(error instanceof Error) || m.name === undefined) return error;
  const cls = (errors as Record<string, unknown>)[m.name];
  if (typeof cls === 'function' && cls.prototype instanceof Error) Object.setPrototypeOf(error, cls.prototype);
  if (error.name !== m.name) Object.defineProperty(error, 'name', { value: m.name, configurable: true, writable: true });
  if (m.code !== undefined) Object.defineProperty(error, 'code', { value: m.code, configurable: true, writable: true, enumerable: true });
  return error;
}

/**
 * @internal The pool thread's target. Resolves (and the thread ends) on
 * `{ stop: true }`, or at once if the initializer fails.
 */
export function serve(
  port: MessagePort,
  completions: Int32Array,
  cancelWord: Int32Array,
  order: Claims,
  creator: string,
  initializer: string | null,
  initargs: unknown[],
  initializerPlace: Placement = {},
): Promise<void> {
  cancelWordOf = cancelWord;
  const post = (message: Record<string, unknown>): void => {
    try {
      port.postMessage(message);
    } catch (error) {
      // A result that cannot be cloned becomes the task's error.
      port.postMessage({
        id: message.id,
        ok: false,
        ...errorMessage(new errors.ArgumentTypeError(`the task's result cannot be sent back to the submitting thread: ${(error as Error).message}`)),
      });
    }
    Atomics.add(completions, 0, 1);
    if (Atomics.load(completions, 1) > 0) binding.wakeFutex(completions);
  };
  if (initializer !== null) {
    try {
      compileFunction(creator, initializer, 'initializer', 'the initializer', initializerPlace)(...initargs);
    } catch (error) {
      post({ init: false, ...errorMessage(explain(error, 'the initializer', 'in initargs')) });
      port.close();
      return Promise.resolve();
    }
  }
  // A task that ends the thread (process.exit()) still answers.
  process.on('exit', () => {
    if (current) post({ id: current.id, abrupt: true });
  });
  // Each function's source, as it came with its first task here (which
  // may have been taken back before it ran), compiled when first run.
  const sources = new Map<number, Task>();
  const compiled = new Map<number, (...args: unknown[]) => unknown>();
  // A stop ends the thread once its current task (if any) has answered.
  let stopRequested = false;
  let finish: () => void = () => undefined;
  const run = async (task: Task): Promise<void> => {
    current = { id: task.id, signal: null, look: () => undefined };
    let outcome: Record<string, unknown>;
    try {
      if (!compiled.has(task.fn)) {
        const first = sources.get(task.fn)!;
        try {
          compiled.set(task.fn, compileFunction(creator, first.source!, first.name, 'a task', first.place));
        } catch (error) {
          // Later tasks of this function come without its source: fail them alike.
          compiled.set(task.fn, () => {
            throw error;
          });
        }
      }
      const fn = compiled.get(task.fn)!;
      let value = fn(...revive(task.args));
      if (value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function')) {
        value = await value;
      }
      outcome = { id: task.id, ok: true, value };
    } catch (error) {
      outcome = { id: task.id, ok: false, ...errorMessage(explain(error, 'a task', 'to submit() as an argument')) };
    }
    current = null;
    post(outcome);
    pump();
  };
  // The tasks handed over and not yet run: they come while one runs (the
  // executor hands a busy thread its next ones ahead of time), in id
  // order, except a task moved here, which is older: `early`, by id.
  const waiting = new Fifo<Task>();
  const early: Task[] = [];
  let newest: number | null = null;
  const before = (a: Task, b: Task): boolean => ((a.id - b.id) | 0) < 0;
  const arrive = (task: Task): void => {
    if (task.source !== undefined && !sources.has(task.fn)) sources.set(task.fn, task);
    if (newest !== null && ((task.id - newest) | 0) < 0) {
      early.push(task);
      early.sort((a, b) => (a.id - b.id) | 0);
    } else {
      waiting.push(task);
      newest = task.id;
    }
  };
  const next = (): Task | undefined => {
    const head = waiting.peek();
    return early.length && (!head || before(early[0], head)) ? early[0] : head;
  };
  const take = (task: Task): void => {
    if (task === early[0]) early.shift();
    else waiting.shift();
    declined = null;
  };
  // The task held back for an older one (said once, until a task is taken),
  // and the one the executor said to run anyway.
  let declined: number | null = null;
  let go: number | null = null;
  // Runs the waiting tasks, one after another: a loop, not a chain of
  // calls, so that thousands of synchronous tasks do not deepen the stack.
  let pumping = false;
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    try {
      while (!current) {
        const task = next();
        if (!task) {
          if (stopRequested) finish();
          return;
        }
        if (task.claim >= 0) {
          // After stop, no thread asks the executor (its event loop may never turn again).
          if (!stopRequested && go !== task.id && olderWaits(order, task.id)) {
            if (declined !== task.id) {
              declined = task.id;
              post({ declined: task.id });
            }
            return;
          }
          if (Atomics.compareExchange(order.claims, task.claim, task.queued!, CLAIMED) !== task.queued) {
            take(task);
            post({ id: task.id, skipped: true });
            continue;
          }
        }
        take(task);
        void run(task);
      }
    } finally {
      pumping = false;
    }
  };
  return new Promise<void>((resolve) => {
    finish = () => {
      port.close();
      resolve();
    };
    port.on('message', (m: Task | { cancel: number } | { stop: true } | { retry: number }) => {
      if ('stop' in m) {
        stopRequested = true;
        pump();
      } else if ('cancel' in m) {
        if (current?.id === m.cancel) current.look();
      } else if ('retry' in m) {
        go = m.retry;
        declined = null;
        pump();
      } else {
        arrive(m);
        pump();
      }
    });
  });
}
