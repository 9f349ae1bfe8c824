/**
 * pthreading: Python's `threading` for Node.js, on real OS threads, with
 * native synchronization primitives shared by every thread.
 */
import { isMainThread, workerData } from 'node:worker_threads';

import { Barrier } from './sync/barrier';
import { Condition } from './sync/condition';
import { SharedDict, SharedList } from './data/containers';
import { Event } from './sync/event';
import { ThreadPoolExecutor } from './concurrent/executor';
import { Future } from './concurrent/futures';
import { Acquirable } from './runtime/guard';
import { Lock } from './sync/lock';
import { Logger, setThreadInfo } from './logging/logging';
import { Queue } from './data/queue';
import { guardReceivers } from './runtime/receivers';
import { RLock } from './sync/rlock';
import { BoundedSemaphore, Semaphore } from './sync/semaphore';
import { revive } from './runtime/shared';
import { Thread, currentThread, getIdent } from './threads/thread';
import { Timer } from './threads/timer';
import { Value } from './data/value';
// Registers the multiprocessing classes, so one posted to a thread (or in
// its workerData) revives there even if only `pthreading` is loaded.
import './multiprocessing/kinds';

export { Lock } from './sync/lock';
export { RLock } from './sync/rlock';
export { Condition } from './sync/condition';
export { Semaphore, BoundedSemaphore } from './sync/semaphore';
export { Event } from './sync/event';
export { Barrier } from './sync/barrier';
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
} from './threads/thread';
export type { ThreadOptions, ModuleTarget, Target, ExceptHookArgs } from './threads/thread';
export { Timer } from './threads/timer';
export { local, Local } from './threads/local';
export { sleep, sleepAsync } from './threads/sleep';
export * as logging from './logging/logging';
export { Value } from './data/value';
export type { Typecode } from './data/value';
export { SharedList, SharedDict } from './data/containers';
export { Queue, Empty, Full } from './data/queue';
export { ThreadPoolExecutor } from './concurrent/executor';
export type { ExecutorOptions } from './concurrent/executor';
export { Future, wait, waitAsync, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from './concurrent/futures';
export type { DoneAndNotDone, ReturnWhen } from './concurrent/futures';
export { taskSignal } from './concurrent/pool-worker';
export type { AsyncOptions, Held, HeldAsync } from './runtime/guard';
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
} from './runtime/errors';
export { TIMEOUT_MAX } from './runtime/validate';
export { revive } from './runtime/shared';
export { setDebug, getDebug, setDeadlockHandler, contentionStats } from './debug/debug';
export type { DebugOptions, ContentionStats, DeadlockReport } from './debug/debug';
export { nativeStats } from './runtime/native';
export type { NativeStats } from './runtime/native';

setThreadInfo(() => ({ name: currentThread().name, ident: getIdent() }));

// Every public method of every exported class refuses a wrong `this` with a
// coded TypeError (src/runtime/receivers.ts): each class with a field its instances
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
