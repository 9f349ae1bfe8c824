/**
 * pthreading: Python's `threading` for Node.js, on real OS threads, with
 * native synchronization primitives shared by every thread.
 */
import { install } from './install';
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
export type { ThreadOptions, ModuleTarget, Target, TargetFunction, LeadingParameters, LastParameter, ExceptHookArgs } from './threads/thread';
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
  FreeVariableError,
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

// Process-wide side effects live in one module, run once per thread.
install();
