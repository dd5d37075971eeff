/**
 * package.json publishes exactly the public entries that tsup.config.ts builds, each with the
 * types of its format: `import` -> .d.ts + .js, `require` -> .d.cts + .cjs, and `typesVersions`
 * for node10 resolution (which reads no "exports"). A new entry in tsup.config.ts fails here
 * until package.json lists it; the diff shows what to write.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { publicEntries } from '../../tsup.config.js';
import { ROOT } from '../runners/built.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
const subpaths = Object.keys(publicEntries).filter((e) => e !== 'index');

test('"exports": every public entry, import and require each with its own types', () => {
  const entry = (base: string) => ({
    import: { types: `./dist/${base}.d.ts`, default: `./dist/${base}.js` },
    require: { types: `./dist/${base}.d.cts`, default: `./dist/${base}.cjs` },
  });
  expect(pkg.exports).toEqual({
    '.': entry('index'),
    ...Object.fromEntries(subpaths.map((e) => [`./${e}`, entry(e)])),
    './package.json': './package.json',
  });
});

test('node10 resolution: "typesVersions" for every subpath, and main/types for the package itself', () => {
  expect(pkg.typesVersions).toEqual({ '*': Object.fromEntries(subpaths.map((e) => [e, [`./dist/${e}.d.cts`]])) });
  expect({ main: pkg.main, types: pkg.types }).toEqual({ main: './dist/index.cjs', types: './dist/index.d.cts' });
});
