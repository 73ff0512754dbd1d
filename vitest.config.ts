import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/build-server.ts', 'test/postgres-cluster.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
