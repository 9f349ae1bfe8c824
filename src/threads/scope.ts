/**
 * What a function sent to a thread as source text needs from the code
 * around it, found before the thread runs.
 *
 * A Thread target, a subclass's methods and an executor's tasks travel as
 * their source text (see compile.ts), so they see only what they declare,
 * the globals of a worker (JavaScript's and Node's, the module wrapper's
 * `require`, `module`, `__dirname`…, and everything pthreading exports) and
 * their arguments. The function is parsed (acorn) and its scopes analysed
 * (eslint-scope); each name it uses without declaring is then looked up
 * where the function is written: its text is searched for in the file that
 * created the thread (and the files further up the caller's stack), and
 * that file's scopes are analysed too. A name bound there
 * - to pthreading (`import { sleep as pause }`, `import * as pt`,
 *   `const pt = require('pthreading')`) is resolved: the thread binds it to
 *   the module;
 * - to a compiler's helper (tsc's `__awaiter`, `__importStar`,
 *   `__disposeResources`…, Babel's `_asyncToGenerator`…) or a helper
 *   library (tslib, `@babel/runtime`, `@swc/helpers`) is shipped: its
 *   declaration runs in the thread before the function;
 * - to anything else is refused, every such name in one error, with advice
 *   that fits what it is (see {@link FreeVariableError}).
 * Where the function is written is also where its compiled copy says it is,
 * so stack traces point at the user's file and line.
 *
 * Parsing costs a few milliseconds the first time a function is sent (the
 * parser itself is loaded then); the answer is cached per source text and
 * call site, so starting the same target again costs a lookup.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FreeVariableError } from '../runtime/errors';

/** A frame of the code that sends a function: its file and 1-based line. */
export interface Site {
  file: string;
  line: number;
}

// This library's own files (dist/): an import that resolves here is
// pthreading, and a frame here is not the user's.
const libraryDir = path.join(__dirname, '..') + path.sep;

/**
 * The frames of the callers outside this library, innermost first: where a
 * function sent as source is looked for. Never empty: without a file, a
 * stand-in in the working directory.
 */
export function callerSites(): Site[] {
  const saved = Error.prepareStackTrace;
  const sites: Site[] = [];
  try {
    Error.prepareStackTrace = (_e, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    for (const frame of frames) {
      let file = frame.getFileName();
      if (!file) continue;
      if (file.startsWith('file://')) file = fileURLToPath(file);
      if (file.startsWith('node:') || file.startsWith(libraryDir)) continue;
      if (path.isAbsolute(file)) sites.push({ file, line: frame.getLineNumber() ?? 1 });
    }
  } finally {
    Error.prepareStackTrace = saved;
  }
  if (!sites.length) sites.push({ file: path.join(process.cwd(), '[thread]'), line: 1 });
  return sites;
}

/**
 * How a function is compiled in the thread: where its text starts (1-based
 * line, 0-based column) and what to declare beside it.
 */
export interface Placement {
  file?: string;
  line?: number;
  column?: number;
  /** Declarations the thread runs before the function is called (resolved names, helpers). */
  prelude?: string;
}

/** What kind of thing a free name is, which decides the advice. */
type Kind = 'function' | 'class' | 'import' | 'written' | 'value';

/** A name a function uses and cannot see in its thread. */
export interface Missing {
  name: string;
  kind: Kind;
  /** The module it is imported from, for kind 'import'. */
  from?: string;
  /** Where it is first used: `file:line`, or `line N of the function`. */
  where: string;
}

/** What the thread needs for one function: how to compile it, and what is missing. */
export interface Inspection {
  placement: Placement;
  missing: Missing[];
  /** `#private` names the function uses (a method: its class's fields do not travel). */
  privates: string[];
}

// ---------------------------------------------------------------------------
// The parser and the scope analyser, loaded the first time they are needed.

/* eslint-disable @typescript-eslint/no-explicit-any */
type Node = { type: string; start: number; end: number; [key: string]: any };
interface Reference {
  identifier: Node;
  resolved: Variable | null;
  isWrite(): boolean;
  from: Scope;
}
interface Definition {
  type: string;
  name: Node;
  node: Node;
  parent: Node | null;
}
interface Variable {
  name: string;
  defs: Definition[];
  scope: Scope;
}
interface Scope {
  upper: Scope | null;
  set: Map<string, Variable>;
  through: Reference[];
  references: Reference[];
}
interface ScopeManager {
  globalScope: Scope;
  scopes: Scope[];
  acquire(node: Node, inner?: boolean): Scope | null;
}
interface Tools {
  parse(text: string, options: Record<string, unknown>): Node;
  analyze(ast: Node, options: Record<string, unknown>): ScopeManager;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let tools: Tools | null = null;
function load(): Tools {
  if (!tools) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const acorn = require('acorn') as { parse: Tools['parse'] };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const eslintScope = require('eslint-scope') as { analyze: Tools['analyze'] };
    tools = { parse: acorn.parse, analyze: eslintScope.analyze };
  }
  return tools;
}

const SCOPE_OPTIONS = { ecmaVersion: 2022, fallback: 'iteration' };

// ---------------------------------------------------------------------------
// The names a worker has.

// The module wrapper's names (compile.ts compiles as a CommonJS module).
const WRAPPER = ['require', 'module', 'exports', '__filename', '__dirname', 'arguments'];
// The globals Node defines as enumerable properties (every other global of
// JavaScript or Node is non-enumerable); enumerable globals that are not in
// this list were set by the program (or a library: tslib's helpers, say),
// and a worker does not have them.
const NODE_ENUMERABLE = [
  'global', 'clearImmediate', 'setImmediate', 'clearInterval', 'clearTimeout', 'setInterval', 'setTimeout',
  'queueMicrotask', 'structuredClone', 'atob', 'btoa', 'performance', 'fetch', 'crypto', 'navigator',
];
let known: Set<string> | null = null;
// The names pthreading exports (every thread has them as globals), given
// by the package's install.
let exportedNames: string[] = [];

/** @internal Called once, by the package's install: the names pthreading exports. */
export function setExportedNames(names: string[]): void {
  exportedNames = names;
  known = null;
}

/**
 * The names under which compiled code reaches the pthreading module from a
 * named import: tsc's `pthreading_1` (…`_9`), esbuild's `import_pthreading`
 * (tsx), Babel's and swc's `_pthreading`. Every thread has them as globals
 * (src/worker.ts), so `(0, pthreading_1.sleep)(1)` in a target works.
 */
export const MODULE_ALIASES = [...Array.from({ length: 9 }, (_, i) => `pthreading_${i + 1}`), 'import_pthreading', '_pthreading'];

/** Whether `name` is a global in every pthreading thread. */
function isWorkerGlobal(name: string): boolean {
  if (!known) {
    // src/worker.ts: pthreading, threading, pthreading_1…9 and every export.
    known = new Set([...NODE_ENUMERABLE, ...WRAPPER, ...exportedNames, ...MODULE_ALIASES, 'pthreading', 'threading']);
    for (let o: object | null = globalThis; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(o))) if (!d.enumerable) known.add(key);
    }
  }
  return known.has(name);
}

// ---------------------------------------------------------------------------
// The function itself: its free names.

interface Use {
  name: string;
  /** Offset of its first use in the source. */
  first: number;
  written: boolean;
  called: boolean;
  constructed: boolean;
}

interface Parsed {
  /** Offset of the source in the parsed text. */
  offset: number;
  uses: Use[];
  privates: string[];
}

const PARSE_OPTIONS = { ecmaVersion: 'latest', sourceType: 'script', checkPrivateFields: false, ranges: true };

// A function's source is an expression (`function …`, `(a) => …`, a class)
// or, for a method, an object member (`run() { … }`, `get x() { … }`).
function parseFunction(source: string): Parsed | null {
  const { parse, analyze } = load();
  let ast: Node;
  let offset = 1;
  try {
    ast = parse(`(${source}\n)`, PARSE_OPTIONS);
  } catch {
    try {
      offset = 2;
      ast = parse(`({${source}\n})`, PARSE_OPTIONS);
    } catch {
      return null; // compile.ts says why, in the thread
    }
  }
  const manager = analyze(ast, { ...SCOPE_OPTIONS, sourceType: 'script' });
  const parents = new Map<Node, Node>();
  const privates = new Set<string>();
  walk(ast, (node, parent) => {
    if (node.type === 'Identifier' && parent) parents.set(node, parent);
    else if (node.type === 'PrivateIdentifier' && parent?.type !== 'PropertyDefinition' && parent?.type !== 'MethodDefinition') {
      privates.add(`#${node.name as string}`);
    }
  });
  // A class written as the target declares its own #fields.
  if (offset === 1) privates.clear();
  const uses = new Map<string, Use>();
  for (const ref of manager.globalScope.through) {
    const id = ref.identifier;
    const parent = parents.get(id);
    if (parent?.type === 'UnaryExpression' && parent.operator === 'typeof') continue;
    const name = id.name as string;
    // A scope with a direct eval() leaves its references unresolved
    // (eslint-scope cannot know what eval declares): one declared around
    // it is the function's own, not a free name.
    if (declaredAround(ref, name, manager.globalScope)) continue;
    let use = uses.get(name);
    if (!use) uses.set(name, (use = { name, first: id.start - offset, written: false, called: false, constructed: false }));
    use.first = Math.min(use.first, id.start - offset);
    if (ref.isWrite()) use.written = true;
    if (parent?.type === 'CallExpression' && parent.callee === id) use.called = true;
    if (parent?.type === 'TaggedTemplateExpression' && parent.tag === id) use.called = true;
    if (parent?.type === 'NewExpression' && parent.callee === id) use.constructed = true;
  }
  return { offset, uses: [...uses.values()].filter((u) => !isWorkerGlobal(u.name)), privates: [...privates] };
}

// Whether `name` is declared in a scope between the reference and `top`.
function declaredAround(ref: Reference, name: string, top: Scope): boolean {
  for (let scope: Scope | null = ref.from; scope && scope !== top; scope = scope.upper) if (scope.set.has(name)) return true;
  return false;
}

// Calls `visit` on every node of `ast`, with its parent.
function walk(ast: Node, visit: (node: Node, parent: Node | null) => void): void {
  const go = (node: Node, parent: Node | null): void => {
    visit(node, parent);
    for (const key of Object.keys(node)) {
      const value = node[key] as unknown;
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child.type === 'string') go(child as Node, node);
      } else if (value && typeof (value as Node).type === 'string' && key !== 'loc') go(value as Node, node);
    }
  };
  go(ast, null);
}

// ---------------------------------------------------------------------------
// The file the function is written in.

interface FileInfo {
  file: string;
  text: string;
  lineStarts: number[];
  /** Parsed and analysed on first need; null if it does not parse (TypeScript source, JSX). */
  analysis?: { ast: Node; manager: ScopeManager } | null;
}

const files = new Map<string, FileInfo | null>();
const FILES_MAX = 64;

function fileInfo(file: string): FileInfo | null {
  let info = files.get(file);
  if (info !== undefined) return info;
  try {
    let text = fs.readFileSync(file, 'utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    info = { file, text, lineStarts };
  } catch {
    info = null;
  }
  if (files.size >= FILES_MAX) files.delete(files.keys().next().value as string);
  files.set(file, info);
  return info;
}

function analysisOf(info: FileInfo): { ast: Node; manager: ScopeManager } | null {
  if (info.analysis !== undefined) return info.analysis;
  const { parse, analyze } = load();
  info.analysis = null;
  for (const sourceType of ['module', 'script']) {
    try {
      const ast = parse(info.text, {
        ecmaVersion: 'latest',
        sourceType,
        allowHashBang: true,
        allowReturnOutsideFunction: true,
        allowImportExportEverywhere: true,
        allowAwaitOutsideFunction: true,
        checkPrivateFields: false,
        ranges: true, // eslint-scope reads node.range
      });
      info.analysis = { ast, manager: analyze(ast, { ...SCOPE_OPTIONS, sourceType }) };
      break;
    } catch {
      // not this kind of file
    }
  }
  return info.analysis;
}

function position(info: FileInfo, offset: number): { line: number; column: number } {
  const starts = info.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] };
}

// Where `source` is written: the occurrence nearest the call site, in the
// first file of the stack that holds it.
function locate(source: string, sites: Site[]): { info: FileInfo; start: number } | null {
  const tried = new Set<string>();
  for (const site of sites) {
    if (tried.has(site.file)) continue;
    tried.add(site.file);
    const info = fileInfo(site.file);
    if (!info) continue;
    const near = info.lineStarts[Math.min(Math.max(site.line - 1, 0), info.lineStarts.length - 1)];
    let best = -1;
    for (let i = info.text.indexOf(source); i !== -1; i = info.text.indexOf(source, i + 1)) {
      if (best === -1 || Math.abs(i - near) < Math.abs(best - near)) best = i;
    }
    if (best !== -1) return { info, start: best };
  }
  return null;
}

// The node of the file whose text is exactly [start, end).
function nodeAt(ast: Node, start: number, end: number): Node | null {
  let found: Node | null = null;
  const go = (node: Node): void => {
    if (found || node.start > start || node.end < end) return;
    if (node.start === start && node.end === end && /Function|Class|MethodDefinition|^Property$/.test(node.type)) {
      found = node;
      return;
    }
    for (const key of Object.keys(node)) {
      const value = node[key] as unknown;
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child.type === 'string') go(child as Node);
      } else if (value && typeof (value as Node).type === 'string' && key !== 'loc') go(value as Node);
    }
  };
  go(ast);
  return found;
}

// ---------------------------------------------------------------------------
// What a free name is bound to where the function is written.

// Libraries of compiler helpers: stateless, so each thread may load its own.
const HELPER_MODULES = /^(tslib|@babel\/runtime(-corejs\d)?\/.+|@swc\/helpers(\/.+)?)$/;
// Babel's inlined helpers are function declarations with these names.
const BABEL_HELPERS = new Set([
  '_asyncToGenerator', 'asyncGeneratorStep', '_interopRequireDefault', '_interopRequireWildcard',
  '_getRequireWildcardCache', '_usingCtx', '_using', '_regeneratorRuntime', '_regenerator',
  '_regeneratorDefine', '_regeneratorValues', '_OverloadYield', '_awaitAsyncGenerator',
  '_wrapAsyncGenerator', '_AsyncGenerator', '_asyncIterator', 'AsyncFromSyncIterator',
  '_asyncGeneratorDelegate', '_typeof', '_defineProperty', '_toPropertyKey', '_toPrimitive',
  '_objectSpread2', 'ownKeys', '_extends', '_objectWithoutProperties', '_objectWithoutPropertiesLoose',
  '_objectDestructuringEmpty', '_slicedToArray', '_arrayWithHoles', '_iterableToArrayLimit',
  '_unsupportedIterableToArray', '_arrayLikeToArray', '_nonIterableRest', '_toConsumableArray',
  '_arrayWithoutHoles', '_iterableToArray', '_nonIterableSpread', '_createForOfIteratorHelper',
  '_classCallCheck', '_createClass', '_defineProperties', '_callSuper', '_inherits', '_setPrototypeOf',
  '_getPrototypeOf', '_possibleConstructorReturn', '_assertThisInitialized', '_isNativeReflectConstruct',
  '_taggedTemplateLiteral', '_readOnlyError', '_checkPrivateRedeclaration',
]);

// Whether `name` is one of Babel's helpers, which it renames with a number
// when the name is taken (`_usingCtx2`).
function isBabelHelper(name: string): boolean {
  return BABEL_HELPERS.has(name) || BABEL_HELPERS.has(name.replace(/\d+$/, ''));
}

// Babel's constant of the keys an object rest excludes: `const _excluded = ["x"]`.
function isBabelExcluded(declarator: Node): boolean {
  const id = declarator.id as Node;
  const init = declarator.init as Node | null;
  return id.type === 'Identifier' && /^_excluded\d*$/.test(id.name as string) && init?.type === 'ArrayExpression' &&
    (init.elements as Node[]).every((e) => e?.type === 'Literal');
}

type Binding =
  | { ship: string; deps: Node; scope: Scope }
  | { kind: Kind; from?: string }
  | null;

// The module a `require('m')` reaches, through helper calls
// (`__importStar(require('m'))`, `(0, tslib_1.__importDefault)(require('m'))`)
// and member reads (`require('m').x`).
function requiredModule(node: Node | null | undefined): string | null {
  if (!node) return null;
  if (node.type === 'CallExpression') {
    const callee = node.callee as Node;
    if (callee.type === 'Identifier' && callee.name === 'require' && node.arguments.length === 1) {
      const arg = node.arguments[0] as Node;
      return arg.type === 'Literal' && typeof arg.value === 'string' ? arg.value : null;
    }
    return node.arguments.length >= 1 ? requiredModule(node.arguments[0] as Node) : null;
  }
  if (node.type === 'MemberExpression') return requiredModule(node.object as Node);
  if (node.type === 'AwaitExpression') return requiredModule(node.argument as Node);
  return null;
}

// tsc's helpers: `var __awaiter = (this && this.__awaiter) || function …`.
function isTscHelper(declarator: Node): boolean {
  const id = declarator.id as Node;
  const init = declarator.init as Node | null;
  if (id.type !== 'Identifier' || !init || init.type !== 'LogicalExpression' || init.operator !== '||') return false;
  const left = init.left as Node;
  return (
    left.type === 'LogicalExpression' &&
    left.operator === '&&' &&
    left.left.type === 'ThisExpression' &&
    left.right.type === 'MemberExpression' &&
    left.right.property.name === id.name
  );
}

// Whether `from`, imported in `file`, is pthreading (by its name or a path to it).
function isPthreading(from: string, file: string): boolean {
  if (from === 'pthreading') return true;
  try {
    return createRequire(file).resolve(from).startsWith(libraryDir);
  } catch {
    return false;
  }
}

function bindingOf(v: Variable, info: FileInfo): Binding {
  const text = info.text;
  const def = v.defs[0];
  if (!def) return null;
  const slice = (node: Node): string => text.slice(node.start, node.end);
  if (def.type === 'ImportBinding') {
    const from = (def.parent as Node).source.value as string;
    const spec = def.node;
    const member =
      spec.type === 'ImportSpecifier' ? `[${JSON.stringify(spec.imported.name ?? spec.imported.value)}]` : '';
    if (isPthreading(from, info.file)) return { ship: `var ${v.name} = pthreading${member === '["default"]' ? '' : member};`, deps: spec, scope: v.scope };
    if (HELPER_MODULES.test(from)) {
      const value = spec.type === 'ImportNamespaceSpecifier' ? '' : spec.type === 'ImportDefaultSpecifier' ? '' : member;
      return { ship: `var ${v.name} = require(${JSON.stringify(from)})${value};`, deps: spec, scope: v.scope };
    }
    return { kind: 'import', from };
  }
  if (def.type === 'Variable') {
    const declarator = def.node;
    const init = declarator.init as Node | null;
    const from = requiredModule(init);
    if (from !== null) {
      if (isPthreading(from, info.file) || HELPER_MODULES.test(from)) {
        return { ship: `var ${slice(declarator)};`, deps: init!, scope: v.scope };
      }
      return { kind: 'import', from };
    }
    if (isTscHelper(declarator) || isBabelExcluded(declarator)) return { ship: `var ${slice(declarator)};`, deps: init!, scope: v.scope };
    // Another name for something shipped (Babel's `var pt = _pthreading;`).
    if (init && init.type === 'Identifier') {
      const aliased = lookup(v.scope, init.name as string);
      const b = aliased && aliased !== v ? bindingOf(aliased, info) : null;
      if (b && 'ship' in b) return { ship: `var ${slice(declarator)};`, deps: init, scope: v.scope };
    }
    // Babel's lowered async function: the function it returns calls
    // `_ref`, declared beside it as `var _ref = _asyncToGenerator(function* …)`.
    if (init && init.type === 'CallExpression' && init.callee.type === 'Identifier' && isBabelHelper(init.callee.name as string)) {
      return { ship: `var ${slice(declarator)};`, deps: init, scope: v.scope };
    }
    if (init && /^(Arrow)?FunctionExpression$/.test(init.type)) return { kind: 'function' };
    if (init && init.type === 'ClassExpression') return { kind: 'class' };
    return null;
  }
  if (def.type === 'FunctionName') {
    if (isBabelHelper(v.name)) return { ship: slice(def.node), deps: def.node, scope: v.scope };
    return { kind: 'function' };
  }
  if (def.type === 'ClassName') return { kind: 'class' };
  return null;
}

function lookup(scope: Scope | null, name: string): Variable | null {
  for (let s = scope; s !== null; s = s.upper) {
    const v = s.set.get(name);
    if (v) return v;
  }
  return null;
}

// The free names of a node of the file: the references inside it to
// variables not declared inside it.
function freeNamesIn(node: Node, manager: ScopeManager): string[] {
  const names = new Set<string>();
  const inside = (n: Node): boolean => n.start >= node.start && n.end <= node.end;
  for (const scope of manager.scopes) {
    for (const ref of scope.references) {
      if (!inside(ref.identifier)) continue;
      const declared = ref.resolved?.defs[0]?.name;
      if (!declared || !inside(declared)) names.add(ref.identifier.name as string);
    }
  }
  return [...names];
}

// ---------------------------------------------------------------------------
// The answer, cached.

interface Cached {
  at: { info: FileInfo; start: number } | null;
  inspection: Inspection;
}
const cache = new Map<string, Cached>();
const CACHE_MAX = 256;
const parsedCache = new Map<string, Parsed | null>();

function parsedOf(source: string): Parsed | null {
  let parsed = parsedCache.get(source);
  if (parsed === undefined) {
    parsed = parseFunction(source);
    if (parsedCache.size >= CACHE_MAX) parsedCache.delete(parsedCache.keys().next().value as string);
  } else parsedCache.delete(source);
  parsedCache.set(source, parsed);
  return parsed;
}

/**
 * What the thread needs to run the function whose source is `source`, sent
 * from `sites` (the caller's stack, innermost first): where it is written
 * and what to declare beside it, and the names it cannot see.
 */
export function inspect(source: string, sites: Site[]): Inspection {
  const key = `${sites[0]?.file}:${sites[0]?.line}\0${source}`;
  let cached = cache.get(key);
  if (cached) {
    cache.delete(key);
  } else {
    cached = inspectAfresh(source, sites);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, cached);
  return cached.inspection;
}

let inspections = 0;

/** @internal How many functions have been inspected afresh (not from the cache), for tests. */
export function inspectionCount(): number {
  return inspections;
}

function inspectAfresh(source: string, sites: Site[]): Cached {
  inspections++;
  const empty: Cached = { at: null, inspection: { placement: {}, missing: [], privates: [] } };
  let parsed: Parsed | null;
  let at: { info: FileInfo; start: number } | null;
  try {
    parsed = parsedOf(source);
    at = locate(source, sites);
  } catch {
    return empty; // an analysis that fails must not stop the thread: it runs as before
  }
  if (!parsed) return { ...empty, at };
  const placement: Placement = {};
  if (at) Object.assign(placement, { file: at.info.file }, position(at.info, at.start));
  const where = (use: Use): string => {
    if (!at) {
      const line = source.slice(0, use.first).split('\n').length;
      return `line ${line} of the function`;
    }
    const p = position(at.info, at.start + use.first);
    return `${at.info.file}:${p.line}:${p.column + 1}`;
  };
  // The scope around the function where it is written.
  let scope: Scope | null = null;
  let analysis: { ast: Node; manager: ScopeManager } | null = null;
  try {
    // The file's scopes matter only for names the function cannot see.
    analysis = at && parsed.uses.length ? analysisOf(at.info) : null;
    const node = analysis ? nodeAt(analysis.ast, at!.start, at!.start + source.length) : null;
    if (node && analysis) {
      const fn = node.type === 'MethodDefinition' || node.type === 'Property' ? (node.value as Node) : node;
      scope = analysis.manager.acquire(fn)?.upper ?? null;
    }
  } catch {
    scope = null;
  }
  const shipped: string[] = [];
  const seen = new Set<Variable>();
  // Ships a binding's declaration after those it depends on.
  const ship = (binding: Extract<Binding, { ship: string }>): void => {
    for (const name of freeNamesIn(binding.deps, analysis!.manager)) {
      if (isWorkerGlobal(name)) continue;
      const dep = lookup(binding.scope, name);
      if (!dep || seen.has(dep)) continue;
      seen.add(dep);
      const b = bindingOf(dep, at!.info);
      if (b && 'ship' in b) ship(b);
      // A shipped helper's own state, declared empty beside it (Babel's
      // `var cache;` of _interopRequireWildcard): each thread keeps its own.
      else if (dep.defs[0]?.type === 'Variable' && !dep.defs[0].node.init && dep.defs[0].parent?.kind === 'var') {
        shipped.push(`var ${name};`);
      }
    }
    shipped.push(binding.ship);
  };
  const missing: Missing[] = [];
  for (const use of parsed.uses) {
    let binding: Binding = null;
    try {
      const v = scope && analysis ? lookup(scope, use.name) : null;
      if (v) {
        binding = bindingOf(v, at!.info);
        if (binding && 'ship' in binding) {
          if (!seen.has(v)) {
            seen.add(v);
            ship(binding);
          }
          continue;
        }
      }
    } catch {
      binding = null; // what it is bound to is not known: judged by its use
    }
    let kind: Kind;
    if (binding && 'kind' in binding) kind = binding.kind;
    else if (use.written) kind = 'written';
    else if (use.constructed) kind = 'class';
    else if (use.called) kind = 'function';
    else kind = 'value';
    const entry: Missing = { name: use.name, kind, where: where(use) };
    if (binding && 'from' in binding && binding.from !== undefined) entry.from = binding.from;
    missing.push(entry);
  }
  if (shipped.length) placement.prelude = shipped.join('\n');
  // Loaded without the package entry (a layer on its own), which globals a
  // thread has is not known: refuse nothing.
  if (exportedNames.length === 0) missing.length = 0;
  return { at, inspection: { placement, missing, privates: parsed.privates } };
}

/**
 * Where a function sent as source from `sites` is written, found without
 * parsing it (for a Barrier's action, compiled wherever the barrier goes):
 * its file, line and column, or just `file` (the first site's) if its text
 * is not found.
 */
export function place(source: string, sites: Site[]): Placement {
  try {
    const at = locate(source, sites);
    if (at) return { file: at.info.file, ...position(at.info, at.start) };
  } catch {
    // not found: compiled as before
  }
  return { file: sites[0]?.file };
}

/** What to tell the user about each kind of missing name. */
function advice(m: Missing, what: string, passIn: string): string {
  switch (m.kind) {
    case 'function':
      return `a function: define it inside ${what}, require() or import() it there, or use a module target { module, export } whose module imports it`;
    case 'class':
      return `a class: define it inside ${what}, or require() or import() it there (an instance passed in args arrives without its class)`;
    case 'import':
      return `imported from '${m.from}': require() or import() it inside ${what}`;
    case 'written':
      return `a variable ${what} writes: a thread would write its own copy. Share it through a Value, SharedList, SharedDict or Queue passed ${passIn}`;
    default:
      return `a value of the code around ${what}: pass it ${passIn}`;
  }
}

/**
 * The one error for every name a function (or the methods of one class)
 * cannot see: `method` is the call that refuses it (`Thread.start`), `what`
 * the function (`the target`), `passIn` where data goes (`in args`).
 */
export function freeVariableError(method: string, what: string, passIn: string, missing: Missing[]): FreeVariableError {
  const lines = missing.map((m) => `  - ${m.name} (${m.where}): ${advice(m, what, passIn)}`);
  const names = [...new Set(missing.map((m) => m.name))];
  return new FreeVariableError(
    `${method}: ${what} uses ${names.length === 1 ? 'a name' : `${names.length} names`} it cannot see in its thread ` +
      `(${names.join(', ')}). A function is sent to a thread as its source text, so it cannot use what the code ` +
      `around it defines:\n${lines.join('\n')}`,
    names,
  );
}
