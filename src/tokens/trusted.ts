/**
 * Keys of the project's own auth provider, which the emulated Data API trusts besides the
 * database's own, as the real one trusts the JWKS URL it is configured with: a JWKS object, or
 * a URL fetched once when the database starts.
 */
import { JwksUnavailableError } from '../errors.js';
import type { Jwks, PublicJwk } from './keys.js';

/** Members of a JWK that only a private key has (RFC 7518 §6): never used to verify. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function publicOnly(keys: PublicJwk[]): Jwks {
  return { keys: keys.map((k) => Object.fromEntries(Object.entries(k).filter(([m]) => !PRIVATE_MEMBERS.includes(m))) as PublicJwk) };
}

/** Whether a value is a JWKS: `{ keys: [{ kty, ... }, ...] }`. */
export function isJwks(value: unknown): value is Jwks {
  const keys = (value as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.every((k) => k !== null && typeof k === 'object' && typeof (k as PublicJwk).kty === 'string');
}

/** The trusted keys: the JWKS given, or the one at the URL (fetched now, once). */
export async function loadTrustedJwks(source: Jwks | string | undefined, timeoutMs = 5000): Promise<Jwks> {
  if (source === undefined) return { keys: [] };
  if (typeof source !== 'string') return publicOnly(source.keys);
  const fail = (why: string, cause?: unknown) =>
    new JwksUnavailableError(`the JWKS at ${source} (option dataApi.jwks) could not be fetched: ${why}`, {
      cause,
      hint: 'start the auth service (or point dataApi.jwks at a URL that serves its /.well-known/jwks.json), or give dataApi.jwks the JWKS object itself',
    });
  let response: Response;
  try {
    response = await fetch(source, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (cause) {
    const why = (cause as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : String((cause as { cause?: { message?: string } }).cause?.message ?? (cause as Error).message);
    throw fail(why, cause);
  }
  if (!response.ok) throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw fail('the answer is not JSON', cause);
  }
  if (!isJwks(body)) throw fail('the answer is not a JWKS ({ "keys": [ ... ] })');
  return publicOnly(body.keys);
}
