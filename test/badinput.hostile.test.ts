/**
 * Hostile input, table-driven: every public method, accessor, constructor
 * and function the package declares (read from its .d.ts files, so a new
 * one is covered the day it is added) is called with symbols, bigints,
 * objects whose toString throws, a null-prototype object, a string and bad
 * numbers in each parameter it declares, and every method is called on the
 * wrong `this`. Whatever it throws must be one of the library's error
 * classes, with a string `code`. Calls that accept the value are fine.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

import * as pt from 'pthreading';

const dist = path.join(__dirname, '..', 'dist');

interface Declared {
  /** member -> number of parameters declared (accessors: getter 0, setter 1). */
  members: Map<string, { params: number; kind: 'method' | 'get' | 'set' }[]>;
  ctorParams: number;
}

// Splits a parameter list at its top-level commas.
function countParams(list: string): number {
  if (!list.trim()) return 0;
  let depth = 0;
  let count = 1;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if ('([{<'.includes(c)) depth++;
    else if (')]}'.includes(c) || (c === '>' && list[i - 1] !== '=')) depth--;
    else if (c === ',' && depth === 0) count++;
  }
  return count;
}

// The parameter list that starts at `open` (an opening parenthesis).
function paramsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced declaration: ${text.slice(open, open + 80)}`);
}

// The doc comment right before `index`, if any.
function docBefore(text: string, index: number): string {
  return /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*$/.exec(text.slice(0, index))?.[1] ?? '';
}

// The public API as declared: classes (public, non-@internal members) and
// functions, from every .d.ts the package ships.
function declarations(): { classes: Map<string, Declared>; functions: Map<string, number> } {
  const classes = new Map<string, Declared>();
  const functions = new Map<string, number>();
  for (const file of (fs.readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith('.d.ts'))) {
    const text = fs.readFileSync(path.join(dist, file), 'utf8');
    for (const m of text.matchAll(/^export declare function (\w+)(?:<[^(]*>)?\(/gm)) {
      if (docBefore(text, m.index!).includes('@internal')) continue;
      const n = countParams(paramsAt(text, m.index! + m[0].length - 1));
      functions.set(m[1], Math.max(functions.get(m[1]) ?? 0, n));
    }
    for (const m of text.matchAll(/^(?:export )?declare (?:abstract )?class (\w+)[^{]*\{\n([\s\S]*?)^\}/gm)) {
      const decl: Declared = { members: new Map(), ctorParams: 0 };
      const body = m[2];
      let doc = '';
      let offset = -1;
      for (const line of body.split('\n')) {
        offset += 1;
        const lineStart = offset;
        offset += line.length;
        const commentOnly = /^\s*(\/\*\*|\*)/.test(line) && (line.trim().endsWith('*/') || !line.includes('*/'));
        if (commentOnly) {
          doc += line;
          continue;
        }
        const internal = doc.includes('@internal') || line.includes('@internal');
        doc = '';
        const member = /^ {4}(?:(get|set) )?(\w+|\[Symbol\.\w+\])(?:<[^(]*>)?\(/.exec(line);
        if (!member) continue;
        const [, accessor, name] = member;
        const params = countParams(paramsAt(body, lineStart + member[0].length - 1));
        const skip = internal || name.startsWith('_');
        if (name === 'constructor') {
          decl.ctorParams = Math.max(decl.ctorParams, params);
          continue;
        }
        if (skip) continue;
        const kind = (accessor as 'get' | 'set' | undefined) ?? 'method';
        decl.members.set(name, [...(decl.members.get(name) ?? []), { params, kind }]);
      }
      classes.set(m[1], decl);
    }
  }
  return { classes, functions };
}

const { classes, functions } = declarations();

const throwing = {
  toString(): string {
    throw new Error('toString throws');
  },
  valueOf(): number {
    throw new Error('valueOf throws');
  },
};
const hostile: [string, unknown][] = [
  ['a symbol', Symbol('hostile')],
  ['a bigint', 10n],
  ['an object whose toString throws', throwing],
  ['a null-prototype object', Object.create(null)],
  ['a string', 'x'],
  ['NaN', NaN],
  ['-1.5', -1.5],
  ['an array of arrays', [[]]],
  ['an empty object', {}],
  ['1e300', 1e300],
  [
    'an object whose constructor getter throws (error messages describe() it)',
    Object.defineProperty({}, 'constructor', {
      get() {
        throw new Error('constructor getter throws');
      },
    }),
  ],
];

// A fresh instance of each exported class, and how to dispose of it.
const executors: pt.ThreadPoolExecutor[] = [];
const factories: Record<string, () => object> = {
  Acquirable: () => new pt.Lock(),
  Lock: () => new pt.Lock(),
  RLock: () => new pt.RLock(),
  Condition: () => new pt.Condition(),
  Semaphore: () => new pt.Semaphore(1),
  BoundedSemaphore: () => new pt.BoundedSemaphore(1),
  Event: () => new pt.Event(),
  Barrier: () => new pt.Barrier(2),
  Thread: () => new pt.Thread(),
  Timer: () => new pt.Timer(1, () => 0),
  Value: () => new pt.Value('i', 0),
  SharedStore: () => new pt.SharedList([1]),
  SharedList: () => new pt.SharedList([1]),
  SharedDict: () => new pt.SharedDict({ a: 1 }),
  Queue: () => new pt.Queue(),
  ThreadPoolExecutor: () => {
    const e = new pt.ThreadPoolExecutor(1);
    executors.push(e);
    return e;
  },
  Future: () => new pt.Future(),
  Logger: () => new pt.logging.Logger('hostile'),
};
const constructors: Record<string, new (...args: never[]) => object> = {
  ...Object.fromEntries(Object.entries(pt).filter(([, v]) => typeof v === 'function' && /^[A-Z]/.test(v.name))),
  Logger: pt.logging.Logger,
};
const moduleFunctions: Record<string, (...args: unknown[]) => unknown> = {
  ...Object.fromEntries(Object.entries(pt.logging).filter(([, v]) => typeof v === 'function')),
  ...Object.fromEntries(Object.entries(pt).filter(([, v]) => typeof v === 'function' && !/^[A-Z]/.test(v.name))),
};

const libraryErrors = [pt.PthreadingError, pt.ArgumentTypeError];

function checkThrown(label: string, error: unknown): void {
  const typed = libraryErrors.some((E) => error instanceof E);
  expect(typed ? 'typed' : `${label} threw ${String((error as Error)?.stack ?? error)}`).toBe('typed');
  expect(typeof (error as { code?: unknown }).code, `${label}: code`).toBe('string');
}

// Calls `call`; a synchronous throw or a rejected promise must be typed.
async function outcome(label: string, call: () => unknown): Promise<'threw' | 'returned'> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    checkThrown(label, error);
    return 'threw';
  }
  if (result instanceof Promise) {
    try {
      await Promise.race([result, new Promise((resolve) => setImmediate(resolve))]);
    } catch (error) {
      checkThrown(label, error);
      return 'threw';
    }
  }
  return 'returned';
}

function argsWith(n: number, i: number, value: unknown): unknown[] {
  const args: unknown[] = new Array(n).fill(undefined);
  args[i] = value;
  return args;
}

// Every public member of an exported class, with the prototype it is on.
function membersOf(name: string): { owner: string; proto: object; key: string; kind: 'method' | 'get' | 'set'; params: number }[] {
  const out: ReturnType<typeof membersOf> = [];
  let proto = constructors[name].prototype as object | null;
  while (proto && proto !== Object.prototype && proto !== Error.prototype && proto !== TypeError.prototype) {
    const owner = (proto as { constructor: { name: string } }).constructor.name;
    const decl = classes.get(owner);
    expect(decl, `declarations of ${owner}`).toBeDefined();
    for (const [key, shapes] of decl!.members) {
      if (!Reflect.ownKeys(proto).some((k) => (typeof k === 'symbol' ? `[${k.description}]` : k) === key)) continue;
      for (const { kind, params } of shapes) out.push({ owner, proto, key, kind, params });
    }
    proto = Object.getPrototypeOf(proto);
  }
  return out;
}

function member(proto: object, key: string, kind: 'method' | 'get' | 'set'): (...args: unknown[]) => unknown {
  const k = Reflect.ownKeys(proto).find((x) => (typeof x === 'symbol' ? `[${x.description}]` : x) === key)!;
  const d = Object.getOwnPropertyDescriptor(proto, k)!;
  return (kind === 'method' ? d.value : kind === 'get' ? d.get : d.set) as (...args: unknown[]) => unknown;
}

const classNames = Object.keys(constructors).filter((n) => n in factories);

describe('hostile input to every exported class and function', () => {
  beforeAll(() => {
    // Logging functions print what they are given (or a logging error
    // report): keep the test's output readable.
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    for (const e of executors) e.shutdown(false);
  });

  it('finds the declared API: every exported class and function', () => {
    expect(classes.size).toBeGreaterThan(20);
    for (const name of ['Lock', 'Queue', 'SharedDict', 'Thread', 'Logger', 'Future']) expect(classes.get(name)?.members.size).toBeGreaterThan(2);
    for (const name of ['sleep', 'basicConfig', 'getLevelName', 'stackSize', 'wait']) expect(functions.has(name)).toBe(true);
    // Every exported class with methods has a factory here.
    for (const name of Object.keys(constructors)) {
      const own = classes.get(name)?.members.size ?? 0;
      if (own > 0) expect(factories[name], `a factory for ${name}`).toBeDefined();
    }
  });

  it.each(Object.keys(constructors))('new %s(...) with hostile arguments throws only coded library errors', async (name) => {
    const params = Math.max(1, classes.get(name)?.ctorParams ?? 0);
    for (const [what, value] of hostile) {
      for (let i = 0; i < params; i++) {
        await outcome(`new ${name}(${what} at ${i})`, () => {
          const made = new constructors[name](...(argsWith(params, i, value) as never[]));
          if (made instanceof pt.ThreadPoolExecutor) executors.push(made);
          return made;
        });
      }
    }
  });

  it.each(classNames)('%s: every public member with hostile arguments throws only coded library errors', async (name) => {
    for (const { owner, proto, key, kind, params } of membersOf(name)) {
      for (const [what, value] of hostile) {
        for (let i = 0; i < params; i++) {
          const fn = member(proto, key, kind);
          const self = factories[name]();
          await outcome(`${owner}.${key}(${what} at ${i})`, () => fn.apply(self, argsWith(params, i, value)));
        }
      }
    }
  });

  it.each(classNames)('%s: every public member called on the wrong this throws a coded TypeError', async (name) => {
    const other = name === 'Event' ? new pt.Lock() : new pt.Event();
    const wrong: [string, unknown][] = [
      ['undefined', undefined],
      ['null', null],
      ['a plain object', {}],
      ['a number', 42],
      ['another primitive', other],
      ['an object made from the prototype, never constructed', Object.create(constructors[name].prototype)],
      ['an object whose toString throws', throwing],
    ];
    for (const { owner, proto, key, kind, params } of membersOf(name)) {
      for (const [what, self] of wrong) {
        const fn = member(proto, key, kind);
        const label = `${owner}.${key} on ${what}`;
        const result = await outcome(label, () => fn.apply(self, new Array(params).fill(undefined)));
        expect(result, label).toBe('threw');
      }
    }
    // The code says what was wrong.
    expect(() => pt.Lock.prototype.acquire.call({})).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_THIS' }));
  });

  it.each([...functions.keys()].filter((n) => n in moduleFunctions))('%s() with hostile arguments throws only coded library errors', async (name) => {
    const params = functions.get(name)!;
    for (const [what, value] of hostile) {
      for (let i = 0; i < params; i++) {
        await outcome(`${name}(${what} at ${i})`, () => moduleFunctions[name](...argsWith(params, i, value)));
      }
    }
  });
});
