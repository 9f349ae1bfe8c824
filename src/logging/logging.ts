/**
 * `logging`: the part of Python's logging module that threaded programs
 * lean on — `basicConfig`, the level functions, `getLogger`, and
 * `%(name)s`-style formats with widths (`%(threadName)-10s`) and
 * `%`-arguments (`logging.debug('%s by %s', a, b)`), formatted by
 * sprintf-js. Records go to stderr, as Python's default handler does.
 *
 * A configuration made with `basicConfig()` applies to every thread started
 * afterwards: it travels with the thread.
 *
 * As in Python, logging a record never raises: a record that cannot be
 * formatted (a bad format, `%d` given a bigint, `%j` given a cycle, an
 * argument whose `toString` throws) prints a `--- Logging error ---` report
 * to stderr, as CPython's `Handler.handleError` does, and the call returns.
 * Wrong arguments to the API itself (a level that is not an integer, a
 * logger name that is not a string) raise a `TypeError`, as in Python.
 */
import { inspect } from 'node:util';
import { sprintf } from 'sprintf-js';

import { ArgumentTypeError, describe, messageOf, safeString } from '../runtime/errors';
import { checkOptions } from '../runtime/validate';
import path from 'node:path';

export const CRITICAL = 50;
export const ERROR = 40;
export const WARNING = 30;
export const INFO = 20;
export const DEBUG = 10;
export const NOTSET = 0;

const levelNames = new Map<number, string>([
  [CRITICAL, 'CRITICAL'],
  [ERROR, 'ERROR'],
  [WARNING, 'WARNING'],
  [INFO, 'INFO'],
  [DEBUG, 'DEBUG'],
  [NOTSET, 'NOTSET'],
]);

/** Python's `logging.BASIC_FORMAT`. */
export const BASIC_FORMAT = '%(levelname)s:%(name)s:%(message)s';

/** What `basicConfig()` sets; sent to threads started afterwards. */
export interface LoggingConfig {
  level: number;
  format: string;
  datefmt: string | null;
}

let config: LoggingConfig | null = null;
let rootLevel = WARNING;

/** The thread fields of a record; set by the thread module at load. */
let threadInfo: () => { name: string; ident: number } = () => ({ name: 'MainThread', ident: 0 });

/** @internal */
export function setThreadInfo(fn: () => { name: string; ident: number }): void {
  threadInfo = fn;
}

/** @internal The configuration to send to a new thread. */
export function loggingConfig(): LoggingConfig | null {
  return config ? { ...config } : null;
}

/**
 * @internal Applies the configuration a thread was started with: the
 * creating thread's, or none (a worker that ran a thread before forgets
 * what that thread configured, loggers' levels included).
 */
export function applyLoggingConfig(c: LoggingConfig | null): void {
  config = c ? { ...c } : null;
  rootLevel = c ? c.level : WARNING;
  for (const logger of loggers.values()) logger.level = NOTSET;
}

function toLevel(level: unknown): number {
  if (typeof level === 'number' && Number.isInteger(level)) return level;
  if (typeof level === 'string') {
    for (const [n, name] of levelNames) if (name === level.toUpperCase()) return n;
  }
  throw new ArgumentTypeError(`logging: unknown level ${describe(level)}`);
}

/**
 * Configures the root logger once, as Python's `logging.basicConfig`:
 * `level` (a number or a name like 'DEBUG'), `format` (default
 * `BASIC_FORMAT`), `datefmt` (strftime-style, for `%(asctime)s`). Later
 * calls do nothing unless `force` is true.
 */
export function basicConfig(options: { level?: number | string; format?: string; datefmt?: string; force?: boolean } = {}): void {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentTypeError(`logging.basicConfig: options must be an object like { level, format }, not ${describe(options)}`);
  }
  const { level: given, format, datefmt, force } = checkOptions<typeof options>('logging.basicConfig', options);
  if (config && !force) return;
  for (const [key, value] of [['format', format], ['datefmt', datefmt]] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new ArgumentTypeError(`logging.basicConfig: ${key} must be a string, not ${describe(value)}`);
    }
  }
  const level = given === undefined ? WARNING : toLevel(given);
  config = { level, format: format ?? BASIC_FORMAT, datefmt: datefmt ?? null };
  rootLevel = level;
}

/**
 * The name Python prints for a level number (`Level N` for a number
 * without one); as in Python, given a level's name, its number. Never
 * throws.
 */
export function getLevelName(level: number): string;
export function getLevelName(level: string): string | number;
export function getLevelName(level: unknown): string | number;
export function getLevelName(level: unknown): string | number {
  if (typeof level === 'number') {
    const name = levelNames.get(level);
    if (name !== undefined) return name;
  } else if (typeof level === 'string') {
    for (const [n, name] of levelNames) if (name === level) return n;
  }
  return `Level ${safeString(level)}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatTime(created: number, datefmt: string | null): string {
  const d = new Date(created);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (!datefmt) return `${base},${pad(d.getMilliseconds(), 3)}`;
  const fields: Record<string, string> = {
    Y: String(d.getFullYear()),
    m: pad(d.getMonth() + 1),
    d: pad(d.getDate()),
    H: pad(d.getHours()),
    M: pad(d.getMinutes()),
    S: pad(d.getSeconds()),
    '%': '%',
  };
  return datefmt.replace(/%([YmdHMS%])/g, (_m, f: string) => fields[f]);
}

/**
 * Python's `str()` of a value, for `%s` arguments: lists print as
 * `['a', 'b']`, a list inside itself as `[...]`.
 */
export function pyStr(value: unknown): unknown {
  return pyStrIn(value, new Set());
}

function pyStrIn(value: unknown, open: Set<unknown>): unknown {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) {
    if (open.has(value)) return '[...]';
    open.add(value);
    try {
      return `[${value.map((v) => pyRepr(v, open)).join(', ')}]`;
    } finally {
      open.delete(value);
    }
  }
  return value;
}

function pyRepr(value: unknown, open: Set<unknown> = new Set()): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return String(pyStrIn(value, open));
}

/** A named logger, as Python's `logging.Logger`. */
export class Logger {
  /** 0 (NOTSET) defers to the root level. */
  level = NOTSET;

  readonly name: string;

  /** @throws TypeError if `name` is not a string (as Python's `getLogger`). */
  constructor(name: string) {
    if (typeof name !== 'string') throw new ArgumentTypeError(`Logger: name must be a string, not ${describe(name)}`);
    this.name = name;
  }

  /** Sets this logger's level (a number or a name). */
  setLevel(level: number | string): void {
    this.level = toLevel(level);
  }

  /** Whether a record at `level` would be emitted. @throws TypeError if `level` is not a number. */
  isEnabledFor(level: number): boolean {
    if (typeof level !== 'number') throw new ArgumentTypeError(`Logger.isEnabledFor: level must be a number, not ${describe(level)}`);
    return level >= (this.level || rootLevel);
  }

  /**
   * Logs `msg % args` at `level`. A record that cannot be formatted prints
   * a `--- Logging error ---` report to stderr instead; this never throws
   * for the message or its arguments.
   * @throws TypeError if `level` is not an integer (as Python).
   */
  log(level: number, msg: unknown, ...args: unknown[]): void {
    if (typeof level !== 'number' || !Number.isInteger(level)) {
      throw new ArgumentTypeError(`Logger.log: level must be an integer, not ${describe(level)}`);
    }
    if (!this.isEnabledFor(level)) return;
    try {
      const created = Date.now();
      const thread = threadInfo();
      const message = args.length ? sprintf(String(msg), ...args.map(pyStr)) : String(msg);
      const record = {
        name: this.name,
        levelname: getLevelName(level),
        levelno: level,
        message,
        msg: String(msg),
        asctime: formatTime(created, config?.datefmt ?? null),
        created: created / 1000,
        msecs: created % 1000,
        relativeCreated: performance.now(),
        threadName: thread.name,
        thread: thread.ident,
        process: process.pid,
        processName: 'MainProcess',
      };
      const format = config?.format ?? BASIC_FORMAT;
      for (const [, key] of format.matchAll(/%\((\w+)\)/g)) {
        // Own fields only: '%(constructor)s' is a KeyError, as in Python.
        if (!Object.hasOwn(record, key)) throw new Error(`KeyError: '${key}' is not a field of a log record`);
      }
      process.stderr.write(`${sprintf(format, record)}\n`);
    } catch (error) {
      handleError(error, msg, args);
    }
  }

  debug(msg: unknown, ...args: unknown[]): void {
    this.log(DEBUG, msg, ...args);
  }

  info(msg: unknown, ...args: unknown[]): void {
    this.log(INFO, msg, ...args);
  }

  warning(msg: unknown, ...args: unknown[]): void {
    this.log(WARNING, msg, ...args);
  }

  error(msg: unknown, ...args: unknown[]): void {
    this.log(ERROR, msg, ...args);
  }

  critical(msg: unknown, ...args: unknown[]): void {
    this.log(CRITICAL, msg, ...args);
  }
}

/**
 * CPython's `Handler.handleError`: the error, the call stack of the logging
 * call, then the message and arguments, to stderr. It cannot throw itself:
 * each part that fails (a throwing `stack` getter, arguments that cannot be
 * shown) is replaced by what Python prints in its place.
 */
function handleError(error: unknown, msg: unknown, args: unknown[]): void {
  try {
    let trace: string;
    try {
      const stack = error instanceof Error ? error.stack : undefined;
      trace = typeof stack === 'string' ? stack : `${describe(error)}: ${messageOf(error)}`;
    } catch {
      trace = messageOf(error);
    }
    const here: { stack?: string } = {};
    Error.captureStackTrace(here, handleError);
    const calls = (here.stack ?? '').split('\n').slice(1).filter((line) => !line.includes(libraryDir));
    let shown: string;
    try {
      shown = `Message: ${pyRepr(msg)}\nArguments: ${inspect(args, { breakLength: Infinity })}\n`;
    } catch {
      shown = 'Unable to print the message and arguments - possible formatting error.\nUse the traceback above to help find the error.\n';
    }
    process.stderr.write(`--- Logging error ---\n${trace}\nCall stack:\n${calls.join('\n')}\n${shown}`);
  } catch {
    // Nothing is left to report with (stderr itself failed): Python's
    // handleError gives up silently too.
  }
}

const libraryDir = path.join(__dirname, '..'); // dist/: every file of the library

const root = new Logger('root');
const loggers = new Map<string, Logger>([['root', root]]);

/** The logger called `name` (the root logger without a name). */
export function getLogger(name?: string): Logger {
  if (name !== undefined && typeof name !== 'string') throw new ArgumentTypeError(`logging.getLogger: a logger name must be a string, not ${describe(name)}`);
  if (name === undefined || name === 'root' || name === '') return root;
  let logger = loggers.get(name);
  if (!logger) loggers.set(name, (logger = new Logger(name)));
  return logger;
}

/** Logs on the root logger at DEBUG. */
export function debug(msg: unknown, ...args: unknown[]): void {
  root.log(DEBUG, msg, ...args);
}
/** Logs on the root logger at INFO. */
export function info(msg: unknown, ...args: unknown[]): void {
  root.log(INFO, msg, ...args);
}
/** Logs on the root logger at WARNING. */
export function warning(msg: unknown, ...args: unknown[]): void {
  root.log(WARNING, msg, ...args);
}
/** Logs on the root logger at ERROR. */
export function error(msg: unknown, ...args: unknown[]): void {
  root.log(ERROR, msg, ...args);
}
/** Logs on the root logger at CRITICAL. */
export function critical(msg: unknown, ...args: unknown[]): void {
  root.log(CRITICAL, msg, ...args);
}
