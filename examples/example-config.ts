import { defineConfig } from 'vitest/config';
import { packageAlias } from '../vitest.shared.js';

/**
 * The Vitest config of one example folder alone, as in a project of its own: `npx pg-rls-test
 * mutate` run in that folder finds it (examples/<name>/vitest.config.ts calls this).
 */
export function exampleConfig(folder: URL) {
  return defineConfig({
    resolve: { alias: packageAlias },
    test: {
      root: folder.pathname,
      include: ['*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 120_000,
    },
  });
}
