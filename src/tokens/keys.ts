import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { processWide } from '../brands.js';

/** Algorithms the Data API accepts: Neon Auth signs EdDSA (Ed25519); ES256 and RS256 are seen in the proxy. */
export type SigningAlg = 'EdDSA' | 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['EdDSA', 'ES256', 'RS256'];

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

// kids are unique in the process, across copies of the library (a raw token is traced to its
// database by kid)
const counter = processWide('kidCounter', () => ({ next: 0 }));

export async function createSigningKey(alg: SigningAlg, kid?: string): Promise<SigningKey> {
  if (!SIGNING_ALGS.includes(alg)) {
    throw new TypeError(`"alg" must be one of ${SIGNING_ALGS.join(', ')}, got ${JSON.stringify(alg)}`);
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const id = kid ?? `pg-rls-test-${alg.toLowerCase()}-${process.pid}-${++counter.next}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid: id, alg, use: 'sig' };
  return { kid: id, alg, privateKey, publicJwk };
}

/** A public JSON Web Key (RFC 7517) as the JWKS serves it. */
export interface PublicJwk {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  [parameter: string]: unknown;
}

/** The JSON Web Key Set the Data API would fetch from `<auth-url>/.well-known/jwks.json`. */
export interface Jwks {
  keys: PublicJwk[];
}
