/**
 * `local()`: Python's thread-local data. Every thread has its own heap, so
 * any object is local to the thread that made it; a `Local` sent to
 * another thread arrives empty there, as Python's does when another thread
 * looks at it.
 */
import { onRecycle } from '../runtime/native';
import { registerKind } from '../runtime/shared';
import { checkNoArguments } from '../runtime/validate';

/** Thread-local storage: set any attribute; other threads do not see it. */
export class Local {
  /** @internal */ readonly _kind: string = 'local';
  [attribute: string]: unknown;

  /** @throws TypeError if given arguments, as Python's `local()`. */
  constructor() {
    checkNoArguments('local', arguments.length);
    track(this);
  }
}

// Every Local made on, or sent to, this thread's worker. A worker runs one
// thread after another (src/worker.ts), keeping its module caches: a Local
// kept in a module variable or a global must look to the next thread as a
// new thread's does, empty.
const made = new Set<WeakRef<Local>>();
let pruneAt = 64;

function track(value: Local): void {
  made.add(new WeakRef(value));
  if (made.size >= pruneAt) prune();
}

function prune(): void {
  for (const ref of made) if (ref.deref() === undefined) made.delete(ref);
  pruneAt = Math.max(64, made.size * 2);
}

function clear(value: Local): void {
  for (const key of Object.keys(value)) if (key !== '_kind') delete value[key];
}

onRecycle(() => {
  for (const ref of made) {
    const value = ref.deref();
    if (value === undefined) made.delete(ref);
    else clear(value);
  }
});

/** A new thread-local storage object. @throws TypeError if given arguments. */
export function local(): Local {
  checkNoArguments('local', arguments.length);
  return new Local();
}

registerKind('local', Local.prototype, {
  shared: false,
  onRevive(value) {
    clear(value as Local);
    track(value as Local);
  },
});
