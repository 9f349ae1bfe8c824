/**
 * pthreading/multiprocessing: Python's `multiprocessing` primitives for
 * Node processes (cluster workers, `child_process.fork`, Electron's main
 * and utility processes), on named shared memory and shared futexes.
 */
export { Lock, RLock } from './lock';
export { Semaphore, BoundedSemaphore } from './semaphore';
export type { SemaphoreOptions } from './semaphore';
export { Event } from './event';
export { Barrier } from './barrier';
export { Condition } from './condition';
export { Value, SharedArray as Array } from './value';
export type { Typecode } from './value';
export { SharedMemory, MAX_SHARED_MEMORY } from './shared-memory';
export type { SharedMemoryOptions, BytesLike } from './shared-memory';
export { Queue, JoinableQueue, SimpleQueue } from './queue';
export type { QueueOptions } from './queue';
export { Process, currentProcess, parentProcess, activeChildren } from './process';
export type { ProcessOptions, ProcessModuleTarget } from './process';
export type { SharedOptions } from './native';
export { MAX_PROCESSES, sweepAnonymous, multiprocessingStats, rawWord } from './native';
export type { SharedIdentity } from './native';
export { OSError, FileExistsError, FileNotFoundError, PermissionError, SegmentMismatchError } from './errors';
export { revive } from '../runtime/shared';
export {
  PthreadingError,
  RuntimeError,
  ValueError,
  OverflowError,
  ArgumentTypeError,
  AbortError,
  BrokenBarrierError,
  MemoryError,
  Empty,
  Full,
} from '../runtime/errors';
export type { AsyncOptions, Held, HeldAsync } from '../runtime/guard';
