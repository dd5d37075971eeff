/**
 * What the mutation operators are made from: the audit's catalog facts (RLS flags, policies,
 * effective privileges, views, SECURITY DEFINER functions: src/audit/facts.ts, one query) plus
 * what the audit does not need: the ACL entries themselves (who was granted what, directly or
 * through PUBLIC, down to columns), every function's body and EXECUTE grants, and what each
 * table's policies, defaults, view rule and triggers refer to (for the test selection).
 *
 * Read in the test worker during the clean run, right after createTestDatabase() prepared a
 * database, and written to the run's folder as JSON: the runner reads it there.
 */
import type { Connection } from '../backends/types.js';
import { readFacts } from '../audit/index.js';
import type { Facts } from '../audit/facts.js';

export interface AclEntry {
  kind: 'table' | 'column' | 'sequence' | 'schema' | 'function';
  schema: string;
  /** table, sequence, function (without arguments) or schema name */
  name: string;
  /** kind column: the column; kind function: the identity arguments */
  detail: string | null;
  /** a role name, or 'public' */
  grantee: string;
  privilege: string;
  grantable: boolean;
  grantor: string;
  owner: string;
}

export interface FunctionInfo {
  schema: string;
  name: string;
  args: string;
  language: string;
  securityDefiner: boolean;
  /** the whole CREATE FUNCTION statement, as pg_get_functiondef() prints it */
  definition: string;
}

/** A column an INSERT must give a value: NOT NULL, no default, not identity or generated. */
export interface RequiredColumn {
  /** `schema.table` */
  table: string;
  name: string;
  /** format_type(): 'text', 'integer', 'timestamp with time zone', ... */
  type: string;
  /** for an enum: its labels, in order */
  labels: string[] | null;
}

export interface MutationFacts {
  facts: Facts;
  /** the columns inserts must fill (the suggestions' example rows give them a value) */
  required: RequiredColumn[];
  acl: AclEntry[];
  functions: FunctionInfo[];
  /** coverage keys: 'table:public.posts' -> 'function:auth.user_id' (policies, defaults, view rules, triggers) */
  edges: { from: string; to: string }[];
  /** the schemas mutated (exposed ones) and the API roles, [authenticated, anonymous] */
  schemas: string[];
  apiRoles: string[];
}

// $1: exposed schemas (text[]), $2: API roles (text[]).
const MUTATION_SQL = `
WITH sch AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])
), ext AS (
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
), rel AS (
  SELECT c.oid, c.relname, c.relkind, c.relowner, c.relacl, s.nspname FROM pg_catalog.pg_class c JOIN sch s ON s.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
     AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ext.objid = c.oid)
), fn AS (
  SELECT f.oid, f.proname, f.proowner, f.proacl, f.prosecdef, s.nspname, l.lanname FROM pg_catalog.pg_proc f JOIN sch s ON s.oid = f.pronamespace
    JOIN pg_catalog.pg_language l ON l.oid = f.prolang
   WHERE f.prokind IN ('f', 'p')
     AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ext.objid = f.oid)
), who AS (
  SELECT 0::oid AS oid, 'public' AS name UNION ALL SELECT r.oid, r.rolname::text FROM pg_catalog.pg_roles r WHERE r.rolname = ANY($2::text[])
), acl AS (
  SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS kind, c.nspname AS schema, c.relname::text AS name, NULL::text AS detail,
         x.grantee, x.privilege_type, x.is_grantable, x.grantor, c.relowner AS owner
    FROM rel c, pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) x
  UNION ALL
  SELECT 'column', c.nspname, c.relname::text, a.attname::text, x.grantee, x.privilege_type, x.is_grantable, x.grantor, c.relowner
    FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL,
         pg_catalog.aclexplode(a.attacl) x
  UNION ALL
  SELECT 'schema', s.nspname, s.nspname::text, NULL, x.grantee, x.privilege_type, x.is_grantable, x.grantor, s.nspowner
    FROM sch s, pg_catalog.aclexplode(coalesce(s.nspacl, pg_catalog.acldefault('n', s.nspowner))) x WHERE x.privilege_type = 'USAGE'
  UNION ALL
  SELECT 'function', f.nspname, f.proname::text, pg_catalog.pg_get_function_identity_arguments(f.oid), x.grantee, x.privilege_type, x.is_grantable, x.grantor, f.proowner
    FROM fn f, pg_catalog.aclexplode(coalesce(f.proacl, pg_catalog.acldefault('f', f.proowner))) x
)
SELECT pg_catalog.json_build_object(
  'required', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'table', c.nspname || '.' || c.relname, 'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
      'labels', (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.atttypid))
      ORDER BY c.nspname, c.relname, a.attnum), '[]'::json)
    FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE c.relkind IN ('r', 'p') AND a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''),
  'acl', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'kind', a.kind, 'schema', a.schema, 'name', a.name, 'detail', a.detail, 'grantee', w.name, 'privilege', a.privilege_type, 'grantable', a.is_grantable,
      'grantor', pg_catalog.pg_get_userbyid(a.grantor), 'owner', pg_catalog.pg_get_userbyid(a.owner))
      ORDER BY a.kind, a.schema, a.name, a.detail, w.name, a.privilege_type), '[]'::json)
    FROM acl a JOIN who w ON w.oid = a.grantee),
  'functions', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', f.nspname, 'name', f.proname, 'args', pg_catalog.pg_get_function_identity_arguments(f.oid), 'language', f.lanname,
      'securityDefiner', f.prosecdef, 'definition', pg_catalog.pg_get_functiondef(f.oid)) ORDER BY f.nspname, f.proname), '[]'::json)
    FROM fn f WHERE f.lanname IN ('sql', 'plpgsql')),
  'edges', (SELECT coalesce(pg_catalog.json_agg(DISTINCT pg_catalog.jsonb_build_object('from', e.from_key, 'to', e.to_key)), '[]'::json) FROM (
      SELECT 'table:' || c.nspname || '.' || c.relname AS from_key,
             CASE WHEN d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
                    (SELECT CASE WHEN rc.relkind = 'S' THEN 'sequence:' ELSE 'table:' END || rn.nspname || '.' || rc.relname
                       FROM pg_catalog.pg_class rc JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = d.refobjid)
                  ELSE (SELECT 'function:' || pn.nspname || '.' || p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = d.refobjid)
             END AS to_key
        FROM rel c
        JOIN (SELECT pol.polrelid AS relid, 'pg_catalog.pg_policy'::pg_catalog.regclass AS classid, pol.oid AS objid FROM pg_catalog.pg_policy pol
              UNION ALL SELECT ad.adrelid, 'pg_catalog.pg_attrdef'::pg_catalog.regclass, ad.oid FROM pg_catalog.pg_attrdef ad
              UNION ALL SELECT rw.ev_class, 'pg_catalog.pg_rewrite'::pg_catalog.regclass, rw.oid FROM pg_catalog.pg_rewrite rw
              UNION ALL SELECT t.tgrelid, 'pg_catalog.pg_trigger'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_trigger t WHERE NOT t.tgisinternal) o ON o.relid = c.oid
        JOIN pg_catalog.pg_depend d ON d.classid = o.classid AND d.objid = o.objid
         AND d.refclassid IN ('pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_proc'::pg_catalog.regclass)
      UNION ALL
      -- the sequences a table owns (serial, identity): inserts use them
      SELECT 'table:' || c.nspname || '.' || c.relname, 'sequence:' || sn.nspname || '.' || sq.relname
        FROM rel c JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid
         AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
        JOIN pg_catalog.pg_class sq ON sq.oid = d.objid AND sq.relkind = 'S' JOIN pg_catalog.pg_namespace sn ON sn.oid = sq.relnamespace
    ) e WHERE e.to_key IS NOT NULL AND e.to_key <> e.from_key)
) AS facts`;

/** The facts of the mutation operators, read in one read-only transaction. */
export async function readMutationFacts(conn: Connection, options: { schemas: string[]; apiRoles: { authenticated: string; anonymous: string } }): Promise<MutationFacts> {
  const facts = await readFacts(conn, { schemas: options.schemas, apiRoles: options.apiRoles });
  const roles = [options.apiRoles.authenticated, options.apiRoles.anonymous];
  await conn.exec(`BEGIN READ ONLY; SET LOCAL search_path TO ''`);
  try {
    const { rows } = await conn.query(MUTATION_SQL, [options.schemas, roles]);
    const raw = rows[0]?.facts;
    const more = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Pick<MutationFacts, 'required' | 'acl' | 'functions' | 'edges'>;
    return { facts, ...more, schemas: options.schemas, apiRoles: roles };
  } finally {
    await conn.exec('ROLLBACK').catch(() => undefined);
  }
}
