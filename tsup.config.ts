import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', vitest: 'matchers/vitest.ts', jest: 'matchers/jest.ts', matchers: 'matchers/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: ['vitest', '@testcontainers/postgresql', '@electric-sql/pglite', 'pg', 'jose'],
  },
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    shims: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['pg', '@electric-sql/pglite', 'jose'],
  },
]);
