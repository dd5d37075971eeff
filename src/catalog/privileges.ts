/**
 * Effective privileges as Postgres computes them (has_*_privilege: membership with INHERIT,
 * and PUBLIC), for tables, columns, functions, schemas and sequences; default privileges;
 * role membership. One query per question.
 */
import type { Connection } from '../backends/types.js';
import { parseTextArray } from './tables.js';

export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
export const COLUMN_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES'] as const;
export const FUNCTION_PRIVILEGES = ['EXECUTE'] as const;
export const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE'] as const;
export const SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT', 'UPDATE'] as const;

/** MAINTAIN exists from PostgreSQL 17 on. */
export async function tablePrivilegeNames(conn: Connection): Promise<string[]> {
  const { rows } = await conn.query(`SELECT current_setting('server_version_num')::int AS v`);
  return Number(rows[0]!.v) >= 170000 ? [...TABLE_PRIVILEGES, 'MAINTAIN'] : [...TABLE_PRIVILEGES];
}

export type ObjectKind = 'table' | 'column' | 'function' | 'schema' | 'sequence';

/** Which of `privileges` the role holds on the object (object given as oid or signature text). */
export async function effectivePrivileges(conn: Connection, role: string, kind: ObjectKind, object: { oid: number; column?: string }, privileges: readonly string[]): Promise<Set<string>> {
  const fn = {
    table: 'has_table_privilege($1, $2::oid, p)',
    column: 'has_column_privilege($1, $2::oid, $4::text, p)',
    function: 'has_function_privilege($1, $2::oid, p)',
    schema: 'has_schema_privilege($1, $2::oid, p)',
    sequence: 'has_sequence_privilege($1, $2::oid, p)',
  }[kind];
  const params: unknown[] = [role, object.oid, privileges];
  if (kind === 'column') params.push(object.column);
  const { rows } = await conn.query(`SELECT p FROM unnest($3::text[]) p WHERE ${fn}`, params);
  return new Set(rows.map((r) => String(r.p)));
}

export interface CrudFacts {
  table: Set<string>;
  schemaUsage: boolean;
  /** sequences behind nextval() defaults (serial), with whether the role has USAGE */
  sequences: { name: string; usage: boolean }[];
  /** roles whose default privileges in this schema grant the missing table privileges to the role */
  defaultGrantors: { grantor: string; privileges: string[] }[];
}

/** Everything toGrantCrudTo needs, in one round trip. */
export async function crudFacts(conn: Connection, role: string, tableOid: number): Promise<CrudFacts> {
  const { rows } = await conn.query(
    `WITH t AS (SELECT c.oid, c.relnamespace FROM pg_class c WHERE c.oid = $2::oid)
     SELECT
       ARRAY(SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE']) p WHERE has_table_privilege($1, $2::oid, p)) AS table_privs,
       has_schema_privilege($1, (SELECT relnamespace FROM t), 'USAGE') AS schema_usage,
       coalesce((SELECT json_agg(json_build_object('name', sn.nspname || '.' || s.relname, 'usage', has_sequence_privilege($1, s.oid, 'USAGE')) ORDER BY s.relname)
          FROM pg_attrdef ad
          JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
          JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
          JOIN pg_namespace sn ON sn.oid = s.relnamespace
         WHERE ad.adrelid = $2::oid), '[]'::json) AS sequences,
       coalesce((SELECT json_agg(json_build_object('grantor', pg_get_userbyid(da.defaclrole), 'privileges', x.privs))
          FROM pg_default_acl da,
               LATERAL (SELECT array_agg(DISTINCT a.privilege_type) AS privs FROM aclexplode(da.defaclacl) a
                         WHERE a.grantee = 0 OR pg_has_role($1, a.grantee, 'USAGE')) x
         WHERE da.defaclobjtype = 'r' AND da.defaclnamespace IN (0, (SELECT relnamespace FROM t)) AND x.privs IS NOT NULL), '[]'::json) AS default_grantors`,
    [role, tableOid],
  );
  const r = rows[0]!;
  const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  return {
    table: new Set(parseTextArray(r.table_privs)),
    schemaUsage: Boolean(r.schema_usage),
    sequences: parse<{ name: string; usage: boolean }[]>(r.sequences),
    defaultGrantors: parse<{ grantor: string; privileges: string[] }[]>(r.default_grantors),
  };
}

/**
 * What tables created later by `creator` in `schemaOid` will grant `role`: the creator's default
 * ACLs (schema-specific plus global, or the built-in default when there is no global one).
 */
export async function defaultTablePrivileges(conn: Connection, role: string, creator: string, schemaOid: number): Promise<Set<string>> {
  const { rows } = await conn.query(
    `WITH acl AS (
       SELECT da.defaclacl AS acl FROM pg_default_acl da
        WHERE da.defaclobjtype = 'r' AND da.defaclrole = to_regrole($2) AND da.defaclnamespace = $3::oid
       UNION ALL
       SELECT coalesce((SELECT da.defaclacl FROM pg_default_acl da
                         WHERE da.defaclobjtype = 'r' AND da.defaclrole = to_regrole($2) AND da.defaclnamespace = 0),
                       acldefault('r', to_regrole($2))))
     SELECT DISTINCT a.privilege_type AS p FROM acl, aclexplode(acl.acl) a
      WHERE a.grantee = 0 OR pg_has_role($1, a.grantee, 'USAGE')`,
    [role, creator, schemaOid],
  );
  return new Set(rows.map((r) => String(r.p)));
}

/** Direct or inherited membership of `role` in `group` (the role itself does not count). */
export async function isMemberOf(conn: Connection, role: string, group: string): Promise<{ member: boolean; via: string[] }> {
  const { rows } = await conn.query(
    `WITH RECURSIVE up(oid, path) AS (
       SELECT m.roleid, ARRAY[pg_get_userbyid(m.roleid)::text] FROM pg_auth_members m WHERE m.member = to_regrole($1)
       UNION
       SELECT m.roleid, up.path || pg_get_userbyid(m.roleid)::text FROM pg_auth_members m JOIN up ON m.member = up.oid
        WHERE cardinality(up.path) < 20
     )
     SELECT path FROM up WHERE oid = to_regrole($2) ORDER BY cardinality(path) LIMIT 1`,
    [role, group],
  );
  return rows.length ? { member: true, via: parseTextArray(rows[0]!.path) } : { member: false, via: [] };
}
