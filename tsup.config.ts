import { defineConfig, type Options } from 'tsup';

/**
 * The package's public entry points, `pg-rls-test/<name>` (`index` is `pg-rls-test` itself).
 * Each is built as dist/<name>.js (ESM, `import`) with dist/<name>.d.ts, and as dist/<name>.cjs
 * (CommonJS, `require`) with dist/<name>.d.cts: a new entry here gets both kinds of types with
 * nothing else to do in this file. package.json must list it in "exports" and "typesVersions"
 * (test/packaging/exports.test.ts says exactly what to write when it is missing).
 */
export const publicEntries: Record<string, string> = {
  index: 'src/index.ts',
  vitest: 'matchers/vitest.ts',
  jest: 'matchers/jest.ts',
  matchers: 'matchers/index.ts',
  mutate: 'src/mutate/index.ts',
};

/**
 * src/internal.ts is built once per format and loaded by every other entry (instead of being
 * bundled into each), so index, vitest, jest and matchers share one copy of the engine's classes.
 * It has no types of its own: the public entries' declarations are bundled without it.
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
  entry: { ...publicEntries, internal: 'src/internal.ts' },
  dts: {
    entry: publicEntries,
    // members marked @internal (the engine behind a reference) stay out of the published types
    compilerOptions: { stripInternal: true },
    // TestDatabase is AsyncDisposable (`await using`): name the lib that declares it, so that a
    // project without @types/node and with an ES2022 lib compiles our types (TypeScript >= 5.2)
    banner: '/// <reference lib="esnext.disposable" />',
  },
  shims: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest', 'expect', '@testcontainers/postgresql', '@electric-sql/pglite', 'pg', 'jose'],
};

export default defineConfig([
  { ...common, format: ['esm'], clean: true, esbuildPlugins: [sharedInternal('js')] },
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
