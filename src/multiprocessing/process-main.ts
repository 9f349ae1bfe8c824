/**
 * The entry point of a child started by `Process#start()`: waits for its
 * spec on the IPC channel, makes everything pthreading exports global (as
 * a thread's bootstrap does; `multiprocessing` too), and runs the target.
 * An error escaping the target is printed as Python prints one
 * (`Process NAME:` then the stack) and the exit code is 1.
 */
import { pathToFileURL } from 'node:url';

import * as pthreading from '../index';
import { revive } from '../runtime/shared';
import { compileFunction, compileIn, explain } from '../threads/compile';
import * as multiprocessing from './index';
import { ProcessSpec, setCurrentProcess } from './process';

// TypeScript compiled to CommonJS reaches a named import as `pthreading_1.x`.
const aliases = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`pthreading_${i + 1}`, pthreading]));
Object.assign(globalThis, pthreading, aliases, { threading: pthreading, pthreading, multiprocessing });

async function load(spec: ProcessSpec): Promise<((...args: unknown[]) => unknown) | null> {
  const t = spec.target;
  if (!t) return null;
  if (t.kind === 'function') return compileFunction(spec.creator, t.source, t.name, "the process's target");
  const specifier = /^[a-z]+:/.test(t.module) || !t.module.startsWith('.') ? t.module : pathToFileURL(t.module).href;
  const importer = compileIn<(u: string) => Promise<Record<string, unknown>>>(spec.creator, '(u) => import(u)');
  const fn = (await importer(specifier))[t.export];
  if (typeof fn !== 'function') throw new TypeError(`Process target: ${t.module} has no function export '${t.export}'`);
  return fn as (...args: unknown[]) => unknown;
}

process.once('message', (spec: ProcessSpec) => {
  setCurrentProcess(spec);
  const args = revive(spec.args);
  const kwargs = revive(spec.kwargs);
  load(spec)
    .then((fn) => fn?.(...args, ...(kwargs ? [kwargs] : [])))
    .catch((error: unknown) => {
      const e = explain(error, "a process's target", 'to the process in args (or kwargs)');
      process.stderr.write(`Process ${spec.name}:\n${e instanceof Error ? (e.stack ?? String(e)) : String(e)}\n`);
      process.exitCode = 1;
    });
});
