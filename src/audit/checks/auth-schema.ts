/** Schema auth belongs to the auth provider. */
import { ident, qualified } from '../../sql/index.js';
import type { Check, Finding } from '../types.js';
import { apiRoles, finding } from './_helpers.js';

/** What pg_session_jwt and Supabase put in schema auth. */
const KNOWN_AUTH_FUNCTIONS = new Set(['session', 'jwt', 'user_id', 'uid', 'organization', 'organization_id', 'init', 'jwt_session_init', 'role', 'email']);

export const authSchemaObjects: Check = {
  id: 'auth_schema_foreign_object',
  level: 'warning',
  title: 'Objects of the application in schema auth',
  description: 'Schema auth belongs to pg_session_jwt (Neon) or the auth service (Supabase): objects created there by others can shadow or be replaced by its functions, and a role that may create objects there can redefine identity. Put application objects in another schema.',
  run(ctx) {
    const out: Finding[] = [];
    for (const role of ctx.facts.authCreate) {
      out.push(
        finding(this, {
          level: 'error',
          object: 'auth',
          message: `API role ${role} may create objects in schema auth: it could define functions that policies trust for identity`,
          fix: `REVOKE CREATE ON SCHEMA ${ident('auth')} FROM PUBLIC, ${ident(role)};`,
        }),
      );
    }
    for (const o of ctx.facts.authObjects) {
      const known = o.kind === 'function' && KNOWN_AUTH_FUNCTIONS.has(o.name) && o.owner === o.schemaOwner;
      if (known || o.owner === 'supabase_auth_admin') continue;
      const ownedByApi = apiRoles(ctx).includes(o.owner);
      const name = o.kind === 'function' ? `auth.${o.name}(${o.args ?? ''})` : `auth.${o.name}`;
      const sqlObj = o.kind === 'function' ? `${qualified('auth', o.name)}(${o.args ?? ''})` : qualified('auth', o.name);
      out.push(
        finding(this, {
          level: ownedByApi ? 'error' : 'warning',
          object: name,
          message: `${o.kind} ${name} (owner ${o.owner}) was not installed by the auth extension: schema auth is the auth provider's, keep application objects elsewhere`,
          fix: `ALTER ${o.kind === 'function' ? 'FUNCTION' : o.kind === 'materialized view' ? 'MATERIALIZED VIEW' : o.kind === 'view' ? 'VIEW' : o.kind === 'foreign table' ? 'FOREIGN TABLE' : 'TABLE'} ${sqlObj} SET SCHEMA ${ident('public')};`,
        }),
      );
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const AUTH_SCHEMA_CHECKS: readonly Check[] = [authSchemaObjects];
