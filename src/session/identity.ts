/**
 * From a requester to what Postgres will see: the role and the claims. Validation happens
 * here, as the Data API does it before any SQL; so does the preflight of the role.
 */
import { DataApiError, InvalidSubjectError } from '../errors.js';
import type { Engine } from './engine.js';
import { Anonymous, requesterLabel, User, type Requester } from './requesters.js';
import type { Claims } from '../tokens/index.js';

export interface Identity {
  label: string;
  role: string;
  claims: Claims | null;
  anonymous: boolean;
}

export const MISSING_CREDENTIALS = 'missing authentication credentials: required authorization bearer token in JWT format';

export async function identify(engine: Engine, requester: Requester): Promise<Identity> {
  if (requester instanceof Anonymous) {
    if (!engine.anonymousEnabled) throw new DataApiError({ status: 401, code: 'PGRST302', message: MISSING_CREDENTIALS });
    const role = engine.preset.anonymousRole;
    await engine.catalog.role(role);
    await engine.catalog.preflight(role);
    return { label: 'anonymous', role, claims: null, anonymous: true };
  }
  let claims: Claims;
  let role: string;
  if (requester instanceof User) {
    claims = requester.claims();
    engine.issuer.check(claims); // expiry or audience overridden through `claims`
    role = requester.role;
    await engine.catalog.role(role); // UnknownRoleError with close names: a setup mistake
  } else if (typeof requester === 'string') {
    claims = await engine.issuer.validate(requester);
    role = typeof claims.role === 'string' ? claims.role : engine.preset.authenticatedRole;
    const roles = await engine.catalog.roles();
    if (!roles.has(role)) {
      throw new DataApiError({ status: 401, code: '22023', message: `role "${role}" does not exist` });
    }
  } else {
    throw new InvalidSubjectError(
      `db.as() takes a user from db.user(), db.anonymous or a JWT string; got ${describe(requester)}`,
      { hint: 'await db.user(...).token first if you meant its token, or pass the user itself' },
    );
  }
  await engine.catalog.preflight(role);
  return { label: requesterLabel(requester), role, claims, anonymous: false };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') return 'a Promise (did you forget an await?)';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${JSON.stringify(v)}`;
}
