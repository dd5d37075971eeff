import { defineConfig } from 'vitest/config';
import { packageAlias } from './vitest.shared.js';

export default defineConfig({
  resolve: { alias: packageAlias },
  test: {
    // The suites choose their backend (forEachBackend) or test the embedded one; with the native
    // binaries installed (a devDependency) the default would be 'native': npm test runs the
    // examples on it separately (test:examples-native).
    env: { PG_RLS_TEST_BACKEND: process.env.PG_RLS_TEST_BACKEND ?? 'embedded' },
    include: ['test/**/*.test.ts', 'matchers/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/jest/**', 'examples/jest/**', 'test/packaging/fixtures/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['./test/helpers/setup.ts'],
    globalSetup: ['./test/helpers/global-setup.ts'],
  },
});
