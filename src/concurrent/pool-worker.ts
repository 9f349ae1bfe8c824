/**
 * What a ThreadPoolExecutor's thread runs: it takes tasks from its port,
 * one at a time, and posts each outcome back, then bumps the submitting
 * thread's completion word so a blocking wait there wakes up.
 *
 * Messages in: `{ id, fn, source?, name, args, claim }` (a task; the
 * source of function `fn` comes with its first task on this thread; `claim`
 * is the index of its claim word, or -1), `{ cancel: id }`, `{ stop: true }`
 * (end once the tasks handed over, if any, have answered). Tasks run one at
 * a time, in the order they came; one with a claim word runs only if this
 * thread claims it (QUEUED -> CLAIMED) before the executor takes it back.
 * Messages out, one per task: `{ id, ok, value | error }`, `{ id, skipped:
 * true }` (taken back), `{ id, abrupt: true }` (the thread is ending in the
 * middle of it); and `{ init: false, error }` (the initializer failed).
 */
import type { MessagePort } from 'node:worker_threads';

import { compileFunction, explain } from '../threads/compile';
import type { Placement } from '../threads/scope';
import { CancelledError, RuntimeError } from '../runtime/errors';
import * as errors from '../runtime/errors';
import { binding } from '../runtime/native';
import { revive } from '../runtime/shared';
import { Fifo } from './fifo';
import { CLAIMED, QUEUED } from './futures';

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
  /** The index of its claim word on the thread it is sent to, or -1 (see QUEUED). */
  claim: number;
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
  claims: Int32Array,
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
  const compiled = new Map<number, (...args: unknown[]) => unknown>();
  // A stop ends the thread once its current task (if any) has answered.
  let stopRequested = false;
  let finish: () => void = () => undefined;
  const run = async (task: Task): Promise<void> => {
    current = { id: task.id, signal: null, look: () => undefined };
    let outcome: Record<string, unknown>;
    try {
      if (task.source !== undefined) {
        try {
          compiled.set(task.fn, compileFunction(creator, task.source, task.name, 'a task', task.place));
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
  // The tasks handed over and not yet run, in order: they come while one
  // runs (the executor hands a busy thread its next ones ahead of time).
  const waiting = new Fifo<Task>();
  // Runs the waiting tasks, one after another: a loop, not a chain of
  // calls, so that thousands of synchronous tasks do not deepen the stack.
  let pumping = false;
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    try {
      while (!current) {
        const task = waiting.shift();
        if (!task) {
          if (stopRequested) finish();
          return;
        }
        if (task.claim >= 0 && Atomics.compareExchange(claims, task.claim, QUEUED, CLAIMED) !== QUEUED) post({ id: task.id, skipped: true });
        else void run(task);
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
    port.on('message', (m: Task | { cancel: number } | { stop: true }) => {
      if ('stop' in m) {
        stopRequested = true;
        pump();
      } else if ('cancel' in m) {
        if (current?.id === m.cancel) current.look();
      } else {
        waiting.push(m);
        pump();
      }
    });
  });
}
