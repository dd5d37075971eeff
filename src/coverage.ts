/**
 * What a test touched (tables, functions, schemas, sequences, roles, raw SQL), for the test
 * selection of `pg-rls-test mutate`: each mutant reruns only the tests that touched its object.
 *
 * The engine reports here; nothing is kept unless a mutation run installed a sink (its setup
 * file does, in the test worker), so outside `mutate` a touch costs one global lookup. The sink
 * lives on globalThis because the engine may be loaded twice (the package and a source alias).
 */

export type TouchKind = 'table' | 'function' | 'schema' | 'sequence' | 'role' | 'sql' | 'all';

export interface CoverageSink {
  touch(kind: TouchKind, name: string): void;
  /** the test file running now */
  readonly file?: string | undefined;
}

const SINK = Symbol.for('pg-rls-test.coverage');
const PAUSED = Symbol.for('pg-rls-test.coverage.paused');

type Holder = { [SINK]?: CoverageSink; [PAUSED]?: number };

/** Records that the running test used `name` (a qualified name, a role, or SQL text for kind 'sql'). */
export function touch(kind: TouchKind, name: string): void {
  const g = globalThis as Holder;
  const sink = g[SINK];
  if (sink && !g[PAUSED]) sink.touch(kind, name);
}

/** The test file running now, when a mutation run watches. */
export function currentTestFile(): string | undefined {
  return (globalThis as Holder)[SINK]?.file;
}

/** Installs the sink of a mutation run (undefined removes it). */
export function setCoverageSink(sink: CoverageSink | undefined): void {
  (globalThis as Holder)[SINK] = sink;
}

/** Runs `fn` without recording: createTestDatabase's own seed is the setup, not a test's use. */
export async function untouched<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Holder;
  g[PAUSED] = (g[PAUSED] ?? 0) + 1;
  try {
    return await fn();
  } finally {
    g[PAUSED] = (g[PAUSED] ?? 1) - 1;
  }
}
