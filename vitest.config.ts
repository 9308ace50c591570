import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['ingest/**/*.test.ts', 'analytics/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // DuckDB is multi-threaded itself; two workers match the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    env: { TZ: 'Asia/Shanghai' },
  },
});
