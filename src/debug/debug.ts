/**
 * Debug mode: contention statistics and deadlock detection for Lock, RLock,
 * Semaphore and BoundedSemaphore. Off by default, and then free: nothing
 * here runs, and the primitives' methods are their prototypes' own.
 *
 * Turn it on with `PTHREADING_DEBUG=stats,deadlock` in the environment, or
 * `setDebug({ stats, deadlock })` (process-wide, for primitives created
 * afterwards). A primitive created in debug mode gets a block of shared
 * counters (`_debug`, which travels with it to other threads) and
 * instrumented acquire/release methods as non-enumerable own properties,
 * put back whenever the primitive is revived in another thread.
 *
 * Deadlock detection follows Linux's lockdep and Abseil's Mutex: every time
 * a thread takes a lock while holding others, the order (held -> taken) is
 * added to one process-wide graph (native/core/debug.cc). An order that closes a
 * cycle is a potential deadlock, reported the first time it is seen, before
 * any thread hangs, with the threads and the stacks where each lock was
 * taken. A thread about to block on a Lock/RLock held by a thread that waits,
 * in turn, for one of its locks is a real deadlock, reported too.
 *
 * Warnings (`PTHREADING_DEBUG=warnings`, `setDebug({ warnings })`) say out
 * loud the mistakes a server makes with blocking waits: the main thread
 * blocked in a sync wait longer than `blockThreshold` seconds (timed
 * around the native park by runSync, through the watch it offers, only
 * while the switch is on); a timeout of 1,000 seconds or more, which looks
 * like milliseconds; and the main thread blocking on a Lock that its own
 * async code holds. Each is a `process` warning with a code, once per call
 * site.
 *
 * Nothing here grows for ever in a long-running process: the native graph
 * keeps the 4,096 most recent orders (kMaxOrderEdges in native/core/debug.h;
 * an order older than that is forgotten, and a cycle it starts is not
 * reported), each thread's cache of the orders it has sent is emptied at
 * 4,096 entries, and the list of primitives for contentionStats() drops
 * collected ones as it grows.
 */
import { isMainThread } from 'node:worker_threads';

import { ArgumentTypeError, ValueError, describe, safeString } from '../runtime/errors';
import { binding, ident, onRecycle, watchSyncWaits } from '../runtime/native';
import { ContentionStats, setDebugHooks } from '../runtime/hooks';
import path from 'node:path';

const STATS = 1;
const DEADLOCK = 2;
const WARNINGS = 4;

// Slots of a primitive's debug block (BigInt64, nanoseconds).
const ID = 0;
const ACQUISITIONS = 1;
const CONTENDED = 2;
const WAIT_TOTAL = 3;
const WAIT_MAX = 4;
const HOLD_MAX = 5;
const HELD_SINCE = 6;
const FLAGS = 7;
const OWNER = 8; // the ident of the thread holding a Lock/RLock (deadlock mode)
const ASYNC_HOLDER = 9; // the ident of the thread whose acquireAsync holds a Lock (warnings)
const SLOTS = 10;

// An RLock's recursion count (slot 2 of its words, src/sync/rlock.ts).
const RLOCK_COUNT = 2;

/** Which debug features are on. */
export interface DebugOptions {
  /** Contention counters on every Lock, RLock and Semaphore created. */
  stats?: boolean;
  /** Lock-order and waits-for checks on every Lock and RLock created. */
  deadlock?: boolean;
  /**
   * Warnings (`process` warnings with a code) for the main thread blocked
   * longer than `blockThreshold` in a sync wait, for timeouts that look
   * like milliseconds, and for a sync wait on a Lock this thread holds
   * through `acquireAsync`.
   */
  warnings?: boolean;
  /** Seconds the main thread may block in a sync wait before a warning (default 0.05). */
  blockThreshold?: number;
}

export type { ContentionStats };

/** A deadlock report, as given to the handler set by {@link setDeadlockHandler}. */
export interface DeadlockReport {
  /** 'potential': a lock-order inversion; 'deadlock': threads waiting on each other now. */
  kind: 'potential' | 'deadlock';
  /** The report as printed by default. */
  message: string;
  /** Potential: the lock-order edges of the cycle. Deadlock: each thread and the lock it waits for. */
  cycle: { thread: string; from?: string; to?: string; lock?: string; fromStack?: string; toStack?: string }[];
}

interface Tracked {
  _kind: string;
  _words: Int32Array;
  _debug: BigInt64Array;
  _name?: string | null;
  _isOwned?(): boolean;
  locked?(): boolean;
}

interface Methods {
  acquire(this: Tracked, blocking?: boolean, timeout?: number | null): boolean;
  acquireAsync(this: Tracked, blocking?: boolean, timeout?: number | null, options?: unknown): Promise<boolean>;
  release(this: Tracked, ...args: unknown[]): void;
}

// The main thread's blocking budget, in milliseconds: 50, the Web's
// definition of a long task.
let blockThresholdMs = 50;

function parseEnv(value: string | undefined): number {
  let flags = 0;
  for (const word of (value ?? '').split(/[\s,]+/)) {
    if (word === 'stats') flags |= STATS;
    else if (word === 'deadlock') flags |= DEADLOCK;
    else if (word === 'warnings') flags |= WARNINGS;
    else if (word === 'all' || word === '1') flags |= STATS | DEADLOCK | WARNINGS;
    else if (word.startsWith('blockThreshold=')) {
      const seconds = Number(word.slice('blockThreshold='.length));
      if (seconds > 0 && Number.isFinite(seconds)) blockThresholdMs = seconds * 1000;
    }
  }
  return flags;
}

/**
 * @internal Installs debug mode's hooks (src/runtime/hooks.ts) in this
 * thread, and in the main thread applies `PTHREADING_DEBUG` (once: every
 * thread sees the same native switches). Called by src/install.ts.
 */
export function installDebug(): void {
  setDebugHooks({ track, retrack, statsOf, suspectTimeout });
  if (isMainThread && process.env.PTHREADING_DEBUG) {
    binding.debugFlags(binding.debugFlags() | parseEnv(process.env.PTHREADING_DEBUG));
    if (binding.debugFlags() & WARNINGS) watchSyncWaits(onMainBlocked);
  }
}

/**
 * Turns debug features on or off for primitives created from now on, in
 * every thread. Returns the previous settings.
 * @throws TypeError for options that are not booleans.
 */
export function setDebug(options: DebugOptions): Required<DebugOptions> {
  if (typeof options !== 'object' || options === null) throw new ArgumentTypeError(`setDebug: options must be an object, not ${describe(options)}`);
  const previous = getDebug();
  let flags = binding.debugFlags();
  for (const [key, bit] of [['stats', STATS], ['deadlock', DEADLOCK], ['warnings', WARNINGS]] as const) {
    const on = options[key];
    if (on === undefined) continue;
    if (typeof on !== 'boolean') throw new ArgumentTypeError(`setDebug: ${key} must be a boolean, not ${describe(on)}`);
    flags = on ? flags | bit : flags & ~bit;
  }
  const threshold = options.blockThreshold;
  if (threshold !== undefined) {
    if (typeof threshold !== 'number') throw new ArgumentTypeError(`setDebug: blockThreshold must be a number of seconds, not ${describe(threshold)}`);
    if (!(threshold > 0) || !Number.isFinite(threshold)) throw new ValueError(`setDebug: blockThreshold must be a positive number of seconds, not ${threshold}`);
    blockThresholdMs = threshold * 1000;
  }
  binding.debugFlags(flags);
  // Only the main thread's blocking is watched (a worker may block).
  if (isMainThread) watchSyncWaits(flags & WARNINGS ? onMainBlocked : null);
  return previous;
}

/** Which debug features are on. */
export function getDebug(): Required<DebugOptions> {
  const flags = binding.debugFlags();
  return {
    stats: (flags & STATS) !== 0,
    deadlock: (flags & DEADLOCK) !== 0,
    warnings: (flags & WARNINGS) !== 0,
    blockThreshold: blockThresholdMs / 1000,
  };
}

// Call sites already warned about, per warning code.
const warned = new Set<string>();

/**
 * Emits a `PthreadingWarning` with `code`, once per call site (the first
 * frame outside this library). `beforeWait`: the thread may block next, so
 * the warning is emitted now, on the 'warning' event that
 * `process.emitWarning` emits a tick later: that tick may never come.
 */
function warn(code: string, message: (site: string, method: string) => string, beforeWait: boolean): void {
  const { site, method } = callSite();
  const key = `${code} ${site}`;
  if (warned.has(key)) return;
  warned.add(key);
  const warning = new Error(message(site, method));
  warning.name = 'PthreadingWarning';
  (warning as Error & { code: string }).code = code;
  if (!beforeWait) {
    process.emitWarning(warning);
    return;
  }
  try {
    process.emit('warning', warning);
  } catch (error) {
    // A listener threw: as it would from process.emitWarning's tick.
    process.nextTick(() => {
      throw error;
    });
  }
}

// The caller's frame outside this library, and the library method it called.
function callSite(): { site: string; method: string } {
  const where: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 24;
  Error.captureStackTrace(where, callSite);
  Error.stackTraceLimit = limit;
  const frames = (where.stack ?? '').split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
  const outside = frames.findIndex((f) => !f.includes(libraryDir));
  const site = outside < 0 ? 'unknown' : (/\((.*)\)$/.exec(frames[outside])?.[1] ?? frames[outside]);
  const called = outside > 0 ? /^(?:async )?([\w$.]+)/.exec(frames[outside - 1])?.[1] : undefined;
  // A module function called as `p.sleep()` is framed as `Object.sleep`.
  return { site, method: called ? `${called.replace(/^Object\./, '')}()` : 'a sync wait' };
}

// The main thread's sync waits, timed by runSync while warnings are on.
function onMainBlocked(parkedMs: number): void {
  if (parkedMs < blockThresholdMs) return;
  warn(
    'PTHREADING_MAIN_BLOCKED',
    (site, method) =>
      `the main thread was blocked ${Math.round(parkedMs)} ms in ${method} at ${site}: its event loop (timers, I/O, ` +
      'every request of a server) stood still meanwhile. On the main thread, use the …Async form ' +
      '(acquireAsync, waitAsync, getAsync, joinAsync, sleepAsync).',
    false,
  );
}

/**
 * Called by the timeout checks with a timeout of 1,000 seconds or more:
 * with warnings on, says that it looks like milliseconds.
 */
function suspectTimeout(method: string, what: string, seconds: number): void {
  if ((binding.debugFlags() & WARNINGS) === 0) return;
  warn(
    'PTHREADING_TIMEOUT_UNITS',
    (site) =>
      `${method}: a ${what} of ${seconds} seconds (${(seconds / 3600).toFixed(1)} hours) at ${site} looks like milliseconds; ` +
      `pthreading's times are in seconds, as Python's: ${seconds / 1000} s is ${seconds / 1000}.`,
    true,
  );
}

const defaultHandler = (report: DeadlockReport): void => void process.stderr.write(`${report.message}\n`);
let handler: (report: DeadlockReport) => void = defaultHandler;

/**
 * Sets what happens with a deadlock report in this thread (the thread that
 * finds it); `null` restores the default, which prints it to stderr.
 */
export function setDeadlockHandler(fn: ((report: DeadlockReport) => void) | null): void {
  if (fn !== null && typeof fn !== 'function') throw new ArgumentTypeError(`setDeadlockHandler: fn must be a function or null, not ${describe(fn)}`);
  handler = fn ?? ((report) => process.stderr.write(`${report.message}\n`));
}

// Primitives tracked in this thread, for contentionStats(). Collected ones
// are swept out whenever the list doubles since the last sweep.
const tracked: WeakRef<Tracked>[] = [];
let sweepAt = 1024;

function remember(p: Tracked): void {
  tracked.push(new WeakRef(p));
  if (tracked.length < sweepAt) return;
  for (let i = tracked.length - 1; i >= 0; i--) if (!tracked[i].deref()) tracked.splice(i, 1);
  sweepAt = Math.max(1024, 2 * tracked.length);
}

/** @internal The sizes of this thread's debug bookkeeping (for tests). */
export function debugBookkeeping(): { tracked: number; knownOrders: number } {
  return { tracked: tracked.length, knownOrders };
}

/** Called by each constructor: in debug mode, gives the primitive its counters. */
function track(p: object): void {
  const flags = binding.debugFlags();
  if (flags === 0 || !hasMethods(p)) return;
  const block = new BigInt64Array(new SharedArrayBuffer(8 * SLOTS));
  block[ID] = BigInt(binding.nextDebugId());
  block[FLAGS] = BigInt(flags);
  (p as Tracked)._debug = block;
  instrument(p as Tracked);
}

/** Called on revive: a primitive created in debug mode stays instrumented. */
function retrack(p: object): void {
  const block = (p as Partial<Tracked>)._debug;
  if (block instanceof BigInt64Array && block.buffer instanceof SharedArrayBuffer && hasMethods(p)) instrument(p as Tracked);
}

function hasMethods(p: object): boolean {
  const kind = (p as { _kind?: string })._kind;
  return kind === 'Lock' || kind === 'RLock' || kind === 'Semaphore' || kind === 'BoundedSemaphore';
}

/** The counters of a primitive created in debug mode with stats on, or null. */
function statsOf(p: object): ContentionStats | null {
  const t = p as Partial<Tracked>;
  const d = t._debug;
  if (!(d instanceof BigInt64Array) || (Number(d[FLAGS]) & STATS) === 0) return null;
  const seconds = (slot: number): number => Number(Atomics.load(d, slot)) / 1e9;
  return {
    name: labelOf(t as Tracked),
    kind: t._kind as string,
    acquisitions: Number(Atomics.load(d, ACQUISITIONS)),
    contended: Number(Atomics.load(d, CONTENDED)),
    waitTotal: seconds(WAIT_TOTAL),
    waitMax: seconds(WAIT_MAX),
    holdMax: seconds(HOLD_MAX),
  };
}

/**
 * The contention counters of every primitive this thread has created or
 * received in stats mode and still holds, most contended first.
 */
export function contentionStats(): ContentionStats[] {
  const out: ContentionStats[] = [];
  for (let i = tracked.length - 1; i >= 0; i--) {
    const p = tracked[i].deref();
    if (!p) tracked.splice(i, 1);
    else {
      const s = statsOf(p);
      if (s) out.push(s);
    }
  }
  return out.sort((a, b) => b.waitTotal - a.waitTotal || b.contended - a.contended);
}

function labelOf(p: Tracked): string {
  return p._name ?? `${p._kind}#${p._debug[ID]}`;
}

function threadName(thread = ident): string {
  return binding.findThread(thread)?.name ?? `thread ${thread}`;
}

// Where the caller took a lock: captured at once, formatted only for a
// report, outside this library.
const libraryDir = path.join(__dirname, '..'); // dist/: every file of the library
function here(): { stack?: string } {
  const where = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 8; // the caller's few frames are what a report needs
  Error.captureStackTrace(where, here);
  Error.stackTraceLimit = limit;
  return where;
}
function format(where: { stack?: string }): string {
  const lines = (where.stack ?? '').split('\n').slice(1);
  return lines.filter((l) => !l.includes(libraryDir)).map((l) => `      ${l.trim()}`).join('\n');
}

// The Locks and RLocks this thread holds, in the order it took them.
interface Held {
  p: Tracked;
  id: number;
  where: { stack?: string };
}
const held: Held[] = [];
// This thread's ident as the owner slots store it.
let me = BigInt(ident);
// A worker running its next thread: that thread holds nothing (the locks
// the last one left held stay held, by it).
onRecycle(() => {
  held.length = 0;
  me = BigInt(ident);
  handler = defaultHandler;
});
// Lock orders this thread has already recorded: from -> to. Only a cache
// of what the native graph was sent (an order sent again is a no-op there),
// so it is simply emptied when it holds KNOWN_MAX orders.
const known = new Map<number, Set<number>>();
const KNOWN_MAX = 4096;
let knownOrders = 0;

function atomicMax(d: BigInt64Array, slot: number, value: bigint): void {
  for (let seen = Atomics.load(d, slot); value > seen; ) {
    const actual = Atomics.compareExchange(d, slot, seen, value);
    if (actual === seen) return;
    seen = actual;
  }
}

function instrument(p: Tracked): void {
  const proto = Object.getPrototypeOf(p) as Methods;
  const d = p._debug;
  const flags = Number(d[FLAGS]);
  const stats = (flags & STATS) !== 0;
  const owned = p._kind === 'Lock' || p._kind === 'RLock';
  const deadlock = (flags & DEADLOCK) !== 0 && owned;
  // A sync wait on the main thread for a Lock its own async code holds.
  const selfWait = (flags & WARNINGS) !== 0 && p._kind === 'Lock';
  const id = Number(d[ID]);
  remember(p);

  // Whether an acquire now would have to wait (a look, not a promise).
  const busy = (): boolean => {
    if (p._kind === 'Lock') return p.locked!();
    if (p._kind === 'RLock') return Atomics.load(p._words, 1) !== 0 && !p._isOwned!();
    return Atomics.load(p._words, 0) === 0;
  };
  // Whether this acquire is the outermost one (not an RLock recursion).
  const outermost = (): boolean => p._kind !== 'RLock' || !p._isOwned!();

  // No clock and no stack unless they are used: the stack of an acquire is
  // captured only when it makes a lock order not seen before (checkOrder),
  // which is when a report may need it; stats alone need the clock.
  const beforeAcquire = (): { start: bigint; contended: boolean; outer: boolean; where: { stack?: string } } => {
    const outer = outermost();
    const where: { stack?: string } = {};
    if (deadlock && outer) checkOrder(p, id, where);
    return { start: stats ? process.hrtime.bigint() : 0n, contended: busy(), outer, where };
  };
  const afterAcquire = (how: ReturnType<typeof beforeAcquire>): void => {
    if (stats) {
      const now = process.hrtime.bigint();
      Atomics.add(d, ACQUISITIONS, 1n);
      if (how.contended) {
        const waited = now - how.start;
        Atomics.add(d, CONTENDED, 1n);
        Atomics.add(d, WAIT_TOTAL, waited);
        atomicMax(d, WAIT_MAX, waited);
      }
      if (owned && how.outer) Atomics.store(d, HELD_SINCE, now);
    }
    if (deadlock && how.outer) {
      held.push({ p, id, where: how.where });
      Atomics.store(d, OWNER, me);
    }
  };

  define(p, 'acquire', function acquire(this: Tracked, blocking?: boolean, timeout?: number | null): boolean {
    const how = beforeAcquire();
    const waits = deadlock && how.contended && blocking !== false;
    if (selfWait && isMainThread && how.contended && blocking !== false && Atomics.load(d, ASYNC_HOLDER) === me) {
      warn(
        'PTHREADING_SELF_WAIT',
        (site) =>
          `Lock.acquire() at ${site} blocks the main thread on a Lock that the main thread itself holds through ` +
          'acquireAsync(): the async code holding it cannot run to release it while this thread blocks, so this ' +
          'wait ends only by its timeout (or never). Use acquireAsync() here too.',
        true,
      );
    }
    let ok: boolean;
    if (waits) {
      checkWait(id, labelOf(p), Number(Atomics.load(d, OWNER)));
      try {
        ok = proto.acquire.call(p, blocking, timeout);
      } finally {
        binding.endWait(ident);
      }
    } else {
      ok = proto.acquire.call(p, blocking, timeout);
    }
    if (ok) afterAcquire(how);
    if (ok && selfWait) Atomics.store(d, ASYNC_HOLDER, 0n);
    return ok;
  });
  define(p, 'acquireAsync', async function acquireAsync(this: Tracked, blocking?: boolean, timeout?: number | null, options?: unknown): Promise<boolean> {
    const how = beforeAcquire();
    const ok = await proto.acquireAsync.call(p, blocking, timeout, options);
    if (ok) afterAcquire(how);
    if (ok && selfWait) Atomics.store(d, ASYNC_HOLDER, me);
    return ok;
  });
  define(p, 'release', function release(this: Tracked, n?: number): void {
    // The hold time is counted while the lock is still held: after the
    // release, the next holder may already have reset HELD_SINCE, or read
    // the counters before this hold is in them. (An RLock's hold ends with
    // its outermost release; a release that will throw counts nothing.)
    if (stats && owned && p.locked!() && (p._kind !== 'RLock' || (p._isOwned!() && Atomics.load(p._words, RLOCK_COUNT) === 1))) {
      atomicMax(d, HOLD_MAX, process.hrtime.bigint() - Atomics.load(d, HELD_SINCE));
    }
    if (arguments.length === 0) proto.release.call(p);
    else proto.release.call(p, n);
    if (selfWait) Atomics.store(d, ASYNC_HOLDER, 0n);
    if (!owned || (p._kind === 'RLock' && p._isOwned!())) return;
    if (deadlock) {
      // Usually the lock taken last.
      const last = held.length - 1;
      if (last >= 0 && held[last].id === id) held.pop();
      else {
        const i = held.findIndex((h) => h.id === id);
        if (i >= 0) held.splice(i, 1);
      }
      Atomics.store(d, OWNER, 0n);
    }
  });
}

function define(p: object, name: string, fn: (...args: never[]) => unknown): void {
  Object.defineProperty(p, name, { value: fn, enumerable: false, configurable: true, writable: true });
}

// Records "held -> p" for each lock this thread holds; reports a cycle.
function checkOrder(p: Tracked, id: number, where: { stack?: string }): void {
  // A plain Lock released by another thread is no longer held here.
  for (let i = held.length - 1; i >= 0; i--) if (held[i].p._kind === 'Lock' && !held[i].p.locked!()) held.splice(i, 1);
  for (const h of held) {
    if (h.id === id) continue;
    let after = known.get(h.id);
    if (!after) known.set(h.id, (after = new Set()));
    if (after.has(id)) continue; // recorded before: only new orders reach the graph
    if (knownOrders >= KNOWN_MAX) {
      known.clear();
      knownOrders = 0;
      known.set(h.id, (after = new Set()));
    }
    after.add(id);
    knownOrders++;
    if (where.stack === undefined) where.stack = here().stack;
    const cycle = binding.recordOrder(h.id, id, labelOf(h.p), labelOf(p), threadName(), format(h.where), format(where));
    if (cycle) report(potential(cycle));
  }
}

function potential(cycle: NonNullable<ReturnType<typeof binding.recordOrder>>): DeadlockReport {
  const lines = ['pthreading: potential deadlock: locks taken in an order that forms a cycle'];
  for (const e of cycle) {
    lines.push(`  ${e.thread} took '${e.to}' while holding '${e.from}'`);
    lines.push(`    '${e.from}' was taken at:`, e.fromStack || '      (not recorded: a stack is kept only where a lock order is first seen)');
    lines.push(`    '${e.to}' was taken at:`, e.toStack || '      (unknown)');
  }
  lines.push("  Threads taking these locks at the same time can each wait for the other's lock forever.");
  lines.push('  Take them in one order everywhere.');
  return { kind: 'potential', message: lines.join('\n'), cycle };
}

function checkWait(id: number, label: string, owner: number): void {
  const links = binding.beginWait(ident, id, label, owner);
  if (!links) return;
  const cycle = links.map((l) => ({ thread: threadName(l.thread), lock: l.lock }));
  const lines = ['pthreading: deadlock: these threads wait for each other'];
  for (let i = 0; i < cycle.length; i++) {
    const next = cycle[(i + 1) % cycle.length];
    lines.push(`  ${cycle[i].thread} waits for '${cycle[i].lock}', held by ${next.thread}`);
  }
  report({ kind: 'deadlock', message: lines.join('\n'), cycle });
}

function report(r: DeadlockReport): void {
  try {
    handler(r);
  } catch (error) {
    process.stderr.write(`pthreading: the deadlock handler threw: ${safeString(error)}\n${r.message}\n`);
  }
}
