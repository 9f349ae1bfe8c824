/**
 * The seams through which a higher layer observes the primitives without
 * the primitives importing it. Debug mode (src/debug) fills these in when
 * the package is installed (src/install.ts); until then, and with debug
 * off, each is a no-op and costs a call.
 *
 * Names live here too: every primitive has a `name` (for reports) that
 * travels with it, whether debug mode is on or not.
 */
import { ArgumentTypeError, describe } from './errors';

/** What `stats()` returns: a primitive's contention counters. */
export interface ContentionStats {
  /** The primitive's `name`, or `Kind#id`. */
  name: string;
  kind: string;
  /** Successful acquisitions. */
  acquisitions: number;
  /** Acquisitions that found it taken and had to wait. */
  contended: number;
  /** Seconds spent waiting, in all, and the longest wait. */
  waitTotal: number;
  waitMax: number;
  /** The longest time it was held, in seconds (Lock and RLock). */
  holdMax: number;
}

/** The calls the lower layers make into debug mode. */
export interface DebugHooks {
  /** Each Lock/RLock/Semaphore constructor: give it counters if debug is on. */
  track(p: object): void;
  /** On revive: a primitive created in debug mode stays instrumented. */
  retrack(p: object): void;
  /** A primitive's counters, or null. */
  statsOf(p: object): ContentionStats | null;
  /** A timeout of 1,000 seconds or more was given. */
  suspectTimeout(method: string, what: string, seconds: number): void;
}

/** @internal The installed hooks; replaced whole by {@link setDebugHooks}. */
export let debugHooks: DebugHooks = {
  track() {},
  retrack() {},
  statsOf: () => null,
  suspectTimeout() {},
};

/** @internal Called once, by debug mode's install. */
export function setDebugHooks(hooks: DebugHooks): void {
  debugHooks = hooks;
}

/**
 * How a Barrier's action, sent to other threads as source, is compiled
 * where it is written, so its stack traces give the user's file and line:
 * src/threads fills these in when the package is installed
 * (src/install.ts); until then an action compiles with `new Function`.
 */
export interface SourceHooks {
  /** Where the function with this source, given by the caller, is written (plain data), or null. */
  placeOf(source: string): object | null;
  /** Rebuilds a function from its source, placed where `placeOf` said. */
  compile(source: string, place: object | null): () => unknown;
}

/** @internal The installed source hooks; replaced whole by {@link setSourceHooks}. */
export let sourceHooks: SourceHooks = {
  placeOf: () => null,
  compile: (source) => new Function(`return (${source});`)() as () => unknown,
};

/** @internal Called once, by the package's install. */
export function setSourceHooks(hooks: SourceHooks): void {
  sourceHooks = hooks;
}

/** The name of a primitive (`name` property), or null. */
export function nameOf(p: object): string | null {
  return (p as { _name?: string | null })._name ?? null;
}

/** Sets a primitive's name, checked. */
export function setNameOf(p: object, name: unknown): void {
  if (name !== null && typeof name !== 'string') throw new ArgumentTypeError(`name must be a string or null, not ${describe(name)}`);
  (p as { _name?: string | null })._name = name;
}
