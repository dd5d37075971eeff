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
 * Files loaded by path rather than through "exports": dist/internal.* (the engine as one module,
 * for the build's scripts/build-base.mjs and the tests), the command (package.json "bin"), and
 * what `pg-rls-test mutate` puts into the test runners (src/mutate/runner.ts `builtFile`): Vitest
 * workers and setup and the Jest host are ES modules, Jest's setup file is CommonJS.
 */
const byPath = { internal: 'src/internal.ts' };
const esmByPath = {
  cli: 'src/cli.ts',
  'mutate-vitest-worker': 'src/mutate/vitest-worker.ts',
  'mutate-vitest-setup': 'src/mutate/vitest-setup.ts',
  'mutate-jest-host': 'src/mutate/jest-host.ts',
};
const cjsByPath = { 'mutate-jest-setup': 'src/mutate/jest-setup.ts' };

/**
 * One esbuild run per format, every file of that format in it, with code splitting: a module's
 * code is in exactly one file of dist/ per format (test/packaging/layout.test.ts), so the library
 * entries, the command and the runners' modules loaded into one process share each class and
 * each module's state. ESM and CommonJS stay two copies (Jest loads the setup with require and
 * .mjs tests with import): the Symbol.for brands (src/brands.ts) make `instanceof` hold across
 * them (test/runners/two-copies.test.ts).
 *
 * No source maps: the code is not minified and each module's code starts with a `// src/<file>.ts`
 * line, so a stack trace reads as it is (as in jose, pg, Vitest, Jest, which ship none); with
 * their sources inlined they were 2.3 MB of the 6.1 MB unpacked.
 */
const common: Options = {
  dts: {
    entry: publicEntries,
    // members marked @internal (the engine behind a reference) stay out of the published types
    compilerOptions: { stripInternal: true },
    // TestDatabase is AsyncDisposable (`await using`): name the lib that declares it, so that a
    // project without @types/node and with an ES2022 lib compiles our types (TypeScript >= 5.2)
    banner: '/// <reference lib="esnext.disposable" />',
  },
  splitting: true,
  sourcemap: false,
  shims: true,
  target: 'node20',
  // dependencies and peerDependencies are external too (tsup's default), with their subpaths
  external: ['vitest', 'expect', '@jest/globals', '@testcontainers/postgresql', '@electric-sql/pglite', 'pg'],
};

export default defineConfig([
  { ...common, entry: { ...publicEntries, ...byPath, ...esmByPath }, format: ['esm'], clean: true, external: [...common.external!, 'jose'] },
  // CommonJS consumers (Jest's default mode above all) cannot load ES modules: jose 6 is ESM-only,
  // so it is bundled in (PGlite and pg ship CommonJS builds). Splitting CommonJS: esbuild writes
  // ES-module chunks and tsup converts each; `treeshake` has Rollup convert them, where tsup's
  // default (sucrase) wrote invalid code for jose's `super(m, o), this.name = ...`. Lazy import()s
  // become require()s (of a chunk or a package): Jest without --experimental-vm-modules cannot import().
  {
    ...common,
    entry: { ...publicEntries, ...byPath, ...cjsByPath },
    format: ['cjs'],
    noExternal: ['jose'],
    treeshake: true,
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
  },
]);
