import { defineConfig } from 'vitest/config';
import { packageAlias, root } from '../vitest.shared.js';

// `npm run example`: the examples alone, importing 'pg-rls-test' as a user would.
export default defineConfig({
  resolve: { alias: packageAlias },
  test: {
    root,
    include: ['examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
