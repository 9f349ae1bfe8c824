import { describe, expect, it } from 'vitest';

import { logging } from 'pthreading';

import { script } from './helpers';

describe('logging', () => {
  it('formats %(name)s fields with widths and %-args, to stderr', () => {
    const { stderr } = script(`
      const { logging } = require('pthreading');
      logging.basicConfig({ level: logging.DEBUG, format: '[%(levelname)s] (%(threadName)-10s) %(name)s %(message)s' });
      logging.debug('%s by %d', 'x', 3);
      logging.info('list %s', ['0', '1']);
      logging.warning('%0.02f and %s', 0.5, true);
      logging.getLogger('app').error('plain %s');
    `);
    expect(stderr.split('\n')).toEqual([
      '[DEBUG] (MainThread) root x by 3',
      "[INFO] (MainThread) root list ['0', '1']",
      '[WARNING] (MainThread) root 0.50 and True',
      '[ERROR] (MainThread) app plain %s',
      '',
    ]);
  });

  it('filters by level; the default is WARNING with BASIC_FORMAT', () => {
    const { stderr } = script(`
      const { logging } = require('pthreading');
      logging.debug('hidden');
      logging.info('hidden');
      logging.warning('shown');
      logging.critical('shown too');
    `);
    expect(stderr).toBe('WARNING:root:shown\nCRITICAL:root:shown too\n');
  });

  it('a configuration made on the main thread applies in threads, with their names and idents', () => {
    const { stderr } = script(`
      const { logging, Thread } = require('pthreading');
      logging.basicConfig({ level: 'DEBUG', format: '%(threadName)s %(thread)d %(levelname)s %(message)s' });
      const t = new Thread({ name: 'worker', target: () => logging.debug('from %s', 'thread') });
      t.start(); t.join();
      console.error(t.ident);
    `);
    const [line, ident] = stderr.trim().split('\n');
    expect(line).toBe(`worker ${ident} DEBUG from thread`);
  });

  it('%(asctime)s looks like Python time stamps', () => {
    const { stderr } = script(`
      const { logging } = require('pthreading');
      logging.basicConfig({ format: '%(asctime)s %(message)s' });
      logging.error('x');
    `);
    expect(stderr).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} x\n$/);
  });

  it('a bad format prints a logging error instead of throwing', () => {
    const { stderr } = script(`
      const { logging } = require('pthreading');
      logging.basicConfig({ format: '%(nosuchfield)s' });
      logging.error('x');
      console.error('after');
    `);
    expect(stderr).toContain('--- Logging error ---');
    expect(stderr).toContain('after');
  });

  it("never raises for a record it cannot format: Python's logging error report goes to stderr and the call returns", () => {
    const { stdout, stderr } = script(`
      const { logging } = require('pthreading');
      const cycle = {}; cycle.self = cycle;
      const hostile = { toString() { throw new Error('toString failed'); } };
      const calls = [
        () => logging.warning('%d', 10n),
        () => logging.warning('%j', cycle),
        () => logging.warning('%s', hostile),
        () => logging.getLogger('app').error(hostile),
      ];
      for (const call of calls) console.log(call() === undefined ? 'returned' : 'returned a value');
    `);
    expect(stdout).toBe('returned\n'.repeat(4));
    const reports = stderr.split('--- Logging error ---\n').slice(1);
    expect(reports).toHaveLength(4);
    for (const r of reports) expect(r).toMatch(/\nCall stack:\n +at .*\[eval\]/);
    expect(reports[0]).toContain('BigInt');
    expect(reports[0]).toContain("Message: '%d'\nArguments: [ 10n ]\n");
    expect(reports[1]).toContain('circular structure');
    expect(reports[2]).toContain('toString failed');
    expect(reports[2]).toContain("Message: '%s'\nArguments: [ { toString: [Function: toString] } ]\n");
    // The message itself cannot be shown: Python's words for that.
    expect(reports[3]).toContain('Unable to print the message and arguments - possible formatting error.\nUse the traceback above to help find the error.\n');
  });

  it('wrong arguments to the API raise coded TypeErrors, as Python raises TypeError', () => {
    const coded = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(() => logging.getLogger('x').log(Symbol('level') as never, 'm')).toThrow(coded);
    expect(() => logging.getLogger('x').log('WARNING' as never, 'm')).toThrow(coded);
    expect(() => logging.getLogger('x').isEnabledFor(10n as never)).toThrow(coded);
    expect(() => logging.basicConfig(null as never)).toThrow(coded);
    expect(() => logging.basicConfig('DEBUG' as never)).toThrow(coded);
    expect(() => logging.basicConfig({ datefmt: 5 as never, force: true })).toThrow(coded);
    expect(() => logging.getLogger(5 as never)).toThrow(coded);
    expect(() => new logging.Logger(Symbol('n') as never)).toThrow(coded);
  });

  it('getLevelName never throws, and maps names back to numbers as Python does', () => {
    expect(logging.getLevelName(Symbol('x') as never)).toBe('Level Symbol(x)');
    expect(logging.getLevelName(5)).toBe('Level 5');
    expect(logging.getLevelName({ toString: () => { throw new Error('no'); } } as never)).toMatch(/^Level <an instance of Object/);
    expect(logging.getLevelName('INFO')).toBe(logging.INFO);
    expect(logging.getLevelName(logging.INFO)).toBe('INFO');
  });

  it("a format field must be a record's own: %(constructor)s is a logging error, as Python's KeyError", () => {
    const { stderr } = script(`
      const { logging } = require('pthreading');
      logging.basicConfig({ format: '%(constructor)s %(message)s' });
      logging.error('x');
    `);
    expect(stderr).toContain('--- Logging error ---');
    expect(stderr).toContain("KeyError: 'constructor'");
  });

  it("pyStr is Python's str(): a list inside itself prints as [...]", () => {
    const a: unknown[] = [1];
    a.push(a);
    expect(logging.pyStr(a)).toBe('[1, [...]]');
    expect(logging.pyStr([['x'], a, null, true])).toBe("[['x'], [1, [...]], None, True]");
  });

  it('getLogger returns one logger per name; setLevel and isEnabledFor', () => {
    const a = logging.getLogger('a');
    expect(logging.getLogger('a')).toBe(a);
    expect(logging.getLogger()).toBe(logging.getLogger('root'));
    a.setLevel('ERROR');
    expect(a.isEnabledFor(logging.WARNING)).toBe(false);
    expect(a.isEnabledFor(logging.CRITICAL)).toBe(true);
    expect(() => a.setLevel('LOUD')).toThrow(TypeError);
    expect(logging.getLevelName(logging.DEBUG)).toBe('DEBUG');
  });
});
