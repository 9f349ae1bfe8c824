/**
 * The multiprocessing classes that travel (revive) between threads and
 * processes, registered by the main entry by name only: one posted to a
 * thread revives there even if only `pthreading` is loaded, and their
 * modules load the first time one is revived (a thread that never sees one
 * does not pay for them at boot). Process, which pulls in child_process, is
 * not among them.
 */
import { registerLazyKinds } from '../runtime/shared';

registerLazyKinds(
  ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Value', 'Array', 'Barrier', 'Condition', 'SharedMemory', 'Queue', 'JoinableQueue', 'SimpleQueue'].map((name) => `multiprocessing.${name}`),
  () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('./lock');
    require('./semaphore');
    require('./event');
    require('./value');
    require('./barrier');
    require('./condition');
    require('./shared-memory');
    require('./queue');
    /* eslint-enable @typescript-eslint/no-require-imports */
  },
);
