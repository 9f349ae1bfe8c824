/**
 * pthreading: Python's `threading` for Node.js, on real OS threads, with
 * native synchronization primitives shared by every thread.
 */
import { isMainThread, workerData } from 'node:worker_threads';

import { Barrier } from './barrier';
import { Condition } from './condition';
import { SharedDict, SharedList } from './containers';
import { Event } from './event';
import { ThreadPoolExecutor } from './executor';
import { Future } from './futures';
import { Acquirable } from './guard';
import { Lock } from './lock';
import { Logger, setThreadInfo } from './logging';
import { Queue } from './queue';
import { guardReceivers } from './receivers';
import { RLock } from './rlock';
import { BoundedSemaphore, Semaphore } from './semaphore';
import { revive } from './shared';
import { Thread, currentThread, getIdent } from './thread';
import { Timer } from './timer';
import { Value } from './value';

export { Lock } from './lock';
export { RLock } from './rlock';
export { Condition } from './condition';
export { Semaphore, BoundedSemaphore } from './semaphore';
export { Event } from './event';
export { Barrier } from './barrier';
export {
  Thread,
  currentThread,
  mainThread,
  enumerate,
  activeCount,
  getIdent,
  getNativeId,
  stackSize,
  setSpareThreads,
  setExcepthook,
  getExcepthook,
} from './thread';
export type { ThreadOptions, ModuleTarget, Target, ExceptHookArgs } from './thread';
export { Timer } from './timer';
export { local, Local } from './local';
export { sleep, sleepAsync } from './sleep';
export * as logging from './logging';
export { Value } from './value';
export type { Typecode } from './value';
export { SharedList, SharedDict } from './containers';
export { Queue, Empty, Full } from './queue';
export { ThreadPoolExecutor } from './executor';
export type { ExecutorOptions } from './executor';
export { Future, wait, waitAsync, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from './futures';
export type { DoneAndNotDone, ReturnWhen } from './futures';
export { taskSignal } from './pool-worker';
export type { AsyncOptions, Held, HeldAsync } from './guard';
export {
  PthreadingError,
  RuntimeError,
  ThreadError,
  ValueError,
  OverflowError,
  MemoryError,
  ArgumentTypeError,
  BrokenBarrierError,
  AbortError,
  ThreadExitError,
  CancelledError,
  TimeoutError,
  BrokenThreadPool,
} from './errors';
export { TIMEOUT_MAX } from './validate';
export { revive } from './shared';
export { setDebug, getDebug, setDeadlockHandler, contentionStats } from './debug';
export type { DebugOptions, ContentionStats, DeadlockReport } from './debug';
export { nativeStats } from './native';
export type { NativeStats } from './native';

setThreadInfo(() => ({ name: currentThread().name, ident: getIdent() }));

// Every public method of every exported class refuses a wrong `this` with a
// coded TypeError (src/receivers.ts): each class with a field its instances
// have, and its private helpers, left unguarded.
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

// A worker that loads pthreading gets the primitives in its workerData back
// as working objects.
if (!isMainThread) {
  try {
    revive(workerData);
  } catch {
    // workerData that cannot be walked (frozen, say) is left as it is.
  }
}
