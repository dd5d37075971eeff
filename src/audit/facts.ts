/**
 * Everything the audit checks look at, read from the catalog in ONE query that returns a JSON
 * document. Run it with `search_path` set to '' (runAudit does) so policy expressions come back
 * with every function schema-qualified (`auth.user_id()`), whatever the caller's search_path.
 */
import type { Connection } from '../backends/types.js';
import { loadParser } from '../sql/parse.js';

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';
export type PolicyCmd = 'select' | 'insert' | 'update' | 'delete' | 'all';

export interface RoleFacts {
  name: string;
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** roles whose privileges this role has (inherited membership), itself excluded */
  memberOf: string[];
}

export interface SchemaFacts {
  name: string;
  owner: string;
  /** API roles with USAGE / CREATE on it (through membership and PUBLIC too) */
  usage: string[];
  create: string[];
  /** per owner of tables in this schema: what tables it creates later grant the authenticated role */
  defaultPrivileges: { owner: string; privileges: string[] }[];
}

export interface PolicyFacts {
  name: string;
  cmd: PolicyCmd;
  permissive: boolean;
  /** role names; 'public' for PUBLIC */
  roles: string[];
  using: string | null;
  check: string | null;
}

export interface ColumnFacts {
  name: string;
  type: string;
  default: string | null;
  notNull: boolean;
  /** API roles that may read / update this column (table or column grant, membership, PUBLIC) */
  select: string[];
  update: string[];
}

export interface TriggerFacts {
  /** the trigger function, `schema.name` */
  function: string;
  /** BEFORE ... FOR EACH ROW: it can rewrite or refuse the new row */
  beforeRow: boolean;
  events: ('insert' | 'update' | 'delete')[];
}

export interface RelationFacts {
  schema: string;
  name: string;
  /** r table, p partitioned table, v view, m materialized view, f foreign table */
  kind: 'r' | 'p' | 'v' | 'm' | 'f';
  owner: string;
  /** the owner may log in (the application may connect as it) */
  ownerCanLogin: boolean;
  /** the owner is a superuser or BYPASSRLS: FORCE ROW LEVEL SECURITY does not hold it */
  ownerBypassesRls: boolean;
  rls: boolean;
  forced: boolean;
  partitionOf: string | null;
  securityInvoker: boolean;
  /** API role -> privileges it holds (any column counts for SELECT/INSERT/UPDATE/REFERENCES) */
  privileges: Record<string, Privilege[]>;
  /** privileges granted to PUBLIC in the table's own ACL */
  publicPrivileges: Privilege[];
  /** API roles that own the table, directly or through an inherited membership */
  ownedBy: string[];
  columns: ColumnFacts[];
  /** the primary key's columns, in order (empty without one) */
  primaryKey: string[];
  /** triggers the table's owner defined (internal ones left out) */
  triggers: TriggerFacts[];
  /** sequences behind nextval() defaults, with the API roles holding USAGE on each */
  sequences: { name: string; schema: string; usage: string[] }[];
  /** for views and materialized views: the tables they read that have row level security */
  rlsDependencies: { name: string; ownerBypasses: boolean }[];
  policies: PolicyFacts[];
}

export interface FunctionFacts {
  schema: string;
  name: string;
  /** identity arguments as Postgres prints them: `bigint, text` */
  args: string;
  language: string;
  owner: string;
  securityDefiner: boolean;
  /** a trigger function (only callable as a trigger, never through /rpc) */
  returnsTrigger: boolean;
  /** the result type as Postgres prints it (`boolean`, `SETOF text`, `TABLE(id uuid)`, `record`) */
  returns: string;
  /** the search_path the function pins (`""` for an empty one), null when it is not set */
  searchPath: string | null;
  /** the body as stored (prosrc) */
  body: string;
  /** pg_get_functiondef() for SQL and PL/pgSQL functions (how the parser reads them), else null */
  definition: string | null;
  /** API roles that may call it */
  executableBy: string[];
  /** EXECUTE is granted to PUBLIC (the default for a new function) */
  publicExecute: boolean;
  /** in one of the audited schemas (the others are here because a policy calls them or their neighbours) */
  audited: boolean;
}

export interface AuthObjectFacts {
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'function';
  name: string;
  /** functions: identity arguments */
  args: string | null;
  owner: string;
  schemaOwner: string;
}

export interface Facts {
  database: string;
  serverVersion: number;
  /** the API roles, in the order given: [authenticated, anonymous] */
  roles: RoleFacts[];
  /** null when no role neon_superuser exists */
  neonSuperuser: { createOnDatabase: boolean } | null;
  schemas: SchemaFacts[];
  relations: RelationFacts[];
  /**
   * Functions and procedures of the audited schemas, and of every schema holding a function that
   * their policies call, so that helpers can be followed (extension members and pg_catalog left out)
   */
  functions: FunctionFacts[];
  /** every table with row level security enabled, `schema.name`, in any schema but the system ones */
  rlsTables: string[];
  /** objects in schema auth that no extension installed */
  authObjects: AuthObjectFacts[];
  /** API roles with CREATE on schema auth */
  authCreate: string[];
}

const PRIVS = `ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']`;

// $1: schemas (text[]), $2: API roles (text[], authenticated first).
export const FACTS_SQL = `
WITH api AS (
  SELECT a.name, a.ord, r.oid, r.rolsuper, r.rolbypassrls
    FROM unnest($2::text[]) WITH ORDINALITY AS a(name, ord)
    LEFT JOIN pg_catalog.pg_roles r ON r.rolname = a.name
), api_ok AS (
  SELECT * FROM api WHERE oid IS NOT NULL
), first_role AS (
  SELECT oid FROM api_ok ORDER BY ord LIMIT 1
), sch AS (
  SELECT n.oid, n.nspname, n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])
), ext AS (
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
), rel AS (
  SELECT c.*, n.nspname FROM pg_catalog.pg_class c JOIN sch n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ext.objid = c.oid)
), auth_ns AS (
  SELECT n.oid, n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'auth'
)
SELECT pg_catalog.json_build_object(
  'database', pg_catalog.current_database(),
  'serverVersion', pg_catalog.current_setting('server_version_num')::int,
  'roles', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', a.name, 'exists', a.oid IS NOT NULL,
      'superuser', coalesce(a.rolsuper, false), 'bypassRls', coalesce(a.rolbypassrls, false),
      'memberOf', CASE WHEN a.oid IS NULL THEN '[]'::json ELSE (
        SELECT coalesce(pg_catalog.json_agg(g.rolname::text ORDER BY g.rolname), '[]'::json) FROM pg_catalog.pg_roles g
         WHERE g.oid <> a.oid AND pg_catalog.pg_has_role(a.oid, g.oid, 'USAGE')) END
    ) ORDER BY a.ord), '[]'::json) FROM api a),
  'neonSuperuser', (SELECT pg_catalog.json_build_object('createOnDatabase',
      pg_catalog.has_database_privilege(r.oid, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()), 'CREATE'))
    FROM pg_catalog.pg_roles r WHERE r.rolname = 'neon_superuser'),
  'schemas', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', s.nspname, 'owner', pg_catalog.pg_get_userbyid(s.nspowner),
      'usage', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_schema_privilege(a.oid, s.oid, 'USAGE')),
      'create', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_schema_privilege(a.oid, s.oid, 'CREATE')),
      'defaultPrivileges', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
          'owner', pg_catalog.pg_get_userbyid(o.owner),
          'privileges', ARRAY(
            SELECT DISTINCT x.privilege_type FROM (
              SELECT da.defaclacl AS acl FROM pg_catalog.pg_default_acl da
               WHERE da.defaclobjtype = 'r' AND da.defaclrole = o.owner AND da.defaclnamespace = s.oid
              UNION ALL
              SELECT coalesce((SELECT da.defaclacl FROM pg_catalog.pg_default_acl da
                                WHERE da.defaclobjtype = 'r' AND da.defaclrole = o.owner AND da.defaclnamespace = 0),
                              pg_catalog.acldefault('r', o.owner))
            ) acls, pg_catalog.aclexplode(acls.acl) x, first_role f
            WHERE x.grantee = 0 OR pg_catalog.pg_has_role(f.oid, x.grantee, 'USAGE')
            ORDER BY 1)
        ) ORDER BY pg_catalog.pg_get_userbyid(o.owner)), '[]'::json)
        FROM (SELECT DISTINCT c.relowner AS owner FROM rel c WHERE c.relnamespace = s.oid AND c.relkind IN ('r', 'p')) o)
    ) ORDER BY s.nspname), '[]'::json) FROM sch s),
  'relations', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', c.nspname, 'name', c.relname, 'kind', c.relkind, 'owner', pg_catalog.pg_get_userbyid(c.relowner),
      'ownerCanLogin', (SELECT o.rolcanlogin FROM pg_catalog.pg_roles o WHERE o.oid = c.relowner),
      'ownerBypassesRls', (SELECT o.rolsuper OR o.rolbypassrls FROM pg_catalog.pg_roles o WHERE o.oid = c.relowner),
      'rls', c.relrowsecurity, 'forced', c.relforcerowsecurity,
      'partitionOf', (SELECT pn.nspname || '.' || p.relname FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1),
      'securityInvoker', coalesce((SELECT pg_catalog.lower(split_part(o, '=', 2)) IN ('true', 'on', 'yes', '1')
                                     FROM unnest(c.reloptions) o WHERE split_part(o, '=', 1) = 'security_invoker' LIMIT 1), false),
      'privileges', (SELECT coalesce(pg_catalog.json_object_agg(a.name, ARRAY(
          SELECT p FROM unnest(${PRIVS}) p
           WHERE CASE WHEN p IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') THEN pg_catalog.has_any_column_privilege(a.oid, c.oid, p)
                      ELSE pg_catalog.has_table_privilege(a.oid, c.oid, p) END)), '{}'::json) FROM api_ok a),
      'publicPrivileges', ARRAY(SELECT DISTINCT x.privilege_type FROM pg_catalog.aclexplode(c.relacl) x WHERE x.grantee = 0 ORDER BY 1),
      'ownedBy', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.pg_has_role(a.oid, c.relowner, 'USAGE')),
      'columns', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
          'name', at.attname, 'type', pg_catalog.format_type(at.atttypid, at.atttypmod),
          'default', pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), 'notNull', at.attnotnull,
          -- only columns with grants of their own: the others have the table's (filled in by loadFacts)
          'select', CASE WHEN at.attacl IS NOT NULL THEN (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_column_privilege(a.oid, c.oid, at.attnum, 'SELECT')) END,
          'update', CASE WHEN at.attacl IS NOT NULL THEN (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_column_privilege(a.oid, c.oid, at.attnum, 'UPDATE')) END
        ) ORDER BY at.attnum), '[]'::json)
        FROM pg_catalog.pg_attribute at LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = at.attrelid AND ad.adnum = at.attnum
       WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped),
      'tableSelect', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_table_privilege(a.oid, c.oid, 'SELECT')),
      'tableUpdate', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_table_privilege(a.oid, c.oid, 'UPDATE')),
      'primaryKey', ARRAY(SELECT a.attname::text FROM pg_catalog.pg_constraint k, unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum
                           WHERE k.conrelid = c.oid AND k.contype = 'p' ORDER BY u.ord),
      'triggers', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
          'function', tn.nspname || '.' || tp.proname,
          'beforeRow', (t.tgtype & 3) = 3,
          'events', ARRAY(SELECT e FROM (VALUES (4, 'insert'), (16, 'update'), (8, 'delete')) v(bit, e) WHERE t.tgtype & v.bit <> 0)
        ) ORDER BY t.tgname), '[]'::json)
        FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc tp ON tp.oid = t.tgfoid JOIN pg_catalog.pg_namespace tn ON tn.oid = tp.pronamespace
       WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
      'sequences', (SELECT coalesce(pg_catalog.json_agg(DISTINCT pg_catalog.jsonb_build_object(
          'name', sq.relname, 'schema', sn.nspname,
          'usage', (SELECT coalesce(pg_catalog.jsonb_agg(a.name ORDER BY a.ord), '[]'::jsonb) FROM api_ok a WHERE pg_catalog.has_sequence_privilege(a.oid, sq.oid, 'USAGE')))), '[]'::json)
        FROM pg_catalog.pg_attrdef ad
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        JOIN pg_catalog.pg_class sq ON sq.oid = d.refobjid AND sq.relkind = 'S'
        JOIN pg_catalog.pg_namespace sn ON sn.oid = sq.relnamespace
       WHERE ad.adrelid = c.oid),
      'rlsDependencies', (SELECT coalesce(pg_catalog.json_agg(DISTINCT pg_catalog.jsonb_build_object(
          'name', dn.nspname || '.' || dc.relname,
          'ownerBypasses', vo.rolsuper OR vo.rolbypassrls OR (pg_catalog.pg_has_role(c.relowner, dc.relowner, 'USAGE') AND NOT dc.relforcerowsecurity))), '[]'::json)
        FROM pg_catalog.pg_rewrite rw
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid AND dc.oid <> c.oid AND dc.relkind IN ('r', 'p') AND dc.relrowsecurity
        JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
        JOIN pg_catalog.pg_roles vo ON vo.oid = c.relowner
       WHERE rw.ev_class = c.oid AND c.relkind IN ('v', 'm')),
      'policies', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
          'name', p.polname, 'cmd', CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END,
          'permissive', p.polpermissive,
          'roles', ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END FROM unnest(p.polroles) r ORDER BY 1),
          'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) ORDER BY p.polname), '[]'::json)
        FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid)
    ) ORDER BY c.nspname, c.relname), '[]'::json) FROM rel c),
  'functions', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', n.nspname, 'name', f.proname, 'args', pg_catalog.pg_get_function_identity_arguments(f.oid),
      'language', l.lanname, 'owner', pg_catalog.pg_get_userbyid(f.proowner),
      'securityDefiner', f.prosecdef, 'returnsTrigger', f.prorettype IN ('pg_catalog.trigger'::pg_catalog.regtype, 'pg_catalog.event_trigger'::pg_catalog.regtype),
      'returns', pg_catalog.pg_get_function_result(f.oid),
      'searchPath', (SELECT substr(cfg, 13) FROM unnest(f.proconfig) cfg WHERE cfg LIKE 'search\\_path=%' LIMIT 1),
      'body', f.prosrc,
      'definition', CASE WHEN l.lanname IN ('sql', 'plpgsql') THEN pg_catalog.pg_get_functiondef(f.oid) END,
      'executableBy', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a WHERE pg_catalog.has_function_privilege(a.oid, f.oid, 'EXECUTE')),
      'publicExecute', EXISTS (SELECT 1 FROM pg_catalog.aclexplode(coalesce(f.proacl, pg_catalog.acldefault('f', f.proowner))) x WHERE x.grantee = 0 AND x.privilege_type = 'EXECUTE'),
      'audited', n.oid IN (SELECT oid FROM sch)
    ) ORDER BY n.nspname, f.proname, pg_catalog.pg_get_function_identity_arguments(f.oid)), '[]'::json)
    FROM pg_catalog.pg_proc f JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace JOIN pg_catalog.pg_language l ON l.oid = f.prolang
   WHERE f.prokind IN ('f', 'p')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND (n.oid IN (SELECT oid FROM sch) OR n.oid IN (SELECT called.pronamespace FROM pg_catalog.pg_depend d
            JOIN pg_catalog.pg_policy p ON d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
            JOIN rel ON rel.oid = p.polrelid
            JOIN pg_catalog.pg_proc called ON d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND called.oid = d.refobjid))
     AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ext.objid = f.oid)),
  'rlsTables', ARRAY(SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.relrowsecurity AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1),
  'authObjects', (SELECT coalesce(pg_catalog.json_agg(o ORDER BY o->>'name', o->>'args'), '[]'::json) FROM (
      SELECT pg_catalog.json_build_object('kind', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
               'name', c.relname, 'args', NULL, 'owner', pg_catalog.pg_get_userbyid(c.relowner), 'schemaOwner', pg_catalog.pg_get_userbyid(ns.nspowner)) AS o
        FROM pg_catalog.pg_class c JOIN auth_ns ns ON ns.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ext.objid = c.oid)
      UNION ALL
      SELECT pg_catalog.json_build_object('kind', 'function', 'name', f.proname, 'args', pg_catalog.pg_get_function_identity_arguments(f.oid),
               'owner', pg_catalog.pg_get_userbyid(f.proowner), 'schemaOwner', pg_catalog.pg_get_userbyid(ns.nspowner))
        FROM pg_catalog.pg_proc f JOIN auth_ns ns ON ns.oid = f.pronamespace
       WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ext.objid = f.oid)
    ) objs),
  'authCreate', (SELECT coalesce(pg_catalog.json_agg(a.name ORDER BY a.ord), '[]'::json) FROM api_ok a, auth_ns ns WHERE pg_catalog.has_schema_privilege(a.oid, ns.oid, 'CREATE'))
) AS facts`;

export interface FactsOptions {
  schemas: string[];
  /** [authenticated, anonymous] */
  apiRoles: string[];
}

/**
 * Runs the facts query on `conn` (one round trip), and loads the SQL parser the checks read
 * policy expressions and function bodies with (once per process, while the query runs).
 */
export async function loadFacts(conn: Connection, options: FactsOptions): Promise<Facts> {
  const [{ rows }] = await Promise.all([conn.query(FACTS_SQL, [options.schemas, options.apiRoles]), loadParser()]);
  const raw = rows[0]?.facts;
  const facts = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Facts;
  // A column without grants of its own has its table's privileges (the query computes them once per table).
  for (const r of facts.relations as (RelationFacts & { tableSelect?: string[]; tableUpdate?: string[] })[]) {
    for (const c of r.columns) {
      c.select ??= r.tableSelect ?? [];
      c.update ??= r.tableUpdate ?? [];
    }
    delete r.tableSelect;
    delete r.tableUpdate;
  }
  return facts;
}
