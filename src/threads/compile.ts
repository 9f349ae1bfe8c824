/**
 * How code sent to a thread as source text becomes a function there: it is
 * compiled as if written in the file that sent it, so `require`, `import()`
 * and `module` resolve from there, and placed where it is written (its
 * Placement, from scope.ts) so stack traces give the user's file and line,
 * with the declarations it needs (resolved names, compiler helpers) beside
 * it. Used for Thread targets, subclass methods, excepthooks, Barrier
 * actions and ThreadPoolExecutor tasks.
 */
import Module from 'node:module';
import path from 'node:path';

import { setSourceHooks } from '../runtime/hooks';
import { Placement, callerSites, place, setExportedNames } from './scope';

type ModuleInternals = Module & { _compile(code: string, filename: string): void };
const ModuleClass = Module as unknown as {
  new (id: string, parent?: Module | null): ModuleInternals;
  _nodeModulePaths(dir: string): string[];
};

// Declarations put before every compiled expression (see scopeNames).
let prelude = '';

/**
 * Makes `names`, exports of pthreading that the runtime already has as
 * globals (`Event` everywhere, `Lock` in Deno), mean pthreading's in every
 * function compiled from here on, without replacing the globals: the
 * runtime's own code keeps using them (Deno's worker_threads dispatches
 * its messages with the global `Event`).
 */
export function scopeNames(names: readonly string[]): void {
  prelude = names.length ? `var { ${names.join(', ')} } = globalThis.pthreading; ` : '';
}

/** Evaluates `expression` as if written in `file`. */
export function compileIn<T>(file: string, expression: string): T {
  const m = new ModuleClass(file, null);
  m.filename = file;
  m.paths = ModuleClass._nodeModulePaths(path.dirname(file));
  m._compile(`${prelude}module.exports = (${expression}\n);`, file);
  return m.exports as T;
}

/**
 * The text to compile so that V8 places the function where it is written:
 * `head` ends the first line, blank lines and spaces then bring the source
 * to its line and column (see Placement in scope.ts), and the prelude (its
 * declarations run before the function is called) follows it.
 */
function placed(head: string, source: string, tail: string, place: Placement | undefined): string {
  const line = place?.line ?? 1;
  const column = place?.column ?? 0;
  const pad = line > 1 ? `${'\n'.repeat(line - 1)}${' '.repeat(column)}` : ' '.repeat(Math.max(0, column - head.length));
  // The names the runtime keeps as its own globals (scopeNames) are
  // declared after the function too: \`var\` is hoisted, and the module has
  // run whole before the function is called.
  return `${head}${pad}${source}${tail}${prelude ? `\n${prelude}` : ''}${place?.prelude ? `\n${place.prelude}\n` : ''}`;
}

function evaluate<T>(requireFrom: string, place: Placement | undefined, code: string): T {
  const m = new ModuleClass(requireFrom, null);
  m.filename = requireFrom;
  m.paths = ModuleClass._nodeModulePaths(path.dirname(requireFrom));
  // Stack traces name the file the function is written in; require() and
  // import() resolve from the file that sent it.
  m._compile(code, place?.file ?? requireFrom);
  return m.exports as T;
}

/**
 * Rebuilds a function from its source, as if written in `file` (or where
 * `place` says it is written, for its stack traces). A method
 * (`name() { ... }`) is accepted as well as a function expression. The
 * function keeps its name, and an arrow is named as it was (`target`), not
 * after the assignment that rebuilds it.
 * @throws SyntaxError naming `what` when the source is no function.
 */
export function compileFunction(
  file: string,
  source: string,
  name: string,
  what = "the thread's target",
  place?: Placement,
): (...args: unknown[]) => unknown {
  const key = JSON.stringify(name);
  try {
    return evaluate(file, place, placed(`module.exports = ({ ${key}: (`, source, `\n) })[${key}];`, place));
  } catch (error) {
    // A method used as a target prints as `name() { ... }`.
    if (!(error instanceof SyntaxError)) throw error;
    try {
      return evaluate(file, place, placed('module.exports = ({', source, `\n})[${key}];`, place));
    } catch {
      throw new SyntaxError(
        `${what} cannot be rebuilt from its source (${error.message}). A function is ` +
          'sent to a thread as source text: use a plain or arrow function, not a bound or native one, ' +
          'or a module target { module, export }',
      );
    }
  }
}

/** A member of a class sent to a thread: a method, getter or setter's source and where it is written. */
export interface Member {
  source: string;
  place?: Placement;
}

/** One level of a subclass chain as sent: its class's name and members. */
export interface Level {
  name: string;
  members: Member[];
}

/**
 * The level of class prototype `proto` to send: its own methods, getters
 * and setters as source, each placed by `placeOf` (which inspects it for
 * where it is written and the names it uses).
 */
export function levelOf(proto: object, placeOf: (fn: object, source: string) => Placement): Level {
  const members: Member[] = [];
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
    if (key === 'constructor') continue;
    for (const fn of [d.value, d.get, d.set]) {
      if (typeof fn !== 'function') continue;
      const source = Function.prototype.toString.call(fn);
      members.push({ source, place: placeOf(fn, source) });
    }
  }
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return { name: typeof ctor?.name === 'string' ? ctor.name : '', members };
}

/**
 * Rebuilds one level of a class named `name` (its methods, getters and
 * setters) over `base`, as if written in `file`. Each member is compiled
 * where it is written; `super` in it reaches `base`. The level's
 * `constructor` is a stand-in of that name, so stack traces and `toString()`
 * name the class (`Worker.run`), not Thread.
 */
export function compileMembers(file: string, base: object, members: Member[], name = ''): object {
  const level = Object.create(base) as object;
  if (/^[A-Za-z_$][\w$]*$/.test(name)) {
    const stand = new Function(`return function ${name}() {};`)() as () => void;
    Object.defineProperty(level, 'constructor', { value: stand, writable: true, configurable: true });
  }
  for (const member of members) {
    const make = evaluate<(b: object) => object>(file, member.place, placed('module.exports = (__base) => ({ __proto__: __base,', member.source, '\n});', member.place));
    const home = make(base);
    for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(home))) {
      const existing = Object.getOwnPropertyDescriptor(level, key);
      // A getter and its setter are written (and compiled) apart.
      if (existing && (d.get || d.set)) {
        Object.defineProperty(level, key, { get: d.get ?? existing.get, set: d.set ?? existing.set, configurable: true, enumerable: false });
      } else Object.defineProperty(level, key, { ...d, enumerable: false });
    }
  }
  return level;
}

/**
 * A function sent as source that used a variable of the sending thread
 * fails with a ReferenceError: say what happened and what to do instead.
 * Any other error is returned as it is.
 */
export function explain(error: unknown, what = "a thread's target", passIn = 'to the thread in args (or kwargs)'): unknown {
  const match = error instanceof ReferenceError && /^(\S+) is not defined$/.exec(error.message);
  if (!match) return error;
  const name = match[1];
  const explained = new ReferenceError(
    `${name} is not defined in this thread: ${what} is sent as source text, so it cannot use ` +
      `'${name}' from the code that created it. Pass ${name} ${passIn}, ` +
      'require() it inside the function, or use a module target.',
  );
  explained.stack = `${explained.name}: ${explained.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
  return explained;
}

/**
 * @internal Called once, by the package's install: tells the inspection of
 * functions sent as source the names every thread has (`exported`, what
 * pthreading exports), and lets a Barrier place its action where it is
 * written (see SourceHooks in runtime/hooks.ts).
 */
export function installSourceHooks(exported: string[]): void {
  setExportedNames(exported);
  setSourceHooks({
    placeOf: (source) => place(source, callerSites()),
    compile: (source, at) => {
      const where = at as Placement | null;
      if (!where?.file) return new Function(`return (${source});`)() as () => unknown;
      return compileFunction(where.file, source, 'action', 'the action', where) as () => unknown;
    },
  });
}
