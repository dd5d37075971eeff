import { SignJWT } from 'jose';
import type { SigningKey } from './keys.js';

/**
 * A JWT's claims: the registered ones (RFC 7519) and any others. Declared here rather than taken
 * from jose so that the package's public types load without jose's (which need the DOM or Node types).
 */
export interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  jti?: string;
  nbf?: number;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

/** Duration like '15m', '-1m', '30s', '2h', '1d', or seconds as a number. */
export function durationSeconds(value: string | number, option: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  const m = typeof value === 'string' ? /^(-)?\s*(\d+)\s*(s|m|h|d)?$/.exec(value.trim()) : null;
  if (!m) throw new TypeError(`"${option}" must be seconds or a duration like '15m', '-1m', '30s', got ${JSON.stringify(value)}`);
  const n = Number(m[2]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[3] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return m[1] ? -n : n;
}

/** Signs claims as they are (nothing added): the caller decides every claim, for negative tests too. */
export async function signClaims(claims: Claims, key: SigningKey, header: { kid?: string | null; alg?: string } = {}): Promise<string> {
  const protectedHeader: { alg: string; typ: string; kid?: string } = { alg: key.alg, typ: 'JWT' };
  const kid = header.kid === undefined ? key.kid : header.kid;
  if (kid !== null) protectedHeader.kid = kid;
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key.privateKey);
}
