import { defineConfig, type Options } from 'tsup';

/**
 * src/internal.ts is built once per format and loaded by every other entry (instead of being
 * bundled into each), so index, vitest, jest and matchers share one copy of the engine's classes.
 */
function sharedInternal(ext: 'js' | 'cjs') {
  return {
    name: 'shared-internal',
    setup(build: { onResolve(o: { filter: RegExp }, cb: (a: { path: string; importer: string }) => unknown): void }) {
      build.onResolve({ filter: /(^|\/)internal\.js$/ }, (args) => (args.importer ? { path: `./internal.${ext}`, external: true } : undefined));
    },
  };
}

const common: Options = {
  entry: { index: 'src/index.ts', internal: 'src/internal.ts', vitest: 'matchers/vitest.ts', jest: 'matchers/jest.ts', matchers: 'matchers/index.ts', mutate: 'src/mutate/index.ts' },
  shims: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest', 'expect', '@testcontainers/postgresql', '@electric-sql/pglite', 'pg', 'jose'],
};

export default defineConfig([
  { ...common, format: ['esm'], dts: true, clean: true, esbuildPlugins: [sharedInternal('js')] },
  // CommonJS consumers (Jest's default mode above all) cannot load ES modules: jose 6 is ESM-only,
  // so it is bundled in; lazy import()s become require()s (PGlite and pg ship CommonJS builds).
  {
    ...common,
    format: ['cjs'],
    external: common.external!.filter((m) => m !== 'jose'),
    noExternal: ['jose'],
    esbuildPlugins: [sharedInternal('cjs')],
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
  },
  // What `pg-rls-test mutate` loads by path: into Vitest's workers (ESM, as Vitest loads them),
  // the Jest process it starts, and Jest's test files (CommonJS, loaded by Jest's own require).
  {
    entry: { 'mutate-vitest-worker': 'src/mutate/vitest-worker.ts', 'mutate-vitest-setup': 'src/mutate/vitest-setup.ts', 'mutate-jest-host': 'src/mutate/jest-host.ts' },
    format: ['esm'],
    shims: true,
    target: 'node20',
    external: ['vitest', 'vitest/worker', '@electric-sql/pglite', 'pg', 'jose'],
  },
  {
    entry: { 'mutate-jest-setup': 'src/mutate/jest-setup.ts' },
    format: ['cjs'],
    shims: true,
    target: 'node20',
    external: ['@jest/globals'],
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
