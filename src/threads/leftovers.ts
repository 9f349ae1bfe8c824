/**
 * What a thread leaves behind on its worker: whatever would run on, or
 * change, the next thread if the worker ran another (handBack in
 * worker.ts). Found by comparing a snapshot taken before the thread ran
 * with the worker after it:
 *
 * - the resources that keep the event loop alive (timers, sockets, handles);
 * - the listeners on `process` (added, removed or replaced);
 * - timers and immediates the thread unreferenced, still pending;
 * - promises that settle with nothing on the event loop, still pending
 *   (Atomics.waitAsync, node:timers/promises timers made with { ref: false },
 *   scheduler.wait() included, and the iterations of its setInterval()
 *   until they end; a WebAssembly compilation);
 * - requests in flight on the event loop (thread-pool work: crypto, zlib);
 * - an AsyncLocalStorage store left on the worker's top-level async resource.
 *
 * What the runtime cannot show (an unreferenced port, socket or child
 * process) is not seen: see the README.
 */
import { syncBuiltinESMExports } from 'node:module';
import { executionAsyncResource } from 'node:async_hooks';

import { binding } from '../runtime/native';

export interface Snapshot {
  /** Null where the runtime cannot tell: then nothing is ever handed on. */
  resources: string[] | null;
  listeners: Map<string | symbol, Function[]>;
}

/** The worker as a thread is about to run on it. */
export function snapshot(): Snapshot {
  return { resources: activeResources(), listeners: processListeners() };
}

/** Whether the thread that ran since `before` left anything behind. */
export function leftBehind(before: Snapshot): boolean {
  const now = activeResources();
  if (!before.resources || !now || now.join() !== before.resources.join()) return true;
  if (!sameListeners(before.listeners, processListeners())) return true;
  return requestsPending() || storeLeft() || callbacksPending();
}

// What keeps this worker's event loop alive between two threads (its own
// ports are unreferenced): nothing, unless a thread left something behind.
function activeResources(): string[] | null {
  const info = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  return typeof info === 'function' ? info.call(process).sort() : null;
}

// The listeners on `process` (an 'exit' handler that ends what the thread
// started, a 'message' handler...): a thread that adds one expects it to
// run at its worker's end; one that replaces one (a 'warning' handler)
// would take the next thread's events.
function processListeners(): Map<string | symbol, Function[]> {
  const emitter = process as unknown as NodeJS.EventEmitter;
  return new Map(emitter.eventNames().map((name) => [name, emitter.listeners(name)]));
}

function sameListeners(a: Map<string | symbol, Function[]>, b: Map<string | symbol, Function[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, listeners] of a) {
    const now = b.get(name);
    if (!now || now.length !== listeners.length || now.some((f, i) => f !== listeners[i])) return false;
  }
  return true;
}

// Requests in flight on the event loop that getActiveResourcesInfo() does
// not list: thread-pool work (crypto, zlib), which would call back into
// the next thread. Asked of libuv on Node and Electron only (Bun and
// Deno's loops are not libuv's).
const libuv = !('bun' in process.versions) && !('Deno' in globalThis);
function requestsPending(): boolean {
  return libuv && binding.pendingRequests() > 0;
}

// Timers and immediates a thread unreferenced: they do not keep the event
// loop alive, so activeResources() does not see them, yet they would fire
// while a later thread runs here. (Ports and sockets are not followed:
// Node's own stdio port of a worker is unreferenced the same way.)
type Pending = { _destroyed?: boolean };
const unreferenced = new Set<Pending>();
const pending = (t: Pending): boolean => t._destroyed !== true;
let pruneAt = 1024;

// Promises that settle with nothing on the event loop: an Atomics.waitAsync
// (V8 resolves it), a node:timers/promises timer made with { ref: false }
// (created unreferenced, without unref()).
let unsettled = 0;
function follow(promise: Promise<unknown>): void {
  unsettled++;
  const settled = (): void => void unsettled--;
  promise.then(settled, settled);
}

// An iteration is unsettled until a step of it says it is done or fails,
// or it is ended with return() or throw().
function followIteration(iterator: AsyncGenerator): void {
  unsettled++;
  let open = true;
  const end = (): void => {
    if (open) unsettled--;
    open = false;
  };
  for (const key of ['next', 'return', 'throw'] as const) {
    const step = iterator[key] as (...args: unknown[]) => Promise<IteratorResult<unknown>>;
    iterator[key] = function (this: AsyncGenerator, ...args: unknown[]) {
      const result = step.apply(this, args);
      result.then((r) => (r.done || key !== 'next') && end(), end);
      return result;
    } as never;
  }
}

// Replaces `object[name]`, where it is a function, with one that calls it
// and then hands `then` its result and arguments.
function onEachResult<R>(object: object, name: string, then: (result: R, args: unknown[]) => unknown): void {
  const target = object as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function') return;
  target[name] = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args) as R;
    then(result, args);
    return result;
  };
}

// Whether a node:timers/promises options argument asks for an unreferenced timer.
const unreferencedTimer = (options: unknown): boolean => (options as { ref?: boolean } | undefined)?.ref === false;

/**
 * Follows, from now on, what leftBehind() cannot see from outside: the
 * timers and immediates unreferenced, the promises that settle with nothing
 * on the event loop. Once per worker, before any thread runs.
 */
export function followLeftovers(): void {
  const timeout = setTimeout(() => 0, 0);
  clearTimeout(timeout);
  const immediate = setImmediate(() => 0);
  clearImmediate(immediate);
  for (const proto of new Set([Object.getPrototypeOf(timeout), Object.getPrototypeOf(immediate)]) as Set<{ unref?: (this: Pending) => unknown }>) {
    const unref = proto.unref;
    if (typeof unref !== 'function') continue;
    proto.unref = function (this: Pending) {
      unreferenced.add(this);
      // Following unref() costs constant time on average: the set is pruned
      // of what has fired or been cleared when it has doubled.
      if (unreferenced.size >= pruneAt) {
        for (const t of unreferenced) if (!pending(t)) unreferenced.delete(t);
        pruneAt = Math.max(1024, unreferenced.size * 2);
      }
      return unref.call(this);
    };
  }
  onEachResult(Atomics, 'waitAsync', (result: { async: boolean; value: Promise<unknown> }) => result.async && follow(result.value));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const promised = require('node:timers/promises') as Record<string, unknown>;
  onEachResult(promised, 'setTimeout', (result: Promise<unknown>, args) => unreferencedTimer(args[2]) && follow(result));
  onEachResult(promised, 'setImmediate', (result: Promise<unknown>, args) => unreferencedTimer(args[1]) && follow(result));
  // setInterval() returns an async iterator whose unreferenced interval
  // ticks until the iteration ends: it is followed until then.
  onEachResult(promised, 'setInterval', (iterator: AsyncGenerator, args) => unreferencedTimer(args[2]) && followIteration(iterator));
  // scheduler.wait(delay, options) is its setTimeout, reached from inside.
  const scheduler = promised.scheduler ? Object.getPrototypeOf(promised.scheduler) : null;
  if (scheduler) onEachResult(scheduler, 'wait', (result: Promise<unknown>, args) => unreferencedTimer(args[1]) && follow(result));
  // A WebAssembly module is compiled on V8's background threads; its
  // promise settles with nothing on the event loop.
  const wasm = (globalThis as { WebAssembly?: object }).WebAssembly;
  if (wasm) for (const name of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) onEachResult(wasm, name, follow);
  syncBuiltinESMExports();
}

// An AsyncLocalStorage store a thread entered (enterWith) while no async
// resource was current lands on the worker's top-level resource, the one
// every later continuation here starts from. (A store entered within the
// thread's own async scope stays there: see main in worker.ts.)
function storeLeft(): boolean {
  const resource = executionAsyncResource() as Record<symbol, unknown>;
  return Object.getOwnPropertySymbols(resource).some((key) => key.description === 'kResourceStore' && resource[key] !== undefined);
}

// Unreferenced timers and immediates, and promises that settle with
// nothing on the event loop, still pending.
function callbacksPending(): boolean {
  if (unsettled > 0) return true;
  for (const t of unreferenced) if (pending(t)) return true;
  unreferenced.clear();
  return false;
}
