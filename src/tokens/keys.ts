import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** Algorithms the Data API accepts: Neon Auth signs EdDSA (Ed25519); ES256 and RS256 are seen in the proxy. */
export type SigningAlg = 'EdDSA' | 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['EdDSA', 'ES256', 'RS256'];

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

let counter = 0;

export async function createSigningKey(alg: SigningAlg, kid?: string): Promise<SigningKey> {
  if (!SIGNING_ALGS.includes(alg)) {
    throw new TypeError(`"alg" must be one of ${SIGNING_ALGS.join(', ')}, got ${JSON.stringify(alg)}`);
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const id = kid ?? `pg-rls-test-${alg.toLowerCase()}-${process.pid}-${++counter}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid: id, alg, use: 'sig' };
  return { kid: id, alg, privateKey, publicJwk };
}

/** The JSON Web Key Set the Data API would fetch from `<auth-url>/.well-known/jwks.json`. */
export interface Jwks {
  keys: JWK[];
}
