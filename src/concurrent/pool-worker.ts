/**
 * What a ThreadPoolExecutor's thread runs: it takes tasks from its port,
 * one at a time, and posts each outcome back, then bumps the submitting
 * thread's completion word so a blocking wait there wakes up.
 *
 * Messages in: `{ id, fn, source?, name, args }` (a task; the source of
 * function `fn` comes with its first task on this thread), `{ cancel: id }`,
 * `{ stop: true }` (end once the tasks handed over, if any, have answered).
 * Messages out: `{ id, ok, value | error }`, `{ init: false, error }` (the
 * initializer failed), `{ id, abrupt: true }` (the thread is ending in the
 * middle of a task).
 */
import type { MessagePort } from 'node:worker_threads';

import { compileFunction, explain } from '../threads/compile';
import type { Placement } from '../threads/scope';
import { CancelledError, RuntimeError } from '../runtime/errors';
import * as errors from '../runtime/errors';
import { binding } from '../runtime/native';
import { revive } from '../runtime/shared';
import { Fifo } from './fifo';

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
}

interface Running {
  id: number;
  signal: AbortSignal;
  /** Aborts the signal if the task's cancel word says so. */
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
  return current.signal;
}

const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

// A signal that also reads the cancel word, so a synchronous loop that
// checks `signal.aborted` sees a cancel() without waiting for a message.
function taskSignalFor(id: number, cancelWord: Int32Array): Running {
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
  return { id, signal, look };
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
  creator: string,
  initializer: string | null,
  initargs: unknown[],
  initializerPlace: Placement = {},
): Promise<void> {
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
    current = taskSignalFor(task.id, cancelWord);
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
    const next = waiting.shift();
    if (next) void run(next);
    else if (stopRequested) finish();
  };
  // Tasks handed over while one runs (after shutdown, the executor hands
  // out every queued task at once) run after it, in order.
  const waiting = new Fifo<Task>();
  return new Promise<void>((resolve) => {
    finish = () => {
      port.close();
      resolve();
    };
    port.on('message', (m: Task | { cancel: number } | { stop: true }) => {
      if ('stop' in m) {
        stopRequested = true;
        if (!current) finish();
      } else if ('cancel' in m) {
        if (current?.id === m.cancel) current.look();
      } else if (current) waiting.push(m);
      else void run(m);
    });
  });
}
