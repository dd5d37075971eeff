/** Audit results as text (grouped by table), JSON and SARIF 2.1.0 (for code-scanning tools); the access matrix as a text table. Pure: no engine imports. */
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AccessMatrix, MatrixCount } from './access-matrix.js';
import type { AuditResult, Finding, Level } from './types.js';

function counts(result: AuditResult): Record<Level, number> {
  const c: Record<Level, number> = { error: 0, warning: 0, info: 0 };
  for (const f of result.findings) c[f.level]++;
  return c;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 tables, 1 view, 0 functions" */
export function auditedText(result: AuditResult): string {
  const { tables, views, functions } = result.audited;
  return `${plural(tables, 'table')}, ${plural(views, 'view')}, ${plural(functions, 'function')}`;
}

/** "2 errors, 1 warning, 0 infos, 1 waived" (and "; fixes tried: 2 verified, 1 not" when they were) */
export function summary(result: AuditResult): string {
  const c = counts(result);
  const tried = result.findings.filter((f) => f.fixVerified !== undefined);
  const verified = tried.filter((f) => f.fixVerified).length;
  return `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info, ${result.waived.length} waived${tried.length ? `; fixes tried: ${verified} verified, ${tried.length - verified} not` : ''}`;
}

/** Findings grouped by table (findings about no table last, under "other"). */
export function groupByTable<F extends Finding>(findings: F[]): [string, F[]][] {
  const groups = new Map<string, F[]>();
  for (const f of findings) {
    const key = f.table ?? 'other';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a === 'other' ? 1 : b === 'other' ? -1 : a.localeCompare(b)));
}

function findingLines(f: Finding & { reason?: string }, indent: string, root: string): string[] {
  const lines = [`${indent}${f.level.padEnd(7)} ${f.check}: ${f.message}${f.reason ? ` (waived: ${f.reason})` : ''}`];
  if (f.location) lines.push(`${indent}${' '.repeat(8)}at: ${displayPath(f.location.file, root)}:${f.location.start.line}`);
  lines.push(...f.fix.split('\n').map((l, i) => `${indent}${' '.repeat(8)}${i === 0 ? 'fix: ' : '     '}${l}`));
  return lines;
}

export interface TextOptions {
  /** which levels to list (default all); the summary counts every finding */
  levels?: Level[];
  /** the folder the files of findings' locations are shown relative to (default: the working directory) */
  root?: string;
}

/** A file as a person types it from `root`: relative below it, absolute elsewhere. */
function displayPath(file: string, root: string): string {
  const rel = relative(root, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/**
 *   audit of pgrls_x (schemas: public; 1 table, 0 views, 0 functions): 1 error, 0 warnings, 0 info, 0 waived
 *
 *   public.notes
 *     error   rls_disabled_exposed: row level security is disabled on public.notes, ...
 *             at: migrations/002_notes.sql:1        (when a file the database was built from creates it)
 *             fix: ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;
 */
export function formatText(result: AuditResult, options: TextOptions = {}): string {
  const levels = new Set(options.levels ?? ['error', 'warning', 'info']);
  const lines = [`audit of ${result.database} (schemas: ${result.schemas.join(', ')}; ${auditedText(result)}): ${summary(result)}`];
  for (const [table, fs] of groupByTable(result.findings.filter((f) => levels.has(f.level)))) {
    lines.push('', table, ...fs.flatMap((f) => findingLines(f, '  ', options.root ?? process.cwd())));
  }
  if (result.waived.length) {
    lines.push('', 'waived:');
    for (const f of result.waived) lines.push(`  ${f.level.padEnd(7)} ${f.check} ${f.object}${f.reason ? `: ${f.reason}` : ''}`);
  }
  if (result.unusedWaivers.length) {
    lines.push('', 'waivers that matched nothing:');
    for (const w of result.unusedWaivers) lines.push(`  ${w.check} ${w.object}`);
  }
  return lines.join('\n');
}

export function formatJson(result: AuditResult): string {
  const c = counts(result);
  return JSON.stringify(
    {
      database: result.database,
      schemas: result.schemas,
      audited: result.audited,
      summary: { errors: c.error, warnings: c.warning, info: c.info, waived: result.waived.length },
      findings: result.findings,
      waived: result.waived,
      unusedWaivers: result.unusedWaivers,
      checks: result.checks,
    },
    null,
    2,
  );
}

const SARIF_LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  toolVersion?: string;
  /** the folder artifact URIs are relative to: the repository's root (default: the working directory) */
  root?: string;
}

/**
 * Where a result points when the audit knew no file at all (a live database audited by URL):
 * code scanning rejects a whole log in which one result lacks a file, so it gets this one, in no
 * repository (shown without a code excerpt).
 */
export const SARIF_FALLBACK_URI = 'pg-rls-test-audit.sql';

/** Logical location kind: functions are functions, everything else a database resource. */
function locationKind(f: Finding): string {
  return /\(.*\)$/.test(f.object) && !f.object.includes(' on ') ? 'function' : 'resource';
}

/** A file path as an artifact URI: relative to the root (forward slashes, escaped), or a file: URI outside it. */
function artifactUri(file: string, root: string): string {
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(file).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}

/**
 * A result's location: the statement that creates its object (file, line and columns), and the
 * object by name. Code scanning needs a file and a line in every result, so one whose object no
 * file creates (a role, the database, the preset's grants) points at line 1 of the first file the
 * database was built from, else at SARIF_FALLBACK_URI, and says so.
 */
function sarifLocation(f: Finding, result: AuditResult, root: string): Record<string, unknown> {
  const logicalLocations = [{ fullyQualifiedName: `${result.database}/${f.object}`, name: f.object, kind: locationKind(f) }];
  if (f.location) {
    const { file, start, end } = f.location;
    const region = { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
    return { physicalLocation: { artifactLocation: { uri: artifactUri(file, root) }, region }, logicalLocations };
  }
  const first = result.files?.[0];
  return {
    physicalLocation: { artifactLocation: { uri: first ? artifactUri(first, root) : SARIF_FALLBACK_URI }, region: { startLine: 1 } },
    logicalLocations,
    message: {
      text: first
        ? `${f.object} is created by none of the files the database was built from: shown at the first one`
        : `${f.object}, in a live database (pg-rls-test audit --migrations <folder> shows the line of the migration that creates it)`,
    },
  };
}

/** A SARIF 2.1.0 log: one run, a rule per check, a result per finding (waived ones as suppressed). */
export function formatSarif(result: AuditResult, options: SarifOptions = {}): Record<string, unknown> {
  const index = new Map(result.checks.map((c, i) => [c.id, i]));
  const root = options.root ?? process.cwd();
  const toResult = (f: Finding & { reason?: string }, waived: boolean) => ({
    ruleId: f.check,
    ruleIndex: index.get(f.check) ?? -1,
    level: SARIF_LEVEL[f.level],
    message: { text: f.message },
    locations: [sarifLocation(f, result, root)],
    partialFingerprints: { 'pgRlsTestFinding/v1': `${f.check}:${f.object}` },
    properties: { fix: f.fix, ...(f.table ? { table: f.table } : {}) },
    ...(waived ? { suppressions: [{ kind: 'external', status: 'accepted', ...(f.reason ? { justification: f.reason } : {}) }] } : {}),
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pg-rls-test',
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            informationUri: 'https://www.npmjs.com/package/pg-rls-test',
            rules: result.checks.map((c) => ({
              id: c.id,
              name: c.id.replace(/(^|_)([a-z])/g, (_m, _u, ch: string) => ch.toUpperCase()),
              shortDescription: { text: c.title },
              fullDescription: { text: c.description },
              defaultConfiguration: { level: SARIF_LEVEL[c.level] },
              help: { text: c.description },
            })),
          },
        },
        results: [...result.findings.map((f) => toResult(f, false)), ...result.waived.map((f) => toResult(f, true))],
        properties: { database: result.database, schemas: result.schemas, audited: result.audited },
      },
    ],
  };
}

function cellText(v: MatrixCount | boolean | null): string {
  if (v === null) return '-';
  if (v === true) return 'yes';
  if (v === false) return 'no';
  return String(v);
}

/**
 *   table         rows  requester  select  insert  update  delete
 *   public.posts     4  anonymous  denied  no      denied  denied
 *                      alice      3       yes     2       2
 */
export function formatAccessMatrix(matrix: AccessMatrix): string {
  const header = ['table', 'rows', 'requester', 'select', 'insert', 'update', 'delete'];
  const lines: string[][] = [header];
  for (const [name, t] of Object.entries(matrix.tables)) {
    matrix.requesters.forEach((label, i) => {
      const c = t.access[label]!;
      lines.push([i === 0 ? name : '', i === 0 ? String(t.rows) : '', label, cellText(c.select), cellText(c.insert), cellText(c.update), cellText(c.delete)]);
    });
  }
  const widths = header.map((_, col) => Math.max(...lines.map((l) => l[col]!.length)));
  return lines
    .map((l) => l.map((cell, col) => (col === 1 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join('  ').trimEnd())
    .join('\n');
}
