/**
 * The package a user installs: `npm pack`, installed into an empty
 * TypeScript project, type-checks a program that uses the API from ESM and
 * CommonJS, keeps `@internal` members out of its types, and carries its
 * license and guides. (The binary and the Node versions are checked by
 * `npm run check:dist`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let work: string;
let app: string;
let packed: { filename: string; files: { path: string }[] };

const npm = (args: string[], cwd: string): string =>
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', timeout: 50_000 });

const program = {
  // ESM: the named imports and the types of the API.
  'esm.mts': `
    import { Lock, Queue, Thread, ThreadPoolExecutor, Empty, MemoryError, setDebug, type AsyncOptions } from 'pthreading';
    const lock = new Lock();
    const got: boolean = lock.acquire(true, 0.5);
    lock.release();
    const q = new Queue<number>(10);
    q.put(1, false);
    const n: number = q.get(true, 1);
    const t = new Thread({ target: (x: number) => x + 1, args: [n], name: 'worker' });
    const name: string = t.name;
    const options: AsyncOptions = { signal: AbortSignal.timeout(1000) };
    async function main(): Promise<void> {
      await lock.acquireAsync(true, 5, options);
      {
        using held = lock.hold();
        void held;
      }
      const executor = new ThreadPoolExecutor(2);
      const sum: number = await executor.submit((a: number, b: number) => a + b, 1, 2);
      executor.shutdown();
      void sum;
    }
    setDebug({ warnings: true, blockThreshold: 0.1 });
    void [got, name, main, Empty, MemoryError];
  `,
  // CommonJS: require() gives the same types.
  'cjs.cts': `
    import pt = require('pthreading');
    const event = new pt.Event();
    const set: boolean = event.wait(0.1);
    const list = new pt.SharedList<string>(['a']);
    list.append('b');
    void [set, pt.TIMEOUT_MAX];
  `,
  // A Thread's args are checked against its target's parameters: lines 2-6
  // type-check, lines 7-10 are errors.
  'args.mts': `import { Thread } from 'pthreading';
    new Thread({ target: (a: number, b: string) => a + b.length, args: [1, 'x'] });
    new Thread({ target: (a: number, opts: { n: number }) => a + opts.n, args: [1], kwargs: { n: 2 } });
    new Thread({ target: { module: './work.js', export: 'run' }, args: [1, 'anything'] });
    new Thread({ target: (a: number, b?: string) => a + (b ?? '').length, args: [1], name: 'optional' });
    new Thread({ name: 'no target' }).start();
    new Thread({ target: (a: number, b: string) => a + b.length, args: ['1', 'x'] });
    new Thread({ target: (a: number) => a, args: [] });
    new Thread({ target: (a: number, opts: { n: number }) => a + opts.n, args: [1], kwargs: { m: 2 } });
    new Thread({ target: (a: number) => a, args: [1, 2] });
  `,
  // Internal members are not in the types: each line is an error.
  'internal.mts': `
    import { Lock, Queue } from 'pthreading';
    new Lock()._words;
    new Queue()._mutex;
  `,
};

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pthreading-types-'));
  // The tarball as it is now (scripts skipped: dist/ is what the tests use).
  [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root));
  app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  const tarball = path.join(work, packed.filename);
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false, // the package's own .d.ts are checked too
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: Object.keys(program),
    }),
  );
  for (const [file, code] of Object.entries(program)) writeFileSync(path.join(app, file), code);
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('type-checks a program using the API from ESM and CommonJS; @internal members are type errors', () => {
    const out = spawnSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8', timeout: 50_000 });
    const errors = out.stdout.split('\n').filter((l) => l.includes('error TS'));
    expect(errors).toEqual([
      expect.stringMatching(/^args\.mts\(7,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/),
      expect.stringMatching(/^args\.mts\(8,\d+\): error TS2322: Type '\[\]' is not assignable to type 'readonly \[a: number\]'/),
      expect.stringMatching(/^args\.mts\(9,\d+\): error TS2322: Type '\{ m: number; \}' is not assignable to type '\{ m: number; \} & \{ n: number; \}'/),
      expect.stringMatching(/^args\.mts\(10,\d+\): error TS2322/),
      expect.stringMatching(/^internal\.mts\(3,\d+\): error TS2339: Property '_words' does not exist on type 'Lock'/),
      expect.stringMatching(/^internal\.mts\(4,\d+\): error TS2339: Property '_mutex' does not exist on type 'Queue<unknown>'/),
    ]);
  });

  it('carries its license, the guides and the API reference, and no file of the repository besides', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'binding.gyp']) {
      expect(files).toContain(file);
    }
    for (const guide of ['python', 'electron', 'debugging', 'termination']) expect(files).toContain(`docs/${guide}.md`);
    // Besides those, only what the install script runs (it says when it compiles).
    expect(files.filter((f) => !/^(dist|native|prebuilds|docs)\/|^(LICENSE|README\.md|package\.json|binding\.gyp|scripts\/install-note\.js)$/.test(f))).toEqual([]);
    const installed = JSON.parse(readFileSync(path.join(app, 'node_modules', 'pthreading', 'package.json'), 'utf8'));
    expect(installed.license).toBe('MIT');
    expect(installed.repository.url).toContain('github.com/pthreading/pthreading');
    expect(readFileSync(path.join(app, 'node_modules', 'pthreading', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it("README links reach the repository or the package's own files", () => {
    const readme = readFileSync(path.join(app, 'node_modules', 'pthreading', 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(link).toMatch(/^(https:\/\/github\.com\/pthreading\/pthreading\/|#)/);
  });
});
