/**
 * The Jest side, proven by Jest itself: test/jest is a small Jest project over the built package
 * (setupFilesAfterEnv: ['pg-rls-test/jest']). Its passing suite must pass, and its failing
 * fixture must fail for the right reasons, so this test can fail too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { assertBuilt, ROOT } from './built.js';
import { findNativeBinaries } from '../../src/backends/native-binaries.js';

interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { message: string; assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

const VM_MODULES = { NODE_OPTIONS: '--experimental-vm-modules' };

function jest(env: Record<string, string> = {}): { status: number | null; report: JestReport; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pgrls-jest-'));
  try {
    const out = join(dir, 'report.json');
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), '-c', join(ROOT, 'test/jest/jest.config.cjs'), '--json', '--outputFile', out], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', ...env, NODE_NO_WARNINGS: '1' },
    });
    return { status: r.status, report: JSON.parse(readFileSync(out, 'utf8')) as JestReport, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(() => assertBuilt());

test('the Jest suite over the built package passes (embedded, with --experimental-vm-modules)', () => {
  const { status, report, output } = jest(VM_MODULES);
  expect(report.numFailedTests, output).toBe(0);
  expect(report.numPassedTests).toBe(7);
  expect(status).toBe(0);
}, 120_000);

test.skipIf(!process.env.PG_RLS_TEST_URL)('on the url backend, Jest needs no flag', () => {
  const { status, report, output } = jest({ PGRLS_JEST_BACKEND: 'url' });
  expect(report.numFailedTests, output).toBe(0);
  expect(report.numPassedTests).toBe(7);
  expect(status).toBe(0);
}, 120_000);

test.skipIf(!findNativeBinaries())('on the native backend, Jest needs no flag either', () => {
  const { status, report, output } = jest({ PG_RLS_TEST_BACKEND: 'native' });
  expect(report.numFailedTests, output).toBe(0);
  expect(report.numPassedTests).toBe(7);
  expect(status).toBe(0);
}, 120_000);

test('embedded without the flag fails with a message that says what to add', () => {
  const { status, report } = jest();
  expect(status).toBe(1);
  const first = report.testResults[0]!.assertionResults[0]!;
  expect(first.failureMessages[0]).toContain('BackendUnavailableError: the embedded backend cannot start under Jest without --experimental-vm-modules');
  // Jest prints the message only: the hint is its last line, so the way to set the flag shows
  expect(first.failureMessages[0]).toContain('hint: run Jest with NODE_OPTIONS=--experimental-vm-modules');
}, 120_000);

test('in Jest, a leak and an un-awaited matcher fail their tests', () => {
  const { status, report } = jest({ ...VM_MODULES, PGRLS_JEST_FAILING: 'leaky' });
  expect(status).toBe(1);
  const results = Object.fromEntries(report.testResults[0]!.assertionResults.map((a) => [a.title, a]));
  expect(results['a table without RLS fails toHaveRlsEnabled']).toMatchObject({ status: 'failed' });
  expect(results['a table without RLS fails toHaveRlsEnabled']!.failureMessages[0]).toContain('ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;');
  expect(results['an un-awaited matcher fails the test']).toMatchObject({ status: 'failed' });
  expect(results['an un-awaited matcher fails the test']!.failureMessages[0]).toContain('MatcherNotAwaitedError: toHaveRlsEnabled() was not awaited in "an un-awaited matcher fails the test"');
  const viaGlobals = results['an un-awaited passing matcher through @jest/globals fails the test'];
  expect(viaGlobals).toMatchObject({ status: 'failed' });
  expect(viaGlobals!.failureMessages[0]).toContain('MatcherNotAwaitedError: toHaveRlsEnabled() was not awaited in "an un-awaited passing matcher through @jest/globals fails the test"');
}, 120_000);

test('a first run on a machine with an empty cache passes with Jest\'s default 5 s timeout', () => {
  const cache = mkdtempSync(join(tmpdir(), 'pgrls-jest-cold-'));
  try {
    const { status, report, output } = jest({ ...VM_MODULES, PG_RLS_TEST_CACHE_DIR: cache, PGRLS_JEST_DEFAULT_TIMEOUTS: '1' });
    expect(report.numFailedTests, output).toBe(0);
    expect(report.numPassedTests).toBe(7);
    expect(status).toBe(0);
    expect(readdirSync(cache).filter((n) => n.endsWith('.pgdata'))).toHaveLength(1); // it was cold: the run built the entry
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}, 120_000);

test('a hook that times out while the database starts: the run names the step it was in, and afterAll(() => db?.close()) adds no TypeError', () => {
  const cache = mkdtempSync(join(tmpdir(), 'pgrls-jest-slow-'));
  try {
    const { status, report } = jest({ ...VM_MODULES, PG_RLS_TEST_CACHE_DIR: cache, PGRLS_JEST_FAILING: 'slow-start' });
    expect(status).toBe(1);
    const file = report.testResults[0]!;
    expect(file.assertionResults[0]!.failureMessages[0]).toContain('Exceeded timeout of 1 ms for a hook');
    expect(file.message).toMatch(/StartUnfinishedError: createTestDatabase\(\) had not finished when the test file ended: after \d+\.\d s it was still [a-z]/);
    expect(file.message).toContain('a first start builds the prepared database');
    expect(file.message).toContain('hint: build it before the tests are timed: `npx pg-rls-test prepare --migrations <folder>`, or a globalSetup that calls prepareTestDatabase(options)');
    expect(file.message).not.toContain('TypeError');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}, 120_000);
