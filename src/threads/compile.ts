/**
 * How code sent to a thread as source text becomes a function there: it is
 * compiled as if written in the file that sent it, so `require`, `import()`,
 * `__dirname` and `module` resolve from there. Used for Thread targets,
 * subclass methods, excepthooks and ThreadPoolExecutor tasks.
 */
import Module from 'node:module';
import path from 'node:path';

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
 * Rebuilds a function from its source, as if written in `file`. A method
 * (`name() { ... }`) is accepted as well as a function expression.
 * @throws SyntaxError naming `what` when the source is no function.
 */
export function compileFunction(file: string, source: string, name: string, what = "the thread's target"): (...args: unknown[]) => unknown {
  try {
    return compileIn(file, source);
  } catch (error) {
    // A method used as a target prints as `name() { ... }`.
    if (!(error instanceof SyntaxError)) throw error;
    try {
      return compileIn<Record<string, (...args: unknown[]) => unknown>>(file, `{ ${source} }`)[name];
    } catch {
      throw new SyntaxError(
        `${what} cannot be rebuilt from its source (${error.message}). A function is ` +
          'sent to a thread as source text: use a plain or arrow function, not a bound or native one, ' +
          'or a module target { module, export }',
      );
    }
  }
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
