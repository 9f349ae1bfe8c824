/**
 * The native boundary of `pthreading/multiprocessing`: the addon's `mp`
 * functions (native/napi/multiprocessing.cc), how a primitive opens its
 * named segment, and the async wait driver.
 *
 * JavaScript never maps a segment (that would take an external
 * ArrayBuffer, which Electron refuses): each primitive holds a `_handle`,
 * an External the addon made for this process's mapping, and every
 * operation is one native call on it.
 */
import { readdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

import { ArgumentTypeError, RuntimeError, ValueError, describe } from '../runtime/errors';
import { Status, atDeadline, binding } from '../runtime/native';
import { registerKind } from '../runtime/shared';
import { FileExistsError, FileNotFoundError, OSError, PermissionError, SegmentMismatchError } from './errors';

/**
 * A primitive's handle: an External the addon made (this process's
 * mapping). Not enumerable on the primitive, so it never travels: a
 * primitive that arrives in another thread or process opens its own.
 */
export type Handle = object;

interface MpBinding {
  constants: { version: number; kinds: string; results: string; maxParticipants: number };
  /** `[handle, created]`, or `[error, detail]` when it failed. */
  open(name: string, kind: Kind, value: number, bound: number, flags: number, mode: number, create: number, initial?: number): [Handle | number, number];
  close(target: Handle): boolean;
  unlink(name: string): number;
  tryLock(h: Handle, ident: number, slept?: boolean): Result;
  /** A lock's acquire and release, bound to its handle (see {@link LockFns}). */
  bind(h: Handle): [LockFns['_acquireFn'], LockFns['_releaseFn']];
  lock(h: Handle, ident: number, timeoutSeconds: number): Result;
  unlock(h: Handle, ident: number): number;
  locked(h: Handle): boolean;
  owned(h: Handle, ident: number): number;
  holderPid(h: Handle): number;
  tryTake(h: Handle): Result;
  take(h: Handle, timeoutSeconds: number): Result;
  give(h: Handle, n: number): boolean;
  value(h: Handle): number;
  eventState(h: Handle): number;
  eventSet(h: Handle): void;
  eventClear(h: Handle): void;
  eventWait(h: Handle, seen: number, timeoutSeconds: number): number;
  notify(h: Handle, n: number): void;
  parkAsync(h: Handle, expected: number, callback: (status: number) => void): number;
  passOn(h: Handle): void;
  /** For tests only: a sync waiter that slept waits `ms` more before it looks again. */
  setRetryDelay(ms: number): void;
  stats(): { mappedSegments: number; watchedAsync: number };
  word(h: Handle, i: number): number;
  waitChild(pid: number, timeoutSeconds: number): [number, number] | null | -1 | -2;
  read(h: Handle, i: number): number | undefined;
  /** 1 written, 0 out of range, -1 when the element type cannot hold `value`. */
  write(h: Handle, i: number, value: number): number;
  shape(h: Handle): [number, number];
  barrierWait(h: Handle, timeoutSeconds: number): [number, number];
  barrierArrive(h: Handle): [number, number, boolean];
  barrierCheck(h: Handle, generation: number, index: number, timedOut: boolean): number;
  barrierControl(h: Handle, op: 0 | 1 | 2 | 3): void;
  barrierControl(h: Handle, op: 4): [number, number, boolean];
  bytesRead(h: Handle, offset: number, length: number): Buffer | null;
  bytesWrite(h: Handle, offset: number, source: ArrayBufferView): number;
  bytesReadInto(h: Handle, offset: number, target: ArrayBufferView): number;
  bytesReserve(h: Handle): number;
}

/** The addon's multiprocessing functions. */
export const mp: MpBinding = (binding as unknown as { mp: MpBinding }).mp;

/** Kinds of segment (native/core/shm.h). */
export const enum Kind {
  Lock = 1,
  RLock = 2,
  Semaphore = 3,
  Event = 4,
  Value = 5,
  Array = 6,
  Barrier = 7,
  Condition = 8,
  SharedMemory = 9,
}

const KIND_NAMES = ['', 'Lock', 'RLock', 'Semaphore', 'Event', 'Value', 'Array', 'Barrier', 'Condition', 'SharedMemory'];

/** Outcomes of acquire calls (native/core/shm.h). */
export const enum Result {
  Busy = 0,
  Acquired = 1,
  OwnerDied = 2,
  Cancelled = 3,
}

/** Header flags (native/core/shm.h). */
export const FLAG_TRACK_HOLDERS = 1;

// The constants shared with native code, checked once at load.
{
  const mine = { version: 1, kinds: '1,2,3,4,5,6,7,8,9', results: '0,1,2,3', maxParticipants: 64 };
  if (JSON.stringify(mp.constants) !== JSON.stringify(mine)) {
    throw new Error(`pthreading: the native addon does not match this JavaScript (${JSON.stringify(mp.constants)}); rebuild it`);
  }
}

/** How many processes may have one primitive open at once. */
export const MAX_PROCESSES = 64;

/** The prefix of every primitive's segment name in /dev/shm. */
export const PREFIX = 'pthreading-';
const ANON = `${PREFIX}anon-`;
const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** Options shared by every named primitive. */
export interface SharedOptions {
  /**
   * The name other processes open it by (`[A-Za-z0-9._-]`, at most 200
   * characters, not starting with a dot). Without one, a fresh anonymous
   * primitive is made: pass it to other processes (see `revive`).
   */
  name?: string;
  /**
   * `undefined` (default): open the primitive if it exists, else create
   * it. `true`: create only (`FileExistsError` if it exists). `false`: open
   * only (`FileNotFoundError` if it does not).
   */
  create?: boolean;
  /** Permission bits of a new segment; default `0o600` (this user only). */
  mode?: number;
}

/** A primitive's identity, the part that travels to threads and processes. */
export interface SharedIdentity {
  readonly _kind: string;
  _name: string;
  _handle: Handle;
}

/**
 * What a Lock, RLock, Value or Array holds besides its handle: its
 * acquire and release, bound to the handle by the addon, so the calls a
 * program makes most unpack no handle. Not enumerable, as the handle;
 * `undefined` once closed.
 */
export interface LockFns {
  /** true acquired, false taken, else the Result (OwnerDied). */
  _acquireFn?: (ident: number) => boolean | Result;
  /** Lock: whether it was locked. RLock: the count left, -1 if not the owner. */
  _releaseFn?: (ident: number) => boolean | number;
}

/** Checks `options` and returns the segment name and open mode. */
function parseOptions(method: string, options: unknown): { segment: string; create: number; mode: number; anonymous: boolean } {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') {
    throw new ArgumentTypeError(`${method}: options must be an object like { name }, not ${describe(options)}`);
  }
  const { name, create, mode } = options as Record<string, unknown>;
  if (create !== undefined && typeof create !== 'boolean') {
    throw new ArgumentTypeError(`${method}: options.create must be a boolean, not ${describe(create)}`);
  }
  let m = 0o600;
  if (mode !== undefined) {
    if (typeof mode !== 'number' || !Number.isInteger(mode)) {
      throw new ArgumentTypeError(`${method}: options.mode must be an integer like 0o600, not ${describe(mode)}`);
    }
    if (mode < 0 || mode > 0o777) throw new ValueError(`${method}: options.mode must be between 0 and 0o777, not 0o${mode.toString(8)}`);
    if ((mode & 0o600) !== 0o600) {
      throw new ValueError(`${method}: options.mode must let this user read and write (0o600), not 0o${mode.toString(8)}`);
    }
    m = mode;
  }
  const createMode = create === undefined ? 0 : create ? 1 : 2;
  if (name === undefined || name === null) {
    if (create === false) throw new ValueError(`${method}: an anonymous primitive cannot be opened (create: false needs a name)`);
    return { segment: `/${ANON}${process.pid}-${randomHex()}`, create: 1, mode: m, anonymous: true };
  }
  if (typeof name !== 'string') throw new ArgumentTypeError(`${method}: options.name must be a string, not ${describe(name)}`);
  if (!NAME_RE.test(name)) {
    throw new ValueError(
      `${method}: invalid name ${JSON.stringify(name)}: use 1 to 200 of A-Z a-z 0-9 . _ - (not starting with a dot)`,
      'ERR_INVALID_NAME',
    );
  }
  return { segment: `/${PREFIX}${name}`, create: createMode, mode: m, anonymous: false };
}

function randomHex(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Python's `os.strerror`-style names for the errnos open can report. */
const ERRNO: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 12: 'ENOMEM', 13: 'EACCES', 17: 'EEXIST', 24: 'EMFILE', 28: 'ENOSPC', 36: 'ENAMETOOLONG', 38: 'ENOSYS' };

/** Turns an open failure into its typed error. */
function openError(method: string, kind: Kind, segment: string, error: number, detail: number): Error {
  const shown = JSON.stringify(segment.slice(1));
  switch (error) {
    case 1:
      if (detail === 13 || detail === 1) {
        return new PermissionError(`${method}: permission denied opening ${shown} (it belongs to another user, or its mode forbids it)`, detail);
      }
      return new OSError(`${method}: cannot open ${shown}: ${ERRNO[detail] ?? `errno ${detail}`}`, detail);
    case 2:
      return new SegmentMismatchError(`${method}: ${shown} exists but is not a pthreading segment; refusing to read it`);
    case 3:
      return new SegmentMismatchError(
        `${method}: ${shown} was made by another version of pthreading (segment version ${detail}, this one reads ${mp.constants.version}); ` +
          'refusing to read it: unlink it, or use another name',
      );
    case 4:
      return new SegmentMismatchError(`${method}: ${shown} has another layout (0x${(detail >>> 0).toString(16)}) than this build reads; refusing to read it`);
    case 5:
      return new SegmentMismatchError(`${method}: ${shown} is a ${KIND_NAMES[detail] ?? `kind ${detail}`}, not a ${KIND_NAMES[kind]}`);
    case 6:
      return new SegmentMismatchError(`${method}: ${shown} was never initialised (its creator died while making it?); unlink it`);
    case 7:
      return new RuntimeError(`${method}: ${shown} is open in ${detail} processes already, the most one primitive allows`, 'ERR_TOO_MANY_PROCESSES');
    case 8:
      return new FileExistsError(`${method}: ${shown} exists (create: true makes a new one only)`);
    case 9:
      return new FileNotFoundError(`${method}: no primitive named ${shown} (create: false opens an existing one only)`);
    case 10:
      return new SegmentMismatchError(`${method}: ${shown} holds typecode '${String.fromCharCode(detail)}', not the one asked for`);
    case 11:
      if (kind === Kind.SharedMemory) return new SegmentMismatchError(`${method}: ${shown} holds ${detail} bytes, not the size asked for`);
      return new SegmentMismatchError(`${method}: ${shown} holds ${detail} elements, not the number asked for`);
    default:
      return new OSError(`${method}: cannot open ${shown} (error ${error}/${detail})`, detail);
  }
}

/** Anonymous segments this process made: their names go when it exits. */
const made = new Set<string>();
let sweptOnce = false;

/**
 * Opens or creates the segment of `target` (a new primitive) and sets its
 * identity. `value`/`bound`/`flags`/`initial` initialise a segment it
 * creates. Returns whether it created it.
 */
export function attach(
  target: SharedIdentity,
  method: string,
  kind: Kind,
  options: unknown,
  value = 0,
  bound = 0x7fffffff,
  flags = 0,
  initial = 0,
): boolean {
  const { segment, create, mode, anonymous } = parseOptions(method, options);
  if (anonymous && !sweptOnce) {
    sweptOnce = true;
    sweepAnonymous();
  }
  const [handle, created] = mp.open(segment, kind, value, bound, flags, mode, create, initial);
  if (typeof handle === 'number') throw openError(method, kind, segment, handle, created);
  if (anonymous) unlinkAtExit(segment);
  target._name = segment;
  setHandle(target, kind, handle);
  return created === 1;
}

/**
 * Sets `_handle` (and a lock's bound functions), not enumerable: an
 * External cannot be cloned, and must not travel.
 */
function setHandle(target: SharedIdentity, kind: Kind, handle: Handle): void {
  const hidden = (key: string, value: unknown): void => {
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
  };
  hidden('_handle', handle);
  if (kind === Kind.Lock || kind === Kind.RLock || kind === Kind.Value || kind === Kind.Array) {
    const [acquire, release] = mp.bind(handle);
    hidden('_acquireFn', acquire);
    hidden('_releaseFn', release);
  }
}

/** Opens the segment of a primitive that arrived from another thread or process. */
function reopen(kind: Kind, value: SharedIdentity): void {
  const segment = value._name;
  if (typeof segment !== 'string' || !segment.startsWith(`/${PREFIX}`)) {
    throw new ArgumentTypeError(`revive: a multiprocessing ${KIND_NAMES[kind]} must carry its name, got ${describe(segment)}`);
  }
  // Open only: nothing here initialises; 0s accept any typecode and length.
  const [handle, detail] = mp.open(segment, kind, 0, 0, 0, 0o600, 2);
  if (typeof handle === 'number') throw openError('revive', kind, segment, handle, detail);
  setHandle(value, kind, handle);
}

/**
 * Registers a class so that a primitive posted to a thread or sent to a
 * process (as JSON, or by structured clone) revives as the same primitive.
 */
export function registerShared(kind: Kind, prototype: object, className = KIND_NAMES[kind]): void {
  registerKind(`multiprocessing.${className}`, prototype, {
    shared: false,
    onRevive: (value) => reopen(kind, value as SharedIdentity),
  });
}

/** The handle of an open primitive, or a RuntimeError once closed. */
export function handleOf(value: SharedIdentity, method: string): Handle {
  const h = value._handle;
  if (h === null || h === undefined) throw new RuntimeError(`${method}: the ${value._kind.slice(16)} is closed`, 'ERR_CLOSED');
  return h;
}

/** Drops this object's handle; the mapping goes with the process's last one. */
export function detach(value: SharedIdentity): void {
  if (value._handle === null) return;
  mp.close(value._handle);
  (value as { _handle: Handle | null })._handle = null;
  const fns = value as LockFns;
  if (fns._acquireFn !== undefined) fns._acquireFn = fns._releaseFn = undefined;
}

/** Removes a segment's name (Python's `unlink()`): returns false if it was gone. */
export function unlinkSegment(method: string, segment: string): boolean {
  made.delete(segment);
  const errno = mp.unlink(segment);
  if (errno === 0) return true;
  if (errno === 2) return false;
  if (errno === 13 || errno === 1) throw new PermissionError(`${method}: permission denied unlinking ${JSON.stringify(segment.slice(1))}`, errno);
  throw new OSError(`${method}: cannot unlink ${JSON.stringify(segment.slice(1))}: ${ERRNO[errno] ?? `errno ${errno}`}`, errno);
}

/**
 * The cleanup rule for anonymous primitives: their segment is named
 * `pthreading-anon-<creator pid>-<random>`, and its name is removed when
 * the creator exits normally (made on a worker thread: when the process
 * has ended, as below). If it was killed instead, the name is
 * removed by the next process of the user that makes an anonymous
 * primitive, once no process with the creator's pid is alive. Processes
 * that have it open keep using it; only opening it by name stops working.
 */
export function sweepAnonymous(): number {
  let names: string[];
  try {
    names = readdirSync('/dev/shm');
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(ANON)) continue;
    const pid = Number(name.slice(ANON.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    if (mp.unlink(`/${name}`) === 0) removed++;
  }
  return removed;
}

/** Whether a process with this pid exists (one this process may not signal counts). Not part of the public API. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the names of this process's anonymous segments as it exits (once, on first use). */
function unlinkAtExit(segment: string): void {
  // Only the main thread's 'exit' is the process's: a segment a worker
  // thread made stays named until the process has ended and a sweep runs.
  if (!isMainThread) return;
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const s of made) mp.unlink(s);
    });
  }
  made.add(segment);
}
let exitHooked = false;

/**
 * The async wait driver: calls `attempt()` until it returns a result,
 * parking between attempts on the state `expected()` describes; never
 * blocks the event loop or takes a pool thread (one waker thread per
 * process watches the shared words). An attempt runs inside the wake-up
 * itself, as the in-process driver does, so a woken waiter has retried
 * before control returns to native code. Resolves `undefined` when the
 * deadline passes; rejects with the abort error when `signal` aborts.
 */
export function waitAsync<T>(
  handle: Handle,
  attempt: () => T | undefined,
  expected: () => number,
  deadline: number,
  signal: AbortSignal | undefined,
  onAbort: () => Error,
): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    let stopTimer: (() => void) | undefined;
    let id = 0;
    let parked = false;
    // Leaving without a result after a park: a wake-up sent to this waiter
    // alone may have been spent on it, so it is passed on (Segment::PassOn).
    const leave = (): void => {
      if (parked) mp.passOn(handle);
    };
    const abort = (): void => {
      if (id !== 0 && binding.cancelAsync(id)) finish(Status.Aborted);
    };
    const finish = (status: number): void => {
      stopTimer?.();
      stopTimer = undefined;
      signal?.removeEventListener('abort', abort);
      id = 0;
      step(status);
    };
    const step = (status: number): void => {
      try {
        for (;;) {
          const result = attempt();
          if (result !== undefined) return resolve(result);
          if (status === Status.TimedOut || performance.now() >= deadline) return (leave(), resolve(undefined));
          if (status === Status.Aborted || signal?.aborted) return (leave(), reject(onAbort()));
          id = mp.parkAsync(handle, expected(), finish);
          if (id !== 0) {
            parked = true;
            break;
          }
          status = Status.Invalid;
        }
        if (deadline !== Infinity) {
          stopTimer = atDeadline(deadline, () => {
            if (id !== 0 && binding.cancelAsync(id)) finish(Status.TimedOut);
          });
        }
        signal?.addEventListener('abort', abort, { once: true });
      } catch (error) {
        reject(error);
      }
    };
    step(Status.Invalid);
  });
}

/**
 * Diagnostics: raw word `i` (0-7) of a primitive's segment, whose meaning
 * per kind native/core/shm_sync.cc documents (a Lock's word 0 has bit 8 set
 * while somebody sleeps on it). For tests and bug reports, not for logic.
 */
export function rawWord(value: SharedIdentity, i: number): number {
  return mp.word(handleOf(value, 'rawWord'), i);
}

/** Live counts of this process: segments mapped, async waiters watched. */
export function multiprocessingStats(): { mappedSegments: number; watchedAsync: number } {
  return mp.stats();
}
