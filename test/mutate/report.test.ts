/** The text report's wording and the kill reasons of the JSON report, without a run. */
import { expect, test } from 'vitest';
import { formatText } from '../../src/mutate/report.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectRunner, failureSummary } from '../../src/mutate/run.js';
import type { Mutant, MutationResult } from '../../src/mutate/types.js';

const mutant: Mutant = {
  id: '1',
  mutatorName: 'rls_disabled',
  object: 'public.notes',
  description: 'row level security disabled on public.notes',
  replacement: 'ALTER TABLE "public"."notes" DISABLE ROW LEVEL SECURITY',
  undo: 'ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY',
  covers: ['table:public.notes'],
  locate: { kind: 'rls', table: 'public.notes', force: false },
  suggestion: "await expect(db.table('public.notes')).toHaveRlsEnabled();",
  setups: ['k'],
  status: 'Killed',
  killedBy: ['t1'],
  coveredBy: ['t1'],
};

const result = (over: Partial<MutationResult>): MutationResult => ({
  mutants: [mutant],
  skipped: {},
  unusedWaivers: [],
  counts: { killed: 1, survived: 0, noCoverage: 0, timeout: 0, compileError: 0, ignored: 0 },
  score: 100,
  files: [],
  tests: [{ id: 't1', name: 'rls on', file: '/p/a.test.ts' }],
  cleanRunMs: 1000,
  durationMs: 2000,
  mutantsRun: 1,
  runner: 'vitest',
  schemas: ['public'],
  ...over,
});

test('the first line counts in words: one mutant, one test; several schemas', () => {
  expect(formatText(result({})).split('\n')[0]).toBe('pg-rls-test mutate: 1 mutant of schema public, 1 test (vitest)');
  expect(formatText(result({ mutants: [mutant, { ...mutant, id: '2' }], schemas: ['public', 'app'], runner: 'jest' })).split('\n')[0]).toBe(
    'pg-rls-test mutate: 2 mutants of schemas public, app, 1 test (jest)',
  );
});

test('a kill reason keeps the matcher message without colours or stack frames', () => {
  const message = '\x1b[2mexpect(\x1b[22m\x1b[31mtable\x1b[39m\x1b[2m).\x1b[22mtoHaveRlsEnabled\x1b[2m()\x1b[22m\n\nExpected: row level security enabled on public.notes\nReceived: disabled\n    at Object.<anonymous> (/p/a.test.cjs:5:3)\n    at run (node:internal)\n\n';
  expect(failureSummary(message)).toBe('expect(table).toHaveRlsEnabled()\n\nExpected: row level security enabled on public.notes\nReceived: disabled');
  const long = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
  expect(failureSummary(long).split('\n')).toEqual([...Array.from({ length: 12 }, (_, i) => `line ${i}`), '…']);
});

test('survivors come with a legend of the suggestions\' names; a waiver that matches nothing is named', () => {
  const text = formatText(
    result({
      mutants: [{ ...mutant, status: 'Survived', killedBy: [] }],
      counts: { killed: 0, survived: 1, noCoverage: 0, timeout: 0, compileError: 0, ignored: 0 },
      score: 0,
      unusedWaivers: [{ check: 'policy_dropped', object: 'public.notez "own"', reason: 'x' }],
    }),
  );
  expect(text).toContain("  kill it: await expect(db.table('public.notes')).toHaveRlsEnabled();\n\n(in the suggestions, owner is a user the rows belong to, other and user anyone else)\n");
  expect(text).toContain('\nwaivers that match no mutant (a typo, or the object is gone):\n  policy_dropped  public.notez "own"\n');
  expect(formatText(result({}))).not.toContain('(in the suggestions');
});

test('the runner, when none is named: Jest for a Jest config, else Vitest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgrls-runner-'));
  try {
    expect(detectRunner(dir, undefined)).toBe('vitest');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ jest: { testEnvironment: 'node' } }));
    expect(detectRunner(dir, undefined)).toBe('jest');
    rmSync(join(dir, 'package.json'));
    writeFileSync(join(dir, 'jest.config.cjs'), 'module.exports = {};');
    expect(detectRunner(dir, undefined)).toBe('jest');
    writeFileSync(join(dir, 'vitest.config.ts'), 'export default {};');
    expect(detectRunner(dir, undefined)).toBe('vitest');
    expect(detectRunner(dir, 'config/jest.rls.config.js')).toBe('jest');
    expect(detectRunner(dir, 'vitest.rls.config.ts')).toBe('vitest');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
