/**
 * The schema audit: facts from the catalog (one query, in a read-only transaction), the checks
 * over them, waivers applied. Used by db.audit(), toBeDataApiReady() and `pg-rls-test audit`.
 */
import type { Connection } from '../backends/types.js';
import { CHECKS } from './checks/index.js';
import { loadFacts, type Facts } from './facts.js';
import type { ApiRoles, Audited, AuditOptions, AuditResult, CheckInfo, Finding, Level, Waiver } from './types.js';
import { resolveSchema } from '../catalog/objects.js';

export type { ApiRoles, Audited, AuditOptions, AuditResult, Check, CheckInfo, Finding, Level, Waiver } from './types.js';
export type { Facts } from './facts.js';
export { CHECKS } from './checks/index.js';
export { loadFacts } from './facts.js';

export const DEFAULT_SCHEMAS = ['public'];
export const DEFAULT_API_ROLES: ApiRoles = { authenticated: 'authenticated', anonymous: 'anonymous' };

const LEVEL_ORDER: Record<Level, number> = { error: 0, warning: 1, info: 2 };

export interface ResolvedAuditOptions {
  schemas: string[];
  ignore: Waiver[];
  apiRoles: ApiRoles;
  /** the levels whose fixes are tried (none by default) */
  verifyFixes: Level[];
}

const LEVELS: Level[] = ['error', 'warning', 'info'];

/** Checks the options (a bad one is a TypeError naming it) and fills in the defaults. */
export function resolveAuditOptions(options: AuditOptions = {}, defaults: Partial<ApiRoles> = {}): ResolvedAuditOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('audit() takes an options object ({ schemas, ignore, apiRoles })');
  for (const key of Object.keys(options)) {
    if (!['schemas', 'ignore', 'apiRoles', 'verifyFixes'].includes(key)) throw new TypeError(`unknown audit option "${key}"; known: schemas, ignore, apiRoles, verifyFixes`);
  }
  const schemas = options.schemas ?? DEFAULT_SCHEMAS;
  if (!Array.isArray(schemas) || schemas.length === 0 || !schemas.every((s) => typeof s === 'string' && s !== '')) {
    throw new TypeError(`"schemas" option must be a non-empty list of schema names, got ${JSON.stringify(options.schemas)}`);
  }
  const ignore = options.ignore ?? [];
  if (!Array.isArray(ignore)) throw new TypeError(`"ignore" option must be a list of { check, object } waivers, got ${JSON.stringify(ignore)}`);
  const known = new Set(CHECKS.map((c) => c.id));
  ignore.forEach((w, i) => {
    if (!w || typeof w !== 'object' || typeof w.check !== 'string' || typeof w.object !== 'string' || w.object === '') {
      throw new TypeError(`"ignore" option: waiver ${i} must be { check: string, object: string }, got ${JSON.stringify(w)}`);
    }
    if (!known.has(w.check)) throw new TypeError(`"ignore" option: waiver ${i} names unknown check "${w.check}"`);
    if (w.reason !== undefined && typeof w.reason !== 'string') throw new TypeError(`"ignore" option: waiver ${i} has a reason that is not a string`);
  });
  const roles = { ...DEFAULT_API_ROLES, ...defaults, ...(options.apiRoles ?? {}) };
  for (const k of ['authenticated', 'anonymous'] as const) {
    if (typeof roles[k] !== 'string' || roles[k] === '') throw new TypeError(`"apiRoles.${k}" option must be a role name, got ${JSON.stringify(roles[k])}`);
  }
  const verify = options.verifyFixes ?? false;
  if (typeof verify !== 'boolean' && !(Array.isArray(verify) && verify.every((l) => LEVELS.includes(l)))) {
    throw new TypeError(`"verifyFixes" option must be true, false or a list of levels (error, warning, info), got ${JSON.stringify(verify)}`);
  }
  return { schemas: [...new Set(schemas)], ignore, apiRoles: roles, verifyFixes: verify === true ? LEVELS : verify === false ? [] : [...new Set(verify)] };
}

export function checkInfos(): CheckInfo[] {
  return CHECKS.map(({ id, level, title, description }) => ({ id, level, title, description }));
}

/**
 * Every check's findings over these facts, sorted; computed once per facts object and API roles
 * (the checks are pure, and db.audit() keeps its facts until the schema changes).
 */
const findingsOf = new WeakMap<Facts, Map<string, Finding[]>>();
function runChecks(facts: Facts, roles: ApiRoles): Finding[] {
  let byRoles = findingsOf.get(facts);
  if (!byRoles) findingsOf.set(facts, (byRoles = new Map()));
  const key = `${roles.authenticated}\u0000${roles.anonymous}`;
  let all = byRoles.get(key);
  if (!all) {
    all = CHECKS.flatMap((c) => c.run({ facts, roles }));
    all.sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || (a.table ?? '~').localeCompare(b.table ?? '~') || a.check.localeCompare(b.check) || a.object.localeCompare(b.object));
    byRoles.set(key, all);
  }
  return all;
}

/** Runs every check over the facts and applies the waivers (pure; no database). */
export function evaluate(facts: Facts, options: ResolvedAuditOptions): AuditResult {
  // each finding a copy: the caller may change what it gets, the cache keeps its own
  const all = runChecks(facts, options.apiRoles).map((f) => ({ ...f }));
  const used = new Set<Waiver>();
  const findings: Finding[] = [];
  const waived: AuditResult['waived'] = [];
  for (const f of all) {
    const w = options.ignore.find((x) => x.check === f.check && x.object === f.object);
    if (!w) {
      findings.push(f);
      continue;
    }
    used.add(w);
    waived.push(w.reason ? { ...f, reason: w.reason } : f);
  }
  return {
    findings,
    waived,
    unusedWaivers: options.ignore.filter((w) => !used.has(w)),
    checks: checkInfos(),
    schemas: options.schemas,
    audited: audited(facts),
    database: facts.database,
  };
}

function audited(facts: Facts): Audited {
  const views = facts.relations.filter((r) => r.kind === 'v' || r.kind === 'm').length;
  return { tables: facts.relations.length - views, views, functions: facts.functions.filter((f) => f.audited).length };
}

/**
 * Reads the facts in one read-only transaction (BEGIN READ ONLY; search_path ''; the facts
 * query; ROLLBACK) on a connection the caller holds, then evaluates them.
 */
export async function runAudit(conn: Connection, options: AuditOptions = {}): Promise<AuditResult> {
  const resolved = resolveAuditOptions(options);
  const facts = await readFacts(conn, resolved);
  return evaluate(facts, resolved);
}

/**
 * The facts query inside its own read-only transaction. A schema that does not exist rejects
 * with UnknownObjectError and its close matches: auditing nothing would pass silently.
 */
export async function readFacts(conn: Connection, options: Pick<ResolvedAuditOptions, 'schemas' | 'apiRoles'>): Promise<Facts> {
  await conn.exec(`BEGIN READ ONLY; SET LOCAL search_path TO ''`);
  try {
    const facts = await loadFacts(conn, { schemas: options.schemas, apiRoles: [options.apiRoles.authenticated, options.apiRoles.anonymous] });
    for (const name of options.schemas) if (!facts.schemas.some((s) => s.name === name)) await resolveSchema(conn, name);
    return facts;
  } finally {
    await conn.exec('ROLLBACK').catch(() => undefined);
  }
}
