/**
 * Each finding's place in the files the database was built from: the statement that creates its
 * object (the CREATE POLICY of a policy's finding, the CREATE TABLE of a table's, the CREATE
 * FUNCTION of a function's, the CREATE SCHEMA or CREATE ROLE of a schema's or a role's), found
 * with the parser by src/sql/locate.ts, which `pg-rls-test mutate` uses to place its mutants.
 * Objects no file creates (the database, the preset's roles and grants) keep no location.
 */
import { isAbsolute } from 'node:path';
import { findStatement, parseSources, type Locator, type ParsedSource } from '../sql/locate.js';
import type { AuditResult, Finding } from './types.js';

/**
 * The statements to look for, in order, from the object as the checks name it
 * (checks/_helpers.ts: nameOf, policyObject, fnObject; a schema, a role or the database by name).
 */
export function locatorsOf(f: Pick<Finding, 'object' | 'table'>): Locator[] {
  const on = f.object.lastIndexOf('" on ');
  if (f.object.startsWith('"') && on > 0) return [{ kind: 'policy', name: f.object.slice(1, on), table: f.object.slice(on + 5) }];
  if (f.table) return [{ kind: 'relation', table: f.table }];
  const call = /^([^\s(]+\.[^\s(]+)\(.*\)$/s.exec(f.object);
  if (call) return [{ kind: 'function', name: call[1]! }];
  if (/^[^\s"]+\.[^\s"]+$/.test(f.object)) return [{ kind: 'relation', table: f.object }]; // a sequence, an auth table
  // a bare name is a schema (schema_usage_missing), a role (api_role_bypasses_rls) or the database
  return /^[^\s.]+$/.test(f.object) ? [{ kind: 'schema', name: f.object }, { kind: 'role', name: f.object }] : [];
}

/**
 * Each file parsed once per process (~0.1 s for a large Supabase project), while its text stays
 * the same: every database of a suite, and of every run of `pg-rls-test mutate`, is built from
 * the same files.
 */
const parsedFiles = new Map<string, ParsedSource>();

function parsed(files: { label: string; text: string }[]): ParsedSource[] {
  return files.map(({ label, text }) => {
    let p = parsedFiles.get(label);
    if (p?.text !== text) parsedFiles.set(label, (p = parseSources([{ name: label, text }])[0]!));
    return p;
  });
}

/**
 * The result with `location` set on every finding (waived ones too) whose object one of the
 * files creates, and `files`: the files (inline SQL is no file), for findings that have none.
 */
export function withLocations(result: AuditResult, sources: readonly { label: string; text: string }[]): AuditResult {
  const files = sources.filter((s) => isAbsolute(s.label));
  if (!files.length) return result;
  const sourcesParsed = parsed(files);
  const place = <F extends Finding>(f: F): F => {
    for (const locator of locatorsOf(f)) {
      const found = findStatement(sourcesParsed, locator);
      if (found) return { ...f, location: found };
    }
    return f;
  };
  return { ...result, findings: result.findings.map(place), waived: result.waived.map(place), files: files.map((s) => s.label) };
}
