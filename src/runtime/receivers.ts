/**
 * Methods called on the wrong object. `Lock.prototype.acquire.call({})`
 * throws this library's `TypeError` with the code `ERR_INVALID_THIS`, as
 * CPython raises "descriptor 'acquire' for '_thread.lock' objects doesn't
 * apply to a 'dict' object", instead of whatever the method body would trip
 * over (a raw `TypeError` from `Atomics`, with no code).
 *
 * {@link guardReceivers} replaces each public member of a class's prototype
 * (methods, getters, setters; not `_`-prefixed internals, not the
 * constructor) once, at load, with a wrapper that checks the receiver and
 * then calls the original with the same `this` and arguments. The check is
 * `instanceof` plus one field every constructed (or revived) instance has,
 * so an object made with `Object.create(Lock.prototype)` is refused too.
 * Members that return promises reject instead of throwing.
 */
import { ArgumentTypeError, describe } from './errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Class = abstract new (...args: any[]) => object;

const guarded = new WeakSet<object>();

/**
 * Guards every public member of `cls.prototype` (its own, not inherited
 * ones: guard each class of a hierarchy). `state` names an instance field
 * that a constructed instance always has. `internal` names TypeScript-
 * private helpers to leave as they are: they run only on a `this` that a
 * public member has checked, and some sit on hot paths (Semaphore's
 * `start`). A helper missing from the list is guarded too, which costs a
 * little time, never correctness.
 */
export function guardReceivers(cls: Class, state: string, internal: readonly string[] = []): void {
  const proto = cls.prototype as object;
  if (guarded.has(proto)) return;
  guarded.add(proto);
  const ok = (x: unknown): boolean => x instanceof cls && (x as Record<string, unknown>)[state] !== undefined;
  for (const key of Reflect.ownKeys(proto)) {
    if (key === 'constructor' || (typeof key === 'string' && (key.startsWith('_') || internal.includes(key)))) continue;
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    const label = `${cls.name}.${typeof key === 'symbol' ? `[${key.description}]` : key}`;
    if (typeof d.value === 'function') {
      d.value = wrap(d.value, label, cls.name, ok, isAsync(d.value, key));
    } else {
      if (d.get) d.get = wrap(d.get, label, cls.name, ok, false);
      if (d.set) d.set = wrap(d.set, label, cls.name, ok, false);
      if (!d.get && !d.set) continue;
    }
    Object.defineProperty(proto, key, d);
  }
}

function isAsync(fn: (...args: never[]) => unknown, key: string | symbol): boolean {
  return fn.constructor.name === 'AsyncFunction' || (typeof key === 'string' && key.endsWith('Async'));
}

/**
 * The error for a wrong receiver. The hottest members (Lock's and RLock's
 * acquire and release) check their receiver inline and throw this, rather
 * than through a wrapper, which would cost them a third of their time.
 */
export function wrongThis(label: string, className: string, x: unknown): ArgumentTypeError {
  const given = x instanceof Object && Object.getPrototypeOf(x)?.constructor?.name === className
    ? `a ${className} that was never constructed`
    : describe(x);
  return new ArgumentTypeError(`${label}: 'this' must be a ${className}, not ${given}`, 'ERR_INVALID_THIS');
}

function wrap(fn: (...args: never[]) => unknown, label: string, className: string, ok: (x: unknown) => boolean, async: boolean): (...args: never[]) => unknown {
  // `arguments`, not a rest parameter: V8 forwards it to apply() without
  // building an array, so a guarded Lock.acquire costs ~1 ns more.
  const guard = async
    ? function (this: unknown): unknown {
        if (!ok(this)) return Promise.reject(wrongThis(label, className, this));
        return fn.apply(this, arguments as unknown as never[]);
      }
    : function (this: unknown): unknown {
        if (!ok(this)) throw wrongThis(label, className, this);
        return fn.apply(this, arguments as unknown as never[]);
      };
  Object.defineProperty(guard, 'name', { value: fn.name });
  Object.defineProperty(guard, 'length', { value: fn.length });
  return guard;
}
