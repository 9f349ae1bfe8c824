import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One file at a time: the thread and timing tests get the machine's
    // cores to themselves, so their wide margins stay wide.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test the built package as users load it (Node's own loader), so the
    // main thread and the workers run the same module.
    server: { deps: { external: [/\/dist\//] } },
  },
});
