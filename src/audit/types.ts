/** The audit's public shapes: findings, checks, waivers, results. */
import type { Facts } from './facts.js';

export type Level = 'error' | 'warning' | 'info';

export interface Finding {
  /** the check's stable id, e.g. 'rls_disabled_exposed' */
  check: string;
  level: Level;
  /** what it is about: 'public.posts', a policy ('public.posts "owner reads"'), a function ('public.f(bigint)'), a role, a schema */
  object: string;
  /** the table it concerns, when there is one ('public.posts') */
  table?: string;
  /** one sentence */
  message: string;
  /** the SQL that fixes it; when it was tried and did not pass, it starts with `-- a starting point, not verified (why)` */
  fix: string;
  /**
   * Set when the fix was tried (`verifyFixes`): applied in a rolled-back transaction, the finding
   * was gone and no new error or warning appeared on its table (true), or not (false)
   */
  fixVerified?: boolean;
  /**
   * Where its object is created, when the database was built from files (migrations, seed files)
   * and one of them creates it: the file's path and the statement's 1-based range
   * (`CREATE POLICY ...` for a policy, `CREATE TABLE ...` for a table, `CREATE FUNCTION ...`)
   */
  location?: FindingLocation;
}

export interface FindingLocation {
  file: string;
  start: { line: number; column: number };
  /** just past the statement's last character */
  end: { line: number; column: number };
}

/** A finding accepted on purpose: `{ check: 'rls_enabled_no_policy', object: 'public.audit_log' }`. */
export interface Waiver {
  check: string;
  object: string;
  /** why it is fine, shown next to the waived finding */
  reason?: string;
}

export interface ApiRoles {
  /** the role a request with a token runs as (default 'authenticated') */
  authenticated: string;
  /** the role a request without a token runs as (default 'anonymous'; Supabase: 'anon') */
  anonymous: string;
}

export interface CheckContext {
  facts: Facts;
  roles: ApiRoles;
}

export interface Check {
  id: string;
  level: Level;
  title: string;
  /** what it looks for and why it matters */
  description: string;
  run(ctx: CheckContext): Finding[];
}

export interface CheckInfo {
  id: string;
  level: Level;
  title: string;
  description: string;
}

export interface AuditOptions {
  /** schemas to audit (default ['public'], the schema the Data API exposes by default) */
  schemas?: string[];
  /** findings accepted on purpose */
  ignore?: Waiver[];
  /** the Data API's roles (default: the preset's, or authenticated/anonymous) */
  apiRoles?: Partial<ApiRoles>;
  /**
   * Try each finding's fix (of every level, or of these levels) in a rolled-back transaction and
   * audit again: a fix that leaves the finding, or brings a new error or warning on its table, is
   * labelled "a starting point, not verified". Default false: one catalog read per finding.
   */
  verifyFixes?: boolean | Level[];
}

export interface AuditResult {
  /** findings not waived, errors first, then by table and check */
  findings: Finding[];
  /** findings matched by a waiver, with the waiver's reason */
  waived: (Finding & { reason?: string })[];
  /** waivers that matched nothing (stale, or a typo) */
  unusedWaivers: Waiver[];
  /** every check that ran */
  checks: CheckInfo[];
  /** what was audited */
  schemas: string[];
  /** how many objects of those schemas the checks looked at */
  audited: Audited;
  database: string;
  /** the files the database was built from (migrations, then seed files), when it was: what findings' `location` point into */
  files?: string[];
}

export interface Audited {
  /** tables, partitioned and foreign tables included */
  tables: number;
  /** views and materialized views */
  views: number;
  /** functions and procedures (the checks read their bodies; helpers in other schemas are followed too) */
  functions: number;
}
