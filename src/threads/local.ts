/**
 * `local()`: Python's thread-local data. Every thread has its own heap, so
 * any object is local to the thread that made it; a `Local` sent to
 * another thread arrives empty there, as Python's does when another thread
 * looks at it.
 */
import { registerKind } from '../runtime/shared';
import { checkNoArguments } from '../runtime/validate';

/** Thread-local storage: set any attribute; other threads do not see it. */
export class Local {
  /** @internal */ readonly _kind: string = 'local';
  [attribute: string]: unknown;

  /** @throws TypeError if given arguments, as Python's `local()`. */
  constructor() {
    checkNoArguments('local', arguments.length);
  }
}

/** A new thread-local storage object. @throws TypeError if given arguments. */
export function local(): Local {
  checkNoArguments('local', arguments.length);
  return new Local();
}

registerKind('local', Local.prototype, {
  shared: false,
  onRevive(value) {
    for (const key of Object.keys(value)) if (key !== '_kind') delete (value as Record<string, unknown>)[key];
  },
});
