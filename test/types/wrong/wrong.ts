// Must NOT compile: proves the type test can fail (test/runners/types.test.ts expects this error).
import { expect } from 'vitest';
import 'pg-rls-test/vitest';
import type { TestDatabase } from 'pg-rls-test';

declare const db: TestDatabase;
void expect(db.table('posts')).toGrantCrudTo(42);
