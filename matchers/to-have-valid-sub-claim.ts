import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asUserOrToken } from './_subjects.js';
import { DataApiError, RequestFailedError } from '../src/internal.js';
import { User } from '../src/internal.js';
import { ENGINE } from '../src/internal.js';
import { databaseForToken } from '../src/internal.js';
import type { Engine } from '../src/internal.js';
import { identify } from '../src/internal.js';
import { runAs } from '../src/internal.js';

// The seed's troubleshooting page, "JWT token missing sub claim".
const SEED_SUB =
  'The JWT token must include the `sub` claim, which identifies the user, to enable Row-Level Security (RLS) policies; without it auth.user_id() returns NULL and every `auth.user_id() = user_id` policy matches nothing.';

function engineFor(subject: User | string): Engine | undefined {
  if (subject instanceof User) return subject.engine;
  // A raw JWT does not name its database: the one whose key signed it, else the latest open one.
  return databaseForToken(subject)?.[ENGINE];
}

/**
 * Passes when the token verifies as the Data API would, carries a string `sub`, and
 * auth.user_id() inside the database, as that token, returns it.
 */
export async function toHaveValidSubClaim(this: MatcherContext, received: unknown): Promise<MatcherResult> {
  const subject = asUserOrToken(received, 'toHaveValidSubClaim');
  const engine = engineFor(subject);
  if (!engine) throw new TypeError('toHaveValidSubClaim() on a raw JWT needs a test database created in this test file (createTestDatabase)');
  const token = subject instanceof User ? await subject.token : subject;
  const label = subject instanceof User ? `the token of ${subject.name}` : 'the token';
  let step: 'invalid' | 'no-sub' | 'not-string' | 'mismatch' | 'ok';
  let detail: string;
  let sub: unknown;
  let userId: unknown;
  try {
    const claims = await engine.issuer.validate(token);
    sub = claims.sub;
    if (sub === undefined) {
      step = 'no-sub';
      detail = 'it has no sub claim';
    } else if (typeof sub !== 'string') {
      step = 'not-string';
      detail = `its sub claim is ${JSON.stringify(sub)}, not a string`;
    } else {
      const identity = await identify(engine, token);
      // the token passed: a failing call of auth.user_id() (missing, not executable) is a broken setup, not a verdict
      const r = await runAs(engine, identity, { sql: 'SELECT auth.user_id() AS uid', method: 'GET', path: '/rpc/user_id' }).catch((e: unknown) => {
        throw e instanceof DataApiError ? new RequestFailedError(`toHaveValidSubClaim(): calling auth.user_id() with ${label}`, e) : e;
      });
      userId = r.rows[0]?.uid ?? null;
      step = userId === sub ? 'ok' : 'mismatch';
      detail = step === 'ok' ? `sub ${JSON.stringify(sub)}, and auth.user_id() returns it` : `sub is ${JSON.stringify(sub)} but auth.user_id() returns ${JSON.stringify(userId)}`;
    }
  } catch (e) {
    if (!(e instanceof DataApiError)) throw e;
    step = 'invalid';
    detail = `the Data API rejects it: ${e.message} (${e.status} ${e.code})`;
  }
  return {
    pass: step === 'ok',
    message: () =>
      failure(this, 'toHaveValidSubClaim', subject instanceof User ? 'user' : 'jwt', '', {
        expected: `${label} ${this.isNot ? 'not ' : ''}to be accepted by the Data API with a string sub that auth.user_id() returns`,
        received: detail,
        why:
          step === 'no-sub' || step === 'not-string'
            ? [SEED_SUB]
            : step === 'mismatch'
              ? ['auth.user_id() must read sub from the request.jwt.claims setting (pg_session_jwt semantics); check its definition.']
              : undefined,
        fix:
          step === 'no-sub' || step === 'not-string'
            ? '-- configure the auth provider to put the user id, as a string, in the sub claim'
            : step === 'invalid' && /audience/.test(detail)
              ? '-- make the token aud claim equal the configured JWT audience, or remove the audience from the Data API settings'
              : undefined,
      }),
  };
}
