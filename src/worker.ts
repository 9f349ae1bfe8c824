/**
 * The entry point of every thread pthreading starts: waits (as a warm
 * worker) for its job, rebuilds the Thread object from it, runs it, reports
 * an escaping error to the excepthook, counts as finished, waits for the
 * threads it started, and ends.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';

import * as pthreading from './index';
import { compileFunction as compileTarget, compileIn, compileMembers, explain } from './threads/compile';
import { MODULE_ALIASES, type Placement } from './threads/scope';
import { ThreadExitError } from './runtime/errors';
import { applyLoggingConfig } from './logging/logging';
import { BOOT_KEY, binding } from './runtime/native';
import { revive } from './runtime/shared';
import { installSyncOutput } from './threads/output';
import { shutdownExecutors } from './concurrent/executor';
import {
  Boot,
  JOB,
  NATIVE_ID,
  RunSpec,
  SpareBoot,
  Thread,
  adoptCurrent,
  callExcepthook,
  currentThread,
  retire,
  setExcepthook,
  setLocal,
} from './threads/thread';
import { Timer } from './threads/timer';

installSyncOutput();
// Everything pthreading exports is usable in a target without an import.
// Compiled code reaches a named import as `pthreading_1.x`, `import_pthreading.x`…
// (see MODULE_ALIASES).
const aliases = Object.fromEntries(MODULE_ALIASES.map((name) => [name, pthreading]));
Object.assign(globalThis, pthreading, aliases, { threading: pthreading, pthreading });

// A warm worker sleeps until start() posts its job (see Warm workers in
// thread.ts). Atomics.wait, unlike a native wait, ends when the worker is
// terminated, however that comes: so a warm worker never holds up the exit
// of the thread that booted it, nor the process's.
function awaitJob(spare: SpareBoot['spare']): Boot {
  // Warm the paths a job takes while there is time: compiling and reviving.
  compileIn(__filename, '() => 0');
  revive({});
  while (Atomics.load(spare.words, JOB) === 0) Atomics.wait(spare.words, JOB, 0);
  const job = receiveMessageOnPort(spare.port);
  if (!job) process.exit(0);
  // The port stays open (unreferenced) to send the thread's fields back.
  resultPort = spare.port;
  resultPort.unref();
  return revive(job.message as Boot);
}

let resultPort: MessagePort | null = null;

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
  if (!resultPort) return;
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
  resultPort.close();
}

const given = (workerData as Record<string, Boot | SpareBoot>)[BOOT_KEY];
const boot: Boot = 'spare' in given ? awaitJob(given.spare) : given;
const words = 'spare' in given ? given.spare.words : null;

/** Evaluates `expression` as if written in the file that created the thread. */
function compile<T>(expression: string): T {
  return compileIn(boot.creator, expression);
}
applyLoggingConfig(boot.logging);

function compileFunction(source: string, name: string, place?: Placement): (...args: unknown[]) => unknown {
  return compileTarget(boot.creator, source, name, "the thread's target", place);
}

async function loadModuleTarget(specifier: string, exportName: string): Promise<(...args: unknown[]) => unknown> {
  let url = specifier;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(specifier)) {
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

async function main(): Promise<void> {
  if (boot.excepthook) {
    try {
      setExcepthook(compileFunction(boot.excepthook, 'excepthook') as Parameters<typeof setExcepthook>[0]);
    } catch {
      // An excepthook that cannot be rebuilt here leaves the default.
    }
  }
  // The thread exists from here on: start() reads its native id once woken,
  // even if the thread has already ended by then.
  if (words) Atomics.store(words, NATIVE_ID, binding.nativeThreadId());
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
  process.exit(0);
}

void main();
