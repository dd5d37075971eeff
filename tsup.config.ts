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
  entry: { index: 'src/index.ts', internal: 'src/internal.ts', vitest: 'matchers/vitest.ts', jest: 'matchers/jest.ts', matchers: 'matchers/index.ts' },
  shims: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest', 'expect', '@testcontainers/postgresql', '@electric-sql/pglite', 'pg', 'jose'],
};

export default defineConfig([
  { ...common, format: ['esm'], dts: true, clean: true, esbuildPlugins: [sharedInternal('js')] },
  { ...common, format: ['cjs'], esbuildPlugins: [sharedInternal('cjs')] },
  ...(process.env.NO_CLI ? [] : [{
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    shims: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['pg', '@electric-sql/pglite', 'jose'],
  } satisfies Options]),
]);
