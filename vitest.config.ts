import { defineConfig } from 'vitest/config';
import { scaled } from './test/helpers/time-scale.js';

// Every deadline a test waits on comes from one scale factor (test/helpers/time-scale.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: scaled(30_000),
    hookTimeout: scaled(30_000),
    expect: { poll: { timeout: scaled(5_000) } },
    pool: 'forks',
  },
});
