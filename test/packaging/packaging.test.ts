/**
 * The package as users get it: one `npm pack` tarball, installed once into a project outside the
 * repository (consumer.ts), then used by small real projects of every common kind: ES modules
 * and CommonJS, TypeScript with module node16, nodenext, node10 and bundler, with and without
 * @types/node, Vitest with setupFiles only, Jest with CommonJS and ES-module test files. attw and
 * publint judge the same tarball.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createConsumer, output, type Consumer } from './consumer.js';
import { quickStartFiles, typeScriptSamples, writeFiles } from './readme.js';
import { typeCheck } from './typecheck.js';

let consumer: Consumer;
beforeAll(() => {
  consumer = createConsumer();
}, 180_000);
afterAll(() => {
  if (!process.env.PGRLS_KEEP_CONSUMER) consumer?.remove();
});

test('attw: no problem for any entry point in any resolution mode', () => {
  const r = consumer.node('.', '@arethetypeswrong/cli/dist/index.js', [consumer.tarball, '--format', 'table-flipped', '--no-emoji']);
  expect(output(r)).toContain('No problems found');
  expect(r.status).toBe(0);
}, 120_000);

test('publint --strict: no error, warning or suggestion', () => {
  const r = consumer.node('.', 'publint/src/cli.js', ['node_modules/pg-rls-test', '--strict', '--pack', 'false']);
  expect(output(r)).toContain('All good!');
  expect(r.status).toBe(0);
}, 120_000);

describe('TypeScript, strict, skipLibCheck false', () => {
  const WITH_NODE = { types: ['node'], typeRoots: ['../typeroots'] };
  const NO_NODE = { types: [], lib: ['ES2022'] };
  // Vitest's own types need ES modules or nodenext (its .d.cts re-exports ESM): no Vitest file under
  // node16 + CommonJS or node10.
  const modes: [name: string, type: 'module' | 'commonjs', options: object, files: string[]][] = [
    ['esm-nodenext', 'module', { module: 'nodenext', ...WITH_NODE }, ['core.ts', 'dispose.ts', 'vitest.ts', 'jest.ts']],
    ['cjs-nodenext', 'commonjs', { module: 'nodenext', ...WITH_NODE }, ['core.ts', 'dispose.ts', 'vitest.ts', 'jest.ts']],
    ['esm-node16', 'module', { module: 'node16', ...WITH_NODE }, ['core.ts', 'dispose.ts', 'vitest.ts', 'jest.ts']],
    ['cjs-node16', 'commonjs', { module: 'node16', ...WITH_NODE }, ['core.ts', 'dispose.ts', 'jest.ts']],
    ['cjs-node10', 'commonjs', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, ...WITH_NODE }, ['core.ts', 'dispose.ts', 'jest.ts']],
    ['esm-bundler', 'module', { module: 'esnext', moduleResolution: 'bundler', ...WITH_NODE }, ['core.ts', 'dispose.ts', 'vitest.ts', 'jest.ts']],
    ['esm-nodenext-without-types-node', 'module', { module: 'nodenext', ...NO_NODE }, ['core.ts', 'dispose.ts']],
    ['cjs-node16-without-types-node', 'commonjs', { module: 'node16', ...NO_NODE }, ['core.ts', 'dispose.ts']],
  ];
  test.each(modes)('%s', (name, type, options, files) => {
    const dir = consumer.project(name, 'types', files);
    consumer.write(join(name, 'package.json'), { type });
    consumer.write(join(name, 'tsconfig.json'), {
      compilerOptions: { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, ...options },
      files,
    });
    expect(typeCheck(join(dir, 'tsconfig.json'))).toBe('');
  }, 60_000);
});

describe('Vitest: setupFiles, no import in the test files', () => {
  test('the matchers are typed by a type-only import in a .d.ts file, and run', () => {
    const dir = consumer.project('vitest', 'vitest');
    expect(typeCheck(join(dir, 'tsconfig.json'))).toBe('');
    const r = consumer.node('vitest', 'vitest/vitest.mjs', ['run', '--reporter', 'dot']);
    expect(output(r)).toMatch(/Tests\s+1 passed \(1\)/);
    expect(r.status).toBe(0);
  }, 120_000);

  test('without that import, tsc names the matcher that has no type (the README maps it to the fix)', () => {
    const dir = consumer.project('vitest-untyped', 'vitest', ['package.json', 'tsconfig.json', 'posts.test.ts']);
    expect(typeCheck(join(dir, 'tsconfig.json'))).toContain("error TS2339: Property 'toBeVisibleOnlyTo' does not exist on type 'Assertion<RowSet>'.");
  }, 60_000);

  test('without the setup file, Vitest says "Invalid Chai property" (the README maps it to the fix)', () => {
    consumer.project('vitest', 'vitest');
    const r = consumer.node('vitest', 'vitest/vitest.mjs', ['run', '--reporter', 'dot'], { PGRLS_FORGET_SETUP: '1' });
    expect(output(r)).toContain('Invalid Chai property: toHaveRlsEnabled');
    expect(r.status).toBe(1);
  }, 120_000);
});

test('Jest: setupFilesAfterEnv: ["pg-rls-test/jest"] serves CommonJS and ES-module test files alike', () => {
  consumer.project('jest', 'jest');
  const r = consumer.node('jest', 'jest/bin/jest.js', ['--ci'], { NODE_OPTIONS: '--experimental-vm-modules', NODE_NO_WARNINGS: '1' });
  const out = output(r);
  expect(out).toMatch(/PASS .*posts\.test\.cjs/);
  expect(out).toMatch(/PASS .*posts\.test\.mjs/);
  expect(out).toMatch(/Tests:\s+6 passed, 6 total/);
  expect(r.status).toBe(0);
}, 180_000);

describe("the README's quick start, copied as written into an empty project", () => {
  const files = quickStartFiles();
  const project = (name: string, replace?: [string, string]) => {
    const dir = join(consumer.dir, name);
    mkdirSync(dir, { recursive: true });
    const migration = files.get('migrations/001_posts.sql')!;
    writeFiles(dir, replace ? new Map([...files, ['migrations/001_posts.sql', migration.replace(...replace)]]) : files);
    consumer.write(join(name, 'package.json'), { type: 'module' }); // npm init -y && npm pkg set type=module
    return dir;
  };

  test('it names its four files', () => {
    expect([...files.keys()].sort()).toEqual(['migrations/001_posts.sql', 'pg-rls-test.d.ts', 'posts.test.ts', 'vitest.config.ts']);
  });

  test('they type-check (strict), and `vitest run` passes both tests', () => {
    const dir = project('quick-start');
    consumer.write(join('quick-start', 'tsconfig.json'), {
      compilerOptions: { target: 'ES2022', module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: ['../typeroots'] },
      include: ['*.ts'],
    });
    expect(typeCheck(join(dir, 'tsconfig.json'))).toBe('');
    const r = consumer.node('quick-start', 'vitest/vitest.mjs', ['run', '--reporter', 'dot']);
    expect(output(r)).toMatch(/Tests\s+2 passed \(2\)/);
    expect(output(r)).not.toContain('(!)'); // no warning from Vite about the config either
    expect(r.status).toBe(0);
  }, 120_000);

  test("the README's other TypeScript samples type-check against the published types", () => {
    const samples = typeScriptSamples();
    expect(samples.length).toBeGreaterThan(2);
    const dir = join(consumer.dir, 'readme-samples');
    writeFiles(dir, new Map(samples.map((s, i) => [`sample${i}.ts`, s])));
    consumer.write(join('readme-samples', 'package.json'), { type: 'module' });
    consumer.write(join('readme-samples', 'tsconfig.json'), {
      compilerOptions: { target: 'ES2022', module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: ['../typeroots'] },
      include: ['*.ts'],
    });
    expect(typeCheck(join(dir, 'tsconfig.json'))).toBe('');
  }, 60_000);

  test('with the SELECT policy opened to every signed-in user, the visibility test fails naming the policy and its fix', () => {
    const using = 'USING (is_published OR (SELECT auth.user_id()) = user_id)';
    expect(files.get('migrations/001_posts.sql')).toContain(using);
    project('quick-start-leak', [using, 'USING (true)']);
    const r = consumer.node('quick-start-leak', 'vitest/vitest.mjs', ['run', '--reporter', 'dot']);
    const out = output(r);
    expect(out).toMatch(/Tests\s+1 failed \| 1 passed \(2\)/);
    expect(out).toContain('expect(rows).toBeVisibleOnlyTo(alice)');
    expect(out).toContain('bob sees id=1 through policy "read published or own"');
    expect(out).toContain('ALTER POLICY "read published or own" ON "public"."posts" USING');
    expect(r.status).toBe(1);
  }, 120_000);
});
