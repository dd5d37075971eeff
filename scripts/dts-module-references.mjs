#!/usr/bin/env node
/**
 * After tsup: each published declaration file that augments a module (`declare module 'vitest'`,
 * `declare module 'expect'`) gets `/// <reference types="<module>" />` at its top.
 *
 * Why: TypeScript applies an augmentation to a module only if that module's types are already
 * being loaded when the augmenting file is. A project whose first file is
 * `import type {} from 'pg-rls-test/vitest'` (a .d.ts that types setupFiles' matchers) otherwise
 * loses every matcher type. tsup's declaration bundler drops the `/// <reference types>` written in
 * the source (it files them under the .d.ts name and looks them up under the .ts one), so they are
 * added here, from the declarations themselves: a new entry that augments a module needs nothing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const dist = new URL('../dist/', import.meta.url).pathname;
for (const name of readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))) {
  const path = join(dist, name);
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false);
  const referenced = new Set(file.typeReferenceDirectives.map((r) => r.fileName));
  const augmented = file.statements
    .filter((s) => ts.isModuleDeclaration(s) && ts.isStringLiteral(s.name))
    .map((s) => s.name.text)
    .filter((m) => !referenced.has(m));
  if (augmented.length > 0) {
    writeFileSync(path, [...new Set(augmented)].map((m) => `/// <reference types="${m}" />\n`).join('') + text);
  }
}
