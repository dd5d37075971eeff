import { defineConfig } from 'vitest/config';
import { packageAlias } from './vitest.shared.js';

export default defineConfig({
  resolve: { alias: packageAlias },
  test: {
    include: ['test/**/*.test.ts', 'matchers/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/jest/**', 'examples/jest/**', 'test/packaging/fixtures/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['./test/helpers/setup.ts'],
    globalSetup: ['./test/helpers/global-setup.ts'],
  },
});
