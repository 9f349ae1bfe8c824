/**
 * The multiprocessing classes that travel (revive) between threads and
 * processes, loaded by the main entry for their registration alone: one
 * posted to a thread revives there even if only `pthreading` is loaded.
 * (Process, which pulls in child_process, is not among them.)
 */
import './lock';
import './semaphore';
import './event';
import './value';
import './barrier';
import './condition';
