/**
 * What every multiprocessing primitive shares: its identity (kind, segment
 * name, handle), how it travels, `close()` and `unlink()`.
 */
import { isMainThread } from 'node:worker_threads';

import { AbortError, ArgumentTypeError, RuntimeError } from '../runtime/errors';
import { stopThisThread } from '../runtime/native';
import { Handle, PREFIX, Result, SharedIdentity, detach, handleOf, unlinkSegment } from './native';

// Electron renderers must never block their main thread.
const mayBlock = !(isMainThread && (process as { type?: string }).type === 'renderer');

/** Throws where a sync wait is not allowed (an Electron renderer's main thread). */
export function checkMayBlock(): void {
  if (!mayBlock) {
    throw new RuntimeError(
      'blocking waits are not allowed on the main thread of an Electron renderer; use the …Async form',
      'ERR_WOULD_BLOCK',
    );
  }
}

/** The outcome of a native acquire: true if taken; a cancelled wait ends the thread. */
export function taken(result: Result): boolean {
  if (result === Result.Cancelled) stopThisThread();
  return result === Result.Acquired || result === Result.OwnerDied;
}

export function aborted(signal: AbortSignal | undefined): () => Error {
  return () => new AbortError(signal?.reason);
}

/** The user-facing name of a segment (without the prefix and slash). */
export function shownName(segment: string): string {
  return segment.slice(1 + PREFIX.length);
}

/**
 * The methods every multiprocessing primitive has, mixed into each class
 * (they extend different bases: Lock is an Acquirable, Event is not).
 */
export const sharedMethods = {
  /**
   * The name other processes open it by (anonymous primitives have a
   * generated one, `anon-<pid>-<random>`).
   */
  sharedName(this: SharedIdentity): string {
    return shownName(this._name);
  },

  /**
   * Drops this object's hold on the segment; it cannot be used after.
   * The process unmaps the segment once its last object is closed (or
   * collected), unless it still holds the lock or units in it: then the
   * mapping stays until the process ends, so its death is still seen.
   */
  close(this: SharedIdentity): void {
    detach(this);
  },

  /**
   * Removes the name, as Python's `SharedMemory.unlink()`: processes that
   * have it open keep using it; opening the name again makes a new one.
   * Returns false if the name was already gone.
   */
  unlink(this: SharedIdentity): boolean {
    return unlinkSegment(`${this._kind.slice(16)}.unlink`, this._name);
  },

  /** What JSON carries to another process: revive it there (`revive(msg)`). */
  toJSON(this: SharedIdentity): { _kind: string; _name: string } {
    return { _kind: this._kind, _name: this._name };
  },
};

/** Copies {@link sharedMethods} onto a class's prototype. */
export function mixShared(prototype: object): void {
  for (const [key, fn] of Object.entries(sharedMethods)) {
    Object.defineProperty(prototype, key, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

/** The declarations {@link mixShared} provides, for a class to merge. */
export interface Shared {
  sharedName(): string;
  close(): void;
  unlink(): boolean;
  toJSON(): { _kind: string; _name: string };
}

export function handle(value: SharedIdentity, method: string): Handle {
  if (value === null || typeof value !== 'object' || typeof value._kind !== 'string') {
    throw new ArgumentTypeError(`${method}: called on ${String(value)}, not a multiprocessing primitive`);
  }
  return handleOf(value, method);
}
