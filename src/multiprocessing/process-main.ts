/**
 * The entry point of a child started by `Process#start()`: waits for its
 * spec on the IPC channel, makes everything pthreading exports global (as
 * a thread's bootstrap does; `multiprocessing` too), rebuilds the Process
 * object (a subclass's methods from their source, its fields from their
 * clone), and calls its run(), which calls the target unless overridden.
 * An error escaping the target is printed as Python prints one
 * (`Process NAME:` then the stack) and the exit code is 1.
 */
import { pathToFileURL } from 'node:url';

import * as pthreading from '../index';
import { revive } from '../runtime/shared';
import { compileFunction, compileIn, compileMembers, explain } from '../threads/compile';
import * as multiprocessing from './index';
import { Process, ProcessSpec, setCurrentProcess, setRunning } from './process';

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

// The Process object, as the parent's was at start(): its class rebuilt
// level by level over Process, its fields assigned.
function build(spec: ProcessSpec): Process {
  let proto: object = Process.prototype;
  for (const level of spec.levels ?? []) proto = compileMembers(spec.creator, proto, level.members, level.name);
  const self = Object.create(proto) as Process;
  Object.assign(self, revive(spec.state ?? {}));
  return self;
}

process.once('message', (spec: ProcessSpec) => {
  setCurrentProcess(spec);
  const args = revive(spec.args);
  const kwargs = revive(spec.kwargs);
  Promise.resolve()
    .then(async () => {
      const self = build(spec);
      setRunning(self, { target: await load(spec), args, kwargs });
      return self.run();
    })
    .catch((error: unknown) => {
      const e = explain(error, "a process's target", 'to the process in args (or kwargs)');
      process.stderr.write(`Process ${spec.name}:\n${e instanceof Error ? (e.stack ?? String(e)) : String(e)}\n`);
      process.exitCode = 1;
    });
});
