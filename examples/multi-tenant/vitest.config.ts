import { defineConfig } from 'vitest/config';
import { packageAlias } from '../../vitest.shared.js';

// The multi-tenant example alone (`npx pg-rls-test mutate` in this folder finds it, as in a project of its own).
export default defineConfig({
  resolve: { alias: packageAlias },
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
