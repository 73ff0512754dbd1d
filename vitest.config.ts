import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/build-server.ts', 'test/postgres-cluster.ts'],
    include: ['test/**/*.test.ts'],
    // Safety nets against a hang, not speed requirements: with other programs keeping every core busy a test that
    // takes a second alone can take twenty.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
