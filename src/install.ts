/**
 * Everything pthreading does to the process and the thread beyond its own
 * objects, in one place. The package entry (src/index.ts) calls
 * {@link install} when it is loaded; no other module has a side effect
 * outside itself (each primitive's module only registers its own kind for
 * revival). Once per thread, whatever number of times it is called:
 *
 * - once per copy of the addon in the process: wraps
 *   `Worker.prototype.terminate` so that terminating a worker also
 *   cancels its native waits, and, in the main thread, cancels every
 *   other thread's waits at process exit;
 * - process 'beforeExit' in the main thread: the main script has ended,
 *   so the process waits for the non-daemon threads, as Python's does;
 * - process 'exit' in a worker: the threads it started end with it;
 * - debug mode's hooks, and `PTHREADING_DEBUG` applied in the main thread;
 * - the source hooks that place a Barrier's action where it is written;
 * - logging learns the current thread's name and ident;
 * - every public method of every exported class refuses a wrong `this`
 *   with a coded TypeError;
 * - in a worker, primitives in `workerData` are revived into working
 *   objects.
 */
import { Worker, isMainThread, workerData } from 'node:worker_threads';

import { ThreadPoolExecutor } from './concurrent/executor';
import { Future } from './concurrent/futures';
import { SharedDict, SharedList } from './data/containers';
import { Queue } from './data/queue';
import { Value } from './data/value';
import { installDebug } from './debug/debug';
import { Logger, setThreadInfo } from './logging/logging';
import { Acquirable } from './runtime/guard';
import { binding } from './runtime/native';
import { guardReceivers } from './runtime/receivers';
import { revive } from './runtime/shared';
import { Barrier } from './sync/barrier';
import { Condition } from './sync/condition';
import { Event } from './sync/event';
import { Lock } from './sync/lock';
import { RLock } from './sync/rlock';
import { BoundedSemaphore, Semaphore } from './sync/semaphore';
import { Thread, currentThread, endChildren, getIdent, mainScriptEnded } from './threads/thread';
import { Timer } from './threads/timer';
import { installSourceHooks } from './threads/compile';

let installed = false;

/** Installs pthreading in this thread (see the module's comment). */
export function install(): void {
  if (installed) return;
  installed = true;
  patchTerminate();
  if (isMainThread) process.on('beforeExit', mainScriptEnded);
  else process.on('exit', endChildren);
  installDebug();
  // The package entry has run its exports by now (it calls install() last).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  installSourceHooks(Object.keys(require('./index') as object));
  setThreadInfo(() => ({ name: currentThread().name, ident: getIdent() }));
  guardAll();
  if (!isMainThread) {
    try {
      revive(workerData);
    } catch {
      // workerData that cannot be walked (frozen, say) is left as it is.
    }
  }
}

// Every native wait waits for "woken or cancelled". terminate() first asks
// Node to stop the worker's JavaScript, then cancels its waits (a worker
// asleep in native code would never stop otherwise, and Node's exit, which
// joins every worker, would hang): in that order, the woken worker runs no
// more JavaScript, so it never reports an 'error'. A worker inside a
// critical section is not terminated there: its waits are cancelled and it
// stops itself as it leaves. At process exit, every other thread's waits
// are cancelled.
// Once per addon: each copy of the package cancels the waits in its own.
function patchTerminate(): void {
  const copyId = (binding as typeof binding & { copyId: number }).copyId;
  const patched = Symbol.for(`pthreading.terminatePatched.${copyId}`);
  const proto = Worker.prototype as Worker & Record<symbol, boolean>;
  if (!proto[patched]) {
    const terminate = proto.terminate;
    proto.terminate = function (this: Worker): Promise<number> {
      const id = this.threadId;
      if (id >= 0 && binding.requestStop(id) === 2) {
        const exited = new Promise<number>((resolve) => this.once('exit', resolve));
        binding.cancelThread(id);
        return exited;
      }
      const stopped = terminate.call(this);
      // A worker still starting up is cancelled as soon as it registers.
      if (id >= 0 && !binding.cancelThread(id)) this.once('exit', () => binding.forgetCancel(id));
      return stopped;
    };
    proto[patched] = true;
    if (isMainThread) process.on('exit', () => binding.cancelOthers());
  }
}

function guardAll(): void {
  // Each class with a field its instances have, and its private helpers,
  // left unguarded.
  const receivers: Parameters<typeof guardReceivers>[] = [
    [Acquirable, '_kind', ['guard']],
    [Lock, '_words', ['acquire', 'release']],
    [RLock, '_words', ['acquire', 'release', 'enter', 'own']],
    [Condition, '_words', ['checkOwned']],
    [Semaphore, '_words', ['start', 'limit', 'overflow']],
    [BoundedSemaphore, '_words', ['limit', 'overflow']],
    [Event, '_words'],
    [Barrier, '_words', ['break', 'enter', 'exit', 'locked', 'releaseAll', 'runAction', 'waitReleased', 'waiting']],
    [Thread, '_kind', ['checkJoin', 'launch', 'noteNativeId']],
    [Timer, '_finished'],
    [Value, '_data'],
    [Object.getPrototypeOf(SharedList), '_buffer', ['load', 'locked', 'peek', 'store', 'update']],
    [SharedList, '_buffer'],
    [SharedDict, '_buffer'],
    [Queue, '_words', ['copyIn', 'copyOut', 'deadline', 'encode', 'getting', 'hasRoom', 'joining', 'putting', 'read', 'write']],
    [ThreadPoolExecutor, 'maxWorkers', ['beginShutdown', 'breakPool', 'dispatch', 'drainMessages', 'functionId', 'handOver', 'idle', 'idleThread', 'lose', 'newId', 'onMessage', 'outstanding', 'refresh', 'spawn']],
    [Future, '_state', ['failure', 'outcome', 'waitDone', 'waitDoneAsync']],
    [Logger, 'name'],
  ];
  for (const args of receivers) guardReceivers(...args);
}
