/**
 * `local()`: Python's thread-local data. Every thread has its own heap, so
 * any object is local to the thread that made it; a `Local` sent to
 * another thread arrives empty there, as Python's does when another thread
 * looks at it.
 */
import { registerKind } from './shared';

/** Thread-local storage: set any attribute; other threads do not see it. */
export class Local {
  /** @internal */ readonly _kind: string = 'local';
  [attribute: string]: unknown;
}

/** A new thread-local storage object. */
export function local(): Local {
  return new Local();
}

registerKind('local', Local.prototype, {
  shared: false,
  onRevive(value) {
    for (const key of Object.keys(value)) if (key !== '_kind') delete (value as Record<string, unknown>)[key];
  },
});
