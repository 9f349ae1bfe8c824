/**
 * The entry point of every thread pthreading starts: waits (as a warm
 * worker) for its job, rebuilds the Thread object from it, runs it, reports
 * an escaping error to the excepthook, counts as finished, waits for the
 * threads it started; then waits, as a warm worker again, for the next
 * thread, or ends (handBack).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AsyncResource } from 'node:async_hooks';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';

import * as pthreading from './index';
import { compileFunction as compileTarget, compileIn, compileMembers, explain, scopeNames } from './threads/compile';
import { MODULE_ALIASES, type Placement } from './threads/scope';
import { ThreadExitError } from './runtime/errors';
import { applyLoggingConfig } from './logging/logging';
import { BOOT_KEY, Op, Status, binding } from './runtime/native';
import { revive } from './runtime/shared';
import { installSyncOutput } from './threads/output';
import { shutdownExecutors } from './concurrent/executor';
import {
  Boot,
  JOB,
  NATIVE_ID,
  NEXT,
  RETURNED,
  RunSpec,
  SpareBoot,
  Thread,
  adoptCurrent,
  callExcepthook,
  currentThread,
  recycle,
  retire,
  setExcepthook,
  setLocal,
} from './threads/thread';
import { Timer } from './threads/timer';
import { followLeftovers, leftBehind, snapshot, type Snapshot } from './threads/leftovers';

installSyncOutput();
// Everything pthreading exports is usable in a target without an import.
// Compiled code reaches a named import as `pthreading_1.x`, `import_pthreading.x`…
// (see MODULE_ALIASES). A name the runtime already has as a global stays
// the runtime's (its own code may use it: Deno's MessagePort dispatches
// with the global Event) and means pthreading's only in compiled targets.
const aliases = Object.fromEntries(MODULE_ALIASES.map((name) => [name, pthreading]));
const taken = Object.keys(pthreading).filter((name) => name in globalThis);
const free = Object.entries(pthreading).filter(([name]) => !taken.includes(name));
Object.assign(globalThis, Object.fromEntries(free), aliases, { threading: pthreading, pthreading });
scopeNames(taken);

// A warm worker sleeps until start() posts its job (see Warm workers in
// thread.ts), in a native wait: terminate() and the process's exit cancel
// it (src/install.ts), as they cancel every native wait, so a warm worker
// never holds up the exit of the thread that booted it, nor the process's.
// Not Atomics.wait: V8 interrupts that wait for a termination only once it
// is waiting, so a termination requested a moment before it began was
// missed, and the exit that joins the worker hung (the wait storm, now and
// then, under ASan).
function awaitJob(): Boot {
  // Pairs with start()'s Atomics.store of JOB, made after it posted the job.
  while (Atomics.load(words, JOB) === 0) {
    if (binding.park(Op.Futex, words, -1, 0) === Status.Cancelled) process.exit(0);
  }
  const job = receiveMessageOnPort(jobPort);
  if (!job) process.exit(0);
  return revive(job.message as Boot);
}

// The fields of the Thread object that are the library's, not the user's.
const INTERNAL = new Set(['_kind', '_ident', '_name', '_daemon', '_started', '_nativeId', '_creator', '_interval', '_finished']);

/**
 * Sends the thread's own fields back to the thread that started it, which
 * assigns them onto its object in join() (Python's threads share the
 * object: a result stored on `self` in run() is there after join()). Sent:
 * the fields run() set or replaced, and those holding arrays and plain
 * objects, which it may have changed in place. A field whose value cannot
 * be cloned is left out.
 */
function sendBack(self: Thread, initial: Map<string, unknown>): void {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(self)) {
    if (INTERNAL.has(key)) continue;
    const value = (self as unknown as Record<string, unknown>)[key];
    const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
    const inPlace = Array.isArray(value) || proto === Object.prototype || proto === null || value instanceof Map || value instanceof Set;
    if (!initial.has(key) || initial.get(key) !== value || inPlace) fields[key] = value;
  }
  try {
    resultPort.postMessage({ fields });
  } catch {
    for (const key of Object.keys(fields)) {
      try {
        structuredClone(fields[key]);
      } catch {
        delete fields[key];
      }
    }
    try {
      resultPort.postMessage({ fields });
    } catch {
      // nothing to send
    }
  }
}

const { port: jobPort, results: resultPort, words, keep } = (workerData as Record<string, SpareBoot>)[BOOT_KEY].spare;
// The ports stay open (unreferenced) for the next threads.
jobPort.unref();
resultPort.unref();
// Warm the paths a job takes while there is time: compiling and reviving.
compileIn(__filename, '() => 0');
revive({});
let boot: Boot = awaitJob();
// What a thread leaves behind is followed from the first job on, as the
// worker wakes for it. (Installed before a warm worker's first wait, it
// seemed to leave the wait storm hanging at exit now and then under ASan;
// the cause was the lost termination of Atomics.wait, see awaitJob.)
followLeftovers();

/** Evaluates `expression` as if written in the file that created the thread. */
function compile<T>(expression: string): T {
  return compileIn(boot.creator, expression);
}

// The functions compiled on this worker, by what they were compiled from:
// a later thread on it with the same target (or excepthook) runs the same
// function object, as Python's threads share their target, and does not
// compile it again. The most recent ones only.
const compiled = new Map<string, (...args: unknown[]) => unknown>();
const COMPILED_MAX = 64;

function compileFunction(source: string, name: string, place?: Placement): (...args: unknown[]) => unknown {
  const key = JSON.stringify([boot.creator, source, name, place ?? null]);
  let fn = compiled.get(key);
  if (fn) {
    compiled.delete(key); // most recent last
  } else {
    fn = compileTarget(boot.creator, source, name, "the thread's target", place);
    if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(key, fn);
  return fn;
}

async function loadModuleTarget(specifier: string, exportName: string): Promise<(...args: unknown[]) => unknown> {
  let url = specifier;
  // A URL (file:, data:, node:) is imported as it is; a path or package
  // name is resolved first. `C:\x.js` is a path, not a URL of scheme c:.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(specifier) || path.isAbsolute(specifier)) {
    url = pathToFileURL(createRequire(boot.creator).resolve(specifier)).href;
  }
  const load = compile<(u: string) => Promise<Record<string, unknown>>>('(u) => import(u)');
  const mod = await load(url);
  const fn = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof fn !== 'function') {
    throw new TypeError(`Thread target: ${specifier} has no function export '${exportName}'`);
  }
  return fn as (...args: unknown[]) => unknown;
}

async function build(spec: RunSpec): Promise<Thread> {
  let proto: object = spec.base === 'Timer' ? Timer.prototype : Thread.prototype;
  for (const level of spec.levels) proto = compileMembers(boot.creator, proto, level.members, level.name);
  const self = Object.create(proto) as Thread;
  Object.assign(self, spec.state);
  let target = null;
  if (spec.target?.kind === 'function') target = compileFunction(spec.target.source, spec.target.name, spec.target.place);
  else if (spec.target?.kind === 'module') target = await loadModuleTarget(spec.target.module, spec.target.export);
  setLocal(self, { target, args: spec.args, kwargs: spec.kwargs });
  return self;
}

/** One thread: from its job to the end of the threads it started. */
async function runThread(): Promise<void> {
  // Every thread's run() is called from the same place, so that the stack
  // of an error escaping it reads the same on a new worker and a reused one
  // (the next tick's queue runs the continuation, not the event loop).
  await new Promise((resolve) => process.nextTick(resolve));
  applyLoggingConfig(boot.logging);
  if (boot.excepthook) {
    try {
      setExcepthook(compileFunction(boot.excepthook, 'excepthook') as Parameters<typeof setExcepthook>[0]);
    } catch {
      // An excepthook that cannot be rebuilt here leaves the default.
    }
  }
  // The thread exists from here on: start() reads its native id once woken,
  // even if the thread has already ended by then.
  // Pairs with started()'s load in thread.ts (before threadRunning wakes it).
  Atomics.store(words, NATIVE_ID, binding.nativeThreadId());
  let self: Thread | null = null;
  let initial = new Map<string, unknown>();
  try {
    self = await build(boot.spec);
    initial = new Map(Object.entries(self));
    adoptCurrent(self);
    // Now the thread counts as started: start() returns, as Python's does
    // just before run(). (A failed build is reported below, then finished.)
    binding.threadRunning(boot.ident);
    await self.run();
  } catch (error) {
    // A wait cut short because the process is exiting is not an error of
    // the thread's: a daemon just stops there, as in Python.
    if (error instanceof ThreadExitError) process.exit(0);
    callExcepthook(explain(error), self ?? currentThread());
  }
  if (self) sendBack(self, initial);
  // The thread has ended, as in Python, when its run() returns: its joiners
  // wake now, even if it started threads that still run.
  binding.threadFinished(boot.ident);
  // Nobody can hand its executors work any more.
  shutdownExecutors();
  // Python's threads outlive the thread that started them; a Worker's
  // Workers stop with it. So this worker stays up until they have ended.
  await retire();
}

/**
 * After a thread: whether this worker may run another. Only if the thread
 * left nothing behind that would run on or change the next one: nothing
 * on the event loop (a timer, a socket, an open handle, an unreferenced
 * timer), no listener added on `process`, no async wait of a pthreading
 * primitive or Barrier party (recycle), no stop asked. Then everything that
 * was the thread's is forgotten (its identity, local() values, hooks), the
 * worker waits, as a warm worker, reserved for a new ident, and says so to
 * the thread that started it (reclaim in thread.ts). What the runtime
 * cannot show (an unreferenced port, socket or child process) is not
 * seen: see the README.
 */
const THREADS_PER_WORKER = 100;
let threadsRun = 0;

async function handBack(before: Snapshot): Promise<boolean> {
  // Callbacks already due run first: the immediates queued before ours,
  // then (one loop turn on) those of handles that were closing.
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  if (leftBehind(before)) return false;
  // The thread that started this one keeps no warm workers now.
  if (Atomics.load(keep, 0) === 0) return false;
  // A worker runs a bounded number of threads, so that what its heap and
  // the runtime keep between them (module state, memory not yet returned)
  // never grows without end.
  if (++threadsRun >= THREADS_PER_WORKER) return false;
  // A capture callback (process.setUncaughtExceptionCaptureCallback) would take the next thread's errors.
  if ((process as { hasUncaughtExceptionCaptureCallback?: () => boolean }).hasUncaughtExceptionCaptureCallback?.()) return false;
  const next = binding.nextIdent();
  if (!recycle(next)) return false;
  Atomics.store(words, JOB, 0);
  // Pairs with reclaim()'s load in thread.ts: the row for `next` is idle.
  Atomics.store(words, NEXT, next);
  jobPort.postMessage(RETURNED);
  return true;
}

async function main(): Promise<void> {
  for (;;) {
    const before = snapshot();
    // Each thread in an async context of its own: a store it entered
    // (AsyncLocalStorage.enterWith) is not the next thread's.
    await new AsyncResource('pthreading.Thread').runInAsyncScope(runThread);
    if (!(await handBack(before))) process.exit(0);
    boot = awaitJob();
  }
}

void main();
