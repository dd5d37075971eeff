/**
 * The test worker's coverage collector (clean run only): installs the sink of src/coverage.ts,
 * keeps what each test touched, and writes one JSON file per test file into the run's folder.
 * The runner-specific setup files (vitest-setup.ts, jest-setup.cts) drive it from their hooks.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { setCoverageSink, type TouchKind } from '../coverage.js';

export type Touches = Partial<Record<TouchKind, string[]>>;

export interface CoverageRecord {
  file: string;
  /** touched outside any test (beforeAll, module scope): counts for every test of the file */
  static: Touches;
  tests: { id: string; name: string; touches: Touches }[];
}

export class Collector {
  #dir: string;
  #file: string;
  #current: { id: string; name: string; touches: Map<TouchKind, Set<string>> } | undefined;
  #static = new Map<TouchKind, Set<string>>();
  #tests: CoverageRecord['tests'] = [];

  constructor(dir: string, file: string) {
    this.#dir = dir;
    this.#file = file;
    const self = this;
    setCoverageSink({
      get file() {
        return self.#file;
      },
      touch(kind, name) {
        const into = self.#current?.touches ?? self.#static;
        let set = into.get(kind);
        if (!set) into.set(kind, (set = new Set()));
        set.add(name);
      },
    });
  }

  begin(id: string, name: string): void {
    this.#current = { id, name, touches: new Map() };
  }

  end(): void {
    if (this.#current) this.#tests.push({ id: this.#current.id, name: this.#current.name, touches: plain(this.#current.touches) });
    this.#current = undefined;
  }

  /** Writes the file's record and removes the sink. */
  flush(): void {
    this.end();
    setCoverageSink(undefined);
    const record: CoverageRecord = { file: this.#file, static: plain(this.#static), tests: this.#tests };
    const dir = join(this.#dir, 'coverage');
    mkdirSync(dir, { recursive: true });
    const target = join(dir, `${createHash('sha256').update(this.#file).digest('hex').slice(0, 24)}.json`);
    writeFileSync(`${target}.tmp`, JSON.stringify(record));
    renameSync(`${target}.tmp`, target);
  }
}

function plain(m: Map<TouchKind, Set<string>>): Touches {
  return Object.fromEntries([...m].map(([k, v]) => [k, [...v]]));
}
