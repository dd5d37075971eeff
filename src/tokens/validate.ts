/**
 * Token validation as the Neon Data API does it, with its messages: decode, `kid`, key lookup,
 * signature (jose does the crypto), then `exp`/`nbf` with a 30 s leeway and the audience when
 * one is configured. `sub` is not checked: the API accepts a token without it.
 */
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors } from 'jose';
import { DataApiError } from '../errors.js';
import { SIGNING_ALGS, type Jwks } from './keys.js';
import type { Claims } from './mint.js';

export const LEEWAY_SECONDS = 30;

export interface ValidationOptions {
  jwks: Jwks;
  /** seconds since the epoch */
  now: number;
  /** the configured JWT audience; undefined means the audience is not checked */
  audience?: string | undefined;
}

const jwtError = (code: string, message: string, cause?: unknown) =>
  new DataApiError({ status: 401, code, message, cause, hint: null, detail: null });

export const NOT_A_JWT = 'Provided authentication token is not a valid JWT encoding';

export async function validateToken(token: unknown, options: ValidationOptions): Promise<Claims> {
  if (typeof token !== 'string' || token.split('.').length !== 3) throw jwtError('PGRST301', NOT_A_JWT);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (cause) {
    throw jwtError('PGRST301', NOT_A_JWT, cause);
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw jwtError('PGRST301', 'JWT token header has no "kid": the Data API picks the verification key from the JWKS by kid');
  }
  if (!SIGNING_ALGS.includes(header.alg as never)) {
    throw jwtError('PGRST301', `JWT token algorithm "${String(header.alg)}" is not supported (EdDSA, ES256 or RS256)`);
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, createLocalJWKSet(options.jwks), { algorithms: [...SIGNING_ALGS] }));
  } catch (cause) {
    if (cause instanceof errors.JWKSNoMatchingKey) {
      throw jwtError('PGRST301', `JWT token kid "${header.kid}" matches no key in the JWKS`, cause);
    }
    if (cause instanceof errors.JWSSignatureVerificationFailed) {
      throw jwtError('PGRST301', `JWT token signature verification failed (kid=${header.kid})`, cause);
    }
    throw jwtError('PGRST301', NOT_A_JWT, cause);
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch (cause) {
    throw jwtError('PGRST301', NOT_A_JWT, cause);
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw jwtError('PGRST301', NOT_A_JWT);
  checkClaims(claims as Claims, options);
  return claims as Claims;
}

/** The time and audience checks alone (also used for users minted here, whose signature is ours). */
export function checkClaims(claims: Claims, options: Omit<ValidationOptions, 'jwks'>): void {
  const { now } = options;
  if (claims.exp !== undefined) {
    if (typeof claims.exp !== 'number') throw jwtError('PGRST303', `JWT token claim "exp" must be a number (exp=${JSON.stringify(claims.exp)})`);
    if (now - LEEWAY_SECONDS >= claims.exp) throw jwtError('PGRST303', `JWT token has expired (exp=${claims.exp})`);
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number') throw jwtError('PGRST303', `JWT token claim "nbf" must be a number (nbf=${JSON.stringify(claims.nbf)})`);
    if (now + LEEWAY_SECONDS < claims.nbf) throw jwtError('PGRST303', `JWT token is not yet ready to use (nbf=${claims.nbf})`);
  }
  if (options.audience !== undefined) {
    const aud = claims.aud;
    const ok = typeof aud === 'string' ? aud === options.audience : Array.isArray(aud) && aud.includes(options.audience);
    if (!ok) throw jwtError('PGRST303', 'invalid JWT token audience');
  }
}
