/**
 * pthreading: Python's `threading` for Node.js, on real OS threads, with
 * native synchronization primitives shared by every thread.
 */
import { isMainThread, workerData } from 'node:worker_threads';

import { revive } from './shared';

export { Lock } from './lock';
export { RLock } from './rlock';
export { Condition } from './condition';
export { Semaphore, BoundedSemaphore } from './semaphore';
export { Event } from './event';
export { Barrier } from './barrier';
export type { AsyncOptions, Held, HeldAsync } from './guard';
export {
  PthreadingError,
  RuntimeError,
  ThreadError,
  ValueError,
  OverflowError,
  ArgumentTypeError,
  BrokenBarrierError,
  AbortError,
  ThreadExitError,
} from './errors';
export { TIMEOUT_MAX } from './validate';
export { revive } from './shared';
export { nativeStats } from './native';
export type { NativeStats } from './native';

// A worker that loads pthreading gets the primitives in its workerData back
// as working objects.
if (!isMainThread) {
  try {
    revive(workerData);
  } catch {
    // workerData that cannot be walked (frozen, say) is left as it is.
  }
}
